// SPDX-License-Identifier: MIT
// OpenBLAS's thread pool, set through the symbol it exports when it is the process's BLAS.
#include "parallel/blas_threads.h"

#include <dlfcn.h>

#include <mutex>

namespace weightinit::parallel {

namespace {
using SetThreads = void (*)(int);

SetThreads openblas_setter() {
  static const SetThreads set =
      reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  return set;
}
}  // namespace

bool set_blas_threads(int n) {
  const SetThreads set = openblas_setter();
  if (set == nullptr) return false;
  set(n);
  return true;
}

void pin_blas_to_one_thread() {
  static std::once_flag once;
  std::call_once(once, [] { set_blas_threads(1); });
}

ScopedBlasThreads::ScopedBlasThreads(int n) : changed_(false) {
  pin_blas_to_one_thread();
  if (n > 1) changed_ = set_blas_threads(n);
}

ScopedBlasThreads::~ScopedBlasThreads() {
  if (changed_) set_blas_threads(1);
}

}  // namespace weightinit::parallel
