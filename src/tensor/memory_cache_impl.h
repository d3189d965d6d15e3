// SPDX-License-Identifier: MIT
// The tensor storage's side of the memory cache (memory_cache.cpp).
#pragma once

#include <cstddef>

namespace weightinit::detail {

/// Blocks smaller than this are never cached (the C library reuses small blocks well).
inline constexpr std::size_t kCachedBlockMin = std::size_t{1} << 20;

/// A cached block of exactly `rounded` bytes (allocated with the alignment the storage uses
/// for that size), or nullptr.
void* take_cached_block(std::size_t rounded);

/// Caches a block of `rounded` bytes when it is large enough and the limit allows; frees it
/// otherwise. nullptr is ignored.
void give_back_block(void* data, std::size_t rounded);

}  // namespace weightinit::detail
