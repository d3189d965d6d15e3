// SPDX-License-Identifier: MIT
// torchvision's efficientnet_b0, regnet_y_400mf and convnext_tiny against torchvision 0.14.1
// (tests/golden/zoo_tv_convnets.json, made by tools/golden/gen_tv_convnets.py): state_dict
// names, shapes, dtypes and order and the parameter count; the SHA-256 of every tensor at seeds
// 0 and 1 after build_model + the model's torchvision-* policy, which must equal
// `torch.manual_seed(s); torchvision.models.X()`; the eval-mode forward on a 2×3×64×64 input;
// a float64 training step (forward, backward, running stats); torchsummary's table at
// 3×224×224. Plus the new layers' backward (SiLU, SqueezeExcitation, LayerNorm2d, Permute,
// StochasticDepth) against float64 central differences and the errors for impossible inputs.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "models/torchvision_ops.h"
#include "support/golden_digest.h"
#include "support/gradcheck.h"
#include "weightinit/diag/summary.h"
#include "weightinit/models/registry.h"
#include "weightinit/nn/activation.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_profile.h"
#include "weightinit/recipes/policy.h"

namespace wi = weightinit;

namespace {

const nlohmann::json& golden() {
  static const nlohmann::json j = wi::testing::read_golden_json("zoo_tv_convnets.json");
  return j;
}

using wi::testing::dtype_text;
using wi::testing::sha256_hex;

/// The torch profile of the golden's torch (1.13-avx2 for Debian's 1.13.1).
const wi::TorchProfile& golden_profile() {
  return wi::torch_profile(golden().at("profile").get<std::string>());
}

/// The model `name` built from seed `seed` with its default (torchvision-*) policy applied, in
/// the golden torch's profile.
wi::models::BuiltModel build_initialized(const std::string& name, wi::Generator& gen) {
  wi::apply_torch_profile(gen, golden_profile());
  auto built = wi::models::build_model(name, gen);
  const auto report = wi::recipes::Policy::builtin(wi::models::default_policy(name), *built.module)
                          .apply(*built.module, gen);
  for (const auto& w : report.warnings) ADD_FAILURE() << name << ": " << w;
  return built;
}

wi::models::BuiltModel build_initialized(const std::string& name, std::uint64_t seed) {
  wi::Generator gen(seed);
  return build_initialized(name, gen);
}

/// The models the golden holds; the test's parameter (GTEST_FILTER picks one model).
std::vector<std::string> model_names() {
  return {"efficientnet_b0", "regnet_y_400mf", "convnext_tiny"};
}

class TvConvNet : public ::testing::TestWithParam<std::string> {
 protected:
  const nlohmann::json& entry() const { return golden().at("models").at(GetParam()); }
};

}  // namespace

TEST_P(TvConvNet, HasTorchvisionsStateDictAndParameterCount) {
  wi::Generator gen(0);
  const auto built = wi::models::build_model(GetParam(), gen);
  const wi::nn::StateDict state = built.module->state_dict();
  const auto& want = entry().at("state_dict");
  ASSERT_EQ(state.size(), want.size());
  for (std::size_t i = 0; i < state.size(); ++i) {
    ASSERT_EQ(state[i].first, want[i][0].get<std::string>()) << "entry " << i;
    EXPECT_EQ(state[i].second.sizes(), want[i][1].get<wi::Shape>()) << state[i].first;
    EXPECT_EQ(dtype_text(state[i].second.dtype()), want[i][2].get<std::string>()) << state[i].first;
  }
  std::int64_t parameters = 0;
  for (auto& [pname, p] : built.module->named_parameters()) parameters += p->data.numel();
  EXPECT_EQ(parameters, entry().at("parameters").get<std::int64_t>());
  EXPECT_EQ(wi::models::default_policy(GetParam()), entry().at("policy").get<std::string>());
}

TEST_P(TvConvNet, PolicyReproducesTorchvisionsInitBitForBit) {
  for (const auto& [seed, digests] : entry().at("sha256").items()) {
    const auto built = build_initialized(GetParam(), std::stoull(seed));
    const wi::nn::StateDict state = built.module->state_dict();
    ASSERT_EQ(state.size(), digests.size());
    int mismatches = 0;
    for (std::size_t i = 0; i < state.size(); ++i) {
      if (sha256_hex(state[i].second) != digests[i].get<std::string>() && ++mismatches <= 3) {
        ADD_FAILURE() << GetParam() << " seed " << seed << ": " << state[i].first
                      << " differs from torchvision's";
      }
    }
    EXPECT_EQ(mismatches, 0) << GetParam() << " seed " << seed;
  }
}

