// SPDX-License-Identifier: MIT
// probe(): the textbook cases of signal propagation at init, with fixed seeds and stated
// thresholds (Glorot & Bengio 2010; He et al. 2015).
#include "weightinit/diag/probe.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "support/error_of.h"
#include "weightinit/diag/probe_inits.h"
#include "weightinit/models/mlp.h"
#include "weightinit/nn/activation.h"
#include "weightinit/random/sampling.h"
#include "weightinit/recipes/layers.h"

namespace wi = weightinit;
namespace wd = weightinit::diag;

namespace {

/// An MLP 64-[64 x depth]-10 with `act`, its weights drawn by `spec` ("default": the
/// constructors' U(±1/√fan_in), Glorot & Bengio's "standard" init) and biases zero, probed on
/// 256 N(0, 1) samples.
wd::ProbeResult run(int depth, const std::string& act, const std::string& spec) {
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(depth) + 1, 64);
  sizes.push_back(10);
  wi::Generator gen(5);
  auto model = wi::models::make_mlp(sizes, act, gen);
  const auto zeros = wi::init::Initializer::parse("zeros");
  if (spec != "default") {
    wi::recipes::init_weight_layers(*model, wi::init::Initializer::parse(spec), &zeros, gen);
  } else {
    wi::recipes::init_weight_layers(
        *model, wi::init::Initializer::parse("kaiming_uniform(a=2.2360679774997898)"), &zeros, gen);
  }
  wi::Generator data(6);
  const wi::Tensor x = wi::randn({256, 64}, wi::DType::Float32, data);
  std::vector<std::int64_t> y(256);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<std::int64_t>(i % 10);
  return wd::probe(*model, x, y, spec);
}

}  // namespace

// He et al. 2015 (Fig. 3's setting): 30 ReLU layers. Xavier halves the variance per layer
// (std × 1/√2 each), so the last hidden std is ~2^-15 of the first; Kaiming keeps it.
TEST(Probe, DeepReluXavierVanishesKaimingDoesNot) {
  const auto xavier = run(30, "relu", "xavier_uniform");
  const auto kaiming = run(30, "relu", "kaiming_normal");
  ASSERT_EQ(xavier.layers.size(), 31u);
  EXPECT_EQ(xavier.layers[0].activation, "ReLU");
  EXPECT_EQ(xavier.layers.back().activation, "-");
  EXPECT_LT(xavier.act_std_ratio, 1e-2);
  EXPECT_EQ(xavier.verdict, "vanishing");
  EXPECT_GT(kaiming.act_std_ratio, 0.2);
  EXPECT_LT(kaiming.act_std_ratio, 5.0);
  EXPECT_EQ(kaiming.verdict, "ok");
  EXPECT_GT(kaiming.layers[3].zero_fraction, 0.3);  // ReLU zeroes about half
}

// Glorot & Bengio 2010: tanh with U(±1/√n) shrinks the activations layer by layer (12 layers:
// to < 0.2 of the first layer's std); the normalized (Xavier) init keeps them within a band
// (> 0.2) at least 50× wider than the standard init's.
TEST(Probe, TanhStandardInitShrinksXavierKeepsABand) {
  const auto standard = run(12, "tanh", "default");
  const auto xavier = run(12, "tanh", "xavier_uniform");
  EXPECT_LT(standard.act_std_ratio, 0.2);
  for (std::size_t i = 1; i + 1 < standard.layers.size(); ++i) {
    EXPECT_LT(standard.layers[i].act_std, standard.layers[i - 1].act_std) << i;
  }
  // Measured: standard 0.0020, Xavier 0.31 (tanh' < 1 still shrinks Xavier slowly).
  EXPECT_GT(xavier.act_std_ratio, 0.2);
  EXPECT_GT(xavier.act_std_ratio, 50 * standard.act_std_ratio);
  EXPECT_EQ(xavier.verdict, "ok");
}

