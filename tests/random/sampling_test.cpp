// SPDX-License-Identifier: MIT
// Sampling ops: argument rules, empty tensors, kernel agreement, large tensors, statistics.
// Bit-exactness against PyTorch lives in golden_test.cpp and the differential tests.
#include "weightinit/random/sampling.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <fstream>
#include <limits>
#include <numeric>
#include <string>

#include "random/kernels.h"
#include "support/error_of.h"
#include "weightinit/error.h"

namespace wi = weightinit;

namespace {

using weightinit::testing::error_of;

}  // namespace

TEST(Uniform, ErrorsUseTorchsWording) {
  auto t = wi::Tensor::empty({3});
  wi::Generator g(0);
  EXPECT_EQ(error_of([&] { wi::uniform_(t, 1, 0, g); }),
            "uniform_ expects to return a [from, to) range, but found from=1 > to=0");
  EXPECT_EQ(error_of([&] { wi::uniform_(t, 1e39, 2e39, g); }), "from is out of bounds for float");
  EXPECT_EQ(error_of([&] { wi::uniform_(t, 0, INFINITY, g); }), "to is out of bounds for float");
  EXPECT_EQ(error_of([&] { wi::uniform_(t, NAN, 1, g); }), "from is out of bounds for float");
  EXPECT_EQ(error_of([&] { wi::uniform_(t, -3e38, 3e38, g); }),
            "uniform_ expects to-from <= std::numeric_limits<Float>::max(), but found to=3e+38 "
            "and from=-3e+38 which result in to-from to exceed the limit");
  auto d = wi::Tensor::empty({3}, wi::DType::Float64);
  EXPECT_EQ(error_of([&] { wi::uniform_(d, 1, 0.5, g); }),
            "uniform_ expects to return a [from, to) range, but found from=1 > to=0.5");
  EXPECT_EQ(error_of([&] { wi::uniform_(d, -INFINITY, 0, g); }),
            "from is out of bounds for double");
}

TEST(Normal, ErrorsUseTorchsWording) {
  auto t = wi::Tensor::empty({3});
  wi::Generator g(0);
  EXPECT_EQ(error_of([&] { wi::normal_(t, 0, -1, g); }),
            "normal expects std >= 0.0, but found std -1");
  EXPECT_EQ(error_of([&] { wi::normal_(t, 0, -0.5, g); }),
            "normal expects std >= 0.0, but found std -0.5");
  EXPECT_EQ(error_of([&] { wi::normal_(t, 0, NAN, g); }),
            "normal expects std >= 0.0, but found std nan");
}

TEST(Randperm, NegativeNIsAnError) {
  wi::Generator g(0);
  EXPECT_EQ(error_of([&] { wi::randperm(-1, g); }), "n must be non-negative, got -1");
}

// torch.randint(5, 5, ...): nothing is drawn, torch's words.
TEST(Randint, AnEmptyRangeIsAnErrorAndDrawsNothing) {
  wi::Generator g(0), untouched(0);
  EXPECT_EQ(error_of([&] { wi::randint(5, 5, {3}, g); }),
            "random_ expects 'from' to be less than 'to', but got from=5 >= to=5");
  EXPECT_EQ(error_of([&] { wi::randint(2, -1, {3}, g); }),
            "random_ expects 'from' to be less than 'to', but got from=2 >= to=-1");
  EXPECT_EQ(g.random(), untouched.random());
}

// As in torch: the argument checks run first, then an empty tensor returns without drawing.
TEST(Sampling, EmptyTensorDrawsNothingButIsStillChecked) {
  wi::Generator g(11);
  const auto before = g.get_state();
  for (const wi::Shape& shape : {wi::Shape{0}, wi::Shape{3, 0}, wi::Shape{0, 16}}) {
    auto t = wi::Tensor::empty(shape);
    wi::uniform_(t, 0, 1, g);
    wi::normal_(t, 0, 1, g);
  }
  EXPECT_EQ(g.get_state(), before);
  auto e = wi::Tensor::empty({0});
  EXPECT_THROW(wi::normal_(e, 0, -1, g), wi::ValueError);
  EXPECT_THROW(wi::uniform_(e, 1, 0, g), wi::ValueError);
}

TEST(Uniform, FromEqualToStillDrawsOneWordPerElement) {
  wi::Generator g(5), reference(5);
  auto t = wi::Tensor::empty({10});
  wi::uniform_(t, 0.25, 0.25, g);
  for (const float v : t.to_vector<float>()) EXPECT_EQ(v, 0.25f);
  for (int i = 0; i < 10; ++i) reference.random();
  EXPECT_EQ(g.get_state(), reference.get_state());
}

TEST(Uniform, Float32UsesTheLow24BitsOfEachWord) {
  wi::Generator g(21, wi::ArithMode::Default), reference(21);
  auto t = wi::Tensor::empty({100});
  wi::uniform_(t, 0, 1, g);
  for (const float v : t.to_vector<float>()) {
    EXPECT_EQ(v, static_cast<float>(reference.random() & 0xFFFFFF) / 16777216.0f);
  }
}