// Eval mode, float32: within 1e-4 of the largest |output| (convolutions and norms summed in
// another order than torch's differ by ~1e-6 relative per layer).
TEST_P(TvConvNet, EvalForwardMatchesTorchvision) {
  const auto& f = entry().at("forward");
  auto built = build_initialized(GetParam(), 0);
  built.module->eval();
  wi::Generator data(123);
  const wi::Tensor x = wi::rand(f.at("input_shape").get<wi::Shape>(), wi::DType::Float32, data);
  const wi::nn::NoGradGuard no_grad;
  const wi::Tensor y = (*built.module)(x);
  ASSERT_EQ(y.sizes(), f.at("output_shape").get<wi::Shape>());
  const std::vector<double> got = y.to_vector<double>();
  const std::vector<double> want = f.at("output").get<std::vector<double>>();
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  EXPECT_LE(diff / scale, 1e-4) << "max |diff| " << diff << ", max |torch| " << scale;
}

/// Every floating parameter and buffer of `model` converted to float64.
void to_float64(wi::nn::Module& model) {
  for (auto& [name, p] : model.named_parameters()) p->data = p->data.to(wi::DType::Float64);
  for (auto& [name, b] : model.named_buffers()) {
    if (b->dtype() == wi::DType::Float32) *b = b->to(wi::DType::Float64);
  }
}

double l2_norm(const wi::Tensor& t) {
  double s = 0;
  for (const double v : t.to_vector<double>()) s += v * v;
  return std::sqrt(s);
}

/// max |got − want| / max |want|.
double relative_error(const std::vector<double>& got, const std::vector<double>& want) {
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::abs(got[i] - want[i]));
    scale = std::max(scale, std::abs(want[i]));
  }
  return diff / scale;
}

// Training mode in float64 (Dropout in eval mode, as the golden; StochasticDepth drawing its
// row masks from the construction's generator, as torch's default generator), forward and
// backward of L = Σ u·y: the output, x's gradient, every parameter's gradient norm and the first
// BatchNorm's running_mean within 1e-9 relative (float64 summed in another order); the masks
// bit for bit, so the generator ends where torch's does.
TEST_P(TvConvNet, TrainingStepMatchesTorchvisionInFloat64) {
  const auto& c = entry().at("train");
  wi::Generator gen(0);
  auto built = build_initialized(GetParam(), gen);
  wi::nn::Module& model = *built.module;
  to_float64(model);
  model.train();
  int stochastic_depths = 0;
  for (wi::nn::Module* m : model.modules()) {
    if (m->type_name() == "Dropout") m->eval();
    if (auto* sd = dynamic_cast<wi::models::detail::StochasticDepth*>(m)) {
      sd->set_generator(&gen);
      stochastic_depths += sd->p() > 0.0;
    }
  }
  wi::Generator data(123);
  const wi::Tensor x = wi::rand(c.at("input_shape").get<wi::Shape>(), wi::DType::Float32, data)
                           .to(wi::DType::Float64);
  const wi::Tensor y = model(x);
  ASSERT_EQ(y.sizes(), c.at("output_shape").get<wi::Shape>());
  EXPECT_LE(relative_error(y.to_vector<double>(), c.at("output")), 1e-9);
  EXPECT_EQ(wi::rand({1}, wi::DType::Float64, gen).to_vector<double>()[0],
            c.at("next_uniform64").get<double>())
      << stochastic_depths << " StochasticDepth layers with p > 0";
  const wi::Tensor upstream = wi::rand(y.sizes(), wi::DType::Float32, data).to(y.dtype());
  const wi::Tensor dx = model.backward(upstream);
  const double want_dx = c.at("input_grad_norm");
  EXPECT_NEAR(l2_norm(dx), want_dx, 1e-9 * want_dx);
  const auto& norms = c.at("grad_norms");
  ASSERT_EQ(norms.size(), model.named_parameters().size());
  // A conv bias before a training-mode BatchNorm has gradient 0 in exact arithmetic: both
  // sides give rounding noise there, so it must only stay below 1e-9 of the largest.
  double largest = 0;
  for (const auto& [pname, norm] : norms.items()) largest = std::max(largest, norm.get<double>());
  for (auto& [pname, p] : model.named_parameters()) {
    const double want = norms.at(pname);
    if (want < 1e-9 * largest) {
      EXPECT_LT(l2_norm(p->grad), 1e-9 * largest) << pname;
    } else {
      EXPECT_NEAR(l2_norm(p->grad), want, 1e-9 * want) << pname;
    }
  }
  if (!c.contains("running_mean")) return;
  const std::string stat = c.at("running_mean")[0];
  for (auto& [bname, b] : model.named_buffers()) {
    if (bname == stat) {
      EXPECT_LE(relative_error(b->to_vector<double>(), c.at("running_mean")[1]), 1e-9) << bname;
    }
  }
}

