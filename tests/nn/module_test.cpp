// SPDX-License-Identifier: MIT
// Module constructors against PyTorch (tests/golden/modules.json from tools/torch_golden.py
// modules): after manual_seed(s), every parameter and buffer must equal torch's bit for bit
// (small tensors as hex, C3D's as a weighted word sum), in torch's state_dict order, with torch's
// names, module tree, repr, and the generator left in the same state.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "weightinit/models/c3d.h"
#include "weightinit/models/registry.h"
#include "weightinit/models/seed_mlp.h"
#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_profile.h"

namespace wi = weightinit;
namespace nn = weightinit::nn;
using nlohmann::json;

namespace {

/// The cases of one golden file: modules.json from Debian's PyTorch 1.13.1,
/// modules_torch2.json from PyTorch 2.14.1 (both `tools/torch_golden.py modules`, avx2 kernels).
json load_cases(const std::string& file) {
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/" + file);
  EXPECT_TRUE(in) << "missing tests/golden/" << file;
  return json::parse(in).at("cases");
}

/// Each golden file with the torch profile of the build that wrote it.
const std::pair<const char*, const char*> kGoldenFiles[] = {{"modules.json", "1.13-avx2"},
                                                            {"modules_torch2.json", "2.14-avx2"}};

/// Makes `profile` the default while alive, then restores the previous default.
class ProfileScope {
 public:
  explicit ProfileScope(const char* profile)
      : mode_(wi::default_arith_mode()), version_(wi::default_torch_version()) {
    wi::set_default_torch_profile(wi::torch_profile(profile));
  }
  ~ProfileScope() {
    wi::set_default_arith_mode(mode_);
    wi::set_default_torch_version(version_);
  }
  ProfileScope(const ProfileScope&) = delete;
  ProfileScope& operator=(const ProfileScope&) = delete;

 private:
  wi::ArithMode mode_;
  wi::TorchVersion version_;
};

wi::Shape shape_arg(const json& args, const char* key, wi::Shape fallback) {
  if (!args.contains(key)) return fallback;
  const json& v = args.at(key);
  return v.is_array() ? v.get<wi::Shape>() : wi::Shape{v.get<std::int64_t>()};
}

nn::ConvConfig conv_config(const json& a) {
  nn::ConvConfig c;
  c.kernel_size = shape_arg(a, "kernel_size", {3});
  c.stride = shape_arg(a, "stride", {1});
  c.padding = shape_arg(a, "padding", {0});
  c.dilation = shape_arg(a, "dilation", {1});
  c.output_padding = shape_arg(a, "output_padding", {0});
  c.groups = a.value("groups", std::int64_t{1});
  c.bias = a.value("bias", true);
  return c;
}

/// Builds the module a golden case describes, drawing from the default generator as torch does.
std::shared_ptr<nn::Module> build(const std::string& type, const json& a) {
  const auto i = [&](const char* k) { return a.at(k).get<std::int64_t>(); };
  if (type == "Linear")
    return std::make_shared<nn::Linear>(i("in_features"), i("out_features"), a.value("bias", true));
  if (type == "Conv1d")
    return std::make_shared<nn::Conv1d>(i("in_channels"), i("out_channels"), conv_config(a));
  if (type == "Conv2d")
    return std::make_shared<nn::Conv2d>(i("in_channels"), i("out_channels"), conv_config(a));
  if (type == "Conv3d")
    return std::make_shared<nn::Conv3d>(i("in_channels"), i("out_channels"), conv_config(a));
  if (type == "ConvTranspose2d") {
    return std::make_shared<nn::ConvTranspose2d>(i("in_channels"), i("out_channels"),
                                                 conv_config(a));
  }
  const double eps = a.value("eps", 1e-5), momentum = a.value("momentum", 0.1);
  const bool affine = a.value("affine", true);
  if (type == "BatchNorm1d")
    return std::make_shared<nn::BatchNorm1d>(i("num_features"), eps, momentum, affine);
  if (type == "BatchNorm2d")
    return std::make_shared<nn::BatchNorm2d>(i("num_features"), eps, momentum, affine);
  if (type == "BatchNorm3d")
    return std::make_shared<nn::BatchNorm3d>(i("num_features"), eps, momentum, affine);
  if (type == "LayerNorm") {
    return std::make_shared<nn::LayerNorm>(a.at("normalized_shape").get<wi::Shape>(), eps,
                                           a.value("elementwise_affine", true));
  }
  if (type == "Embedding") {
    std::optional<std::int64_t> pad;
    if (a.contains("padding_idx")) pad = i("padding_idx");
    return std::make_shared<nn::Embedding>(i("num_embeddings"), i("embedding_dim"), pad);
  }
  if (type == "SeedMLP") return std::make_shared<wi::models::SeedMLP>();
  if (type == "C3D") return std::make_shared<wi::models::C3D>(i("num_classes"));
  throw std::runtime_error("unknown module type " + type);
}

std::string hex_of(const wi::Tensor& t) {
  std::string out;
  char buf[17];
  if (t.dtype() == wi::DType::Float32) {
    for (const float v : t.to_vector<float>()) {
      std::snprintf(buf, sizeof buf, "%08x", std::bit_cast<std::uint32_t>(v));
      out += buf;
    }
  } else {
    for (const double v : t.to_vector<double>()) {
      std::snprintf(buf, sizeof buf, "%016llx",
                    static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(v)));
      out += buf;
    }
  }
  return out;
}

