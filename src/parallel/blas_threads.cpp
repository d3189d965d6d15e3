// SPDX-License-Identifier: MIT
// OpenBLAS's thread pool, set through the symbols it exports when it is the process's BLAS.
#include "parallel/blas_threads.h"

#include <dlfcn.h>

#include <mutex>

namespace weightinit::parallel {

namespace {
using SetThreads = void (*)(int);
using GetThreads = int (*)();

SetThreads openblas_setter() {
  static const SetThreads set =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  return set;
}

GetThreads openblas_getter() {
  static const GetThreads get =
      reinterpret_cast<GetThreads>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get;
}

std::mutex scope_mutex;
int scope_depth = 0;    // guarded by scope_mutex
int saved_threads = 1;  // the count found by the outermost scope
}  // namespace

bool set_blas_threads(int n) {
  const SetThreads set = openblas_setter();
  if (set == nullptr) return false;
  set(n);
  return true;
}

int blas_threads() {
  const GetThreads get = openblas_getter();
  return get == nullptr ? 1 : get();
}

SingleThreadedBlas::SingleThreadedBlas() {
  const std::lock_guard<std::mutex> lock(scope_mutex);
  if (scope_depth++ == 0) {
    saved_threads = blas_threads();
    if (saved_threads != 1) set_blas_threads(1);
  }
}

SingleThreadedBlas::~SingleThreadedBlas() {
  const std::lock_guard<std::mutex> lock(scope_mutex);
  if (--scope_depth == 0 && saved_threads != 1) set_blas_threads(saved_threads);
}

}  // namespace weightinit::parallel
