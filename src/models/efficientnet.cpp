// SPDX-License-Identifier: MIT
// torchvision/models/efficientnet.py (0.14): MBConv, EfficientNet, efficientnet_b0.
#include "weightinit/models/efficientnet.h"

#include <array>

#include "models/torchvision_ops.h"
#include "weightinit/error.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

namespace {

/// torchvision's MBConv (Sandler et al. 2018; Tan & Le 2019): its `block` Sequential, then,
/// when stride is 1 and the channels stay (use_res_connect), StochasticDepth and the input
/// added back. Backward: the block's, plus dy itself through the residual.
class MBConv final : public nn::Module {
 public:
  explicit MBConv(bool residual) : residual_(residual) {}
  std::string type_name() const override { return "MBConv"; }

  Tensor forward(const Tensor& input) override {
    Tensor out = (*child("block"))(input);
    if (!residual_) return out;
    out = (*child("stochastic_depth"))(out);
    return nn::functional::add(out, input);
  }

  Tensor backward(const Tensor& grad_output) override {
    if (!residual_) return child("block")->backward(grad_output);
    const Tensor g = child("block")->backward(child("stochastic_depth")->backward(grad_output));
    return g.defined() ? nn::functional::add(g, grad_output) : g;
  }

 private:
  bool residual_;
};

/// One row of EfficientNet-B0's inverted_residual_setting (width and depth multipliers 1).
struct MBConvConfig {
  std::int64_t expand_ratio, kernel, stride, in, out, layers;
};

std::shared_ptr<nn::Module> make_mbconv(const MBConvConfig& c, double stochastic_depth_prob,
                                        Generator& gen) {
  WEIGHTINIT_CHECK(c.stride == 1 || c.stride == 2, ValueError, "illegal stride value");
  using detail::ConvActivation;
  auto net = std::make_shared<MBConv>(c.stride == 1 && c.in == c.out);
  auto block = std::make_shared<nn::Sequential>();
  const std::int64_t expanded =
      detail::make_divisible(static_cast<double>(c.in * c.expand_ratio), 8);
  if (expanded != c.in) {
    block->push_back(detail::conv_norm_activation(
        c.in, expanded, {.kernel = 1, .activation = ConvActivation::SiLU}, gen));
  }
  block->push_back(detail::conv_norm_activation(expanded, expanded,
                                                {.kernel = c.kernel,
                                                 .stride = c.stride,
                                                 .groups = expanded,
                                                 .activation = ConvActivation::SiLU},
                                                gen));
  const std::int64_t squeeze = std::max<std::int64_t>(1, c.in / 4);
  block->push_back(
      std::make_shared<detail::SqueezeExcitation>(expanded, squeeze, ConvActivation::SiLU, gen));
  block->push_back(detail::conv_norm_activation(
      expanded, c.out, {.kernel = 1, .activation = ConvActivation::None}, gen));
  net->register_module("block", block);
  net->register_module("stochastic_depth",
                       std::make_shared<detail::StochasticDepth>(stochastic_depth_prob));
  return net;
}

}  // namespace

std::shared_ptr<nn::Module> make_efficientnet_b0(Generator& gen, std::int64_t num_classes) {
  WEIGHTINIT_CHECK(num_classes > 0, ValueError,
                   "efficientnet_b0: num_classes must be positive, but got ", num_classes);
  constexpr std::array<MBConvConfig, 7> setting = {MBConvConfig{1, 3, 1, 32, 16, 1},
                                                   {6, 3, 2, 16, 24, 2},
                                                   {6, 5, 2, 24, 40, 2},
                                                   {6, 3, 2, 40, 80, 3},
                                                   {6, 5, 1, 80, 112, 3},
                                                   {6, 5, 2, 112, 192, 4},
                                                   {6, 3, 1, 192, 320, 1}};
  constexpr double kStochasticDepthProb = 0.2;
  std::int64_t total_blocks = 0;
  for (const MBConvConfig& c : setting) total_blocks += c.layers;

  using detail::ConvActivation;
  auto net = std::make_shared<detail::FeedForwardNet>("EfficientNet", "classifier",
                                                      detail::FunctionalStep::Flatten);
  auto features = std::make_shared<nn::Sequential>();
  features->push_back(detail::conv_norm_activation(
      3, setting.front().in, {.kernel = 3, .stride = 2, .activation = ConvActivation::SiLU}, gen));
  std::int64_t block_id = 0;
  for (const MBConvConfig& c : setting) {
    auto stage = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < c.layers; ++i) {
      MBConvConfig block = c;
      if (i > 0) {
        block.in = block.out;
        block.stride = 1;
      }
      const double sd_prob =
          kStochasticDepthProb * static_cast<double>(block_id) / static_cast<double>(total_blocks);
      stage->push_back(make_mbconv(block, sd_prob, gen));
      ++block_id;
    }
    features->push_back(stage);
  }
  const std::int64_t last_in = setting.back().out, last_out = 4 * last_in;
  features->push_back(detail::conv_norm_activation(
      last_in, last_out, {.kernel = 1, .activation = ConvActivation::SiLU}, gen));
  net->register_module("features", features);
  net->register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
  auto classifier = std::make_shared<nn::Sequential>();
  classifier->push_back(std::make_shared<nn::Dropout>(0.2));
  classifier->push_back(std::make_shared<nn::Linear>(last_out, num_classes, true, gen));
  net->register_module("classifier", classifier);
  return net;
}

}  // namespace weightinit::models
