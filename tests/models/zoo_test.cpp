// SPDX-License-Identifier: MIT
// The model zoo against torchvision 0.14.1 (tests/golden/zoo_torchvision.json, made by
// tools/torch_zoo.py): every model's state_dict names, shapes, dtypes and order, its parameter
// count, and — for resnet18, resnet50, vgg16, densenet121 and mobilenet_v2 at seeds 0 and 1 —
// the SHA-256 of every tensor after building it and applying the matching torchvision policy
// with the same generator, which must equal `torch.manual_seed(s); torchvision.models.X()`.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "weightinit/init/policy.h"
#include "weightinit/models/registry.h"

namespace wi = weightinit;

namespace {

const nlohmann::json& golden() {
  static const nlohmann::json j = [] {
    std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/zoo_torchvision.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

std::string sha256_hex(const wi::Tensor& t) {
  const wi::Tensor c = t.contiguous();
  const std::size_t bytes = static_cast<std::size_t>(c.numel()) * wi::element_size(c.dtype());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(c.raw_data(), bytes, digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

std::string dtype_text(wi::DType d) {
  return d == wi::DType::Float32 ? "float32" : d == wi::DType::Float64 ? "float64" : "int64";
}

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
          wi::init::Policy::builtin(entry.at("policy").get<std::string>(), *built.module);
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