/// Σ_i w_i·(2i+1) mod 2^64 over the little-endian 32-bit words (tools/torch_golden.py).
std::string weighted_word_sum(const wi::Tensor& t) {
  const wi::Tensor c = t.contiguous();
  const auto* bytes = static_cast<const unsigned char*>(c.raw_data());
  const std::size_t words = static_cast<std::size_t>(c.numel()) * c.element_size() / 4;
  std::uint64_t sum = 0;
  for (std::size_t k = 0; k < words; ++k) {
    std::uint32_t w;
    std::memcpy(&w, bytes + 4 * k, 4);
    sum += std::uint64_t{w} * (2 * std::uint64_t{k} + 1);
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(sum));
  return buf;
}

std::string fnv1a64(const std::uint8_t* data, std::size_t n) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ data[i]) * 0x100000001b3ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

class ModuleGolden : public ::testing::TestWithParam<int> {};

/// Builds case `c` under `profile` and compares it with what that build of PyTorch made.
void check_module_case(const json& c, const char* file, const char* profile) {
  const ProfileScope scope(profile);
  const std::string type = c.at("type");
  SCOPED_TRACE(std::string(file) + " (" + profile + "): " + type + " " + c.at("args").dump());
  wi::manual_seed(c.at("seed").get<std::uint64_t>());
  const auto module = build(type, c.at("args"));

  const wi::nn::StateDict state = module->state_dict();
  const json& want = c.at("state_dict");
  ASSERT_EQ(state.size(), want.size());
  for (std::size_t k = 0; k < state.size(); ++k) {
    const auto& [name, tensor] = state[k];
    const json& rec = want[k][1];
    ASSERT_EQ(name, want[k][0].get<std::string>());
    ASSERT_EQ(tensor.sizes(), rec.at("shape").get<wi::Shape>()) << name;
    EXPECT_EQ(wi::dtype_name(tensor.dtype()), rec.at("dtype").get<std::string>()) << name;
    if (rec.contains("values")) {
      EXPECT_EQ(tensor.to_vector<std::int64_t>(), rec.at("values").get<std::vector<std::int64_t>>())
          << name;
    } else if (rec.contains("wsum64")) {
      EXPECT_EQ(weighted_word_sum(tensor), rec.at("wsum64").get<std::string>()) << name;
    } else {
      EXPECT_EQ(hex_of(tensor), rec.at("hex").get<std::string>()) << name;
    }
  }
  std::vector<std::string> params;
  for (auto& [name, p] : module->named_parameters()) params.push_back(name);
  EXPECT_EQ(params, c.at("named_parameters").get<std::vector<std::string>>());
  std::vector<std::vector<std::string>> mods;
  for (auto& [name, m] : module->named_modules()) mods.push_back({name, m->type_name()});
  EXPECT_EQ(mods, c.at("named_modules").get<std::vector<std::vector<std::string>>>());
  if (!c.at("repr").is_null()) {
    EXPECT_EQ(module->repr(), c.at("repr").get<std::string>());
  }
  const auto rng = wi::default_generator().get_state();
  EXPECT_EQ(fnv1a64(rng.data(), rng.size()), c.at("next_state_fnv1a64").get<std::string>())
      << "the constructor drew a different number of words than torch";
}

TEST_P(ModuleGolden, ConstructionMatchesPyTorch) {
  for (const auto& [file, profile] : kGoldenFiles) {
    const json cases = load_cases(file);
    check_module_case(cases.at(static_cast<std::size_t>(GetParam())), file, profile);
  }
}

INSTANTIATE_TEST_SUITE_P(Torch, ModuleGolden, ::testing::Range(0, 23));

}  // namespace

