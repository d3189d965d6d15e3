// SPDX-License-Identifier: MIT
// The model zoo against torchvision 0.14.1 (tests/golden/zoo_torchvision.json, made by
// tools/torch_zoo.py): every model's state_dict names, shapes, dtypes and order, its parameter
// count, and — for resnet18, resnet50, vgg16, densenet121 and mobilenet_v2 at seeds 0 and 1 —
// the SHA-256 of every tensor after building it and applying the matching torchvision policy
// with the same generator, which must equal `torch.manual_seed(s); torchvision.models.X()`. The
// CIFAR ResNets likewise against tools/golden/cifar_resnet_ref.py (akamaster's port, its
// kaiming_normal_ loop being the cifar-resnet policy).
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <tuple>

#include "support/golden_digest.h"
#include "weightinit/models/gpt2.h"
#include "weightinit/models/registry.h"
#include "weightinit/recipes/policy.h"

namespace wi = weightinit;

namespace {

const nlohmann::json& golden() {
  static const nlohmann::json j = wi::testing::read_golden_json("zoo_torchvision.json");
  return j;
}

using wi::testing::dtype_text;
using wi::testing::sha256_hex;

}  // namespace

TEST(Zoo, EveryModelHasTorchvisionsStateDictAndParameterCount) {
  for (const auto& [name, entry] : golden().at("models").items()) {
    SCOPED_TRACE(name);
    wi::Generator gen(0);
    const auto built = wi::models::build_model(name, gen);
    const wi::nn::StateDict state = built.module->state_dict();
    const auto& want = entry.at("state_dict");
    ASSERT_EQ(state.size(), want.size());
    for (std::size_t i = 0; i < state.size(); ++i) {
      ASSERT_EQ(state[i].first, want[i][0].get<std::string>()) << "entry " << i;
      EXPECT_EQ(state[i].second.sizes(), want[i][1].get<wi::Shape>()) << state[i].first;
      EXPECT_EQ(dtype_text(state[i].second.dtype()), want[i][2].get<std::string>())
          << state[i].first;
    }
    std::int64_t parameters = 0;
    for (auto& [pname, p] : built.module->named_parameters()) parameters += p->data.numel();
    EXPECT_EQ(parameters, entry.at("parameters").get<std::int64_t>());
  }
}

TEST(Zoo, TorchvisionPoliciesReproduceTorchvisionsInitBitForBit) {
  for (const auto& [name, entry] : golden().at("models").items()) {
    if (!entry.contains("sha256")) continue;
    for (const auto& [seed, digests] : entry.at("sha256").items()) {
      wi::Generator gen(std::stoull(seed));
      const auto built = wi::models::build_model(name, gen);
      const auto policy =
          wi::recipes::Policy::builtin(entry.at("policy").get<std::string>(), *built.module);
      const auto report = policy.apply(*built.module, gen);
      const wi::nn::StateDict state = built.module->state_dict();
      ASSERT_EQ(state.size(), digests.size());
      int mismatches = 0;
      for (std::size_t i = 0; i < state.size(); ++i) {
        if (sha256_hex(state[i].second) != digests[i].get<std::string>() && ++mismatches <= 3) {
          ADD_FAILURE() << name << " seed " << seed << ": " << state[i].first
                        << " differs from torchvision's";
        }
      }
      EXPECT_EQ(mismatches, 0) << name << " seed " << seed;
      // The recipes touch every parameter torchvision's loops touch; the rest keep defaults.
      for (const auto& w : report.warnings) ADD_FAILURE() << name << ": " << w;
    }
  }
}

