// SPDX-License-Identifier: MIT
// torchvision/models/resnet.py (0.14): BasicBlock, Bottleneck, ResNet._make_layer.
#include "weightinit/models/resnet.h"

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "models/zoo_parts.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

namespace {

using detail::conv2d;

struct Spec {
  bool bottleneck;
  std::array<std::int64_t, 4> layers;
  std::int64_t groups = 1;
  std::int64_t width_per_group = 64;
};

Spec spec_of(ResNetKind kind) {
  switch (kind) {
    case ResNetKind::ResNet18:
      return {false, {2, 2, 2, 2}};
    case ResNetKind::ResNet34:
      return {false, {3, 4, 6, 3}};
    case ResNetKind::ResNet50:
      return {true, {3, 4, 6, 3}};
    case ResNetKind::ResNet101:
      return {true, {3, 4, 23, 3}};
    case ResNetKind::ResNet152:
      return {true, {3, 8, 36, 3}};
    case ResNetKind::ResNeXt50_32x4d:
      return {true, {3, 4, 6, 3}, 32, 4};
    case ResNetKind::WideResNet50_2:
      return {true, {3, 4, 6, 3}, 1, 128};
  }
  return {false, {2, 2, 2, 2}};
}

/// torchvision's BasicBlock and Bottleneck: the main path (conv, bn, relu, ...), plus the input
/// or the downsample's output, then ReLU. The children are registered as torchvision registers
/// them; `main_` lists the main path in call order (the shared ReLU appears once per call).
class ResidualBlock final : public nn::Module {
 public:
  explicit ResidualBlock(bool bottleneck) : bottleneck_(bottleneck) {}
  std::string type_name() const override { return bottleneck_ ? "Bottleneck" : "BasicBlock"; }

  void finish(std::vector<nn::Module*> main_path, nn::Module* relu, nn::Module* downsample) {
    main_ = std::move(main_path);
    relu_ = relu;
    downsample_ = downsample;
  }

  Tensor forward(const Tensor& input) override {
    Tensor out = input;
    for (nn::Module* m : main_) out = (*m)(out);
    const Tensor identity = downsample_ ? (*downsample_)(input) : input;
    return (*relu_)(nn::functional::add(out, identity));
  }

  Tensor backward(const Tensor& grad_output) override {
    const Tensor g = relu_->backward(grad_output);
    Tensor main_grad = g;
    for (auto it = main_.rbegin(); it != main_.rend(); ++it) main_grad = (*it)->backward(main_grad);
    const Tensor identity_grad = downsample_ ? downsample_->backward(g) : g;
    if (!main_grad.defined()) return identity_grad;
    if (!identity_grad.defined()) return main_grad;
    return nn::functional::add(main_grad, identity_grad);
  }

 private:
  bool bottleneck_;
  std::vector<nn::Module*> main_;
  nn::Module* relu_ = nullptr;
  nn::Module* downsample_ = nullptr;
};

/// _make_layer's downsample (conv1x1 + BatchNorm) when the block changes the shape, built
/// before the block's own convs as torchvision builds it; nullptr otherwise.
std::shared_ptr<nn::Module> make_downsample(std::int64_t inplanes, std::int64_t out,
                                            std::int64_t stride, Generator& gen) {
  if (stride == 1 && inplanes == out) return nullptr;
  auto ds = std::make_shared<nn::Sequential>();
  ds->push_back(conv2d(inplanes, out, 1, stride, 0, false, gen));
  ds->push_back(std::make_shared<nn::BatchNorm2d>(out));
  return ds;
}

}  // namespace

std::shared_ptr<nn::Module> make_basic_block(std::int64_t inplanes, std::int64_t planes,
                                             std::int64_t stride, Generator& gen) {
  auto downsample = make_downsample(inplanes, planes, stride, gen);
  auto b = std::make_shared<ResidualBlock>(false);
  auto conv1 = b->register_module("conv1", conv2d(inplanes, planes, 3, stride, 1, false, gen));
  auto bn1 = b->register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
  auto relu = b->register_module("relu", std::make_shared<nn::ReLU>());
  auto conv2 = b->register_module("conv2", conv2d(planes, planes, 3, 1, 1, false, gen));
  auto bn2 = b->register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
  if (downsample) b->register_module("downsample", downsample);
  b->finish({conv1.get(), bn1.get(), relu.get(), conv2.get(), bn2.get()}, relu.get(),
            downsample.get());
  return b;
}

std::shared_ptr<nn::Module> make_bottleneck(std::int64_t inplanes, std::int64_t planes,
                                            std::int64_t stride, std::int64_t groups,
                                            std::int64_t base_width, Generator& gen) {
  auto downsample = make_downsample(inplanes, planes * 4, stride, gen);
  const std::int64_t width = planes * base_width / 64 * groups;
  auto b = std::make_shared<ResidualBlock>(true);
  auto conv1 = b->register_module("conv1", conv2d(inplanes, width, 1, 1, 0, false, gen));
  auto bn1 = b->register_module("bn1", std::make_shared<nn::BatchNorm2d>(width));
  auto conv2 = b->register_module("conv2", conv2d(width, width, 3, stride, 1, false, gen, groups));
  auto bn2 = b->register_module("bn2", std::make_shared<nn::BatchNorm2d>(width));
  auto conv3 = b->register_module("conv3", conv2d(width, planes * 4, 1, 1, 0, false, gen));
  auto bn3 = b->register_module("bn3", std::make_shared<nn::BatchNorm2d>(planes * 4));
  auto relu = b->register_module("relu", std::make_shared<nn::ReLU>());
  if (downsample) b->register_module("downsample", downsample);
  b->finish({conv1.get(), bn1.get(), relu.get(), conv2.get(), bn2.get(), relu.get(), conv3.get(),
             bn3.get()},
            relu.get(), downsample.get());
  return b;
}

std::shared_ptr<nn::Module> make_resnet(ResNetKind kind, Generator& gen, std::int64_t num_classes) {
  const Spec s = spec_of(kind);
  const std::int64_t expansion = s.bottleneck ? 4 : 1;
  auto net = std::make_shared<detail::FeedForwardNet>("ResNet", "fc");
  std::int64_t inplanes = 64;
  net->register_module("conv1", conv2d(3, 64, 7, 2, 3, false, gen));
  net->register_module("bn1", std::make_shared<nn::BatchNorm2d>(64));
  net->register_module("relu", std::make_shared<nn::ReLU>());
  net->register_module("maxpool", detail::max_pool(3, 2, 1));
  const std::array<std::int64_t, 4> planes = {64, 128, 256, 512};
  for (std::size_t stage = 0; stage < 4; ++stage) {
    auto layer = std::make_shared<nn::Sequential>();
    for (std::int64_t i = 0; i < s.layers[stage]; ++i) {
      const std::int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      layer->push_back(s.bottleneck ? make_bottleneck(inplanes, planes[stage], stride, s.groups,
                                                      s.width_per_group, gen)
                                    : make_basic_block(inplanes, planes[stage], stride, gen));
      inplanes = planes[stage] * expansion;
    }
    net->register_module("layer" + std::to_string(stage + 1), layer);
  }
  net->register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
  net->register_module("fc", std::make_shared<nn::Linear>(512 * expansion, num_classes, true, gen));
  return net;
}

}  // namespace weightinit::models
