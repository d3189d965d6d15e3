// SPDX-License-Identifier: MIT
// set_num_threads: OpenMP plus, when present, OpenBLAS's own thread pool.
#include "weightinit/threads.h"

#include <dlfcn.h>
#include <omp.h>

#include <algorithm>
#include <thread>

#include "weightinit/error.h"

namespace weightinit {

void set_num_threads(int n) {
  WEIGHTINIT_CHECK(n >= 1, ValueError, "set_num_threads expects a positive integer, but got ", n);
  const int limit = max_num_threads();
  WEIGHTINIT_CHECK(n <= limit, ValueError, "set_num_threads expects at most ", limit,
                   " threads (8 per core of this machine's ", limit / 8, "), but got ", n);
  omp_set_num_threads(n);
  // OpenBLAS (pthreads build, Debian's default) keeps its own pool; OMP_NUM_THREADS does not
  // reach it after load. Looked up dynamically: reference BLAS or MKL simply lack the symbol.
  using SetThreads = void (*)(int);
  if (auto* set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
    set(n);
  }
}

int num_threads() { return omp_get_max_threads(); }

int max_num_threads() {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  return static_cast<int>(8 * cores);
}

}  // namespace weightinit
