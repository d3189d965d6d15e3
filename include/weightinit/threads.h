// SPDX-License-Identifier: MIT
// Thread count of the parallel kernels (OpenMP loops and the BLAS).
#pragma once

namespace weightinit {

/// Sets the threads used by weightinit's OpenMP loops (omp_set_num_threads), which also run its
/// matrix products: each product is split by rows or columns over them while OpenBLAS's own
/// pool is held at one thread, so one pool serves them. OpenBLAS is also given n threads
/// (openblas_set_num_threads, found at run time so any BLAS links) for LAPACK (orthogonal_'s
/// QR). Like `torch.set_num_threads(n)`. Throws ValueError for n < 1:
/// "set_num_threads expects a positive integer, but got 0", and for n > max_num_threads() (a
/// thousand threads on two cores only exhausts memory and hangs OpenBLAS's shutdown).
void set_num_threads(int n);

/// The most threads set_num_threads accepts: 8 per core (std::thread::hardware_concurrency).
int max_num_threads();

/// The OpenMP thread count in effect (omp_get_max_threads), like `torch.get_num_threads()`.
int num_threads();

}  // namespace weightinit
