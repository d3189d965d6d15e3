// SPDX-License-Identifier: MIT
// Private helpers of the functional kernels: dtype checks, option expansion, the sgemm wrapper.
#include "nn/functional/common.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <limits>

#include "parallel/blas_threads.h"
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

/// Below this many multiply-adds a product runs on the calling thread: an OpenMP region costs
/// a few microseconds, a 2^17-MAC product about ten.
constexpr std::int64_t kMinMacsToSplit = std::int64_t{1} << 17;

template <class T, class Blas>
void blas_call(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, T alpha,
               const T* a, std::int64_t lda, const T* b, std::int64_t ldb, T beta, T* c,
               std::int64_t ldc, Blas blas) {
  blas(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans,
       blas_int(m, "M"), blas_int(n, "N"), blas_int(k, "K"), alpha, a, blas_int(lda, "lda"), b,
       blas_int(ldb, "ldb"), beta, c, blas_int(ldc, "ldc"));
}

/// The product split over OpenMP's threads by hand, OpenBLAS itself single-threaded (see
/// parallel/blas_threads.h for why): C's rows when M is the larger side, else its columns, in
/// contiguous blocks aligned to 16. Each element of C is still one BLAS dot product over the
/// whole of K, so the split does not change how K is summed.
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
  for (const auto& [v, what] :
       {std::pair{m, "M"}, {n, "N"}, {k, "K"}, {lda, "lda"}, {ldb, "ldb"}, {ldc, "ldc"}}) {
    (void)blas_int(v, what);  // thrown here, not inside the parallel region
  }
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  constexpr std::int64_t kAlign = 16;
  const bool split_rows = m >= n;
  const std::int64_t side = split_rows ? m : n;
  const std::int64_t blocks = (side + kAlign - 1) / kAlign;
  const std::int64_t parts = std::min<std::int64_t>(threads, blocks);
  const parallel::SingleThreadedBlas single_threaded_blas;
  if (parts <= 1 || m * n * k < kMinMacsToSplit) {
    blas_call(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, blas);
    return;
  }
  const int team = static_cast<int>(parts);
#pragma omp parallel for num_threads(team) schedule(static, 1)
  for (std::int64_t p = 0; p < parts; ++p) {
    const std::int64_t begin = blocks * p / parts * kAlign;
    const std::int64_t end = std::min(side, blocks * (p + 1) / parts * kAlign);
    if (begin >= end) continue;
    if (split_rows) {  // rows begin..end of op(A) and of C
      const T* a_part = trans_a ? a + begin : a + begin * lda;
      blas_call(trans_a, trans_b, end - begin, n, k, alpha, a_part, lda, b, ldb, beta,
                c + begin * ldc, ldc, blas);
    } else {  // columns begin..end of op(B) and of C
      const T* b_part = trans_b ? b + begin * ldb : b + begin;
      blas_call(trans_a, trans_b, m, end - begin, k, alpha, a, lda, b_part, ldb, beta, c + begin,
                ldc, blas);
    }
  }
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
