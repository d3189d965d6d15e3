// SPDX-License-Identifier: MIT
// Internal: OpenBLAS's own thread pool, held at one thread while weightinit's products run.
#pragma once

namespace weightinit::parallel {

/// Sets OpenBLAS's pool (Debian's pthreads build keeps one beside OpenMP's) to `n` threads.
/// Looked up at run time (dlsym of openblas_set_num_threads), so reference BLAS and MKL,
/// which lack the symbol, are left alone. Returns whether the BLAS is OpenBLAS.
bool set_blas_threads(int n);

/// OpenBLAS's thread count (openblas_get_num_threads), or 1 for another BLAS.
int blas_threads();

/// Holds OpenBLAS at one thread for its lifetime, then gives back the count it found.
/// weightinit's matrix products split their rows or columns over OpenMP's threads themselves
/// (nn::functional::impl::sgemm): OpenBLAS's workers would otherwise share the cores with
/// OpenMP's, and they spin after every product on the cores the next OpenMP loop needs
/// (measured in docs/performance.md: the small-CNN epoch at 2 threads took 11.6 s with OpenBLAS
/// at 2 threads, 6.5 s at 1). Scoped rather than set once because the process's other users
/// of the same OpenBLAS (Debian's PyTorch, in the Python package) keep their thread count.
/// Nested and concurrent scopes (products called from inside an OpenMP region) are counted:
/// the first one in saves the count, the last one out restores it.
class SingleThreadedBlas {
 public:
  SingleThreadedBlas();
  ~SingleThreadedBlas();
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;
};

}  // namespace weightinit::parallel