// The AVX2 intrinsics kernel and the portable lane-by-lane emulation must agree bit for bit,
// on uniforms that reach every octant and the log's both mantissa branches.
TEST(NormalKernels, Avx2IntrinsicsMatchThePortableEmulation) {
  if (!wi::cpu_has_avx2_fma()) GTEST_SKIP() << "CPU has no AVX2+FMA";
  wi::Generator g(99);
  constexpr std::int64_t kBlocks = 20000;
  std::vector<float> a(16 * kBlocks);
  for (float& v : a) v = static_cast<float>(g.random() & 0xFFFFFF) / 16777216.0f;
  a[0] = 0.0f;                       // u1 = 1: log = 0
  a[8] = 0.0f;                       // theta = 0
  a[1] = 1.0f - 1.0f / 16777216.0f;  // the largest uniform: u1 = 2^-24
  std::vector<float> b = a;
  wi::detail::normal_fill_f32_avx2(a.data(), kBlocks, 0.5f, 2.0f);
  for (std::int64_t k = 0; k < kBlocks; ++k) {
    wi::detail::normal_fill_16_f32_avx2_emulated(b.data() + 16 * k, 0.5f, 2.0f);
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(a[i]), std::bit_cast<std::uint32_t>(b[i]))
        << "element " << i;
  }
}

// A fixed-seed sanity check of the distributions: 10^6 samples, mean within 5 standard errors.
TEST(Sampling, MomentsOfAMillionSamples) {
  constexpr std::int64_t n = 1000000;
  for (const wi::ArithMode mode : {wi::ArithMode::Avx2, wi::ArithMode::Default}) {
    wi::Generator g(2024, mode);
    auto t = wi::Tensor::empty({n});
    wi::normal_(t, 1.0, 2.0, g);
    const auto v = t.to_vector<double>();
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / n;
    double var = 0;
    for (const double x : v) var += (x - mean) * (x - mean);
    var /= n - 1;
    EXPECT_NEAR(mean, 1.0, 5 * 2.0 / std::sqrt(n));       // SE of the mean = 2/1000
    EXPECT_NEAR(var, 4.0, 5 * 4.0 * std::sqrt(2.0 / n));  // SE of the variance ≈ σ²√(2/n)
    wi::uniform_(t, -1.0, 3.0, g);
    const auto u = t.to_vector<double>();
    EXPECT_GE(*std::min_element(u.begin(), u.end()), -1.0);
    EXPECT_LT(*std::max_element(u.begin(), u.end()), 3.0);
    const double umean = std::accumulate(u.begin(), u.end(), 0.0) / n;
    EXPECT_NEAR(umean, 1.0, 5 * (4.0 / std::sqrt(12.0)) / std::sqrt(n));
  }
}

TEST(Randperm, IsAPermutationAndUsesNMinusOneDraws) {
  wi::Generator g(8), reference(8);
  auto p = wi::randperm(1000, g);
  std::vector<std::int64_t> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  for (std::int64_t i = 0; i < 1000; ++i) ASSERT_EQ(sorted[i], i);
  for (int i = 0; i < 999; ++i) reference.random();
  EXPECT_EQ(g.get_state(), reference.get_state());
}

namespace {
// Available memory in bytes, from /proc/meminfo (0 when unknown).
std::uint64_t available_memory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit) {
    if (key == "MemAvailable:") return kb * 1024;
  }
  return 0;
}
}  // namespace

// int64 indexing end to end: a float32 tensor of 2^31 + 20 elements (8.6 GB). The elements
// past 2^31 must hold the values of the stream's words 2^31.. as a word-by-word replay gives.
TEST(Sampling, TensorsBeyondTwoToThe31Elements) {
  constexpr std::int64_t n = (std::int64_t{1} << 31) + 20;
  if (available_memory() < 12ull << 30) GTEST_SKIP() << "needs 12 GB of free memory";
  wi::Generator g(31, wi::ArithMode::Default), reference(31);
  auto t = wi::Tensor::empty({n});
  wi::uniform_(t, 0, 1, g);
  const float* data = t.data_ptr<float>();
  std::vector<std::uint32_t> words(1 << 20);
  std::int64_t done = 0;
  while (done < n - 40) {  // skip the first words quickly
    const std::int64_t take =
        std::min<std::int64_t>(static_cast<std::int64_t>(words.size()), n - 40 - done);
    reference.fill_random({words.data(), static_cast<std::size_t>(take)});
    done += take;
  }
  for (std::int64_t i = n - 40; i < n; ++i) {
    ASSERT_EQ(data[i], static_cast<float>(reference.random() & 0xFFFFFF) / 16777216.0f) << i;
  }
}