TEST(Probe, ZeroInitKillsEveryHiddenActivation) {
  const auto r = run(4, "relu", "zeros");
  for (std::size_t i = 0; i + 1 < r.layers.size(); ++i) {
    EXPECT_EQ(r.layers[i].act_std, 0.0);
    EXPECT_EQ(r.layers[i].zero_fraction, 1.0);
  }
  EXPECT_EQ(r.verdict, "vanishing");
  EXPECT_NEAR(r.loss, std::log(10.0), 1e-6);  // uniform logits
}

TEST(Probe, UnitNormalOnDeepTanhSaturates) {
  const auto r = run(10, "tanh", "normal(std=1)");
  for (std::size_t i = 1; i + 1 < r.layers.size(); ++i) {
    EXPECT_GT(r.layers[i].saturated_fraction, 0.5) << i;
  }
  EXPECT_EQ(r.verdict, "saturated");
}

TEST(Probe, ModelWithoutWeightLayersIsAnError) {
  wi::Generator gen(1);
  auto model = wi::models::make_mlp({4, 4}, "relu", gen);
  wi::nn::Sequential empty;
  empty.push_back(std::make_shared<wi::nn::ReLU>());
  const wi::Tensor x = wi::Tensor::zeros({2, 10});
  EXPECT_EQ(wi::testing::error_of([&] {
              wd::probe(empty, x, {0, 1}, "x");
            }),
            "probe: the model has no Linear or Conv layer to report on");
}

// policy:NAME in the init list: on a BN CIFAR ResNet, policy:cifar-resnet draws the Conv2d and
// Linear weights kaiming_normal in module order as the spec kaiming_normal does, so every conv row
// is the same (only the Linear bias differs: the policy keeps its default, the spec zeroes it);
// zero_init_residual=true changes nothing before the first block's bn2 and makes every later
// block's conv1 see another input.
TEST(ProbeInits, BuiltinPoliciesAsInits) {
  wd::ProbeSetup setup;
  setup.model = "cifar-resnet8";
  setup.inits = "kaiming_normal; policy:cifar-resnet; policy:cifar-resnet(zero_init_residual=true)";
  setup.data = "synthetic";
  setup.batch = 8;
  const wd::ProbeReport report = wd::probe_inits(setup);
  ASSERT_EQ(report.inits.size(), 3u);
  EXPECT_EQ(report.inits[2].init, "policy:cifar-resnet(zero_init_residual=true)");
  const auto& spec = report.inits[0].layers;
  const auto& policy = report.inits[1].layers;
  const auto& zeroed = report.inits[2].layers;
  ASSERT_EQ(spec.size(), policy.size());
  for (std::size_t i = 0; i + 1 < spec.size(); ++i) {  // every conv row
    EXPECT_EQ(spec[i].act_std, policy[i].act_std) << spec[i].name;
  }
  for (std::size_t i = 0; i < zeroed.size(); ++i) {
    const bool before_first_bn2 =
        zeroed[i].name == "conv1" || zeroed[i].name.starts_with("layer1.0");
    if (before_first_bn2) {
      EXPECT_EQ(zeroed[i].act_std, policy[i].act_std) << zeroed[i].name;
    } else if (zeroed[i].type == "Conv2d") {
      EXPECT_NE(zeroed[i].act_std, policy[i].act_std) << zeroed[i].name;
    }
  }
  setup.inits = "policy:cifar-resnt";
  EXPECT_EQ(
      wi::testing::error_of([&] { wd::probe_inits(setup); })
          .rfind("unknown policy 'cifar-resnt' in init 'policy:cifar-resnt': policy:NAME takes a "
                 "built-in policy (torch-default, ",
                 0),
      0u);
}

