// SPDX-License-Identifier: MIT
// Thread count of the parallel kernels (OpenMP loops and the BLAS).
#pragma once

namespace weightinit {

/// Sets the threads used by weightinit's OpenMP loops (omp_set_num_threads) and, when the
/// process's BLAS is OpenBLAS, by its matrix products (openblas_set_num_threads, found at run
/// time so any BLAS links). Like `torch.set_num_threads(n)`. Throws ValueError for n < 1:
/// "set_num_threads expects a positive integer, but got 0", and for n > max_num_threads() (a
/// thousand threads on two cores only exhausts memory and hangs OpenBLAS's shutdown).
void set_num_threads(int n);

/// The most threads set_num_threads accepts: 8 per core (std::thread::hardware_concurrency).
int max_num_threads();

/// The OpenMP thread count in effect (omp_get_max_threads), like `torch.get_num_threads()`.
int num_threads();

}  // namespace weightinit
