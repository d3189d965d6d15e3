// SPDX-License-Identifier: MIT
// The oneDNN convolution backend against the reference path: random shapes (1-d/2-d/3-d,
// groups, depthwise, stride, padding, dilation, bias) for the forward, dx and dW in float32,
// each compared with the float64 reference; the fallback when oneDNN has no primitive; the
// backend switch and its errors.
#include "weightinit/nn/conv_backend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "nn/functional/conv_onednn.h"
#include "support/gradcheck.h"
#include "weightinit/error.h"
#include "weightinit/init/warnings.h"
#include "weightinit/nn/functional.h"

namespace wi = weightinit;
namespace nn = weightinit::nn;
namespace F = weightinit::nn::functional;
using wi::testing::randn64;

namespace {

/// max |a − ref| / max |ref| of a float32 result against the float64 reference.
double rel_diff(const wi::Tensor& a, const wi::Tensor& ref) {
  const std::vector<double> av = a.to(wi::DType::Float64).to_vector<double>();
  const std::vector<double> rv = ref.to_vector<double>();
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < av.size(); ++i) {
    diff = std::max(diff, std::abs(av[i] - rv[i]));
    scale = std::max(scale, std::abs(rv[i]));
  }
  return scale > 0.0 ? diff / scale : diff;
}

/// A random convolution: its input and weight sizes and options.
struct RandomConv {
  wi::Shape x, w;
  F::ConvOptions options;
  bool bias = false;
  std::string text;
};

RandomConv random_conv(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  RandomConv c;
  const std::int64_t dims = pick(1, 3), groups_kind = pick(0, 3);
  std::int64_t groups = 1, in_per_group = pick(1, 6), out_per_group = pick(1, 8);
  if (groups_kind == 1) groups = pick(2, 4);
  if (groups_kind == 2) {  // depthwise: one input channel per group, multiplier 1 or 2
    groups = pick(2, 16);
    in_per_group = 1;
    out_per_group = pick(1, 2);
  }
  c.options.groups = groups;
  c.x = {pick(1, 3), groups * in_per_group};
  c.w = {groups * out_per_group, in_per_group};
  c.options.stride.clear();
  c.options.padding.clear();
  c.options.dilation.clear();
  const std::int64_t max_side = dims == 3 ? 7 : (dims == 2 ? 14 : 30);
  for (std::int64_t d = 0; d < dims; ++d) {
    const std::int64_t k = pick(1, dims == 3 ? 3 : 5), dil = pick(1, 2);
    const std::int64_t span = dil * (k - 1) + 1;
    const std::int64_t pad = pick(0, std::min<std::int64_t>(2, span / 2 + 1));
    c.x.push_back(std::max(pick(3, max_side), span - 2 * pad));
    c.w.push_back(k);
    c.options.stride.push_back(pick(1, 2));
    c.options.padding.push_back(pad);
    c.options.dilation.push_back(dil);
  }
  c.bias = pick(0, 1) == 1;
  c.text = "seed " + std::to_string(seed) + ": x " + wi::shape_str(c.x) + ", w " +
           wi::shape_str(c.w) + ", stride " + wi::shape_str(c.options.stride) + ", padding " +
           wi::shape_str(c.options.padding) + ", dilation " + wi::shape_str(c.options.dilation) +
           ", groups " + std::to_string(groups) + (c.bias ? ", bias" : "");
  return c;
}

/// Restores the backend chosen before the test.
class ConvBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!nn::onednn_available()) GTEST_SKIP() << "this build has no oneDNN";
    saved_ = nn::conv_backend();
  }
  void TearDown() override {
    if (nn::onednn_available()) nn::set_conv_backend(saved_);
  }
  nn::ConvBackend saved_ = nn::ConvBackend::Auto;
};

// float32 forward, dx and dW by oneDNN against the float64 reference path. Tolerance: the
// largest sums here have N·P ≈ 3·900 terms (dW of a 1-d conv); float32 accumulation error grows
// like √terms·2^-24 relative to the largest term, ~3e-6 at worst. The measured worst over these
// 300 cases is 3e-7 (forward), 4e-7 (dx) and 2e-7 (dW); 1e-5 leaves a 25× margin, while a wrong
// tap, group or padding gives errors of order 1.
TEST_F(ConvBackendTest, OneDnnAgreesWithTheFloat64ReferenceOnRandomShapes) {
  constexpr double kForwardTol = 1e-5, kWeightGradTol = 1e-5;
  double worst_y = 0.0, worst_dx = 0.0, worst_dw = 0.0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    const RandomConv c = random_conv(seed);
    SCOPED_TRACE(c.text);
    const wi::Tensor x = randn64(c.x, seed * 7 + 1), w = randn64(c.w, seed * 7 + 2);
    const wi::Tensor b = c.bias ? randn64({c.w[0]}, seed * 7 + 3) : wi::Tensor();
    const auto f32 = [](const wi::Tensor& t) { return t.defined() ? t.to(wi::DType::Float32) : t; };
    nn::set_conv_backend(nn::ConvBackend::Reference);
    const wi::Tensor y64 = F::conv(x, w, b, c.options);
    const wi::Tensor dy = randn64(y64.sizes(), seed * 7 + 4);
    const F::Grads g64 = F::conv_backward(dy, x, w, c.bias, c.options);
    nn::set_conv_backend(nn::ConvBackend::OneDnn);
    const wi::Tensor y32 = F::conv(f32(x), f32(w), f32(b), c.options);
    const F::Grads g32 = F::conv_backward(f32(dy), f32(x), f32(w), c.bias, c.options);
    ASSERT_EQ(y32.sizes(), y64.sizes());
    worst_y = std::max(worst_y, rel_diff(y32, y64));
    worst_dx = std::max(worst_dx, rel_diff(g32.input, g64.input));
    worst_dw = std::max(worst_dw, rel_diff(g32.weight, g64.weight));
    EXPECT_LE(rel_diff(y32, y64), kForwardTol) << "forward";
    EXPECT_LE(rel_diff(g32.input, g64.input), kForwardTol) << "dx";
    EXPECT_LE(rel_diff(g32.weight, g64.weight), kWeightGradTol) << "dW";
    if (c.bias) EXPECT_LE(rel_diff(g32.bias, g64.bias), kWeightGradTol) << "db";
    if (HasFailure()) break;  // the first failing seed is the one to reproduce
  }
  std::cout << "worst relative error: forward " << worst_y << ", dx " << worst_dx << ", dW "
            << worst_dw << "\n";
}

