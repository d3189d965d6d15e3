// SPDX-License-Identifier: MIT
// torchvision/models/regnet.py (0.14): SimpleStemIN, BottleneckTransform, ResBottleneckBlock,
// AnyStage, RegNet, regnet_y_400mf.
#include "weightinit/models/regnet.h"

#include <array>
#include <cmath>
#include <string>

#include "models/torchvision_ops.h"
#include "weightinit/error.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

namespace {

/// torchvision's ResBottleneckBlock: activation(proj(x) + f(x)), or activation(x + f(x)) without
/// a projection.
class ResBottleneckBlock final : public nn::Module {
 public:
  std::string type_name() const override { return "ResBottleneckBlock"; }

  Tensor forward(const Tensor& input) override {
    nn::Module* proj = find_child("proj");
    const Tensor shortcut = proj != nullptr ? (*proj)(input) : input;
    const Tensor branch = (*child("f"))(input);
    return (*child("activation"))(nn::functional::add(shortcut, branch));
  }

  Tensor backward(const Tensor& grad_output) override {
    const Tensor g = child("activation")->backward(grad_output);
    const Tensor branch = child("f")->backward(g);
    nn::Module* proj = find_child("proj");
    const Tensor shortcut = proj != nullptr ? proj->backward(g) : g;
    if (!branch.defined()) return branch;
    return nn::functional::add(shortcut, branch);
  }
};

/// One AnyStage of RegNetY-400MF: its output width, depth and group width (stride 2, bottleneck
/// multiplier 1, SE ratio 0.25 in every stage).
struct StageConfig {
  std::int64_t width, depth, group_width;
};

std::shared_ptr<nn::Module> make_block(std::int64_t in, std::int64_t out, std::int64_t stride,
                                       std::int64_t group_width, double se_ratio, Generator& gen) {
  using detail::ConvActivation;
  auto block = std::make_shared<ResBottleneckBlock>();
  if (in != out || stride != 1) {
    block->register_module(
        "proj",
        detail::conv_norm_activation(
            in, out, {.kernel = 1, .stride = stride, .activation = ConvActivation::None}, gen));
  }
  // BottleneckTransform(width_in, width_out, stride, ..., group_width, 1.0, se_ratio)
  auto f = std::make_shared<detail::NamedSequential>("BottleneckTransform");
  const std::int64_t w_b = out;  // int(round(width_out * 1.0))
  const std::int64_t groups = w_b / group_width;
  f->register_module("a", detail::conv_norm_activation(in, w_b, {.kernel = 1}, gen));
  f->register_module("b", detail::conv_norm_activation(
                              w_b, w_b, {.kernel = 3, .stride = stride, .groups = groups}, gen));
  const auto se_out = static_cast<std::int64_t>(std::nearbyint(se_ratio * static_cast<double>(in)));
  f->register_module(
      "se", std::make_shared<detail::SqueezeExcitation>(w_b, se_out, ConvActivation::ReLU, gen));
  f->register_module("c", detail::conv_norm_activation(
                              w_b, out, {.kernel = 1, .activation = ConvActivation::None}, gen));
  block->register_module("f", f);
  block->register_module("activation", std::make_shared<nn::ReLU>());
  return block;
}

}  // namespace

std::shared_ptr<nn::Module> make_regnet_y_400mf(Generator& gen, std::int64_t num_classes) {
  WEIGHTINIT_CHECK(num_classes > 0, ValueError,
                   "regnet_y_400mf: num_classes must be positive, but got ", num_classes);
  // BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09, group_width=8,
  // se_ratio=0.25)._get_expanded_params(), as torchvision 0.14 computes it.
  constexpr std::array<StageConfig, 4> stages = {
      StageConfig{48, 1, 8}, {104, 3, 8}, {208, 6, 8}, {440, 6, 8}};
  constexpr double kSeRatio = 0.25;
  constexpr std::int64_t kStemWidth = 32;
  auto net =
      std::make_shared<detail::FeedForwardNet>("RegNet", "fc", detail::FunctionalStep::Flatten);
  net->register_module("stem",
                       detail::conv_norm_activation(
                           3, kStemWidth, {.kernel = 3, .stride = 2, .type = "SimpleStemIN"}, gen));
  auto trunk = std::make_shared<nn::Sequential>();
  std::int64_t width = kStemWidth;
  for (std::size_t i = 0; i < stages.size(); ++i) {
    const StageConfig& s = stages[i];
    const std::string index = std::to_string(i + 1);
    auto stage = std::make_shared<detail::NamedSequential>("AnyStage");
    for (std::int64_t b = 0; b < s.depth; ++b) {
      stage->register_module("block" + index + "-" + std::to_string(b),
                             make_block(b == 0 ? width : s.width, s.width, b == 0 ? 2 : 1,
                                        s.group_width, kSeRatio, gen));
    }
    trunk->register_module("block" + index, stage);
    width = s.width;
  }
  net->register_module("trunk_output", trunk);
  net->register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
  net->register_module("fc", std::make_shared<nn::Linear>(width, num_classes, true, gen));
  return net;
}

}  // namespace weightinit::models
