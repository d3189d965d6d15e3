// SPDX-License-Identifier: MIT
// The module registry and the defaults modules own: every registered type builds with its name,
// every parameter of a layer describes its constructor's init, and redrawing those descriptions
// gives the constructor's bits.
#include "weightinit/nn/module_types.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <set>
#include <string>

#include "weightinit/nn/conv.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"

namespace wi = weightinit;
namespace nn = weightinit::nn;

namespace {

bool same_bits(const wi::Tensor& a, const wi::Tensor& b) {
  return a.sizes() == b.sizes() &&
         std::memcmp(a.raw_data(), b.raw_data(),
                     static_cast<std::size_t>(a.numel()) * wi::element_size(a.dtype())) == 0;
}

}  // namespace

TEST(ModuleTypes, EachEntryBuildsAModuleOfThatTypeAndNamesAreUnique) {
  std::set<std::string> seen;
  for (const nn::ModuleType& type : nn::module_types()) {
    EXPECT_TRUE(seen.insert(type.name).second) << "listed twice: " << type.name;
    const auto module = type.example();
    ASSERT_NE(module, nullptr) << type.name;
    EXPECT_EQ(module->type_name(), type.name);
  }
  EXPECT_EQ(nn::module_type_names().size(), nn::module_types().size());
}

TEST(ModuleTypes, BuildingAnExampleLeavesTheDefaultGeneratorAlone) {
  wi::default_generator().manual_seed(5);
  const std::uint64_t before = wi::default_generator().initial_seed();
  const auto state = wi::default_generator().get_state();
  for (const nn::ModuleType& type : nn::module_types()) (void)type.example();
  EXPECT_EQ(wi::default_generator().initial_seed(), before);
  EXPECT_EQ(wi::default_generator().get_state(), state);
}

TEST(ModuleTypes, EveryParameterOfEveryLayerDescribesItsConstructorsInit) {
  for (const nn::ModuleType& type : nn::module_types()) {
    const auto module = type.example();
    for (const auto& [name, parameter] : module->named_parameters(false)) {
      const auto d = module->default_init(name);
      ASSERT_TRUE(d.has_value()) << type.name << "." << name;
      EXPECT_FALSE(d->spec.empty()) << type.name << "." << name;
      EXPECT_EQ(parameter->init.scheme, d->note) << type.name << "." << name;
    }
  }
}

TEST(ModuleTypes, RedrawingTheDescribedDefaultsGivesTheConstructorsBits) {
  for (const nn::ModuleType& type : nn::module_types()) {
    const auto built = type.example();  // drawn from Generator(0) in its constructor
    const auto redrawn = type.example();
    wi::Generator gen(0);
    redrawn->reset_parameters(gen);  // draw_default_inits from the same seed
    const auto a = built->named_parameters();
    const auto b = redrawn->named_parameters();
    ASSERT_EQ(a.size(), b.size()) << type.name;
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_TRUE(same_bits(a[i].second->data, b[i].second->data))
          << type.name << "." << a[i].first;
    }
  }
}

TEST(ModuleTypes, WeightLayersAreTheLinearAndConvolutionLayers) {
  std::set<std::string> weight_layers;
  for (const nn::ModuleType& type : nn::module_types()) {
    if (type.example()->is_weight_layer()) weight_layers.insert(type.name);
  }
  EXPECT_EQ(weight_layers,
            (std::set<std::string>{"Linear", "Conv1D", "Conv1d", "Conv2d", "Conv3d",
                                   "ConvTranspose2d"}));  // Conv1D: transformers' Linear
}

TEST(ModuleTypes, DefaultsFollowTheShapeAsTorchsResetParametersDoes) {
  wi::Generator gen(0);
  nn::Linear linear(16, 4, true, gen);
  EXPECT_EQ(linear.default_init("weight")->spec, "kaiming_uniform(a=sqrt(5))");
  EXPECT_EQ(linear.default_init("bias")->spec,
            "uniform(a=-1 / sqrt(weight_fan_in), b=1 / sqrt(weight_fan_in))");
  EXPECT_DOUBLE_EQ(linear.default_init("bias")->promised_std, 0.25 / std::sqrt(3.0));
  EXPECT_FALSE(linear.default_init("nothing").has_value());
  // fan_in 0: Linear draws U(+0, 0); a convolution leaves its bias undrawn.
  nn::Linear empty_linear(0, 4, true, gen);
  EXPECT_EQ(empty_linear.default_init("bias")->spec, "uniform(a=0, b=0)");
  nn::Conv2d empty_conv(0, 4, nn::ConvConfig{}, gen);
  EXPECT_EQ(empty_conv.default_init("bias")->spec, "");
  nn::Embedding padded(6, 3, 2, gen);
  EXPECT_EQ(padded.default_init("weight")->zero_row, std::optional<std::int64_t>(2));
  for (std::int64_t j = 0; j < 3; ++j) EXPECT_EQ(padded.weight().item({2, j}), 0.0);
  EXPECT_NE(padded.weight().item({1, 0}), 0.0);
}
