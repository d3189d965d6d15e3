// SPDX-License-Identifier: MIT
// The cache of freed tensor memory: large blocks a tensor releases are kept for the next tensor
// of the same size, so a training loop does not hand its activations back to the kernel and
// fault them in (and zero them) again every step.
#pragma once

#include <cstddef>

namespace weightinit {

/// Bytes currently held by the cache (freed blocks of 1 MiB and more waiting for reuse).
std::size_t cached_memory_bytes();

/// The most the cache holds: an eighth of the machine's memory (at least 256 MiB, at most
/// 4 GiB) by default, WEIGHTINIT_CACHE_MB (0 turns the cache off) at start-up, or the last
/// set_memory_cache_limit. A block that would exceed it is freed at once.
std::size_t memory_cache_limit();

/// Sets the limit; lowering it frees cached blocks until the cache fits.
void set_memory_cache_limit(std::size_t bytes);

/// Frees every cached block (the analogue of torch.cuda.empty_cache; tensors in use are not
/// touched).
void release_cached_memory();

}  // namespace weightinit
