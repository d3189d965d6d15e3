// SPDX-License-Identifier: MIT
// torchvision/models/resnet.py (0.14): BasicBlock, Bottleneck, ResNet._make_layer.
#include "weightinit/models/resnet.h"

#include <array>

#include "models/zoo_parts.h"

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

/// BasicBlock / Bottleneck, given the downsample built before it (or nullptr).
std::shared_ptr<nn::Module> block(const Spec& s, std::int64_t inplanes, std::int64_t planes,
                                  std::int64_t stride, std::shared_ptr<nn::Module> downsample,
                                  Generator& gen) {
  if (!s.bottleneck) {
    auto b = detail::container("BasicBlock");
    b->register_module("conv1", conv2d(inplanes, planes, 3, stride, 1, false, gen));
    b->register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
    b->register_module("relu", std::make_shared<nn::ReLU>());
    b->register_module("conv2", conv2d(planes, planes, 3, 1, 1, false, gen));
    b->register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
    if (downsample) b->register_module("downsample", downsample);
    return b;
  }
  const std::int64_t width = planes * s.width_per_group / 64 * s.groups;
  auto b = detail::container("Bottleneck");
  b->register_module("conv1", conv2d(inplanes, width, 1, 1, 0, false, gen));
  b->register_module("bn1", std::make_shared<nn::BatchNorm2d>(width));
  b->register_module("conv2", conv2d(width, width, 3, stride, 1, false, gen, s.groups));
  b->register_module("bn2", std::make_shared<nn::BatchNorm2d>(width));
  b->register_module("conv3", conv2d(width, planes * 4, 1, 1, 0, false, gen));
  b->register_module("bn3", std::make_shared<nn::BatchNorm2d>(planes * 4));
  b->register_module("relu", std::make_shared<nn::ReLU>());
  if (downsample) b->register_module("downsample", downsample);
  return b;
}

}  // namespace

std::shared_ptr<nn::Module> make_resnet(ResNetKind kind, Generator& gen, std::int64_t num_classes) {
  const Spec s = spec_of(kind);
  const std::int64_t expansion = s.bottleneck ? 4 : 1;
  auto net = detail::container("ResNet");
  std::int64_t inplanes = 64;
  net->register_module("conv1", conv2d(3, 64, 7, 2, 3, false, gen));
  net->register_module("bn1", std::make_shared<nn::BatchNorm2d>(64));
  net->register_module("relu", std::make_shared<nn::ReLU>());
  net->register_module("maxpool", detail::max_pool(3, 2, 1));
  const std::array<std::int64_t, 4> planes = {64, 128, 256, 512};
  for (std::size_t stage = 0; stage < 4; ++stage) {
    const std::int64_t stride = stage == 0 ? 1 : 2;
    auto layer = std::make_shared<nn::Sequential>();
    std::shared_ptr<nn::Module> downsample;
    if (stride != 1 || inplanes != planes[stage] * expansion) {
      auto ds = std::make_shared<nn::Sequential>();
      ds->push_back(conv2d(inplanes, planes[stage] * expansion, 1, stride, 0, false, gen));
      ds->push_back(std::make_shared<nn::BatchNorm2d>(planes[stage] * expansion));
      downsample = ds;
    }
    layer->push_back(block(s, inplanes, planes[stage], stride, downsample, gen));
    inplanes = planes[stage] * expansion;
    for (std::int64_t i = 1; i < s.layers[stage]; ++i) {
      layer->push_back(block(s, inplanes, planes[stage], 1, nullptr, gen));
    }
    net->register_module("layer" + std::to_string(stage + 1), layer);
  }
  net->register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{1, 1}));
  net->register_module("fc", std::make_shared<nn::Linear>(512 * expansion, num_classes, true, gen));
  return net;
}

}  // namespace weightinit::models
