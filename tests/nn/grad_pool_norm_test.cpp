// SPDX-License-Identifier: MIT
// Backward kernels and module backward passes of the pooling and normalisation layers:
// max_pool 1d/2d/3d, avg_pool 2d/3d, adaptive_avg_pool2d, batch_norm, layer_norm, checked
// against central differences in float64; the float64 forwards against the float32 ones; the
// argument checks of the backward kernels.
//
// Tolerance (support/gradcheck.h, GradTolerance{}): step eps = 1e-6, and per element
// |analytic − numeric| ≤ 1e-7 + 1e-6·|numeric|. The functions checked are piecewise linear
// (pooling: the central difference is exact up to rounding, ~1e-10, as long as no window's
// argmax changes within ±eps, which the inputs below guarantee by spacing their values ≥ 0.05
// apart) or smooth with O(1) derivatives (normalisations: truncation error ~eps²·|f'''| ≈
// 1e-11), so the bound has a margin of ~100× and any wrong term (O(1)) fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "support/error_of.h"
#include "support/gradcheck.h"
#include "weightinit/nn/functional.h"
#include "weightinit/nn/module.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/nn/pooling.h"

namespace wi = weightinit;
namespace F = weightinit::nn::functional;
using wi::Shape;
using wi::Tensor;
using wi::testing::check_grad;
using wi::testing::dot;
using wi::testing::expect_grad_near;
using wi::testing::numeric_grad;
using wi::testing::randn64;

