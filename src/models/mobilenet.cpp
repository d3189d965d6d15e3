// SPDX-License-Identifier: MIT
// torchvision/models/mobilenetv2.py (0.14): InvertedResidual, Conv2dNormActivation, MobileNetV2.
#include "weightinit/models/mobilenet.h"

#include <array>

#include "models/blocks.h"
#include "models/zoo_parts.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

namespace {

/// torchvision.ops.Conv2dNormActivation(in, out, kernel, stride, groups, BatchNorm2d, ReLU6):
/// a Sequential subclass of Conv2d (padding (k-1)/2, no bias), BatchNorm2d and ReLU6.
std::shared_ptr<nn::Module> conv_bn_relu6(std::int64_t in, std::int64_t out, std::int64_t kernel,
                                          std::int64_t stride, std::int64_t groups,
                                          Generator& gen) {
  auto seq = std::make_shared<detail::NamedSequential>("Conv2dNormActivation");
  seq->push_back(detail::conv2d(in, out, kernel, stride, (kernel - 1) / 2, false, gen, groups));
  seq->push_back(std::make_shared<nn::BatchNorm2d>(out));
  seq->push_back(std::make_shared<nn::ReLU6>());
  return seq;
}

/// torchvision's InvertedResidual (Sandler et al. 2018): its `conv` Sequential (expand 1×1,
/// depthwise 3×3, linear 1×1 projection), plus the input when stride is 1 and the channels
/// stay the same (use_res_connect).
class InvertedResidual final : public nn::Module {
 public:
  explicit InvertedResidual(bool residual) : residual_(residual) {}
  std::string type_name() const override { return "InvertedResidual"; }

  Tensor forward(const Tensor& input) override {
    const Tensor out = (*children().front())(input);
    return residual_ ? nn::functional::add(input, out) : out;
  }

  Tensor backward(const Tensor& grad_output) override {
    const Tensor g = children().front()->backward(grad_output);
    return residual_ && g.defined() ? nn::functional::add(g, grad_output) : g;
  }

 private:
  bool residual_;
};

}  // namespace

namespace detail {
std::shared_ptr<nn::Module> make_inverted_residual(std::int64_t in, std::int64_t out,
                                                   std::int64_t stride, std::int64_t expand_ratio,
                                                   Generator& gen) {
  const std::int64_t hidden = in * expand_ratio;
  auto block = std::make_shared<InvertedResidual>(stride == 1 && in == out);
  auto conv = std::make_shared<nn::Sequential>();
  if (expand_ratio != 1) conv->push_back(conv_bn_relu6(in, hidden, 1, 1, 1, gen));
  conv->push_back(conv_bn_relu6(hidden, hidden, 3, stride, hidden, gen));  // depthwise
  conv->push_back(detail::conv2d(hidden, out, 1, 1, 0, false, gen));
  conv->push_back(std::make_shared<nn::BatchNorm2d>(out));
  block->register_module("conv", conv);
  return block;
}
}  // namespace detail

std::shared_ptr<nn::Module> make_mobilenet_v2(Generator& gen, std::int64_t num_classes) {
  struct Stage {
    std::int64_t t, c, n, s;
  };
  constexpr std::array<Stage, 7> setting = {Stage{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2},
                                            {6, 64, 4, 2},      {6, 96, 3, 1}, {6, 160, 3, 2},
                                            {6, 320, 1, 1}};
  auto net = std::make_shared<detail::FeedForwardNet>("MobileNetV2", "classifier",
                                                      detail::FunctionalStep::GlobalAvgPoolFlatten);
  auto features = std::make_shared<nn::Sequential>();
  std::int64_t input = 32;
  features->push_back(conv_bn_relu6(3, input, 3, 2, 1, gen));
  for (const Stage& st : setting) {
    for (std::int64_t i = 0; i < st.n; ++i) {
      const std::int64_t stride = i == 0 ? st.s : 1;
      features->push_back(detail::make_inverted_residual(input, st.c, stride, st.t, gen));
      input = st.c;
    }
  }
  features->push_back(conv_bn_relu6(input, 1280, 1, 1, 1, gen));
  net->register_module("features", features);
  auto classifier = std::make_shared<nn::Sequential>();
  classifier->push_back(std::make_shared<nn::Dropout>(0.2));
  classifier->push_back(std::make_shared<nn::Linear>(1280, num_classes, true, gen));
  net->register_module("classifier", classifier);
  return net;
}

}  // namespace weightinit::models