// `weightinit summary MODEL` prints diag::summary(...).str(): torchsummary's table, row for row.
TEST_P(TvConvNet, SummaryIsTorchsummarysTable) {
  auto built = build_initialized(GetParam(), 0);
  EXPECT_EQ(wi::diag::summary(*built.module, built.input_size, -1).str(),
            entry().at("summary").get<std::string>());
}

INSTANTIATE_TEST_SUITE_P(Torchvision, TvConvNet, ::testing::ValuesIn(model_names()),
                         [](const auto& test) { return test.param; });

// SiLU's backward (functional::silu_backward) against float64 central differences of
// L = Σ u·silu(x): tolerance 1e-7 + 1e-6·|numeric| (gradcheck.h's default).
TEST(TvConvNetLayers, SiluBackwardMatchesCentralDifferences) {
  wi::Tensor x = wi::testing::randn64({3, 5}, 1);
  const wi::Tensor u = wi::testing::randn64({3, 5}, 2);
  wi::nn::SiLU silu;
  const wi::Tensor y = silu(x);
  const wi::Tensor dx = silu.backward(u);
  const wi::Tensor numeric = wi::testing::numeric_grad(
      [&] {
        const wi::nn::NoGradGuard no_grad;
        return wi::testing::dot(silu(x), u);
      },
      x);
  wi::testing::expect_grad_near(dx, numeric, "SiLU dx");
  // y = x·σ(x) at a few points, in float32.
  const wi::Tensor t = wi::Tensor::from_data<float>(std::vector<float>{-2.0f, 0.0f, 3.0f}, {3});
  const auto v = silu(t).to_vector<double>();
  EXPECT_NEAR(v[0], -2.0 / (1.0 + std::exp(2.0)), 1e-7);
  EXPECT_EQ(v[1], 0.0);
  EXPECT_NEAR(v[2], 3.0 / (1.0 + std::exp(-3.0)), 1e-6);
}

/// Checks module's input gradient (and those of the named parameters) for L = Σ u·module(x)
/// against float64 central differences (gradcheck.h's default tolerance).
void check_gradients(wi::nn::Module& module, wi::Tensor x, const std::vector<std::string>& params,
                     const std::string& what) {
  for (auto& [name, p] : module.named_parameters()) p->data = p->data.to(wi::DType::Float64);
  const wi::Tensor u = wi::testing::randn64(module(x).sizes(), 9);
  module.clear_saved();
  module.zero_grad();
  (void)module(x);
  const wi::Tensor dx = module.backward(u);
  const auto loss = [&] {
    const wi::nn::NoGradGuard no_grad;
    return wi::testing::dot(module(x), u);
  };
  wi::testing::expect_grad_near(dx, wi::testing::numeric_grad(loss, x), what + " dx");
  for (auto& [name, p] : module.named_parameters()) {
    if (std::find(params.begin(), params.end(), name) == params.end()) continue;
    const wi::Tensor analytic = p->grad;
    wi::testing::expect_grad_near(analytic, wi::testing::numeric_grad(loss, p->data),
                                  what + " d" + name);
  }
}

// The new layers' backward against float64 central differences.
TEST(TvConvNetLayers, NewLayersBackwardMatchesCentralDifferences) {
  wi::Generator gen(7);
  wi::models::detail::SqueezeExcitation se(6, 3, wi::models::detail::ConvActivation::SiLU, gen);
  check_gradients(se, wi::testing::randn64({2, 6, 3, 3}, 1), {"fc1.weight", "fc2.bias"},
                  "SqueezeExcitation");
  wi::models::detail::LayerNorm2d norm(4, 1e-6);
  for (auto& [name, p] : norm.named_parameters()) p->data = wi::testing::randn64({4}, 5);
  check_gradients(norm, wi::testing::randn64({2, 4, 3, 2}, 2), {"weight", "bias"}, "LayerNorm2d");
  wi::models::detail::Permute permute(wi::Shape{0, 2, 3, 1});
  check_gradients(permute, wi::testing::randn64({2, 3, 4, 5}, 3), {}, "Permute");
  wi::models::detail::StochasticDepth sd(0.5);
  sd.train();
  const wi::Tensor x = wi::testing::randn64({4, 3}, 4);
  wi::manual_seed(11);
  const wi::Tensor y = sd(x);
  const wi::Tensor dx = sd.backward(wi::Tensor::full({4, 3}, 1.0, wi::DType::Float64));
  const auto ys = y.to_vector<double>(), xs = x.to_vector<double>(), ds = dx.to_vector<double>();
  for (std::size_t i = 0; i < ys.size(); ++i) {
    EXPECT_DOUBLE_EQ(ds[i], ys[i] == 0.0 ? 0.0 : 2.0) << i;  // the row's factor, 0 or 1/(1−p)
  }
}

