// SPDX-License-Identifier: MIT
#include "weightinit/random/generator.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include "random/generator_access.h"
#include "weightinit/error.h"
#include "weightinit/random/sampling.h"

namespace wi = weightinit;

TEST(Generator, Random64PutsTheFirstDrawInTheHighWord) {
  wi::Generator a(9), b(9);
  const std::uint64_t hi = a.random(), lo = a.random();
  EXPECT_EQ(b.random64(), (hi << 32) | lo);
}

TEST(Generator, FreshGeneratorHasTorchsDefaultSeed) {
  EXPECT_EQ(wi::Generator().initial_seed(), 67280421310721ull);
}

TEST(Generator, NegativeSeedIsTwosComplementAsInTorch) {
  wi::Generator g(0);
  g.manual_seed(static_cast<std::uint64_t>(std::int64_t{-1}));
  EXPECT_EQ(g.initial_seed(), 0xffffffffffffffffull);
  wi::Generator h(0xffffffffull);  // the same low 32 bits: the same stream
  EXPECT_EQ(g.random(), h.random());
}

TEST(Generator, ManualSeedClearsBothCachedSamples) {
  wi::Generator g(3);
  wi::detail::GeneratorAccess::set_next_double_normal_sample(g, 0.25);
  wi::detail::GeneratorAccess::set_next_float_normal_sample(g, 0.5f);
  g.manual_seed(3);
  EXPECT_FALSE(g.next_double_normal_sample().has_value());
  EXPECT_FALSE(g.next_float_normal_sample().has_value());
}

TEST(Generator, OddScalarNormalLeavesTheSineInTheCache) {
  wi::Generator g(0);
  auto t = wi::Tensor::empty({3});
  wi::normal_(t, 0, 1, g);  // 3 < 16: scalar path, two pairs, one sine left
  EXPECT_TRUE(g.next_double_normal_sample().has_value());
  auto v = wi::Tensor::empty({16});
  wi::normal_(v, 0, 1, g);  // vector path: neither uses nor clears the cache
  EXPECT_TRUE(g.next_double_normal_sample().has_value());
  const double cached = *g.next_double_normal_sample();
  auto one = wi::Tensor::empty({1}, wi::DType::Float64);
  wi::normal_(one, 0, 1, g);  // uses it, whatever the dtype
  EXPECT_EQ(one.item({0}), cached);
  EXPECT_FALSE(g.next_double_normal_sample().has_value());
}

TEST(Generator, StateRoundTripRestoresStreamAndCaches) {
  wi::Generator g(77);
  auto t = wi::Tensor::empty({5});
  wi::normal_(t, 0, 1, g);  // leaves a cache
  const auto state = g.get_state();
  wi::Generator h(1);
  h.set_state(state);
  EXPECT_EQ(h.initial_seed(), 77u);
  EXPECT_EQ(h.next_double_normal_sample(), g.next_double_normal_sample());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(h.random(), g.random());
  EXPECT_EQ(h.get_state(), g.get_state());
}

TEST(Generator, StateHasTorchsLayout) {
  wi::Generator g((std::uint64_t{1} << 32) + 5);
  const auto s = g.get_state();
  std::uint64_t seed;
  std::int32_t left, seeded;
  std::memcpy(&seed, s.data(), 8);
  std::memcpy(&left, s.data() + 8, 4);
  std::memcpy(&seeded, s.data() + 12, 4);
  EXPECT_EQ(seed, (std::uint64_t{1} << 32) + 5);
  EXPECT_EQ(left, 1);
  EXPECT_EQ(seeded, 1);
  std::uint64_t word0;
  std::memcpy(&word0, s.data() + 24, 8);
  EXPECT_EQ(word0, 5u);  // state[0] = low 32 bits of the seed, widened to 64 bits
}

TEST(Generator, SetStateRejectsWrongSizeWithTorchsMessage) {
  wi::Generator g(0);
  std::vector<std::uint8_t> short_state(100);
  try {
    g.set_state(short_state);
    FAIL() << "no error";
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "Expected a CPUGeneratorImplState of size 5056 but found the input RNG state "
                 "size to be 100");
  }
}

