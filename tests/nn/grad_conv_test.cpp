// SPDX-License-Identifier: MIT
// Backward of conv (1-d/2-d/3-d) and conv_transpose2d, functional and module level: float64
// central differences for dx, dW, db over strides, padding, dilation, groups (depthwise too),
// output_padding; float32 against float64; determinism; shape and dtype errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "support/gradcheck.h"
#include "weightinit/error.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/functional.h"

namespace wi = weightinit;
namespace nn = weightinit::nn;
namespace F = weightinit::nn::functional;
using wi::testing::check_grad;
using wi::testing::dot;
using wi::testing::expect_grad_near;
using wi::testing::numeric_grad;
using wi::testing::randn64;

namespace {

// Gradient checks use gradcheck.h's GradTolerance: central differences with eps = 1e-6 in
// float64, |analytic − numeric| <= 1e-7 + 1e-6·|numeric| per element. A convolution is linear in
// each of x, W and b, so the differences have no truncation error, only rounding
// (~1e-16·|L|/eps ≈ 1e-9 for the O(10) losses here): the margin is about 100×.
const wi::testing::GradTolerance kTol{};

/// float32 backward against float64 backward of the same values (cast): max|g32 − g64| <=
/// 1e-4·max|g64| per gradient (float32 rounding of sums of at most a few hundred O(1) terms is
/// ~1e-6 relative; 1e-4 leaves room for the BLAS's summation order).
constexpr double kF32RelTol = 1e-4;

F::ConvOptions opts(wi::Shape stride = {1}, wi::Shape padding = {0}, wi::Shape dilation = {1},
                    std::int64_t groups = 1) {
  return {std::move(stride), std::move(padding), std::move(dilation), groups};
}

/// One functional case: conv (transposed = false) or conv_transpose2d.
struct Case {
  std::string name;
  wi::Shape x, w;
  F::ConvOptions options;
  bool bias = true;
  bool transposed = false;
  wi::Shape output_padding{0};