// LayerNorm2d is LayerNorm over the channels of each pixel; layer_scale-style channel scaling.
TEST(TvConvNetLayers, LayerNorm2dNormalizesEachPixelOverChannels) {
  wi::models::detail::LayerNorm2d norm(4, 1e-6);
  const wi::Tensor x = wi::testing::randn64({2, 4, 3, 3}, 3).to(wi::DType::Float32);
  const wi::Tensor y = norm(x);
  ASSERT_EQ(y.sizes(), x.sizes());
  const auto v = y.to_vector<double>();
  for (std::int64_t n = 0; n < 2; ++n) {
    for (std::int64_t p = 0; p < 9; ++p) {
      double mean = 0, sq = 0;
      for (std::int64_t c = 0; c < 4; ++c) mean += v[static_cast<std::size_t>((n * 4 + c) * 9 + p)];
      mean /= 4;
      for (std::int64_t c = 0; c < 4; ++c) {
        const double d = v[static_cast<std::size_t>((n * 4 + c) * 9 + p)] - mean;
        sq += d * d;
      }
      EXPECT_NEAR(mean, 0.0, 1e-6);
      EXPECT_NEAR(sq / 4, 1.0, 1e-4);  // the biased variance, 1 up to eps and float32 rounding
    }
  }
  EXPECT_THROW(norm(wi::Tensor::zeros({2, 3, 3, 3})), wi::ShapeError);
}

TEST(TvConvNetLayers, StochasticDepthIsTheIdentityInEvalAndChecksP) {
  EXPECT_EQ(wi::models::detail::StochasticDepth(0.2 * 3 / 16).repr(),
            "StochasticDepth(p=0.037500000000000006, mode=row)");  // torchvision's repr
  wi::models::detail::StochasticDepth sd(0.5);
  sd.eval();
  const wi::Tensor x = wi::testing::randn64({4, 2, 2}, 4);
  EXPECT_EQ(sd(x).to_vector<double>(), x.to_vector<double>());
  // Training mode: each row is either 0 or x / (1 − p).
  sd.train();
  const auto y = sd(x).to_vector<double>(), xs = x.to_vector<double>();
  for (std::size_t r = 0; r < 4; ++r) {
    const bool dropped = y[r * 4] == 0.0;
    for (std::size_t i = r * 4; i < r * 4 + 4; ++i) {
      EXPECT_DOUBLE_EQ(y[i], dropped ? 0.0 : xs[i] * 2.0) << i;
    }
  }
  try {
    wi::models::detail::StochasticDepth bad(1.5);
    ADD_FAILURE() << "p = 1.5 accepted";
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(), "drop probability has to be between 0 and 1, but got 1.5");
  }
}

// Impossible inputs fail with a message before any convolution runs; near-miss names get a hint.
TEST(TvConvNetLayers, ImpossibleInputsAreClearErrors) {
  wi::Generator gen(0);
  auto convnext = wi::models::build_model("convnext_tiny", gen);
  convnext.module->eval();
  const wi::nn::NoGradGuard no_grad;
  try {
    (*convnext.module)(wi::Tensor::zeros({1, 3, 16, 16}));
    ADD_FAILURE() << "convnext_tiny ran on 16x16";
  } catch (const wi::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("at least 32"), std::string::npos) << e.what();
  }
  try {
    (*convnext.module)(wi::Tensor::zeros({1, 1, 64, 64}));
    ADD_FAILURE() << "convnext_tiny ran on 1 channel";
  } catch (const wi::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("3 channels"), std::string::npos) << e.what();
  }
  try {
    wi::models::build_model("efficientnet_b1", gen);
    ADD_FAILURE() << "efficientnet_b1 built";
  } catch (const wi::ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'efficientnet_b0'"), std::string::npos)
        << e.what();
  }
}