namespace {

/// The parameter `name` of `model`.
wi::Tensor& param(wi::nn::Module& model, const std::string& name) {
  for (auto& [n, p] : model.named_parameters()) {
    if (n == name) return p->data;
  }
  throw std::out_of_range("no parameter " + name);
}

bool all_zero(const wi::Tensor& t) {
  for (const float v : t.to_vector<float>()) {
    if (v != 0.0f) return false;
  }
  return true;
}

double population_std(const wi::Tensor& t) {
  const auto v = t.to_vector<double>();
  double mean = 0, sq = 0;
  for (const double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (const double x : v) sq += (x - mean) * (x - mean);
  return std::sqrt(sq / static_cast<double>(v.size()));
}

}  // namespace

TEST(Zoo, ZeroInitResidualZeroesTheLastNormOfEachBranch) {
  for (const std::string name : {"resnet18", "resnet50"}) {
    wi::Generator gen(0);
    auto built = wi::models::build_model(name, gen);
    wi::recipes::Policy::builtin("torchvision-resnet(zero_init_residual=true)", *built.module)
        .apply(*built.module, gen);
    const std::string last = name == "resnet18" ? "bn2" : "bn3";
    EXPECT_TRUE(all_zero(param(*built.module, "layer1.0." + last + ".weight"))) << name;
    EXPECT_TRUE(all_zero(param(*built.module, "layer4.1." + last + ".weight"))) << name;
    EXPECT_FALSE(all_zero(param(*built.module, "layer1.0.bn1.weight"))) << name;  // still 1
  }
}

TEST(Zoo, FixupScalesResidualBranchesAndZeroesTheirLastLayer) {
  // resnet18: L = 8 BasicBlocks, m = 2 → conv1 ~ N(0, 2/(k·out)) · 8^(-1/2), conv2 = 0.
  wi::Generator gen(4);
  auto built = wi::models::build_model("resnet18", gen);
  const auto report =
      wi::recipes::Policy::builtin("fixup", *built.module).apply(*built.module, gen);
  EXPECT_TRUE(report.warnings.empty());
  wi::nn::Module& m = *built.module;
  EXPECT_TRUE(all_zero(param(m, "layer2.1.conv2.weight")));
  EXPECT_TRUE(all_zero(param(m, "fc.weight")));
  EXPECT_TRUE(all_zero(param(m, "fc.bias")));
  // layer3.0.conv1: 256 × 128 × 3 × 3 = 294,912 values; std within 1% (≈ 5 sigma).
  const double want = std::sqrt(2.0 / (9.0 * 256.0)) / std::sqrt(8.0);
  EXPECT_NEAR(population_std(param(m, "layer3.0.conv1.weight")), want, 0.01 * want);
  // The stem and the downsample convs: plain He, N(0, 2/(k·out)).
  const double stem = std::sqrt(2.0 / (49.0 * 64.0));
  EXPECT_NEAR(population_std(param(m, "conv1.weight")), stem, 0.02 * stem);
}

// The CIFAR ResNets name their blocks layerX.Y as torchvision does, so fixup finds them:
// ResNet-20 has L = 9 BasicBlocks (m = 2), with or without BatchNorm.
TEST(Zoo, FixupAppliesToTheCifarResNets) {
  for (const std::string spec : {"cifar-resnet20", "cifar-resnet20:bn=false"}) {
    wi::Generator gen(5);
    auto built = wi::models::build_model(spec, gen);
    const auto report =
        wi::recipes::Policy::builtin("fixup", *built.module).apply(*built.module, gen);
    EXPECT_TRUE(report.warnings.empty()) << spec;
    wi::nn::Module& m = *built.module;
    EXPECT_TRUE(all_zero(param(m, "layer1.0.conv2.weight"))) << spec;
    EXPECT_TRUE(all_zero(param(m, "layer3.2.conv2.weight"))) << spec;
    EXPECT_TRUE(all_zero(param(m, "linear.weight"))) << spec;
    EXPECT_TRUE(all_zero(param(m, "linear.bias"))) << spec;
    // layer3.1.conv1: 64 × 64 × 3 × 3 = 36,864 values; N(0, 2/(9·64)) · 9^(-1/2), std within 2%.
    const double want = std::sqrt(2.0 / (9.0 * 64.0)) / 3.0;
    EXPECT_NEAR(population_std(param(m, "layer3.1.conv1.weight")), want, 0.02 * want) << spec;
  }
}

TEST(Zoo, Gpt2CustomSpecsAndTransformersShapes) {
  wi::Generator gen(0);
  const auto custom =
      wi::models::build_model("gpt2:d=64,layers=2,heads=4,vocab=100,positions=32", gen);
  std::int64_t parameters = 0;
  for (auto& [pname, p] : custom.module->named_parameters()) parameters += p->data.numel();
  EXPECT_EQ(parameters, wi::models::gpt2_parameter_count(2, 64, 100, 32));
  EXPECT_EQ(custom.input_size, (wi::Shape{32}));
  // transformers' GPT2LMHeadModel: the same names and counts, Conv1D weights stored (in, out).
  const auto hf = wi::models::build_model("gpt2:d=64,layers=2,heads=4,vocab=100,positions=32", gen,
                                          {.transformers_init = true});
  const auto a = custom.module->state_dict(), b = hf.module->state_dict();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    const bool conv1d = b[i].first.find("c_") != std::string::npos && b[i].second.dim() == 2;
    EXPECT_EQ(conv1d ? b[i].second.t().sizes() : b[i].second.sizes(), a[i].second.sizes())
        << b[i].first;
  }
  EXPECT_EQ(hf.module->type_name(), "GPT2LMHeadModel");
  const wi::models::Gpt2Config preset = wi::models::gpt2_config("gpt2:medium");
  EXPECT_EQ(preset.n_head, 16);
  EXPECT_EQ(preset.n_layer, 24);
  for (const auto& [bad, message] : std::vector<std::pair<std::string, std::string>>{
           {"gpt2:d=64,layers=2", "a custom GPT-2 needs d, layers and heads"},
           {"gpt2:d=64,layers=2,heads=4,width=3", "unknown key 'width'"},
           {"gpt2:d=64,layers=2,heads=5", "n_embd a multiple of n_head"}}) {
    try {
      wi::Generator g(0);
      wi::models::build_model(bad, g, {.transformers_init = true});
      ADD_FAILURE() << bad << " built";
    } catch (const wi::ValueError& e) {
      EXPECT_NE(std::string(e.what()).find(message), std::string::npos) << e.what();
    }
  }
}

