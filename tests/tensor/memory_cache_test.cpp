// SPDX-License-Identifier: MIT
// The cache of freed tensor blocks: what it keeps, reuse by exact size, its limit, release.
#include "weightinit/tensor/memory_cache.h"

#include <gtest/gtest.h>

#include <cstddef>

#include "weightinit/tensor/tensor.h"

namespace wi = weightinit;

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

/// Runs each test from an empty cache with the default limit, and restores the limit.
class MemoryCache : public ::testing::Test {
 protected:
  void SetUp() override {
    limit_ = wi::memory_cache_limit();
    wi::release_cached_memory();
  }
  void TearDown() override { wi::set_memory_cache_limit(limit_); }
  std::size_t limit_ = 0;
};

TEST_F(MemoryCache, AFreedLargeBlockIsReusedByTheNextTensorOfItsSize) {
  if (limit_ == 0) {  // the sanitizer build: nothing may be cached
    { wi::Tensor t = wi::Tensor::empty({1 << 20}, wi::DType::Float32); }
    EXPECT_EQ(wi::cached_memory_bytes(), 0u);
    return;
  }
  const void* first = nullptr;
  {
    wi::Tensor t = wi::Tensor::empty({3 << 18}, wi::DType::Float32);  // 3 MiB: 64-byte aligned
    first = t.data_ptr<float>();
  }
  EXPECT_EQ(wi::cached_memory_bytes(), 3 * kMiB);
  wi::Tensor other = wi::Tensor::empty({1 << 18}, wi::DType::Float32);  // 1 MiB: another size
  EXPECT_NE(static_cast<const void*>(other.data_ptr<float>()), first);
  EXPECT_EQ(wi::cached_memory_bytes(), 3 * kMiB);
  wi::Tensor again = wi::Tensor::zeros({3, 1 << 18}, wi::DType::Float32);  // same bytes
  EXPECT_EQ(static_cast<const void*>(again.data_ptr<float>()), first);
  EXPECT_EQ(wi::cached_memory_bytes(), 0u);
  for (const float v : again.to_vector<float>()) ASSERT_EQ(v, 0.0f);  // zeros() still zeroes
}

TEST_F(MemoryCache, SmallBlocksAreNotCached) {
  { wi::Tensor t = wi::Tensor::empty({1000}, wi::DType::Float64); }
  { wi::Tensor t = wi::Tensor::empty({(1 << 18) - 16}, wi::DType::Float32); }  // just under 1 MiB
  EXPECT_EQ(wi::cached_memory_bytes(), 0u);
}

TEST_F(MemoryCache, TheLimitBoundsWhatIsKeptAndLoweringItFreesBlocks) {
  if (limit_ == 0) GTEST_SKIP() << "the cache is off in this build (AddressSanitizer)";
  wi::set_memory_cache_limit(5 * kMiB);
  {
    wi::Tensor a = wi::Tensor::empty({1 << 20}, wi::DType::Float32);  // 4 MiB
    wi::Tensor b = wi::Tensor::empty({1 << 19}, wi::DType::Float32);  // 2 MiB
  }
  // b is freed first (2 MiB kept), then a would make 6 MiB > 5 MiB: freed at once.
  EXPECT_EQ(wi::cached_memory_bytes(), 2 * kMiB);
  wi::set_memory_cache_limit(1 * kMiB);
  EXPECT_EQ(wi::cached_memory_bytes(), 0u);
  wi::set_memory_cache_limit(0);
  { wi::Tensor c = wi::Tensor::empty({1 << 18}, wi::DType::Float32); }
  EXPECT_EQ(wi::cached_memory_bytes(), 0u);
  EXPECT_EQ(wi::memory_cache_limit(), 0u);
}

TEST_F(MemoryCache, ReleaseFreesEverything) {
  { wi::Tensor t = wi::Tensor::empty({1 << 19}, wi::DType::Float32); }
  wi::release_cached_memory();
  EXPECT_EQ(wi::cached_memory_bytes(), 0u);
}

}  // namespace
