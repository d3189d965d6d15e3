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
/// first block's convs (registration order puts it last). Input 3×224×224. No forward pass.
std::shared_ptr<nn::Module> make_resnet(ResNetKind kind, Generator& gen,
                                        std::int64_t num_classes = 1000);

}  // namespace weightinit::models
