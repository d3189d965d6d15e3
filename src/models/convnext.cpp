// SPDX-License-Identifier: MIT
// torchvision/models/convnext.py (0.14): CNBlock, ConvNeXt, convnext_tiny.
#include "weightinit/models/convnext.h"

#include <array>
#include <iomanip>
#include <optional>
#include <sstream>

#include "models/torchvision_ops.h"
#include "weightinit/error.h"
#include "weightinit/nn/functional.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

namespace {

/// torchvision's CNBlock(dim, layer_scale, stochastic_depth_prob): its own parameter
/// layer_scale (dim, 1, 1), then `block` and `stochastic_depth`; y = x + sd(layer_scale ·
/// block(x)).
class CNBlock final : public nn::Module {
 public:
  CNBlock(std::int64_t dim, double layer_scale, double stochastic_depth_prob, Generator& gen)
      : layer_scale_(layer_scale) {
    auto block = std::make_shared<nn::Sequential>();
    block->push_back(detail::conv2d(dim, dim, 7, 1, 3, true, gen, dim));
    block->push_back(std::make_shared<detail::Permute>(Shape{0, 2, 3, 1}));
    block->push_back(std::make_shared<nn::LayerNorm>(Shape{dim}, 1e-6));
    block->push_back(std::make_shared<nn::Linear>(dim, 4 * dim, true, gen));
    block->push_back(std::make_shared<nn::GELU>());
    block->push_back(std::make_shared<nn::Linear>(4 * dim, dim, true, gen));
    block->push_back(std::make_shared<detail::Permute>(Shape{0, 3, 1, 2}));
    register_module("block", block);
    // torch.ones(dim, 1, 1) * layer_scale: 1.0f times the float32 layer_scale, exactly; filled
    // (and recorded for summary --verbose) by its default_init, which draws nothing.
    register_parameter("layer_scale", Tensor::empty({dim, 1, 1}));
    if (!deferred_allocation()) draw_default_inits(gen);
    register_module("stochastic_depth",
                    std::make_shared<detail::StochasticDepth>(stochastic_depth_prob));
  }
  std::string type_name() const override { return "CNBlock"; }
  /// layer_scale's fill, as a constant init (so `init --out`'s draw plan and reset_parameters
  /// reproduce it): torch.ones(dim, 1, 1) * layer_scale, which is float32(layer_scale).
  std::optional<nn::DefaultInit> default_init(const std::string& name) const override {
    if (name != "layer_scale") return std::nullopt;
    std::ostringstream spec;
    spec << std::setprecision(17) << "constant(val=" << layer_scale_ << ")";
    return nn::DefaultInit{spec.str(), "torch.ones(dim, 1, 1) * layer_scale", 0.0, std::nullopt};
  }

  Tensor forward(const Tensor& input) override {
    const Tensor branch = (*child("block"))(input);
    save_for_backward({branch});
    Tensor result = detail::scale_channels(parameter("layer_scale").data, branch);
    result = (*child("stochastic_depth"))(result);
    return nn::functional::add(result, input);
  }

  /// d layer_scale = Σ_{n,h,w} dr·block(x) with dr the gradient after StochasticDepth; dx =
  /// block's backward of layer_scale·dr, plus dy through the residual.
  Tensor backward(const Tensor& grad_output) override {
    const Tensor branch = pop_saved().at(0);
    const Tensor dr = child("stochastic_depth")->backward(grad_output);
    accumulate_grad("layer_scale", detail::scale_channels_grad(dr, branch, false));
    const Tensor g =
        child("block")->backward(detail::scale_channels(parameter("layer_scale").data, dr));
    return g.defined() ? nn::functional::add(g, grad_output) : g;
  }

 private:
  double layer_scale_;
};

/// torchvision's ConvNeXt: features, avgpool, classifier in order. The input must be (N, 3, H,
/// W) with H, W >= 32 (the 4×4 stride-4 stem and three 2×2 stride-2 downsamplings leave at
/// least one pixel): checked before any layer runs.
class ConvNeXt final : public detail::Chain {
 public:
  ConvNeXt() : detail::Chain("ConvNeXt") {}
  Tensor forward(const Tensor& input) override {
    WEIGHTINIT_CHECK(input.dim() == 4 && input.size(1) == 3, ShapeError,
                     "convnext_tiny: expected an (N, 3 channels, H, W) input, but got ",
                     shape_str(input.sizes()));
    WEIGHTINIT_CHECK(input.size(2) >= 32 && input.size(3) >= 32, ShapeError,
                     "convnext_tiny: the input's height and width must be at least 32 (a 4x4 "
                     "stride-4 stem, then three 2x2 stride-2 downsamplings), but got ",
                     shape_str(input.sizes()));
    return detail::Chain::forward(input);
  }
};

/// One CNBlockConfig of ConvNeXt-Tiny: input channels, output channels of the downsampling
/// after the stage (0: none), blocks.
struct CNBlockConfig {
  std::int64_t in, out, layers;
};

}  // namespace

std::shared_ptr<nn::Module> make_convnext_tiny(Generator& gen, std::int64_t num_classes) {
  WEIGHTINIT_CHECK(num_classes > 0, ValueError,
                   "convnext_tiny: num_classes must be positive, but got ", num_classes);
  constexpr std::array<CNBlockConfig, 4> setting = {
      CNBlockConfig{96, 192, 3}, {192, 384, 3}, {384, 768, 9}, {768, 0, 3}};
  constexpr double kStochasticDepthProb = 0.1, kLayerScale = 1e-6, kEps = 1e-6;
  std::int64_t total_blocks = 0;
  for (const CNBlockConfig& c : setting) total_blocks += c.layers;

  auto net = std::make_shared<ConvNeXt>();
  auto features = std::make_shared<nn::Sequential>();
  features->push_back(detail::conv_norm_activation(3, setting.front().in,
                                                   {.kernel = 4,
                                                    .stride = 4,
                                                    .padding = 0,
                                                    .bias = true,
                                                    .norm = detail::ConvNorm::LayerNorm2d,
                                                    .activation = detail::ConvActivation::None},
                                                   gen));
  std::int64_t block_id = 0;
  for (const CNBlockConfig& c : setting) {
    auto stage = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < c.layers; ++i) {
      const double sd_prob = kStochasticDepthProb * static_cast<double>(block_id) /
                             (static_cast<double>(total_blocks) - 1.0);
      stage->push_back(std::make_shared<CNBlock>(c.in, kLayerScale, sd_prob, gen));
      ++block_id;
    }
    features->push_back(stage);
    if (c.out != 0) {
      auto down = std::make_shared<nn::Sequential>();
      down->push_back(std::make_shared<detail::LayerNorm2d>(c.in, kEps));
      down->push_back(detail::conv2d(c.in, c.out, 2, 2, 0, true, gen));
      features->push_back(down);
    }
  }
  net->register_module("features", features);
  net->register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
  const std::int64_t last = setting.back().in;
  auto classifier = std::make_shared<nn::Sequential>();
  classifier->push_back(std::make_shared<detail::LayerNorm2d>(last, kEps));
  classifier->push_back(std::make_shared<nn::Flatten>(1));
  classifier->push_back(std::make_shared<nn::Linear>(last, num_classes, true, gen));
  net->register_module("classifier", classifier);
  return net;
}

}  // namespace weightinit::models
