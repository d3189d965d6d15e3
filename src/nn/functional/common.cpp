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
}  // namespace

void sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha,
           const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c,
           std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // C = beta·C; the BLAS may reject the degenerate leading dimensions.
    for (std::int64_t i = 0; i < m; ++i) {
      float* row = c + i * ldc;
      if (beta == 0.0f) {
        std::fill(row, row + n, 0.0f);
      } else {
        for (std::int64_t j = 0; j < n; ++j) row[j] *= beta;
      }
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, blas_int(m, "M"), blas_int(n, "N"),
              blas_int(k, "K"), alpha, a, blas_int(lda, "lda"), b, blas_int(ldb, "ldb"), beta, c,
              blas_int(ldc, "ldc"));
}

}  // namespace weightinit::nn::functional::impl