  std::int64_t bias_size() const { return transposed ? w[1] * options.groups : w[0]; }
  wi::Tensor forward(const wi::Tensor& xt, const wi::Tensor& wt, const wi::Tensor& bt) const {
    return transposed ? F::conv_transpose2d(xt, wt, bt, options, output_padding)
                      : F::conv(xt, wt, bt, options);
  }
  F::Grads backward(const wi::Tensor& dy, const wi::Tensor& xt, const wi::Tensor& wt) const {
    return transposed ? F::conv_transpose2d_backward(dy, xt, wt, bias, options, output_padding)
                      : F::conv_backward(dy, xt, wt, bias, options);
  }
};

/// dx, dW and db of L = Σ upstream·f(x, W, b) against central differences (float64).
void check_case(const Case& k, std::uint64_t seed) {
  SCOPED_TRACE(k.name);
  wi::Tensor x = randn64(k.x, seed), w = randn64(k.w, seed + 1);
  wi::Tensor b = k.bias ? randn64({k.bias_size()}, seed + 2) : wi::Tensor();
  const auto f = [&] { return k.forward(x, w, b); };
  const wi::Tensor y = f();
  const wi::Tensor up = randn64(y.sizes(), seed + 3);
  const F::Grads g = k.backward(up, x, w);
  ASSERT_EQ(g.input.sizes(), x.sizes());
  ASSERT_EQ(g.weight.sizes(), w.sizes());
  EXPECT_EQ(g.input.dtype(), wi::DType::Float64);
  check_grad(f, up, x, g.input, k.name + " dx", kTol);
  check_grad(f, up, w, g.weight, k.name + " dW", kTol);
  if (k.bias) {
    check_grad(f, up, b, g.bias, k.name + " db", kTol);
  } else {
    EXPECT_FALSE(g.bias.defined());
  }
}

std::vector<Case> conv_cases() {
  return {
      {"conv1d stride 2, padding 1, dilation 2, groups 2",
       {2, 4, 11},
       {6, 2, 3},
       opts({2}, {1}, {2}, 2)},
      {"conv1d pointwise", {2, 3, 5}, {4, 3, 1}, opts()},
      {"conv2d stride 2, padding 1", {2, 3, 7, 6}, {4, 3, 3, 3}, opts({2}, {1})},
      {"conv2d dilation 2, padding 2", {1, 2, 7, 7}, {3, 2, 3, 3}, opts({1}, {2}, {2})},
      {"conv2d groups 2, per-dim stride and padding",
       {2, 4, 6, 5},
       {6, 2, 3, 2},
       opts({2, 1}, {1, 0}, {1}, 2)},
      {"conv2d depthwise (groups = in_channels, multiplier 2)",
       {2, 3, 6, 6},
       {6, 1, 3, 3},
       opts({2}, {1}, {1}, 3)},
      {"conv2d depthwise, dilation 2", {1, 4, 7, 7}, {4, 1, 3, 3}, opts({1}, {2}, {2}, 4)},
      {"conv2d one input channel", {2, 1, 5, 6}, {3, 1, 2, 3}, opts({1}, {1})},
      {"conv2d no bias", {2, 3, 5, 5}, {2, 3, 3, 3}, opts({1}, {1}), false},
      {"conv2d pointwise no bias", {2, 4, 3, 3}, {2, 4, 1, 1}, opts(), false},
      {"conv2d unbatched input", {3, 5, 6}, {2, 3, 3, 3}, opts({1}, {1})},
      {"conv3d 3x3x3 padding 1 (C3D)", {1, 2, 4, 5, 5}, {3, 2, 3, 3, 3}, opts({1}, {1})},
      {"conv3d stride (1, 2, 2), groups 2",
       {1, 4, 3, 5, 4},
       {2, 2, 2, 3, 3},
       opts({1, 2, 2}, {0, 1, 1}, {1}, 2)},
  };
}

std::vector<Case> transposed_cases() {
  const auto t = [](std::string name, wi::Shape x, wi::Shape w, F::ConvOptions o,
                    wi::Shape output_padding, bool bias = true) {
    return Case{std::move(name),          std::move(x), std::move(w), std::move(o), bias, true,
                std::move(output_padding)};
  };
  return {
      t("conv_transpose2d stride 2, output_padding 1", {2, 3, 3, 4}, {3, 2, 3, 3}, opts({2}, {1}),
        {1}),
      t("conv_transpose2d stride 2, output_padding 1, groups 2", {2, 4, 3, 3}, {4, 3, 3, 3},
        opts({2}, {1}, {1}, 2), {1}),
      t("conv_transpose2d dilation 2, per-dim output_padding", {1, 2, 3, 4}, {2, 3, 2, 3},
        opts({2, 3}, {0, 1}, {2}), {1, 2}, false),
      t("conv_transpose2d depthwise (one output channel per group)", {2, 4, 3, 3}, {4, 1, 3, 3},
        opts({2}, {1}, {1}, 4), {1}),
      t("conv_transpose2d pointwise", {2, 3, 3, 4}, {3, 2, 1, 1}, opts(), {0}),
      // A 1×1 kernel with output_padding < dilation: the output is one larger than the input.
      t("conv_transpose2d 1x1 kernel, output_padding 1 < dilation 2", {1, 3, 3, 3}, {3, 2, 1, 1},
        opts({1}, {0}, {2}), {1}),
  };
}

TEST(GradConv, FunctionalMatchesFiniteDifferences) {
  std::uint64_t seed = 100;
  for (const Case& k : conv_cases()) check_case(k, seed += 10);
}

TEST(GradConvTranspose2d, FunctionalMatchesFiniteDifferences) {
  std::uint64_t seed = 500;
  for (const Case& k : transposed_cases()) check_case(k, seed += 10);
}

/// A conv3d whose float64 im2col matrix (432 × 10240) exceeds the 16 MiB chunk budget, so dW
/// is accumulated over several chunks and dx scattered chunk by chunk. Conv is linear in x and
/// in W, so L = ⟨dy, conv(x, W)⟩ = ⟨dx, x⟩ = ⟨dW, W⟩ exactly (up to rounding: 1e-12 relative).
TEST(GradConv, ChunkedColumnsSatisfyLinearityIdentities) {
  const wi::Tensor x = randn64({1, 16, 8, 40, 32}, 1), w = randn64({2, 16, 3, 3, 3}, 2);
  const wi::Tensor y = F::conv(x, w, wi::Tensor(), opts({1}, {1}));
  const wi::Tensor up = randn64(y.sizes(), 3);
  const F::Grads g = F::conv_backward(up, x, w, false, opts({1}, {1}));
  const double loss = dot(up, y);
  EXPECT_NEAR(dot(g.input, x), loss, 1e-12 * std::abs(loss) + 1e-9);
  EXPECT_NEAR(dot(g.weight, w), loss, 1e-12 * std::abs(loss) + 1e-9);

  const wi::Tensor xt = randn64({1, 2, 600, 64}, 4), wt = randn64({2, 16, 3, 3}, 5);
  const wi::Tensor yt = F::conv_transpose2d(xt, wt, wi::Tensor(), opts({1}));
  const wi::Tensor upt = randn64(yt.sizes(), 6);
  const F::Grads gt = F::conv_transpose2d_backward(upt, xt, wt, false, opts({1}));
  const double loss_t = dot(upt, yt);
  EXPECT_NEAR(dot(gt.input, xt), loss_t, 1e-12 * std::abs(loss_t) + 1e-9);
  EXPECT_NEAR(dot(gt.weight, wt), loss_t, 1e-12 * std::abs(loss_t) + 1e-9);
}

/// max|a − b| / max|b| (a cast to float64).
double rel_diff(const wi::Tensor& a, const wi::Tensor& b) {
  const std::vector<double> av = a.to(wi::DType::Float64).to_vector<double>();
  const std::vector<double> bv = b.to_vector<double>();
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < av.size(); ++i) {
    diff = std::max(diff, std::abs(av[i] - bv[i]));
    scale = std::max(scale, std::abs(bv[i]));
  }
  return scale > 0.0 ? diff / scale : diff;
}