TEST(Generator, SetStateRejectsInvalidBookkeepingAndKeepsTheOldState) {
  wi::Generator g(5);
  auto state = g.get_state();
  const std::int32_t bad_left = 0;
  std::memcpy(state.data() + 8, &bad_left, 4);
  wi::Generator h(6);
  EXPECT_THROW(h.set_state(state), wi::ValueError);
  EXPECT_EQ(h.initial_seed(), 6u);
}

TEST(Generator, DefaultGeneratorIsSeededByManualSeed) {
  wi::manual_seed(1234);
  EXPECT_EQ(wi::default_generator().initial_seed(), 1234u);
  const std::uint32_t first = wi::default_generator().random();
  wi::manual_seed(1234);
  EXPECT_EQ(wi::default_generator().random(), first);
}

TEST(ArithMode, ParsesTorchsCapabilityNames) {
  EXPECT_EQ(wi::parse_arith_mode("avx2"), wi::ArithMode::Avx2);
  EXPECT_EQ(wi::parse_arith_mode("avx512"), wi::ArithMode::Avx2);
  EXPECT_EQ(wi::parse_arith_mode("default"), wi::ArithMode::Default);
  try {
    wi::parse_arith_mode("x");
    FAIL() << "no error";
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(), "unknown arithmetic mode 'x': expected avx2 (also avx512) or default");
  }
}

TEST(ArithMode, DefaultModeFollowsTheEnvironmentLikeTorch) {
  ::setenv("WEIGHTINIT_ARITH", "default", 1);
  EXPECT_EQ(wi::detect_arith_mode(), wi::ArithMode::Default);
  ::setenv("WEIGHTINIT_ARITH", "avx2", 1);
  EXPECT_EQ(wi::detect_arith_mode(), wi::ArithMode::Avx2);
  ::unsetenv("WEIGHTINIT_ARITH");
  ::setenv("ATEN_CPU_CAPABILITY", "default", 1);
  EXPECT_EQ(wi::detect_arith_mode(), wi::ArithMode::Default);
  ::setenv("ATEN_CPU_CAPABILITY", "bogus", 1);
  EXPECT_THROW(wi::detect_arith_mode(), wi::ValueError);
  ::unsetenv("ATEN_CPU_CAPABILITY");
  EXPECT_EQ(wi::detect_arith_mode(),
            wi::cpu_has_avx2_fma() ? wi::ArithMode::Avx2 : wi::ArithMode::Default);
}

TEST(TorchVersion, ParsesReleaseNumbers) {
  EXPECT_EQ(wi::parse_torch_version("1.13"), wi::TorchVersion::V1_13);
  EXPECT_EQ(wi::parse_torch_version("1.13.1"), wi::TorchVersion::V1_13);
  EXPECT_EQ(wi::parse_torch_version("2.0"), wi::TorchVersion::V2_0);
  EXPECT_EQ(wi::parse_torch_version("2.11"), wi::TorchVersion::V2_0);
  EXPECT_EQ(wi::parse_torch_version("2.12"), wi::TorchVersion::V2_12);
  EXPECT_THROW(wi::parse_torch_version("1.12"), wi::ValueError);
  EXPECT_THROW(wi::parse_torch_version("two"), wi::ValueError);
}

// The 2.x presets change only the scalar float64 path (log1p) and, for 2.12, the uniform_
// clamp: float32 contiguous draws are the same words turned into the same values.
TEST(TorchVersion, PresetsAgreeOnFloat32VectorDraws) {
  for (const wi::ArithMode mode : {wi::ArithMode::Avx2, wi::ArithMode::Default}) {
    wi::Generator a(3, mode, wi::TorchVersion::V1_13), b(3, mode, wi::TorchVersion::V2_0);
    auto x = wi::Tensor::empty({1000}), y = wi::Tensor::empty({1000});
    wi::normal_(x, 0, 1, a);
    wi::normal_(y, 0, 1, b);
    EXPECT_EQ(x.to_vector<float>(), y.to_vector<float>());
  }
}
