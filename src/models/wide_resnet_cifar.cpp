// SPDX-License-Identifier: MIT
// WRN-d-k for CIFAR (xternalz/WideResNet-pytorch wideresnet.py).
#include "weightinit/models/wide_resnet_cifar.h"

#include "models/blocks.h"
#include "models/zoo_parts.h"
#include "weightinit/error.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

namespace {

/// The WRN BasicBlock of xternalz/WideResNet-pytorch (Zagoruyko & Komodakis 2016), pre-
/// activation: a = relu1(bn1(x)); out = conv2(relu2(bn2(conv1(a)))); y = x + out when the
/// channels stay the same, convShortcut(a) + out otherwise (the shortcut sees the activated
/// input). No dropout (dropRate 0).
class WrnBlock final : public nn::Module {
 public:
  std::string type_name() const override { return "BasicBlock"; }

  Tensor forward(const Tensor& input) override {
    const Tensor a = (*child("relu1"))((*child("bn1"))(input));
    Tensor out = (*child("relu2"))((*child("bn2"))((*child("conv1"))(a)));
    out = (*child("conv2"))(out);
    nn::Module* shortcut = find_child("convShortcut");
    return nn::functional::add(shortcut ? (*shortcut)(a) : input, out);
  }

  Tensor backward(const Tensor& grad_output) override {
    nn::Module* shortcut = find_child("convShortcut");
    const Tensor shortcut_grad = shortcut ? shortcut->backward(grad_output) : Tensor();
    Tensor g = child("conv2")->backward(grad_output);
    g = child("conv1")->backward(child("bn2")->backward(child("relu2")->backward(g)));
    if (shortcut) g = nn::functional::add(g, shortcut_grad);
    g = child("bn1")->backward(child("relu1")->backward(g));
    return shortcut ? g : nn::functional::add(g, grad_output);
  }
};

}  // namespace

namespace detail {
std::shared_ptr<nn::Module> make_wrn_block(std::int64_t in, std::int64_t out, std::int64_t stride,
                                           Generator& gen) {
  auto block = std::make_shared<WrnBlock>();
  block->register_module("bn1", std::make_shared<nn::BatchNorm2d>(in));
  block->register_module("relu1", std::make_shared<nn::ReLU>());
  block->register_module("conv1", detail::conv2d(in, out, 3, stride, 1, false, gen));
  block->register_module("bn2", std::make_shared<nn::BatchNorm2d>(out));
  block->register_module("relu2", std::make_shared<nn::ReLU>());
  block->register_module("conv2", detail::conv2d(out, out, 3, 1, 1, false, gen));
  if (in != out) {
    block->register_module("convShortcut", detail::conv2d(in, out, 1, stride, 0, false, gen));
  }
  return block;
}
}  // namespace detail

std::shared_ptr<nn::Module> make_wide_resnet_cifar(std::int64_t depth, std::int64_t widen_factor,
                                                   Generator& gen, std::int64_t num_classes) {
  WEIGHTINIT_CHECK(depth > 4 && (depth - 4) % 6 == 0 && widen_factor >= 1, ValueError,
                   "WideResNet needs depth = 6n + 4 (n >= 1) and widen_factor >= 1, but got "
                   "depth ",
                   depth, ", widen_factor ", widen_factor);
  const std::int64_t n = (depth - 4) / 6;
  const std::int64_t channels[4] = {16, 16 * widen_factor, 32 * widen_factor, 64 * widen_factor};
  auto net = std::make_shared<detail::FeedForwardNet>("WideResNet", "fc",
                                                      detail::FunctionalStep::AvgPool8View);
  net->register_module("conv1", detail::conv2d(3, channels[0], 3, 1, 1, false, gen));
  for (int b = 0; b < 3; ++b) {
    auto group = std::make_shared<detail::Chain>("NetworkBlock");
    auto layer = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t in = i == 0 ? channels[b] : channels[b + 1], out = channels[b + 1];
      const std::int64_t stride = i == 0 && b > 0 ? 2 : 1;
      layer->push_back(detail::make_wrn_block(in, out, stride, gen));
    }
    group->register_module("layer", layer);
    net->register_module("block" + std::to_string(b + 1), group);
  }
  net->register_module("bn1", std::make_shared<nn::BatchNorm2d>(channels[3]));
  net->register_module("relu", std::make_shared<nn::ReLU>());
  net->register_module("fc", std::make_shared<nn::Linear>(channels[3], num_classes, true, gen));
  return net;
}

}  // namespace weightinit::models