// GPT-2's residual scaling (Radford et al. 2019, sec. 2.3): every block adds its attention and
// MLP outputs to the residual stream, so the stream's variance grows with depth; scaling the
// c_proj weights by 1/sqrt(2·n_layer) makes each addition that much smaller. On random tokens
// (seed 0, 8 sequences of 64) the stream grows block after block under both inits, and the
// scaled one ends at less than half the unscaled one's std (measured: 0.091 against 0.47 at
// d=256, 12 layers; here d=64, 6 layers). The loss starts near ln(vocab).
TEST(ProbeInits, Gpt2ResidualStreamGrowsWithDepthAndTheScalingSlowsIt) {
  wd::ProbeSetup setup;
  setup.model = "gpt2:d=64,layers=6,heads=4,vocab=500,positions=64";
  setup.inits = "policy:gpt2; policy:gpt2(scaled_residual=false)";
  setup.batch = 8;
  const wd::ProbeReport report = wd::probe_inits(setup);
  EXPECT_EQ(report.data, "random-tokens");
  EXPECT_EQ(report.batch, 8);
  ASSERT_EQ(report.inits.size(), 2u);
  for (const wd::ProbeResult& r : report.inits) {
    ASSERT_EQ(r.blocks.size(), 6u) << r.init;
    EXPECT_EQ(r.blocks[0].name, "transformer.h.0");
    EXPECT_EQ(r.blocks[0].type, "Block");
    EXPECT_GT(r.blocks[0].std, r.stream_input_std) << r.init;
    for (std::size_t i = 1; i < r.blocks.size(); ++i) {
      EXPECT_GT(r.blocks[i].std, r.blocks[i - 1].std) << r.init << " block " << i;
    }
    EXPECT_NEAR(r.loss, std::log(500.0), 0.1) << r.init;
  }
  // The embeddings are drawn alike: the same stream enters the first block.
  EXPECT_EQ(report.inits[0].stream_input_std, report.inits[1].stream_input_std);
  EXPECT_LT(report.inits[0].blocks.back().std, 0.5 * report.inits[1].blocks.back().std);

  setup.seq_len = 65;
  EXPECT_EQ(wi::testing::error_of([&] { wd::probe_inits(setup); }),
            "--seq-len must be in [1, 64] (the model's context length), but got 65");
}

// The CIFAR ResNet's residual stream: one row per BasicBlock (3 stages of n blocks).
TEST(ProbeInits, ResidualBlocksOfACifarResnetGetOneRowEach) {
  wd::ProbeSetup setup;
  setup.model = "cifar-resnet20";
  setup.inits = "kaiming_normal";
  setup.data = "synthetic";
  setup.batch = 4;
  const wd::ProbeReport report = wd::probe_inits(setup);
  const auto& blocks = report.inits.at(0).blocks;
  ASSERT_EQ(blocks.size(), 9u);
  EXPECT_EQ(blocks.front().name, "layer1.0");
  EXPECT_EQ(blocks.back().name, "layer3.2");
  EXPECT_EQ(blocks.back().type, "BasicBlock");
  EXPECT_GT(report.inits[0].stream_input_std, 0.0);
}

// What the scaling is for: the stream's final std does not depend on the depth. Each block adds
// a branch of roughly fixed variance v, so after L blocks Var ≈ Var_0 + L·v; dividing each
// branch's variance by 2·n_layer makes the total independent of n_layer (measured at d=256:
// 0.0908, 0.0908, 0.0889 at 12, 24, 48 layers against 0.468, 0.661, 0.943 unscaled). Here d=64
// at 2 and 8 layers, seed 0: the scaled final std within 20%, the unscaled one over 1.5×.
TEST(ProbeInits, Gpt2ScaledResidualStreamEndsAtTheSameStdWhateverTheDepth) {
  const auto final_std = [](int layers, const std::string& policy) {
    wd::ProbeSetup setup;
    setup.model = "gpt2:d=64,layers=" + std::to_string(layers) + ",heads=4,vocab=500,positions=64";
    setup.inits = policy;
    setup.batch = 8;
    return wd::probe_inits(setup).inits.at(0).blocks.back().std;
  };
  const double scaled2 = final_std(2, "policy:gpt2"), scaled8 = final_std(8, "policy:gpt2");
  const double plain2 = final_std(2, "policy:gpt2(scaled_residual=false)");
  const double plain8 = final_std(8, "policy:gpt2(scaled_residual=false)");
  EXPECT_NEAR(scaled8 / scaled2, 1.0, 0.2) << scaled2 << " " << scaled8;
  EXPECT_GT(plain8 / plain2, 1.5) << plain2 << " " << plain8;
}
