// SPDX-License-Identifier: MIT
// MT19937 jump-ahead against stepping: random positions and offsets up to 10^7 (every failure
// prints its seed), torch's lazy-twist bookkeeping at block edges, composition of long jumps,
// the characteristic polynomial, and bad input. tools/torch_jump_check.py holds it to real
// PyTorch at offsets up to 10^10 (ctest torch_jump_*).
#include "weightinit/random/mt19937_jump.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "weightinit/error.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/sampling.h"

namespace wi = weightinit;

namespace {

/// Draws `n` words through fill (the vectorised whole-block path included).
void draw(wi::Mt19937& e, std::uint64_t n) {
  std::vector<std::uint32_t> scratch(1 << 16);
  while (n > 0) {
    const std::uint64_t take = std::min<std::uint64_t>(n, scratch.size());
    e.fill(scratch.data(), static_cast<std::int64_t>(take));
    n -= take;
  }
}

/// Same state, bookkeeping and next outputs.
::testing::AssertionResult same_engine(wi::Mt19937 a, wi::Mt19937 b) {
  if (a.left() != b.left() || a.next_index() != b.next_index()) {
    return ::testing::AssertionFailure() << "left/next " << a.left() << "/" << a.next_index()
                                         << " vs " << b.left() << "/" << b.next_index();
  }
  if (a.state() != b.state()) return ::testing::AssertionFailure() << "states differ";
  for (int i = 0; i < 2000; ++i) {
    if (a() != b()) return ::testing::AssertionFailure() << "output " << i << " differs";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

TEST(Mt19937Jump, EqualsSteppingAtBlockEdges) {
  for (const std::uint64_t start : {0ull, 1ull, 5ull, 623ull, 624ull, 625ull, 1247ull}) {
    for (const std::uint64_t words :
         {0ull, 1ull, 2ull, 618ull, 619ull, 623ull, 624ull, 625ull, 1247ull, 1248ull, 1249ull,
          (1ull << 20) - 1, 1ull << 20, (1ull << 20) + 1}) {
      wi::Mt19937 stepped(42), jumped(42);
      draw(stepped, start);
      draw(jumped, start);
      draw(stepped, words);
      wi::mt19937_discard(jumped, words, wi::JumpMethod::Polynomial);
      EXPECT_TRUE(same_engine(stepped, jumped)) << "start " << start << " words " << words;
    }
  }
}

TEST(Mt19937Jump, EqualsSteppingAtRandomOffsetsUpToTenMillion) {
  std::mt19937_64 pick(20261205);
  for (int trial = 0; trial < 12; ++trial) {
    const std::uint64_t seed = pick();
    const std::uint64_t start = pick() % 5000;
    const std::uint64_t words = pick() % 10000001;
    wi::Mt19937 stepped(seed), jumped(seed);
    draw(stepped, start);
    draw(jumped, start);
    draw(stepped, words);
    wi::mt19937_discard(jumped, words, wi::JumpMethod::Polynomial);
    EXPECT_TRUE(same_engine(stepped, jumped))
        << "seed " << seed << " start " << start << " words " << words;
  }
}

TEST(Mt19937Jump, FastestDrawsShortJumpsAndAgreesWithThePolynomial) {
  for (const std::uint64_t words : {1ull, 624ull, (1ull << 24) - 1, 1ull << 24, (1ull << 24) + 7}) {
    wi::Mt19937 fastest(9), polynomial(9);
    wi::mt19937_discard(fastest, words);
    wi::mt19937_discard(polynomial, words, wi::JumpMethod::Polynomial);
    EXPECT_TRUE(same_engine(fastest, polynomial)) << "words " << words;
  }
}

TEST(Mt19937Jump, LongJumpsCompose) {
  std::mt19937_64 pick(7);
  for (int trial = 0; trial < 4; ++trial) {
    const std::uint64_t seed = pick();
    const std::uint64_t a = (pick() >> 24) + (1ull << 30), b = (pick() >> 24) + 12345;
    wi::Mt19937 twice(seed), once(seed);
    wi::mt19937_discard(twice, a);
    wi::mt19937_discard(twice, b);
    wi::mt19937_discard(once, a + b);
    EXPECT_TRUE(same_engine(twice, once)) << "seed " << seed << " a " << a << " b " << b;
  }
}

TEST(Mt19937Jump, CharacteristicPolynomialIsTheKnownOne) {
  const std::vector<bool>& phi = wi::mt19937_characteristic_polynomial();
  ASSERT_EQ(phi.size(), 19938u);  // degree 19937 = 624·32 − 31
  EXPECT_TRUE(phi.front());       // φ(0) = 1: the recurrence is invertible on its live bits
  EXPECT_TRUE(phi.back());
  std::size_t weight = 0;
  for (const bool b : phi) weight += b ? 1 : 0;
  // Matsumoto & Nishimura 1998, Table 2: MT19937's characteristic polynomial has 135 terms.
  EXPECT_EQ(weight, 135u);
}

TEST(Mt19937Jump, GeneratorDiscardKeepsTheNormalCacheAndRefusesPhilox) {
  wi::Generator g(3), h(3);
  (void)wi::randn({5}, wi::DType::Float64, g);  // odd scalar path: leaves a cached sample
  (void)wi::randn({5}, wi::DType::Float64, h);
  ASSERT_TRUE(g.next_double_normal_sample().has_value());
  g.discard(1000);
  std::vector<std::uint32_t> words(1000);
  h.fill_random(words);
  EXPECT_EQ(g.get_state(), h.get_state());
  wi::Generator philox = wi::Generator::philox(1);
  EXPECT_THROW(philox.discard(1), wi::ValueError);
}

TEST(Mt19937Jump, JumpPastTwoToTheSixtyFourIsAnError) {
  wi::Mt19937 e(1);
  draw(e, 10);
  EXPECT_THROW(wi::mt19937_discard(e, UINT64_MAX - 5), wi::ValueError);
  EXPECT_THROW(wi::mt19937_discard(e, 1ull << 41, wi::JumpMethod::Draw), wi::ValueError);
  wi::Mt19937 untouched(1);
  draw(untouched, 10);
  EXPECT_TRUE(same_engine(e, untouched));  // nothing changed
}

// Real PyTorch drew `offset` words (tools/torch_jump_golden.py): the jumped generator's
// get_state() must be torch's 5056 bytes, at offsets from 1 to 10^10.
TEST(Mt19937Jump, MatchesTorchsStateAfterRealDraws) {
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/mt19937_jump.json");
  ASSERT_TRUE(in.good());
  const nlohmann::json golden = nlohmann::json::parse(in);
  ASSERT_GE(golden.at("cases").size(), 7u);
  for (const auto& c : golden.at("cases")) {
    const auto seed = c.at("seed").get<std::uint64_t>();
    const auto offset = c.at("offset").get<std::uint64_t>();
    wi::Generator g(seed);
    g.discard(offset);
    const auto state = g.get_state();
    std::string hex;
    for (const std::uint8_t byte : state) {
      static const char* digits = "0123456789abcdef";
      hex += digits[byte >> 4];
      hex += digits[byte & 15];
    }
    EXPECT_EQ(hex, c.at("state_hex").get<std::string>()) << "seed " << seed << " offset " << offset;
  }
}
