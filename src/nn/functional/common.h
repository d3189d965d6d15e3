// SPDX-License-Identifier: MIT
// Private helpers of the functional kernels: argument checks, option expansion, BLAS, threading.
#pragma once

#include <cstddef>
#include <cstdint>

#include "weightinit/error.h"
#include "weightinit/tensor/shape.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::nn::functional::impl {

/// Element count below which a loop stays on one thread (an OpenMP fork costs a few µs).
inline constexpr std::int64_t kParallelGrain = std::int64_t{1} << 15;

/// Throws ValueError when `t` is undefined and DTypeError unless it is float32:
/// "{op}: {arg} must be a float32 tensor, but got dtype float64".
void check_float32(const Tensor& t, const char* op, const char* arg);

/// check_float32, then `t.contiguous()`: the kernels read row-major float32 data.
Tensor contiguous_f32(const Tensor& t, const char* op, const char* arg);

/// Throws ValueError when `t` is undefined and DTypeError unless it is float32 or float64:
/// "{op}: {arg} must be a float32 or float64 tensor, but got dtype int64".
void check_floating(const Tensor& t, const char* op, const char* arg);

/// check_floating, then `t.contiguous()`.
Tensor contiguous_float(const Tensor& t, const char* op, const char* arg);

/// Throws DTypeError unless `t` has `dtype` (the input's), in PyTorch's words:
/// "{op}: expected scalar type Float but found Double ({arg})".
void check_same_dtype(const Tensor& t, DType dtype, const char* op, const char* arg);

/// Calls f(float{}) for a float32 dtype and f(double{}) for float64 (DTypeError otherwise), so
/// a kernel written as a template on its element type T serves both:
///   return impl::dispatch_float(x.dtype(), "relu", [&](auto tag) {
///     using T = decltype(tag); ... });
template <class F>
decltype(auto) dispatch_float(DType dtype, const char* op, F&& f) {
  if (dtype == DType::Float64) return f(double{});
  WEIGHTINIT_CHECK(dtype == DType::Float32, DTypeError, op,
                   ": expected a float32 or float64 tensor");
  return f(float{});
}

/// A per-dim convolution option expanded to `n` entries, as PyTorch's expand_param_if_needed:
/// one entry is repeated; otherwise the size must be n ("expected stride to be a single integer
/// value or a list of 2 values to match the convolution dimensions, but got stride=[1, 1, 1]").
Shape expand_conv_param(const Shape& value, std::size_t n, const char* name);

/// Product of sizes[begin:end].
std::int64_t prod(const Shape& sizes, std::size_t begin, std::size_t end);

/// `d` wrapped into [0, ndim) (ndim 0 is treated as 1, as PyTorch does for scalars); IndexError
/// "Dimension out of range (expected to be in range of [-2, 1], but got 2)" otherwise.
std::int64_t wrap_dim(std::int64_t d, std::int64_t ndim);

/// Row-major C(M×N) = alpha·op(A)·op(B) + beta·C through cblas_sgemm, where op(A) is M×K
/// (A stored K×M when trans_a) and op(B) is K×N. Sizes must fit the BLAS int; empty products
/// (M, N or K zero) are handled here (K = 0 scales C by beta).
void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc);

/// sgemm through cblas_dgemm, for float64 kernels.
void dgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
           double alpha, const double* a, std::int64_t lda, const double* b, std::int64_t ldb,
           double beta, double* c, std::int64_t ldc);

/// sgemm or dgemm by element type, for kernels templated on T.
inline void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                 float alpha, const float* a, std::int64_t lda, const float* b, std::int64_t ldb,
                 float beta, float* c, std::int64_t ldc) {
  sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
                 double alpha, const double* a, std::int64_t lda, const double* b,
                 std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  dgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/// The DType of element type T (float → Float32, double → Float64).
template <class T>
constexpr DType dtype_of() {
  return sizeof(T) == 8 ? DType::Float64 : DType::Float32;
}

}  // namespace weightinit::nn::functional::impl