TEST(Zoo, Gpt2SizesHaveTheirParameterCountsByFormula) {
  // Without the tied head: 12·d² + 13·d per block, wte 50257·d, wpe 1024·d, ln_f 2·d.
  auto hand = [](std::int64_t layers, std::int64_t d) {
    return 50257 * d + 1024 * d + layers * (12 * d * d + 13 * d) + 2 * d;
  };
  const std::tuple<std::int64_t, std::int64_t, std::int64_t> sizes[] = {{12, 768, 124'439'808},
                                                                        {24, 1024, 354'823'168},
                                                                        {36, 1280, 774'030'080},
                                                                        {48, 1600, 1'557'611'200}};
  for (const auto& [layers, d, want] : sizes) {
    EXPECT_EQ(hand(layers, d), want) << layers << " x " << d;
    EXPECT_EQ(wi::models::gpt2_parameter_count(layers, d), want) << layers << " x " << d;
  }
  // gpt2:small builds GPT-2 small, the same model as the old name gpt2-small (whose count
  // tests/golden/zoo_torchvision.json pins), draw for draw.
  wi::Generator g1(0), g2(0);
  const auto small = wi::models::build_model("gpt2:small", g1);
  const auto old = wi::models::build_model("gpt2-small", g2);
  EXPECT_EQ(small.input_size, (wi::Shape{1024}));
  const wi::nn::StateDict a = small.module->state_dict(), b = old.module->state_dict();
  ASSERT_EQ(a.size(), b.size());
  std::int64_t parameters = 0;
  for (auto& [pname, p] : small.module->named_parameters()) parameters += p->data.numel();
  EXPECT_EQ(parameters, 124'439'808);
  EXPECT_EQ(parameters,
            golden().at("models").at("gpt2-small").at("parameters").get<std::int64_t>());
  for (std::size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(sha256_hex(a[i].second), sha256_hex(b[i].second)) << a[i].first;
  }
  EXPECT_EQ(a.front().first, "transformer.wte.weight");
  EXPECT_EQ(a.back().first, "transformer.ln_f.bias");
  try {
    wi::Generator g(0);
    wi::models::build_model("gpt2:huge", g);
    ADD_FAILURE() << "gpt2:huge built";
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "invalid model spec 'gpt2:huge': GPT-2 sizes are gpt2:small, gpt2:medium, "
                 "gpt2:large and gpt2:xl");
  }
  std::string help;
  for (const auto& line : wi::models::known_models()) help += line + "\n";
  EXPECT_NE(help.find("gpt2:small|medium|large|xl"), std::string::npos) << help;
}