// need_input = false computes dW only, equal to the dW of a full backward.
TEST_F(ConvBackendTest, WeightOnlyBackwardLeavesDxUndefined) {
  nn::set_conv_backend(nn::ConvBackend::OneDnn);
  const wi::Tensor x = randn64({2, 3, 9, 9}, 11).to(wi::DType::Float32);
  const wi::Tensor w = randn64({4, 3, 3, 3}, 12).to(wi::DType::Float32);
  const F::ConvOptions o{{1}, {1}, {1}, 1};
  const wi::Tensor dy = randn64({2, 4, 9, 9}, 13).to(wi::DType::Float32);
  const F::Grads full = F::conv_backward(dy, x, w, true, o);
  const F::Grads only_w = F::conv_backward(dy, x, w, true, o, /*need_input=*/false);
  EXPECT_FALSE(only_w.input.defined());
  EXPECT_EQ(only_w.weight.to_vector<float>(), full.weight.to_vector<float>());
  EXPECT_EQ(only_w.bias.to_vector<float>(), full.bias.to_vector<float>());
}

// A shape oneDNN cannot build a primitive for runs on the reference path, with one warning
// that names the shape, and gives the reference path's result.
TEST_F(ConvBackendTest, AFailedPrimitiveFallsBackToTheReferencePathWithOneWarning) {
  std::vector<std::string> warnings;
  const wi::WarningHandler previous =
      wi::set_warning_handler([&](std::string_view m) { warnings.emplace_back(m); });
  const wi::Tensor x = randn64({1, 5, 11, 13}, 21).to(wi::DType::Float32);  // a shape only here
  const wi::Tensor w = randn64({3, 5, 2, 3}, 22).to(wi::DType::Float32);
  const F::ConvOptions o{{1}, {0}, {1}, 1};
  nn::set_conv_backend(nn::ConvBackend::Reference);
  const wi::Tensor reference = F::conv(x, w, wi::Tensor(), o);
  nn::set_conv_backend(nn::ConvBackend::OneDnn);
  F::impl::onednn_fail_new_shapes_for_testing(true);
  const wi::Tensor first = F::conv(x, w, wi::Tensor(), o);
  const wi::Tensor second = F::conv(x, w, wi::Tensor(), o);
  F::impl::onednn_fail_new_shapes_for_testing(false);
  wi::set_warning_handler(previous);
  EXPECT_EQ(first.to_vector<float>(), reference.to_vector<float>());
  EXPECT_EQ(second.to_vector<float>(), reference.to_vector<float>());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("oneDNN has no convolution for input [1, 5, 11, 13], kernel [2, 3]"),
            std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("using the reference im2col path"), std::string::npos);
}

}  // namespace

TEST(ConvBackend, ParsesItsNamesAndRejectsOthers) {
  EXPECT_EQ(nn::parse_conv_backend("auto"), nn::ConvBackend::Auto);
  EXPECT_EQ(nn::parse_conv_backend("reference"), nn::ConvBackend::Reference);
  EXPECT_EQ(nn::parse_conv_backend("onednn"), nn::ConvBackend::OneDnn);
  try {
    nn::parse_conv_backend("mkldnn");
    ADD_FAILURE() << "expected ValueError";
  } catch (const wi::ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown convolution backend 'mkldnn': expected auto, reference or onednn");
  }
}

TEST(ConvBackend, AutoResolvesToOneDnnExactlyWhenTheBuildHasIt) {
  const nn::ConvBackend saved = nn::conv_backend();
  nn::set_conv_backend(nn::ConvBackend::Auto);
  EXPECT_EQ(nn::conv_backend(),
            nn::onednn_available() ? nn::ConvBackend::OneDnn : nn::ConvBackend::Reference);
  if (!nn::onednn_available()) {
    EXPECT_THROW(nn::set_conv_backend(nn::ConvBackend::OneDnn), wi::ValueError);
  }
  nn::set_conv_backend(saved);
}
