// SPDX-License-Identifier: MIT
#include "weightinit/random/mt19937.h"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "weightinit/random/arith_mode.h"

namespace wi = weightinit;

// torch's seeding is reference init_genrand, the same as std::mt19937's: the two streams match.
TEST(Mt19937, MatchesStdMt19937ForThe32BitSeed) {
  for (const std::uint32_t seed : {0u, 1u, 40u, 5489u, 0xffffffffu}) {
    wi::Mt19937 ours(seed);
    std::mt19937 reference(seed);
    for (int i = 0; i < 3000; ++i)
      ASSERT_EQ(ours(), reference()) << "seed " << seed << " draw " << i;
  }
}

// C++ [rand.predef]: the 10000th output of a default-constructed mt19937 is 4123659995.
TEST(Mt19937, TenThousandthOutputOfSeed5489) {
  wi::Mt19937 mt(5489);
  std::uint32_t v = 0;
  for (int i = 0; i < 10000; ++i) v = mt();
  EXPECT_EQ(v, 4123659995u);
}

TEST(Mt19937, OnlyTheLow32BitsOfTheSeedFeedTheStream) {
  wi::Mt19937 a(5), b((std::uint64_t{1} << 32) + 5);
  for (int i = 0; i < 700; ++i) ASSERT_EQ(a(), b());
  EXPECT_EQ(b.seed(), (std::uint64_t{1} << 32) + 5);
}

TEST(Mt19937, FreshEngineTwistsOnItsFirstDraw) {
  wi::Mt19937 mt(40);
  EXPECT_EQ(mt.left(), 1);
  EXPECT_EQ(mt.next_index(), 0u);
  mt();
  EXPECT_EQ(mt.left(), 624);
  EXPECT_EQ(mt.next_index(), 1u);
}

// fill() must give the same words and leave the same state as single draws, across twists.
TEST(Mt19937, FillMatchesSingleDrawsForAnyChunking) {
  for (const std::int64_t chunk : {1, 7, 623, 624, 625, 1000, 5000}) {
    wi::Mt19937 single(123), bulk(123);
    std::vector<std::uint32_t> words(static_cast<std::size_t>(chunk));
    for (int round = 0; round < 4; ++round) {
      bulk.fill(words.data(), chunk);
      for (std::int64_t i = 0; i < chunk; ++i) {
        ASSERT_EQ(words[i], single()) << "chunk " << chunk << " round " << round << " word " << i;
      }
      ASSERT_EQ(bulk.left(), single.left());
      ASSERT_EQ(bulk.next_index(), single.next_index());
    }
  }
}

TEST(Mt19937, SetRawRejectsOutOfRangeBookkeeping) {
  wi::Mt19937 mt(1);
  const auto state = mt.state();
  EXPECT_FALSE(mt.set_raw(1, 0, 0, state));
  EXPECT_FALSE(mt.set_raw(1, 625, 0, state));
  EXPECT_FALSE(mt.set_raw(1, 5, 625, state));
  EXPECT_TRUE(mt.set_raw(1, 624, 624, state));
}

namespace weightinit::detail {
void mt19937_twist_temper_avx2(std::uint32_t* state, std::uint32_t* out);
void mt19937_twist_temper_avx512(std::uint32_t* state, std::uint32_t* out);
}  // namespace weightinit::detail

namespace {

// Each vectorised bulk kernel this CPU can run equals 624 single draws after a twist, over
// several consecutive twists and seeds (the dispatcher's choice is covered by the golden files).
TEST(Mt19937, EveryBulkKernelMatchesSingleDraws) {
  using Kernel = void (*)(std::uint32_t*, std::uint32_t*);
  std::vector<std::pair<const char*, Kernel>> kernels{
      {"dispatched", weightinit::detail::mt19937_twist_temper}};
  if (weightinit::cpu_has_avx2_fma()) {
    kernels.emplace_back("avx2", weightinit::detail::mt19937_twist_temper_avx2);
  }
  if (weightinit::cpu_has_avx512()) {
    kernels.emplace_back("avx512", weightinit::detail::mt19937_twist_temper_avx512);
  }
  for (const auto& [name, kernel] : kernels) {
    for (const std::uint64_t seed : {0ull, 5489ull, 0xffffffffull, 20240601ull}) {
      weightinit::Mt19937 reference(seed);
      weightinit::Mt19937 copy(seed);
      std::array<std::uint32_t, 624> state = copy.state();
      std::vector<std::uint32_t> out(624);
      for (int twist = 0; twist < 5; ++twist) {
        kernel(state.data(), out.data());
        for (int i = 0; i < 624; ++i) {
          ASSERT_EQ(out[static_cast<std::size_t>(i)], reference())
              << name << " seed " << seed << " twist " << twist << " output " << i;
        }
      }
    }
  }
}

}  // namespace
