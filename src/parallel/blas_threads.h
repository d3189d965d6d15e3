// SPDX-License-Identifier: MIT
// Internal: OpenBLAS's own thread pool, kept at one thread so that OpenMP's is the only one.
#pragma once

namespace weightinit::parallel {

/// Sets OpenBLAS's pool (Debian's pthreads build keeps one beside OpenMP's) to `n` threads.
/// Looked up at run time (dlsym of openblas_set_num_threads), so reference BLAS and MKL,
/// which lack the symbol, are left alone. Returns whether the BLAS is OpenBLAS.
bool set_blas_threads(int n);

/// Makes OpenBLAS single-threaded, once per process. weightinit's matrix products split
/// their rows or columns over OpenMP's threads themselves (nn::functional::impl::sgemm): two
/// pools on the same cores would oversubscribe them, and OpenBLAS's idle workers spin after
/// every product, on the cores the next OpenMP loop needs (measured in docs/performance.md:
/// the small-CNN epoch at 2 threads took 11.6 s with OpenBLAS at 2 threads, 6.5 s at 1).
void pin_blas_to_one_thread();

/// Gives OpenBLAS `n` threads for a scope, then one again: for LAPACK calls (orthogonal_'s
/// QR), which cannot be split from outside and are threaded inside the BLAS.
class ScopedBlasThreads {
 public:
  explicit ScopedBlasThreads(int n);
  ~ScopedBlasThreads();
  ScopedBlasThreads(const ScopedBlasThreads&) = delete;
  ScopedBlasThreads& operator=(const ScopedBlasThreads&) = delete;

 private:
  bool changed_;
};

}  // namespace weightinit::parallel
