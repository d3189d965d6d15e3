// SPDX-License-Identifier: MIT
// A size-exact cache of freed large tensor blocks (weightinit/tensor/memory_cache.h).
//
// Why not the C library's allocator alone: glibc serves blocks of 4 MiB and more, 2 MiB-aligned
// (tensor.cpp asks for that to get transparent huge pages), with mmap or from the top of its
// heap, and gives them back with munmap or a heap trim when they are freed. A training step
// frees and re-allocates the same activations every step, so each step faulted ~800 MB back in
// and the kernel zeroed it: 11% of a resnet50 training step here (perf: clear_page_erms). The
// cache keeps those blocks, keyed by their exact rounded size, up to a byte limit; sizes repeat
// exactly from step to step, so an exact match is enough. Under AddressSanitizer it is off, so
// that use-after-free stays detectable.
#include "weightinit/tensor/memory_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>

#include "tensor/memory_cache_impl.h"

#if defined(__SANITIZE_ADDRESS__)
#define WEIGHTINIT_CACHE_DISABLED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEIGHTINIT_CACHE_DISABLED 1
#endif
#endif

namespace weightinit {

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

/// An eighth of the machine's memory, between 256 MiB and 4 GiB: a resnet50 training step at
/// batch 8 frees and re-allocates ~1.5 GB of activations, and a limit below that leaves the
/// rest to be faulted in again every step.
std::size_t default_limit() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  const std::size_t ram =
      pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) : 0;
  return std::clamp<std::size_t>(ram / 8, 256 * kMiB, 4096 * kMiB);
}

std::size_t limit_from_environment() {
#ifdef WEIGHTINIT_CACHE_DISABLED
  return 0;
#else
  const char* env = std::getenv("WEIGHTINIT_CACHE_MB");
  if (env == nullptr || *env == '\0') return default_limit();
  char* end = nullptr;
  const unsigned long long mb = std::strtoull(env, &end, 10);
  return (end != nullptr && *end == '\0') ? static_cast<std::size_t>(mb) * kMiB : default_limit();
#endif
}

struct Cache {
  std::mutex mutex;
  std::multimap<std::size_t, void*> blocks;  // rounded size → block
  std::size_t bytes = 0;
  std::size_t limit = limit_from_environment();

  /// Frees cached blocks, largest first, until at most `target` bytes remain (mutex held).
  void shrink_to(std::size_t target) {
    while (bytes > target && !blocks.empty()) {
      auto last = std::prev(blocks.end());
      bytes -= last->first;
      std::free(last->second);
      blocks.erase(last);
    }
  }
};

Cache& cache() {
  static Cache* c = new Cache;  // never destroyed: tensors may be freed during static teardown
  return *c;
}

}  // namespace

namespace detail {

void* take_cached_block(std::size_t rounded) {
  if (rounded < kCachedBlockMin) return nullptr;
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  auto it = c.blocks.find(rounded);
  if (it == c.blocks.end()) return nullptr;
  void* p = it->second;
  c.bytes -= rounded;
  c.blocks.erase(it);
  return p;
}

void give_back_block(void* data, std::size_t rounded) {
  if (data == nullptr) return;
  if (rounded >= kCachedBlockMin) {
    Cache& c = cache();
    std::lock_guard lock(c.mutex);
    if (c.bytes + rounded <= c.limit) {
      c.blocks.emplace(rounded, data);
      c.bytes += rounded;
      return;
    }
  }
  std::free(data);
}

}  // namespace detail

std::size_t cached_memory_bytes() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.bytes;
}

std::size_t memory_cache_limit() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  return c.limit;
}

void set_memory_cache_limit(std::size_t bytes) {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
#ifdef WEIGHTINIT_CACHE_DISABLED
  bytes = 0;
#endif
  c.limit = bytes;
  c.shrink_to(bytes);
}

void release_cached_memory() {
  Cache& c = cache();
  std::lock_guard lock(c.mutex);
  c.shrink_to(0);
}

}  // namespace weightinit