TEST(GradConv, Float32AgreesWithFloat64) {
  std::vector<Case> cases = conv_cases();
  const std::vector<Case> more = transposed_cases();
  cases.insert(cases.end(), more.begin(), more.end());
  std::uint64_t seed = 900;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const wi::Tensor x = randn64(k.x, seed += 10), w = randn64(k.w, seed + 1);
    const wi::Tensor b = k.bias ? randn64({k.bias_size()}, seed + 2) : wi::Tensor();
    const wi::Tensor up = randn64(k.forward(x, w, b).sizes(), seed + 3);
    const F::Grads g64 = k.backward(up, x, w);
    const auto f32 = [](const wi::Tensor& t) { return t.to(wi::DType::Float32); };
    const F::Grads g32 = k.backward(f32(up), f32(x), f32(w));
    ASSERT_EQ(g32.input.dtype(), wi::DType::Float32);
    ASSERT_EQ(g32.weight.dtype(), wi::DType::Float32);
    EXPECT_LE(rel_diff(g32.input, g64.input), kF32RelTol) << "dx";
    EXPECT_LE(rel_diff(g32.weight, g64.weight), kF32RelTol) << "dW";
    if (k.bias) {
      ASSERT_EQ(g32.bias.dtype(), wi::DType::Float32);
      EXPECT_LE(rel_diff(g32.bias, g64.bias), kF32RelTol) << "db";
    }
    // The float64 forward agrees with the float32 one too.
    EXPECT_LE(rel_diff(k.forward(f32(x), f32(w), b.defined() ? f32(b) : b), k.forward(x, w, b)),
              kF32RelTol)
        << "forward";
  }
}

/// Large enough for the BLAS and OpenMP to use several threads; two runs must agree bit for bit.
TEST(GradConv, BackwardIsDeterministic) {
  const std::vector<Case> cases = {
      {"conv2d", {4, 16, 20, 20}, {32, 16, 3, 3}, opts({1}, {1})},
      {"conv2d depthwise", {8, 16, 24, 24}, {16, 1, 3, 3}, opts({1}, {1}, {1}, 16)},
      {"conv3d", {2, 8, 6, 12, 12}, {8, 8, 3, 3, 3}, opts({1}, {1})},
      {"conv_transpose2d", {4, 16, 12, 12}, {16, 8, 3, 3}, opts({2}, {1}), true, true, {1}},
  };
  std::uint64_t seed = 1300;
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    const auto f32 = [](const wi::Tensor& t) { return t.to(wi::DType::Float32); };
    const wi::Tensor x = f32(randn64(k.x, seed += 10)), w = f32(randn64(k.w, seed + 1));
    const wi::Tensor up = f32(randn64(k.forward(x, w, wi::Tensor()).sizes(), seed + 2));
    const F::Grads a = k.backward(up, x, w), b = k.backward(up, x, w);
    EXPECT_EQ(a.weight.to_vector<float>(), b.weight.to_vector<float>()) << "dW";
    EXPECT_EQ(a.input.to_vector<float>(), b.input.to_vector<float>()) << "dx";
    EXPECT_EQ(a.bias.to_vector<float>(), b.bias.to_vector<float>()) << "db";
  }
}