TEST(Module, ApplyIsPostOrderAndModulesIsPreOrderLikeTorch) {
  auto inner = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::Module>>{
      std::make_shared<nn::Linear>(2, 2), std::make_shared<nn::ReLU>()});
  nn::Sequential outer({std::make_shared<nn::Linear>(2, 2), inner});
  std::vector<std::string> applied, listed;
  outer.apply([&](nn::Module& m) { applied.push_back(m.type_name()); });
  for (nn::Module* m : outer.modules()) listed.push_back(m->type_name());
  // torch: apply ['Linear', 'Linear', 'ReLU', 'Sequential', 'Sequential'];
  //        modules ['Sequential', 'Linear', 'Sequential', 'Linear', 'ReLU']
  EXPECT_EQ(applied,
            (std::vector<std::string>{"Linear", "Linear", "ReLU", "Sequential", "Sequential"}));
  EXPECT_EQ(listed,
            (std::vector<std::string>{"Sequential", "Linear", "Sequential", "Linear", "ReLU"}));
  std::vector<std::string> names;
  for (auto& [n, p] : outer.named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"0.weight", "0.bias", "1.0.weight", "1.0.bias"}));
}

TEST(Module, LoadStateDictCopiesByNameAndReportsMismatches) {
  wi::manual_seed(1);
  nn::Linear a(3, 2);
  nn::Linear b(3, 2);
  b.load_state_dict(a.state_dict());
  EXPECT_EQ(b.weight().to_vector<float>(), a.weight().to_vector<float>());
  EXPECT_FALSE(b.weight().shares_storage_with(a.weight()));
  nn::StateDict partial{{"weight", a.weight()}, {"extra", a.bias()}};
  try {
    b.load_state_dict(partial);
    FAIL() << "no error";
  } catch (const wi::ValueError& e) {
    EXPECT_STREQ(e.what(),
                 "Error(s) in loading state_dict for Linear: Missing key(s) in state_dict: "
                 "\"bias\". Unexpected key(s) in state_dict: \"extra\".");
  }
  nn::StateDict wrong{{"weight", wi::Tensor::zeros({2, 4})}, {"bias", a.bias()}};
  EXPECT_THROW(b.load_state_dict(wrong), wi::ShapeError);
  b.load_state_dict(partial, /*strict=*/false);  // copies "weight", skips the rest
}

TEST(Module, RegistrationRejectsDuplicateAndDottedNames) {
  nn::Sequential s;
  s.register_parameter("w", wi::Tensor::zeros({1}));
  EXPECT_THROW(s.register_parameter("w", wi::Tensor::zeros({1})), wi::ValueError);
  EXPECT_THROW(s.register_buffer("a.b", wi::Tensor::zeros({1})), wi::ValueError);
  EXPECT_THROW(s.parameter("missing"), wi::IndexError);
}

TEST(Module, TrainEvalReachesChildrenAndResetRedraws) {
  wi::manual_seed(3);
  nn::Sequential s({std::make_shared<nn::Linear>(4, 4), std::make_shared<nn::Dropout>(0.5)});
  s.eval();
  for (nn::Module* m : s.modules()) EXPECT_FALSE(m->is_training());
  s.train();
  for (nn::Module* m : s.modules()) EXPECT_TRUE(m->is_training());
  auto& lin = dynamic_cast<nn::Linear&>(*s.children()[0]);
  const auto before = lin.weight().to_vector<float>();
  wi::Generator g(3);
  s.reset_parameters(g);  // same seed, same draws as the constructor
  EXPECT_EQ(lin.weight().to_vector<float>(), before);
}

TEST(Module, C3DPretrainedWithoutWeightsIsAClearError) {
  EXPECT_THROW(wi::models::C3D(101, /*pretrained=*/true), wi::ValueError);
}

// The seeds' models end to end: manual_seed(0), build, x = rand(batch, *input), eval forward;
// outputs within 1e-5 relative (max |diff| / max |torch|) of PyTorch's
// (tests/golden/model_forward.json). C3D gives (1, 101), as seed document 000 prints.
TEST(ModelForward, SeedModelsMatchPyTorch) {
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/model_forward.json");
  ASSERT_TRUE(in);
  const json golden = json::parse(in);
  for (const auto& [name, spec] :
       {std::pair<const char*, const char*>{"seed_mlp", "seed-mlp"}, {"c3d", "c3d:101"}}) {
    const json& g = golden.at(name);
    wi::manual_seed(0);
    auto built = wi::models::build_model(spec);
    built.module->eval();
    const wi::Tensor x = wi::rand(g.at("input_shape").get<wi::Shape>());
    const wi::Tensor y = (*built.module)(x);
    ASSERT_EQ(y.sizes(), g.at("output_shape").get<wi::Shape>()) << name;
    const auto want = g.at("output").get<std::vector<double>>();
    const auto got = y.to_vector<double>();
    double max_diff = 0, max_abs = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
      max_diff = std::max(max_diff, std::abs(got[i] - want[i]));
      max_abs = std::max(max_abs, std::abs(want[i]));
    }
    EXPECT_LE(max_diff / max_abs, 1e-5) << name << ": max diff " << max_diff;
  }
}