namespace {

/// A float64 tensor whose values are a shuffle of 0.05·k − (numel·0.05)/2, k = 0..numel−1: all
/// distinct and ≥ 0.05 apart, so a max pooling window's argmax is the same at x ± 1e-6.
Tensor distinct64(const Shape& sizes, std::uint64_t seed) {
  Tensor t = Tensor::empty(sizes, wi::DType::Float64);
  std::vector<std::int64_t> order(static_cast<std::size_t>(t.numel()));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  double* p = t.data_ptr<double>();
  const double half = 0.025 * static_cast<double>(t.numel());
  for (std::size_t i = 0; i < order.size(); ++i) p[i] = 0.05 * static_cast<double>(order[i]) - half;
  return t;
}

/// A float64 tensor of `sizes` with entries in [0.5, 1.5) (variances for eval batch norm).
Tensor positive64(const Shape& sizes, std::uint64_t seed) {
  Tensor t = randn64(sizes, seed);
  double* p = t.data_ptr<double>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = 0.5 + std::fmod(std::abs(p[i]), 1.0);
  return t;
}

F::PoolOptions pool(Shape kernel, Shape stride = {}, Shape padding = {0}, Shape dilation = {1},
                    bool ceil_mode = false, bool count_include_pad = true) {
  F::PoolOptions o;
  o.kernel = std::move(kernel);
  o.stride = std::move(stride);
  o.padding = std::move(padding);
  o.dilation = std::move(dilation);
  o.ceil_mode = ceil_mode;
  o.count_include_pad = count_include_pad;
  return o;
}

/// Max |a − b| / max(max |b|, 1) over float tensors of equal shape (compared in double).
double rel_diff(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  const std::vector<double> av = a.to_vector<double>(), bv = b.to_vector<double>();
  double diff = 0.0, scale = 1.0;
  for (std::size_t i = 0; i < av.size() && i < bv.size(); ++i) {
    diff = std::max(diff, std::abs(av[i] - bv[i]));
    scale = std::max(scale, std::abs(bv[i]));
  }
  return diff / scale;
}

/// Checks max_pool_backward against central differences of max_pool for input `sizes`.
void check_max_pool(const Shape& sizes, const F::PoolOptions& o, const std::string& what,
                    std::uint64_t seed) {
  Tensor x = distinct64(sizes, seed);
  const Tensor y = F::max_pool(x, o);
  const Tensor dy = randn64(y.sizes(), seed + 1);
  const Tensor dx = F::max_pool_backward(dy, x, o);
  ASSERT_EQ(dx.dtype(), wi::DType::Float64);
  check_grad([&] { return F::max_pool(x, o); }, dy, x, dx, what);
}

void check_avg_pool(const Shape& sizes, const F::PoolOptions& o, const std::string& what,
                    std::uint64_t seed) {
  Tensor x = randn64(sizes, seed);
  const Tensor y = F::avg_pool(x, o);
  const Tensor dy = randn64(y.sizes(), seed + 1);
  const Tensor dx = F::avg_pool_backward(dy, x, o);
  check_grad([&] { return F::avg_pool(x, o); }, dy, x, dx, what);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Pooling kernels.

TEST(GradMaxPool, OneD) {
  check_max_pool({2, 3, 11}, pool({3}), "max_pool1d k3", 1);
  check_max_pool({2, 3, 11}, pool({3}, {2}, {1}), "max_pool1d k3 s2 p1", 2);
  check_max_pool({2, 3, 12}, pool({3}, {2}, {1}, {2}, true), "max_pool1d k3 s2 p1 d2 ceil", 3);
  check_max_pool({3, 10}, pool({2}, {1}), "max_pool1d unbatched, overlapping", 4);
}

TEST(GradMaxPool, TwoD) {
  check_max_pool({2, 3, 7, 6}, pool({2, 2}), "max_pool2d k2", 10);
  check_max_pool({2, 2, 7, 6}, pool({3, 3}, {1, 1}), "max_pool2d k3 s1 (overlapping windows)", 11);
  check_max_pool({2, 2, 7, 8}, pool({3, 2}, {2, 1}, {1, 1}), "max_pool2d k(3,2) s(2,1) p1", 12);
  check_max_pool({1, 2, 9, 8}, pool({3, 3}, {2, 2}, {1, 0}, {2, 1}, true),
                 "max_pool2d dilation (2,1) ceil_mode", 13);
  check_max_pool({2, 6, 5}, pool({2, 2}, {2, 2}, {1, 1}, {1, 1}, true),
                 "max_pool2d unbatched ceil_mode p1", 14);
}

TEST(GradMaxPool, ThreeD) {
  check_max_pool({2, 2, 4, 6, 5}, pool({2, 2, 2}), "max_pool3d k2", 20);
  check_max_pool({1, 2, 4, 6, 5}, pool({1, 2, 2}), "max_pool3d k(1,2,2) as C3D's pool1", 21);
  check_max_pool({1, 2, 5, 6, 7}, pool({3, 3, 2}, {2, 1, 2}, {1, 1, 1}, {1, 2, 1}, true),
                 "max_pool3d s(2,1,2) p1 d(1,2,1) ceil", 22);
}

// The first maximum of a window gets the gradient on ties (PyTorch's scan), and windows that
// share their maximum add up.
TEST(GradMaxPool, TiesGoToTheFirstMaximumAndOverlapsAdd) {
  const std::vector<double> v{1.0, 3.0, 3.0, 2.0, 3.0};
  Tensor x = Tensor::from_data<double>(v, {1, 1, 5});
  const Tensor dy =
      Tensor::from_data<double>(std::vector<double>{1.0, 10.0, 100.0, 1000.0}, {1, 1, 4});
  // Windows (k 2, s 1): [1,3] → 1; [3,3] → 1 (first); [3,2] → 2; [2,3] → 4.
  const Tensor dx = F::max_pool_backward(dy, x, pool({2}, {1}));
  EXPECT_EQ(dx.to_vector<double>(), (std::vector<double>{0.0, 11.0, 100.0, 0.0, 1000.0}));
  // float32 takes the same path.
  const Tensor dx32 =
      F::max_pool_backward(dy.to(wi::DType::Float32), x.to(wi::DType::Float32), pool({2}, {1}));
  EXPECT_EQ(dx32.to_vector<double>(), dx.to_vector<double>());
}

TEST(GradAvgPool, TwoD) {
  check_avg_pool({2, 3, 6, 7}, pool({2, 2}), "avg_pool2d k2", 30);
  check_avg_pool({2, 2, 7, 6}, pool({3, 3}, {2, 1}, {1, 1}), "avg_pool2d p1 count_include_pad", 31);
  check_avg_pool({2, 2, 7, 6}, pool({3, 3}, {2, 1}, {1, 1}, {1}, false, false),
                 "avg_pool2d p1 exclude pad", 32);
  check_avg_pool({2, 2, 8, 7}, pool({3, 2}, {2, 2}, {1, 1}, {1}, true, true),
                 "avg_pool2d ceil_mode include pad", 33);
  check_avg_pool({2, 2, 8, 7}, pool({3, 2}, {2, 2}, {1, 1}, {1}, true, false),
                 "avg_pool2d ceil_mode exclude pad", 34);
  check_avg_pool({3, 5, 5}, pool({2, 2}, {1, 1}), "avg_pool2d unbatched overlapping", 35);
}

TEST(GradAvgPool, ThreeD) {
  check_avg_pool({2, 2, 4, 6, 5}, pool({2, 2, 2}), "avg_pool3d k2", 40);
  check_avg_pool({1, 2, 5, 6, 5}, pool({3, 3, 2}, {2, 2, 1}, {1, 1, 1}),
                 "avg_pool3d p1 include pad", 41);
  check_avg_pool({1, 2, 5, 6, 5}, pool({3, 3, 2}, {2, 2, 1}, {1, 1, 1}, {1}, true, false),
                 "avg_pool3d p1 ceil exclude pad", 42);
  check_avg_pool({1, 2, 5, 6, 5}, pool({3, 2, 3}, {2, 2, 2}, {1, 1, 1}, {1}, true, true),
                 "avg_pool3d ceil include pad", 43);
}

TEST(GradAdaptiveAvgPool2d, NonDivisibleAndDivisibleSizes) {
  for (const auto& [sizes, out] : std::vector<std::pair<Shape, Shape>>{
           {{2, 3, 7, 5}, {3, 2}},  // overlapping windows in both dims
           {{2, 2, 8, 6}, {4, 3}},  // divisible
           {{3, 4, 5}, {5, 3}},     // unbatched, output larger than input in H
           {{1, 2, 6, 9}, {1, 1}},  // global average
       }) {
    Tensor x = randn64(sizes, 50 + static_cast<std::uint64_t>(sizes[0]));
    const Tensor y = F::adaptive_avg_pool2d(x, out);
    const Tensor dy = randn64(y.sizes(), 60);
    const Tensor dx = F::adaptive_avg_pool2d_backward(dy, x);
    const auto output_size = out;  // clang 14 cannot capture a structured binding
    check_grad([&] { return F::adaptive_avg_pool2d(x, output_size); }, dy, x, dx,
               "adaptive_avg_pool2d " + wi::shape_str(sizes) + " -> " + wi::shape_str(out));
  }
}

// ---------------------------------------------------------------------------------------------
// Normalisation kernels.

namespace {

/// batch_norm_backward against central differences of batch_norm in x, weight and bias. The
/// running stats are copied for each evaluation, so the training forward's update does not
/// accumulate across evaluations (the training output does not read them anyway).
void check_batch_norm(const Shape& sizes, bool training, bool affine, const std::string& what,
                      std::uint64_t seed) {
  const std::int64_t c = sizes[1];
  Tensor x = randn64(sizes, seed);
  const Tensor rm = randn64({c}, seed + 1), rv = positive64({c}, seed + 2);
  Tensor w = affine ? randn64({c}, seed + 3) : Tensor();
  Tensor b = affine ? randn64({c}, seed + 4) : Tensor();
  const double eps = 1e-5;
  const auto f = [&] {
    Tensor m = rm.clone(), v = rv.clone();
    return F::batch_norm(x, m, v, w, b, training, 0.1, eps);
  };
  const Tensor dy = randn64(sizes, seed + 5);
  const F::Grads g = F::batch_norm_backward(dy, x, rm, rv, w, affine, training, eps);
  check_grad(f, dy, x, g.input, what + " dx");
  if (affine) {
    check_grad(f, dy, w, g.weight, what + " dweight");
    check_grad(f, dy, b, g.bias, what + " dbias");
  } else {
    EXPECT_FALSE(g.weight.defined()) << what;
    EXPECT_FALSE(g.bias.defined()) << what;
  }
}

void check_layer_norm(const Shape& sizes, const Shape& normalized, bool with_weight, bool with_bias,
                      const std::string& what, std::uint64_t seed) {
  Tensor x = randn64(sizes, seed);
  Tensor w = with_weight ? randn64(normalized, seed + 1) : Tensor();
  Tensor b = with_bias ? randn64(normalized, seed + 2) : Tensor();
  const auto f = [&] { return F::layer_norm(x, normalized, w, b, 1e-5); };
  const Tensor dy = randn64(sizes, seed + 3);
  const F::Grads g = F::layer_norm_backward(dy, x, normalized, w, with_bias, 1e-5);
  check_grad(f, dy, x, g.input, what + " dx");
  if (with_weight) {
    check_grad(f, dy, w, g.weight, what + " dweight");
  } else {
    EXPECT_FALSE(g.weight.defined()) << what;
  }
  if (with_bias) {
    check_grad(f, dy, b, g.bias, what + " dbias");
  } else {
    EXPECT_FALSE(g.bias.defined()) << what;
  }
}

}  // namespace

TEST(GradBatchNorm, TrainingThroughBatchStatistics) {
  check_batch_norm({6, 3}, true, true, "batch_norm1d (N, C) train affine", 100);
  check_batch_norm({4, 3, 5}, true, true, "batch_norm1d (N, C, L) train affine", 110);
  check_batch_norm({3, 2, 4, 3}, true, true, "batch_norm2d train affine", 120);
  check_batch_norm({2, 2, 3, 3, 2}, true, true, "batch_norm3d train affine", 130);
  check_batch_norm({5, 3}, true, false, "batch_norm1d (N, C) train no affine", 140);
  check_batch_norm({3, 2, 4, 3}, true, false, "batch_norm2d train no affine", 150);
}

TEST(GradBatchNorm, EvalWithRunningStatistics) {
  check_batch_norm({6, 3}, false, true, "batch_norm1d (N, C) eval affine", 200);
  check_batch_norm({4, 3, 5}, false, true, "batch_norm1d (N, C, L) eval affine", 210);
  check_batch_norm({3, 2, 4, 3}, false, true, "batch_norm2d eval affine", 220);
  check_batch_norm({2, 2, 3, 3, 2}, false, true, "batch_norm3d eval affine", 230);
  check_batch_norm({3, 2, 4, 3}, false, false, "batch_norm2d eval no affine", 240);
}

// Training backward ignores the running stats (they may be undefined, or hold anything).
TEST(GradBatchNorm, TrainingIgnoresRunningStats) {
  const Tensor x = randn64({3, 2, 4}, 300), dy = randn64({3, 2, 4}, 301);
  const Tensor w = randn64({2}, 302), none;
  const F::Grads a = F::batch_norm_backward(dy, x, none, none, w, true, true, 1e-5);
  const F::Grads b =
      F::batch_norm_backward(dy, x, randn64({2}, 303), positive64({2}, 304), w, true, true, 1e-5);
  EXPECT_EQ(a.input.to_vector<double>(), b.input.to_vector<double>());
  EXPECT_EQ(a.weight.to_vector<double>(), b.weight.to_vector<double>());
  EXPECT_EQ(a.bias.to_vector<double>(), b.bias.to_vector<double>());
}

TEST(GradLayerNorm, OneAndTwoNormalizedDims) {
  check_layer_norm({4, 6}, {6}, true, true, "layer_norm [6] affine", 400);
  check_layer_norm({2, 3, 6}, {6}, false, false, "layer_norm [6] no weight", 410);
  check_layer_norm({2, 3, 6}, {6}, true, false, "layer_norm [6] weight, no bias", 420);
  check_layer_norm({2, 3, 4}, {3, 4}, true, true, "layer_norm [3, 4] affine", 430);
  check_layer_norm({3, 2, 5}, {2, 5}, false, false, "layer_norm [2, 5] no weight", 440);
}

// ---------------------------------------------------------------------------------------------
// float32 and float64 agree: the float64 forwards against the float32 ones on the same values
// (≤ 1e-5 relative: float32 rounding), and the float32 backward kernels against float64.

TEST(GradPoolNormDtypes, Float64ForwardsAndFloat32BackwardsAgree) {
  const auto f32 = [](const Tensor& t) { return t.to(wi::DType::Float32); };
  const Tensor none;
  Tensor x4 = randn64({2, 3, 7, 6}, 500), x5 = randn64({2, 2, 5, 6, 5}, 501);
  const F::PoolOptions mp = pool({3, 2}, {2, 1}, {1, 1}, {1, 2}, true);
  const F::PoolOptions mp3 = pool({2, 2, 2}, {2, 1, 2}, {1, 0, 1}, {1}, true);
  const F::PoolOptions ap = pool({3, 3}, {2, 2}, {1, 1}, {1}, true, false);
  const F::PoolOptions ap3 = pool({3, 2, 3}, {2, 2, 2}, {1, 1, 1}, {1}, false, true);
  EXPECT_LE(rel_diff(F::max_pool(f32(x4), mp), F::max_pool(x4, mp)), 1e-6);
  EXPECT_LE(rel_diff(F::max_pool(f32(x5), mp3), F::max_pool(x5, mp3)), 1e-6);
  EXPECT_LE(rel_diff(F::avg_pool(f32(x4), ap), F::avg_pool(x4, ap)), 1e-5);
  EXPECT_LE(rel_diff(F::avg_pool(f32(x5), ap3), F::avg_pool(x5, ap3)), 1e-5);
  EXPECT_LE(rel_diff(F::adaptive_avg_pool2d(f32(x4), {3, 4}), F::adaptive_avg_pool2d(x4, {3, 4})),
            1e-5);
  EXPECT_EQ(F::max_pool(x4, mp).dtype(), wi::DType::Float64);

  const Tensor dmp = randn64(F::max_pool(x4, mp).sizes(), 502);
  EXPECT_LE(
      rel_diff(F::max_pool_backward(f32(dmp), f32(x4), mp), F::max_pool_backward(dmp, x4, mp)),
      1e-6);
  const Tensor dap = randn64(F::avg_pool(x5, ap3).sizes(), 503);
  EXPECT_LE(
      rel_diff(F::avg_pool_backward(f32(dap), f32(x5), ap3), F::avg_pool_backward(dap, x5, ap3)),
      1e-5);
  const Tensor dad = randn64({2, 3, 3, 4}, 504);
  EXPECT_LE(rel_diff(F::adaptive_avg_pool2d_backward(f32(dad), f32(x4)),
                     F::adaptive_avg_pool2d_backward(dad, x4)),
            1e-5);

  Tensor rm = randn64({3}, 505), rv = positive64({3}, 506);
  Tensor rm32 = f32(rm), rv32 = f32(rv);
  const Tensor w = randn64({3}, 507), b = randn64({3}, 508);
  for (const bool training : {true, false}) {
    Tensor m = rm.clone(), v = rv.clone(), m32 = rm32.clone(), v32 = rv32.clone();
    EXPECT_LE(rel_diff(F::batch_norm(f32(x4), m32, v32, f32(w), f32(b), training, 0.1, 1e-5),
                       F::batch_norm(x4, m, v, w, b, training, 0.1, 1e-5)),
              1e-5)
        << training;
    EXPECT_LE(rel_diff(m32, m), 1e-6);
    EXPECT_LE(rel_diff(v32, v), 1e-6);
    const Tensor dy = randn64(x4.sizes(), 509);
    const F::Grads g64 = F::batch_norm_backward(dy, x4, rm, rv, w, true, training, 1e-5);
    const F::Grads g32 =
        F::batch_norm_backward(f32(dy), f32(x4), rm32, rv32, f32(w), true, training, 1e-5);
    EXPECT_EQ(g32.input.dtype(), wi::DType::Float32);
    EXPECT_EQ(g32.weight.dtype(), wi::DType::Float32);
    EXPECT_LE(rel_diff(g32.input, g64.input), 1e-5) << training;
    EXPECT_LE(rel_diff(g32.weight, g64.weight), 1e-5) << training;
    EXPECT_LE(rel_diff(g32.bias, g64.bias), 1e-5) << training;
  }

  const Tensor lw = randn64({6}, 510), lb = randn64({6}, 511);
  EXPECT_LE(rel_diff(F::layer_norm(f32(x4), {6}, f32(lw), f32(lb), 1e-5),
                     F::layer_norm(x4, {6}, lw, lb, 1e-5)),
            1e-5);
  const Tensor dy = randn64(x4.sizes(), 512);
  const F::Grads l64 = F::layer_norm_backward(dy, x4, {6}, lw, true, 1e-5);
  const F::Grads l32 = F::layer_norm_backward(f32(dy), f32(x4), {6}, f32(lw), true, 1e-5);
  EXPECT_LE(rel_diff(l32.input, l64.input), 1e-5);
  EXPECT_LE(rel_diff(l32.weight, l64.weight), 1e-5);
  EXPECT_LE(rel_diff(l32.bias, l64.bias), 1e-5);
}

// Inputs above the OpenMP grain (2^15 elements) take the parallel loops; the result does not
// depend on the thread count (each value is reduced by one thread, in a fixed order), so two
// runs agree bit for bit and agree with small-tensor slices computed serially.
TEST(GradPoolNormDtypes, ParallelBackwardIsDeterministic) {
  const Tensor x = randn64({4, 8, 32, 40}, 600), dy = randn64({4, 8, 32, 40}, 601);
  const Tensor w = randn64({8}, 602), none;
  const F::Grads a = F::batch_norm_backward(dy, x, none, none, w, true, true, 1e-5);
  const F::Grads b = F::batch_norm_backward(dy, x, none, none, w, true, true, 1e-5);
  EXPECT_EQ(a.input.to_vector<double>(), b.input.to_vector<double>());
  EXPECT_EQ(a.weight.to_vector<double>(), b.weight.to_vector<double>());
  const Tensor lw = randn64({32, 40}, 603);
  const F::Grads la = F::layer_norm_backward(dy, x, {32, 40}, lw, true, 1e-5);
  const F::Grads lb = F::layer_norm_backward(dy, x, {32, 40}, lw, true, 1e-5);
  EXPECT_EQ(la.input.to_vector<double>(), lb.input.to_vector<double>());
  EXPECT_EQ(la.weight.to_vector<double>(), lb.weight.to_vector<double>());
  EXPECT_EQ(la.bias.to_vector<double>(), lb.bias.to_vector<double>());
  // Row 0 alone (serial) gives the same dx row.
  const Tensor x0 = x.slice(0, 0, 1).contiguous(), dy0 = dy.slice(0, 0, 1).contiguous();
  const F::Grads l0 = F::layer_norm_backward(dy0, x0, {32, 40}, lw, true, 1e-5);
  const std::vector<double> full = la.input.to_vector<double>(), row = l0.input.to_vector<double>();
  EXPECT_TRUE(std::equal(row.begin(), row.end(), full.begin()));
  const Tensor dp = randn64({4, 8, 16, 20}, 604);
  const Tensor m1 = F::max_pool_backward(dp, x, pool({2, 2}));
  const Tensor m2 = F::max_pool_backward(dp, x, pool({2, 2}));
  EXPECT_EQ(m1.to_vector<double>(), m2.to_vector<double>());
}

// ---------------------------------------------------------------------------------------------
// Modules: forward in grad mode, backward, against numeric gradients of the loss
// L = Σ dy·module(x), evaluated under NoGradGuard (so the probes record nothing).

TEST(GradModules, BatchNorm2dTrainingFloat64) {
  wi::nn::BatchNorm2d bn(3, 1e-5, 0.1, true, true, wi::DType::Float64);
  bn.parameter("weight").data.copy_(randn64({3}, 700));
  bn.parameter("bias").data.copy_(randn64({3}, 701));
  Tensor x = randn64({4, 3, 3, 2}, 702);
  const Tensor dy = randn64({4, 3, 3, 2}, 703);
  bn.train();
  const Tensor y = bn(x);
  EXPECT_EQ(y.dtype(), wi::DType::Float64);
  EXPECT_EQ(bn.pending_backward(), 1u);
  // The forward updated the running stats in place; backward must not use them.
  EXPECT_NE(bn.buffer("running_mean").to_vector<double>(), std::vector<double>(3, 0.0));
  const Tensor dx = bn.backward(dy);
  EXPECT_EQ(bn.pending_backward(), 0u);
  // Each numeric evaluation is a training forward, which updates running_mean/var and
  // num_batches_tracked again: harmless, since a training output depends only on the batch
  // statistics, not on the running ones.
  const auto loss = [&] {
    wi::nn::NoGradGuard no_grad;
    return dot(bn(x), dy);
  };
  expect_grad_near(dx, numeric_grad(loss, x), "BatchNorm2d train dx");
  expect_grad_near(bn.parameter("weight").grad, numeric_grad(loss, bn.parameter("weight").data),
                   "BatchNorm2d train dweight");
  expect_grad_near(bn.parameter("bias").grad, numeric_grad(loss, bn.parameter("bias").data),
                   "BatchNorm2d train dbias");
  EXPECT_EQ(bn.pending_backward(), 0u);  // the probes ran without grad mode

  // A second forward/backward adds into the parameter grads.
  const Tensor g1 = bn.parameter("weight").grad.clone();
  bn(x);
  bn.backward(dy);
  const std::vector<double> once = g1.to_vector<double>();
  const std::vector<double> twice = bn.parameter("weight").grad.to_vector<double>();
  for (std::size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(twice[i], 2.0 * once[i], 1e-12);
}

TEST(GradModules, BatchNormEvalAndWithoutRunningStats) {
  // Eval: the running stats at the time of the forward (random values set here).
  wi::nn::BatchNorm3d bn(2, 1e-5, 0.1, true, true, wi::DType::Float64);
  bn.parameter("weight").data.copy_(randn64({2}, 710));
  bn.parameter("bias").data.copy_(randn64({2}, 711));
  bn.buffer("running_mean").copy_(randn64({2}, 712));
  bn.buffer("running_var").copy_(positive64({2}, 713));
  bn.eval();
  Tensor x = randn64({2, 2, 2, 3, 2}, 714);
  const Tensor dy = randn64(x.sizes(), 715);
  bn(x);
  const Tensor dx = bn.backward(dy);
  const auto loss = [&] {
    wi::nn::NoGradGuard no_grad;
    return dot(bn(x), dy);
  };
  expect_grad_near(dx, numeric_grad(loss, x), "BatchNorm3d eval dx");
  expect_grad_near(bn.parameter("weight").grad, numeric_grad(loss, bn.parameter("weight").data),
                   "BatchNorm3d eval dweight");

  // track_running_stats = false: batch statistics in eval mode too; no affine parameters.
  wi::nn::BatchNorm1d plain(3, 1e-5, 0.1, false, false, wi::DType::Float64);
  plain.eval();
  Tensor x1 = randn64({5, 3, 4}, 716);
  const Tensor dy1 = randn64(x1.sizes(), 717);
  plain(x1);
  const Tensor dx1 = plain.backward(dy1);
  const auto loss1 = [&] {
    wi::nn::NoGradGuard no_grad;
    return dot(plain(x1), dy1);
  };
  expect_grad_near(dx1, numeric_grad(loss1, x1), "BatchNorm1d without running stats dx");
}

TEST(GradModules, LayerNormFloat64) {
  wi::nn::LayerNorm ln({3, 4}, 1e-5, true, wi::DType::Float64);
  ln.parameter("weight").data.copy_(randn64({3, 4}, 720));
  ln.parameter("bias").data.copy_(randn64({3, 4}, 721));
  Tensor x = randn64({2, 3, 4}, 722);
  const Tensor dy = randn64(x.sizes(), 723);
  ln(x);
  const Tensor dx = ln.backward(dy);
  const auto loss = [&] {
    wi::nn::NoGradGuard no_grad;
    return dot(ln(x), dy);
  };
  expect_grad_near(dx, numeric_grad(loss, x), "LayerNorm dx");
  expect_grad_near(ln.parameter("weight").grad, numeric_grad(loss, ln.parameter("weight").data),
                   "LayerNorm dweight");
  expect_grad_near(ln.parameter("bias").grad, numeric_grad(loss, ln.parameter("bias").data),
                   "LayerNorm dbias");
}

TEST(GradModules, PoolingModulesMatchTheKernels) {
  const Tensor x4 = distinct64({2, 2, 6, 7}, 730), x5 = distinct64({1, 2, 4, 6, 6}, 731);
  wi::nn::MaxPool2d mp(pool({3, 3}, {2, 2}, {1, 1}, {1}, true));
  const Tensor dmp = randn64(mp(x4).sizes(), 732);
  EXPECT_EQ(
      mp.backward(dmp).to_vector<double>(),
      F::max_pool_backward(dmp, x4, pool({3, 3}, {2, 2}, {1, 1}, {1}, true)).to_vector<double>());
  wi::nn::AvgPool3d ap(pool({2, 2, 2}));
  const Tensor dap = randn64(ap(x5).sizes(), 733);
  EXPECT_EQ(ap.backward(dap).to_vector<double>(),
            F::avg_pool_backward(dap, x5, pool({2, 2, 2})).to_vector<double>());
  wi::nn::AdaptiveAvgPool2d ad({3, 2});
  const Tensor dad = randn64(ad(x4).sizes(), 734);
  EXPECT_EQ(ad.backward(dad).to_vector<double>(),
            F::adaptive_avg_pool2d_backward(dad, x4).to_vector<double>());
  // Forwards stack: two calls are back-propagated in reverse order.
  wi::nn::MaxPool1d m1(pool({2}));
  const Tensor a = distinct64({1, 1, 4}, 735), b = distinct64({1, 1, 6}, 736);
  m1(a);
  m1(b);
  EXPECT_EQ(m1.backward(randn64({1, 1, 3}, 737)).sizes(), b.sizes());
  EXPECT_EQ(m1.backward(randn64({1, 1, 2}, 738)).sizes(), a.sizes());
  // No forward in grad mode: backward throws.
  {
    wi::nn::NoGradGuard no_grad;
    m1(a);
  }
  EXPECT_THROW(m1.backward(randn64({1, 1, 2}, 739)), wi::Error);
}

// ---------------------------------------------------------------------------------------------
// Bad input.

TEST(GradPoolNormErrors, GradOutputShapeMismatch) {
  using wi::testing::error_of;
  const Tensor x = randn64({2, 3, 4, 4}, 800), none;
  const Tensor bad = randn64({2, 3, 2, 3}, 801);
  EXPECT_THROW(F::max_pool_backward(bad, x, pool({2, 2})), wi::ShapeError);
  EXPECT_EQ(error_of([&] {
              F::max_pool_backward(bad, x, pool({2, 2}));
            }),
            "max_pool_backward: grad_output must have the forward output's size [2, 3, 2, 2], "
            "but got [2, 3, 2, 3]");
  EXPECT_EQ(error_of([&] {
              F::avg_pool_backward(bad, x, pool({2, 2}));
            }),
            "avg_pool_backward: grad_output must have the forward output's size [2, 3, 2, 2], "
            "but got [2, 3, 2, 3]");
  EXPECT_THROW(F::adaptive_avg_pool2d_backward(randn64({2, 4, 2, 3}, 802), x), wi::ShapeError);
  EXPECT_EQ(error_of([&] {
              F::adaptive_avg_pool2d_backward(randn64({3, 2, 3}, 803), x);
            }),
            "adaptive_avg_pool2d_backward: grad_output must have the input's rank, but got "
            "grad_output of size [3, 2, 3] for input of size [2, 3, 4, 4]");
  EXPECT_THROW(F::batch_norm_backward(bad, x, none, none, none, false, true, 1e-5), wi::ShapeError);
  EXPECT_EQ(error_of([&] { F::batch_norm_backward(bad, x, none, none, none, false, true, 1e-5); }),
            "batch_norm_backward: grad_output must have the input's size [2, 3, 4, 4], but got "
            "[2, 3, 2, 3]");
  EXPECT_EQ(error_of([&] { F::layer_norm_backward(bad, x, {4}, none, false, 1e-5); }),
            "layer_norm_backward: grad_output must have the input's size [2, 3, 4, 4], but got "
            "[2, 3, 2, 3]");
  // Module backward checks through the kernels.
  wi::nn::LayerNorm ln({4}, 1e-5, true, wi::DType::Float64);
  ln(x);
  EXPECT_THROW(ln.backward(bad), wi::ShapeError);
  // Eval batch norm needs the running stats.
  EXPECT_THROW(F::batch_norm_backward(x, x, none, none, none, false, false, 1e-5), wi::ValueError);
}

TEST(GradPoolNormErrors, MixedDtypes) {
  using wi::testing::error_of;
  const Tensor x = randn64({2, 3, 4, 4}, 810), none;
  const Tensor x32 = x.to(wi::DType::Float32);
  const Tensor dy32 = randn64({2, 3, 2, 2}, 811).to(wi::DType::Float32);
  EXPECT_THROW(F::max_pool_backward(dy32, x, pool({2, 2})), wi::DTypeError);
  EXPECT_EQ(error_of([&] {
              F::max_pool_backward(dy32, x, pool({2, 2}));
            }),
            "max_pool_backward: expected scalar type Double but found Float (grad_output)");
  EXPECT_THROW(F::avg_pool_backward(dy32, x, pool({2, 2})), wi::DTypeError);
  EXPECT_THROW(F::adaptive_avg_pool2d_backward(dy32, x), wi::DTypeError);
  EXPECT_THROW(F::batch_norm_backward(x32, x, none, none, none, true, true, 1e-5), wi::DTypeError);
  EXPECT_THROW(F::layer_norm_backward(x32, x, {4}, none, true, 1e-5), wi::DTypeError);

  // Forwards: weight, bias and running stats must have the input's dtype.
  Tensor rm = Tensor::zeros({3}), rv = Tensor::full({3}, 1.0);  // float32
  Tensor rm64 = rm.to(wi::DType::Float64), rv64 = rv.to(wi::DType::Float64);
  EXPECT_EQ(error_of([&] { F::batch_norm(x, rm, rv, none, none, false, 0.1, 1e-5); }),
            "batch_norm: expected scalar type Double but found Float (running_mean)");
  EXPECT_THROW(F::batch_norm(x, rm64, rv64, Tensor::full({3}, 1.0), none, true, 0.1, 1e-5),
               wi::DTypeError);
  EXPECT_EQ(
      error_of([&] { F::batch_norm(x32, rm, rv, Tensor::full({3}, 1.0), rm64, true, 0.1, 1e-5); }),
      "batch_norm: expected scalar type Float but found Double (bias)");
  EXPECT_EQ(error_of([&] { F::layer_norm(x, {4}, Tensor::full({4}, 1.0), none, 1e-5); }),
            "layer_norm: expected scalar type Double but found Float (weight)");
  EXPECT_THROW(F::batch_norm_backward(x, x, none, none, Tensor::full({3}, 1.0), true, true, 1e-5),
               wi::DTypeError);
  // Modules: a float32 layer with a float64 input.
  wi::nn::BatchNorm2d bn(3);
  EXPECT_THROW(bn(x), wi::DTypeError);
  wi::nn::LayerNorm ln({4});
  EXPECT_THROW(ln(x), wi::DTypeError);
  // Integer input.
  EXPECT_THROW(F::max_pool(Tensor::zeros({1, 1, 4}, wi::DType::Int64), pool({2})), wi::DTypeError);
}

// The 2×2 / stride-2 fast path (2-d, no padding) against the generic kernel: a 3-d pool with
// kernel (1, 2, 2) on two depth slices runs the generic loops, and each slice must equal the
// 2-d pool of that slice, forward and backward, with ties, -inf and NaN in the windows and odd
// sizes (the last row / column is dropped).
TEST(MaxPoolFastPath, TwoByTwoMatchesTheGenericKernel) {
  const Tensor base = randn64({2, 3, 2, 7, 9}, 31);
  Tensor x = base.to(wi::DType::Float32).contiguous();
  float* p = x.data_ptr<float>();
  p[0] = p[1] = 5.0f;  // a tie in the first window
  p[12] = -std::numeric_limits<float>::infinity();
  p[20] = std::nanf("");
  p[40] = p[41] = p[49] = p[50] = -std::numeric_limits<float>::infinity();
  F::PoolOptions o3;
  o3.kernel = {1, 2, 2};
  F::PoolOptions o2;
  o2.kernel = {2, 2};
  const Tensor y3 = F::max_pool(x, o3);
  const Tensor dy3 = randn64(y3.sizes(), 32).to(wi::DType::Float32);
  const Tensor dx3 = F::max_pool_backward(dy3, x, o3);
  for (std::int64_t d = 0; d < 2; ++d) {
    const Tensor xs = x.select(2, d).contiguous();
    const Tensor y2 = F::max_pool(xs, o2);
    const Tensor dx2 = F::max_pool_backward(dy3.select(2, d).contiguous(), xs, o2);
    const auto a = y2.to_vector<float>(), b = y3.select(2, d).contiguous().to_vector<float>();
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i]))) << d << " " << i;
    }
    EXPECT_EQ(dx2.to_vector<float>(), dx3.select(2, d).contiguous().to_vector<float>()) << d;
  }
}