template <class E, class Fn>
void expect_error(Fn&& fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "expected an exception: " << message;
  } catch (const E& e) {
    EXPECT_EQ(std::string(e.what()), message);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type, message: " << e.what();
  }
}

TEST(GradConv, WrongGradOutputShapeIsShapeError) {
  const wi::Tensor x = randn64({2, 3, 6, 6}, 1), w = randn64({4, 3, 3, 3}, 2);
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_backward(randn64({2, 4, 4, 5}, 3), x, w, true, opts());
      },
      "conv_backward: expected grad_output of size [2, 4, 4, 4] (the forward output's), but got "
      "[2, 4, 4, 5]");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_backward(randn64({4, 4, 4}, 3), x, w, true, opts());
      },
      "conv_backward: expected grad_output of size [2, 4, 4, 4] (the forward output's), but got "
      "[4, 4, 4]");
  const wi::Tensor wt = randn64({3, 2, 3, 3}, 4);
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_transpose2d_backward(randn64({2, 2, 13, 13}, 5), x, wt, true, opts({2}, {1}));
      },
      "conv_transpose2d_backward: expected grad_output of size [2, 2, 11, 11] (the forward "
      "output's), but got [2, 2, 13, 13]");
  // The forward's own checks run first.
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_backward(randn64({2, 4, 4, 4}, 3), x, randn64({4, 2, 3, 3}, 6), true, opts());
      },
      "Given groups=1, weight of size [4, 2, 3, 3], expected input[2, 3, 6, 6] to have 2 "
      "channels, but got 3 channels instead");
}

TEST(GradConv, MixedDtypesAreDTypeError) {
  const wi::Tensor x32 = randn64({2, 3, 6, 6}, 1).to(wi::DType::Float32);
  const wi::Tensor w64 = randn64({4, 3, 3, 3}, 2), w32 = w64.to(wi::DType::Float32);
  const wi::Tensor dy32 = randn64({2, 4, 4, 4}, 3).to(wi::DType::Float32);
  expect_error<wi::DTypeError>([&] { F::conv(x32, w64, wi::Tensor(), opts()); },
                               "conv: expected scalar type Float but found Double (weight)");
  expect_error<wi::DTypeError>(
      [&] { F::conv(x32, w32, wi::Tensor::zeros({4}, wi::DType::Float64), opts()); },
      "conv: expected scalar type Float but found Double (bias)");
  expect_error<wi::DTypeError>(
      [&] { F::conv_backward(dy32, x32, w64, true, opts()); },
      "conv_backward: expected scalar type Float but found Double (weight)");
  expect_error<wi::DTypeError>(
      [&] { F::conv_backward(dy32.to(wi::DType::Float64), x32, w32, true, opts()); },
      "conv_backward: expected scalar type Float but found Double (grad_output)");
  expect_error<wi::DTypeError>(
      [&] {
        F::conv_transpose2d(x32, randn64({3, 2, 3, 3}, 4), wi::Tensor(), opts());
      },
      "conv_transpose2d: expected scalar type Float but found Double (weight)");
  expect_error<wi::DTypeError>(
      [&] {
        F::conv_transpose2d_backward(randn64({2, 2, 8, 8}, 5), x32, randn64({3, 2, 3, 3}, 4), false,
                                     opts());
      },
      "conv_transpose2d_backward: expected scalar type Float but found Double (weight)");
  EXPECT_THROW(
      F::conv(wi::Tensor::zeros({2, 3, 6, 6}, wi::DType::Int64), w64, wi::Tensor(), opts()),
      wi::DTypeError);
}

