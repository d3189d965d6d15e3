// SPDX-License-Identifier: MIT
// orthogonal_: QR of a Gaussian matrix through LAPACK, with torch's draw and sign fix.
#include <cmath>
#include <vector>

#include "init/zero_element.h"
#include "random/mkl_runtime.h"
#include "weightinit/init/init.h"
#include "weightinit/init/warnings.h"
#include "weightinit/random/sampling.h"
#include "weightinit/threads.h"

// LAPACK (Fortran ABI), from liblapack: the same library torch.linalg.qr calls on Debian.
extern "C" {
void sgeqrf_(const int* m, const int* n, float* a, const int* lda, float* tau, float* work,
             const int* lwork, int* info);
void sorgqr_(const int* m, const int* n, const int* k, float* a, const int* lda, const float* tau,
             float* work, const int* lwork, int* info);
void dgeqrf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void dorgqr_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
}

namespace weightinit::init {

namespace {

/// The LAPACK of the generator's torch build: MKL's for PyPI's 2.x wheels when its runtime is
/// loaded (src/random/mkl_runtime.h), else the linked one (OpenBLAS, as Debian's 1.13).
thread_local const weightinit::detail::MklRuntime* qr_mkl = nullptr;

void geqrf(int m, int n, float* a, int lda, float* tau, float* work, int lwork, int* info) {
  (qr_mkl ? qr_mkl->sgeqrf : sgeqrf_)(&m, &n, a, &lda, tau, work, &lwork, info);
}
void geqrf(int m, int n, double* a, int lda, double* tau, double* work, int lwork, int* info) {
  (qr_mkl ? qr_mkl->dgeqrf : dgeqrf_)(&m, &n, a, &lda, tau, work, &lwork, info);
}
void orgqr(int m, int n, int k, float* a, int lda, const float* tau, float* work, int lwork,
           int* info) {
  (qr_mkl ? qr_mkl->sorgqr : sorgqr_)(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}
void orgqr(int m, int n, int k, double* a, int lda, const double* tau, double* work, int lwork,
           int* info) {
  (qr_mkl ? qr_mkl->dorgqr : dorgqr_)(&m, &n, &k, a, &lda, tau, work, &lwork, info);
}

/// Reduced QR of the column-major m×n matrix `a` (m >= n) in place: on return `a` holds Q and
/// `r_diag` the diagonal of R. Workspace sizes come from LAPACK's query, as torch's do.
template <class T>
void reduced_qr(int m, int n, std::vector<T>& a, std::vector<T>& r_diag) {
  std::vector<T> tau(static_cast<std::size_t>(n));
  int info = 0;
  T query{};
  geqrf(m, n, a.data(), m, tau.data(), &query, -1, &info);
  std::vector<T> work(static_cast<std::size_t>(std::max<T>(1, query)));
  geqrf(m, n, a.data(), m, tau.data(), work.data(), static_cast<int>(work.size()), &info);
  WEIGHTINIT_CHECK(info == 0, Error, "LAPACK geqrf failed with info=", info);
  r_diag.resize(static_cast<std::size_t>(n));
  for (int j = 0; j < n; ++j) r_diag[j] = a[static_cast<std::size_t>(j) * m + j];
  orgqr(m, n, n, a.data(), m, tau.data(), &query, -1, &info);
  work.assign(static_cast<std::size_t>(std::max<T>(1, query)), T{});
  orgqr(m, n, n, a.data(), m, tau.data(), work.data(), static_cast<int>(work.size()), &info);
  WEIGHTINIT_CHECK(info == 0, Error, "LAPACK orgqr failed with info=", info);
}

template <class T>
T sign_of(T v) {
  return static_cast<T>((v > 0) - (v < 0));  // torch.sign: 0 for 0
}

template <class T>
void orthogonal_typed(Tensor& tensor, double gain, Generator& gen) {
  const std::int64_t rows = tensor.size(0);
  const std::int64_t cols = tensor.numel() / rows;
  WEIGHTINIT_CHECK(rows <= INT32_MAX && cols <= INT32_MAX, ShapeError,
                   "orthogonal_ supports at most 2^31-1 rows and columns (LAPACK), but got ", rows,
                   " x ", cols);
  const weightinit::detail::MklRuntime* mkl =
      gen.torch_version() == TorchVersion::V1_13 ? nullptr : weightinit::detail::mkl_runtime();
  qr_mkl =
      mkl != nullptr && mkl->sgeqrf && mkl->dgeqrf && mkl->sorgqr && mkl->dorgqr ? mkl : nullptr;
  if (qr_mkl == nullptr && gen.torch_version() != TorchVersion::V1_13 &&
      gen.family() == RngFamily::Torch) {
    warn(
        "orthogonal_: PyTorch 2.x's QR is MKL's, whose runtime (libmkl_rt.so.2 from PyPI's "
        "mkl==2024.2.0; WEIGHTINIT_MKL_RT names its path) was not found: the linked LAPACK is "
        "used, within 512 eps of torch's values (docs/rng.md)");
  }
  // torch's QR bits depend on MKL's thread count, which torch sets to its own.
  if (qr_mkl != nullptr && qr_mkl->set_threads != nullptr) qr_mkl->set_threads(num_threads());
  // flattened = tensor.new(rows, cols).normal_(0, 1): a contiguous draw, as in torch.
  Tensor flat = Tensor::empty({rows, cols}, tensor.dtype());
  weightinit::normal_(flat, 0.0, 1.0, gen);
  const T* g = flat.data_ptr<T>();
  // QR of `flattened` (rows >= cols) or of its transpose (rows < cols): A is m×n with m >= n,
  // stored column-major for LAPACK. The row-major buffer already is the column-major transpose.
  const bool transposed = rows < cols;
  const int m = static_cast<int>(transposed ? cols : rows);
  const int n = static_cast<int>(transposed ? rows : cols);
  std::vector<T> a(static_cast<std::size_t>(m) * n);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      a[static_cast<std::size_t>(j) * m + i] = transposed ? g[static_cast<std::size_t>(j) * m + i]
                                                          : g[static_cast<std::size_t>(i) * n + j];
    }
  }
  std::vector<T> r_diag;
  reduced_qr(m, n, a, r_diag);
  // q *= sign(diag(r)) per column (Mezzadri 2007), transpose back, copy, then mul_(gain).
  const T scale = static_cast<T>(gain);
  std::vector<T> values(static_cast<std::size_t>(rows * cols));
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      const T q = a[static_cast<std::size_t>(j) * m + i] * sign_of(r_diag[j]);
      const std::size_t dst =
          transposed ? static_cast<std::size_t>(j) * m + i : static_cast<std::size_t>(i) * n + j;
      values[dst] = q * scale;
    }
  }
  tensor.copy_(Tensor::from_data<T>(values, tensor.sizes()));
}

}  // namespace

Tensor& orthogonal_(Tensor& tensor, double gain, Generator& gen) {
  WEIGHTINIT_CHECK(tensor.dim() >= 2, ShapeError,
                   "Only tensors with 2 or more dimensions are supported");
  check_floating_point(tensor.dtype(), "orthogonal_");
  if (detail::is_zero_element_noop(tensor)) return tensor;
  if (tensor.dtype() == DType::Float32) {
    orthogonal_typed<float>(tensor, gain, gen);
  } else {
    orthogonal_typed<double>(tensor, gain, gen);
  }
  return tensor;
}

}  // namespace weightinit::init
