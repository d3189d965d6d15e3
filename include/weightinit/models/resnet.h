// SPDX-License-Identifier: MIT
// torchvision's ResNet family, built as torchvision 0.14 builds it (names, shapes, draw order).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// The ResNet variants of torchvision.models.
enum class ResNetKind {
  ResNet18,
  ResNet34,
  ResNet50,
  ResNet101,
  ResNet152,
  ResNeXt50_32x4d,
  WideResNet50_2
};

/// torchvision.models.resnetNN() (He et al. 2016, "Deep Residual Learning for Image
/// Recognition"), resnext50_32x4d (Xie et al. 2017, groups 32, width 4 per group) and
/// wide_resnet50_2 (Zagoruyko & Komodakis 2016, width 128 per group), with the constructors'
/// draws only: every Conv2d weight kaiming_uniform(a=√5) (no conv biases), BatchNorm 1/0, fc
/// Linear's default. torchvision's init loop is the `torchvision-resnet` policy; applying it
/// with the same generator reproduces `torch.manual_seed(s); torchvision.models.resnet50()`.
/// The draw order is torchvision's: in each stage the downsample conv is built before the
/// first block's convs (registration order puts it last). Input 3×224×224 (any size from
/// 32×32 runs: the average pool is adaptive). Forward and backward as torchvision's:
/// conv1, bn1, relu, maxpool, layer1..4, avgpool, torch.flatten(x, 1), fc.
std::shared_ptr<nn::Module> make_resnet(ResNetKind kind, Generator& gen,
                                        std::int64_t num_classes = 1000);

/// torchvision's BasicBlock(inplanes, planes, stride), with _make_layer's downsample (conv1x1 +
/// BatchNorm2d, drawn first) when stride != 1 or inplanes != planes:
/// out = relu(bn2(conv2(relu(bn1(conv1(x))))) + identity), identity = downsample(x) or x.
std::shared_ptr<nn::Module> make_basic_block(std::int64_t inplanes, std::int64_t planes,
                                             std::int64_t stride, Generator& gen);

/// torchvision's Bottleneck (the "ResNet V1.5" of torchvision: the stride is on the 3×3 conv),
/// width = planes·base_width/64·groups, output planes·4, with a downsample when stride != 1 or
/// inplanes != planes·4: out = relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x)))))))) +
/// identity).
std::shared_ptr<nn::Module> make_bottleneck(std::int64_t inplanes, std::int64_t planes,
                                            std::int64_t stride, std::int64_t groups,
                                            std::int64_t base_width, Generator& gen);

}  // namespace weightinit::models
