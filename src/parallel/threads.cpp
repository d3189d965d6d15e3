// SPDX-License-Identifier: MIT
// set_num_threads: OpenMP's pool, and OpenBLAS's for LAPACK.
#include "weightinit/threads.h"

#include <omp.h>

#include <algorithm>
#include <thread>

#include "parallel/blas_threads.h"
#include "weightinit/error.h"

namespace weightinit {

void set_num_threads(int n) {
  WEIGHTINIT_CHECK(n >= 1, ValueError, "set_num_threads expects a positive integer, but got ", n);
  const int limit = max_num_threads();
  WEIGHTINIT_CHECK(n <= limit, ValueError, "set_num_threads expects at most ", limit,
                   " threads (8 per core of this machine's ", limit / 8, "), but got ", n);
  omp_set_num_threads(n);
  // OpenBLAS's own pool (Debian's pthreads build) serves LAPACK (orthogonal_'s QR); our matrix
  // products hold it at one thread while they split themselves over OpenMP's threads.
  parallel::set_blas_threads(n);
}

int num_threads() { return omp_get_max_threads(); }

int max_num_threads() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(8 * cores);
}

}  // namespace weightinit
