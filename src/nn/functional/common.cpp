// SPDX-License-Identifier: MIT
// Private helpers of the functional kernels: dtype checks, option expansion, the sgemm wrapper.
#include "nn/functional/common.h"

#include <cblas.h>

#include <algorithm>
#include <limits>

#include "weightinit/dtype.h"

namespace weightinit::nn::functional::impl {

void check_float32(const Tensor& t, const char* op, const char* arg) {
  WEIGHTINIT_CHECK(t.defined(), ValueError, op, ": ", arg, " is an undefined tensor");
  WEIGHTINIT_CHECK(t.dtype() == DType::Float32, DTypeError, op, ": ", arg,
                   " must be a float32 tensor, but got dtype ", dtype_name(t.dtype()));
}

Tensor contiguous_f32(const Tensor& t, const char* op, const char* arg) {
  check_float32(t, op, arg);
  return t.contiguous();
}

void check_floating(const Tensor& t, const char* op, const char* arg) {
  WEIGHTINIT_CHECK(t.defined(), ValueError, op, ": ", arg, " is an undefined tensor");
  WEIGHTINIT_CHECK(t.dtype() == DType::Float32 || t.dtype() == DType::Float64, DTypeError, op, ": ",
                   arg, " must be a float32 or float64 tensor, but got dtype ",
                   dtype_name(t.dtype()));
}

Tensor contiguous_float(const Tensor& t, const char* op, const char* arg) {
  check_floating(t, op, arg);
  return t.contiguous();
}

namespace {
const char* torch_scalar_type(DType d) {
  switch (d) {
    case DType::Float32:
      return "Float";
    case DType::Float64:
      return "Double";
    case DType::Int64:
      return "Long";
  }
  return "?";
}
}  // namespace

void check_same_dtype(const Tensor& t, DType dtype, const char* op, const char* arg) {
  WEIGHTINIT_CHECK(t.defined(), ValueError, op, ": ", arg, " is an undefined tensor");
  WEIGHTINIT_CHECK(t.dtype() == dtype, DTypeError, op, ": expected scalar type ",
                   torch_scalar_type(dtype), " but found ", torch_scalar_type(t.dtype()), " (", arg,
                   ")");
}

Shape expand_conv_param(const Shape& value, std::size_t n, const char* name) {
  if (value.size() == 1) return Shape(n, value[0]);
  WEIGHTINIT_CHECK(value.size() == n, ValueError, "expected ", name,
                   " to be a single integer value or a list of ", n,
                   " values to match the convolution dimensions, but got ", name, "=",
                   shape_str(value));
  return value;
}

std::int64_t prod(const Shape& sizes, std::size_t begin, std::size_t end) {
  std::int64_t p = 1;
  for (std::size_t i = begin; i < end; ++i) p *= sizes[i];
  return p;
}

std::int64_t wrap_dim(std::int64_t d, std::int64_t ndim) {
  const std::int64_t n = std::max<std::int64_t>(ndim, 1);
  WEIGHTINIT_CHECK(d >= -n && d < n, IndexError,
                   "Dimension out of range (expected to be in range of [", -n, ", ", n - 1,
                   "], but got ", d, ")");
  return d < 0 ? d + n : d;
}

namespace {
int blas_int(std::int64_t v, const char* what) {
  WEIGHTINIT_CHECK(v >= 0 && v <= std::numeric_limits<int>::max(), ShapeError,
                   "matrix product too large for the BLAS: ", what, "=", v,
                   " does not fit a 32-bit BLAS integer");
  return static_cast<int>(v);
}

template <class T, class Blas>
void gemm_impl(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
               const T* a, std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c,
               std::int64_t ldc, Blas blas) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // C = beta·C; the BLAS may reject the degenerate leading dimensions.
    for (std::int64_t i = 0; i < m; ++i) {
      T* row = c + i * ldc;
      if (beta == T(0)) {
        std::fill(row, row + n, T(0));
      } else {
        for (std::int64_t j = 0; j < n; ++j) row[j] *= beta;
      }
    }
    return;
  }
  blas(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
       blas_int(m, "M"), blas_int(n, "N"), blas_int(k, "K"), alpha, a, blas_int(lda, "lda"), b,
       blas_int(ldb, "ldb"), beta, c, blas_int(ldc, "ldc"));
}
}  // namespace

void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc) {
  gemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, cblas_sgemm);
}

void dgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha,
           const double* a, std::int64_t lda, const double* b, std::int64_t ldb, double beta,
           double* c, std::int64_t ldc) {
  gemm_impl(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, cblas_dgemm);
}

}  // namespace weightinit::nn::functional::impl