// ---------------------------------------------------------------------------------------------
// Modules.

/// forward + backward(upstream) of a float64 module against central differences of its input,
/// weight and bias; the parameters' grads are accumulated, the saved input popped.
void check_module(nn::ConvNd& m, const wi::Shape& input_shape, std::uint64_t seed) {
  SCOPED_TRACE(m.repr());
  wi::Tensor x = randn64(input_shape, seed);
  const wi::Tensor y = m(x);
  ASSERT_EQ(m.pending_backward(), 1u);
  const wi::Tensor up = randn64(y.sizes(), seed + 1);
  const wi::Tensor dx = m.backward(up);
  EXPECT_EQ(m.pending_backward(), 0u);
  const auto f = [&] {
    nn::NoGradGuard no_grad;  // the probes must not record forwards
    return m.forward(x);
  };
  check_grad(f, up, x, dx, "module dx", kTol);
  check_grad(f, up, m.weight(), m.parameter("weight").grad, "module dW", kTol);
  if (m.has_parameter("bias")) {
    check_grad(f, up, m.bias(), m.parameter("bias").grad, "module db", kTol);
  }
  EXPECT_EQ(m.pending_backward(), 0u);

  // A second forward/backward with the same upstream doubles the accumulated grads.
  const wi::Tensor w_grad = m.parameter("weight").grad.clone();
  m(x);
  m.backward(up);
  const wi::Tensor twice = m.parameter("weight").grad;
  const std::vector<double> g1 = w_grad.to_vector<double>(), g2 = twice.to_vector<double>();
  for (std::size_t i = 0; i < g1.size(); ++i) EXPECT_NEAR(g2[i], 2.0 * g1[i], 1e-12) << i;
}

TEST(GradConvModule, Conv2dFloat64) {
  wi::Generator gen(7);
  nn::ConvConfig cfg;
  cfg.kernel_size = {3};
  cfg.stride = {2};
  cfg.padding = {1};
  nn::Conv2d m(3, 4, cfg, gen, wi::DType::Float64);
  check_module(m, {2, 3, 7, 6}, 11);

  cfg.groups = 2;
  cfg.dilation = {2};
  cfg.stride = {1};
  cfg.padding = {2};
  cfg.bias = false;
  nn::Conv2d grouped(4, 6, cfg, gen, wi::DType::Float64);
  check_module(grouped, {1, 4, 6, 6}, 21);
}

TEST(GradConvModule, Conv3dFloat64) {
  wi::Generator gen(8);
  nn::ConvConfig cfg;
  cfg.kernel_size = {3};
  cfg.padding = {1};
  nn::Conv3d m(2, 3, cfg, gen, wi::DType::Float64);
  check_module(m, {1, 2, 4, 5, 5}, 31);
}

TEST(GradConvModule, Conv1dAndConvTranspose2dFloat64) {
  wi::Generator gen(9);
  nn::ConvConfig cfg;
  cfg.kernel_size = {3};
  cfg.stride = {2};
  cfg.padding = {1};
  nn::Conv1d c1(2, 3, cfg, gen, wi::DType::Float64);
  check_module(c1, {2, 2, 9}, 41);
  cfg.output_padding = {1};
  cfg.groups = 2;
  nn::ConvTranspose2d t(4, 2, cfg, gen, wi::DType::Float64);
  check_module(t, {2, 4, 3, 3}, 51);
}

TEST(GradConvModule, BackwardNeedsAForwardInGradMode) {
  wi::Generator gen(10);
  nn::Conv2d m(2, 3, {}, gen, wi::DType::Float64);
  const wi::Tensor x = randn64({1, 2, 5, 5}, 1);
  {
    nn::NoGradGuard no_grad;
    m(x);
  }
  EXPECT_EQ(m.pending_backward(), 0u);
  EXPECT_THROW(m.backward(randn64({1, 3, 3, 3}, 2)), wi::Error);
  // A float32 layer rejects a float64 input, naming the weight.
  nn::Conv2d f32(2, 3, {}, gen);
  expect_error<wi::DTypeError>([&] { f32(x); },
                               "conv: expected scalar type Double but found Float (weight)");
}

}  // namespace
