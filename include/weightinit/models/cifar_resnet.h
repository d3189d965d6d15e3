// SPDX-License-Identifier: MIT
// The CIFAR ResNets of He et al. 2016 (section 4.2), as akamaster/pytorch_resnet_cifar10 builds
// them.
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// What make_cifar_resnet builds.
struct CifarResNetConfig {
  std::int64_t depth = 20;       ///< 6n + 2 (n ≥ 1): 20, 32, 44, 56, 110, 1202, ...
  bool batch_norm = true;        ///< false: every BatchNorm2d removed (convs stay bias-free)
  std::int64_t in_channels = 3;  ///< 1 for Fashion-MNIST padded to 32×32
  std::int64_t num_classes = 10;
};

/// n = (depth − 2) / 6, the BasicBlocks per stage. ValueError naming the depth and the rule
/// unless depth = 6n + 2 with n ≥ 1.
std::int64_t cifar_resnet_blocks_per_stage(std::int64_t depth);

/// ResNet-depth for CIFAR-10 (He et al. 2016, "Deep Residual Learning for Image Recognition",
/// section 4.2), as akamaster/pytorch_resnet_cifar10's resnet.py builds it (names, shapes, draw
/// order; tools/golden/cifar_resnet_ref.py is that definition): conv1 (3×3, in_channels → 16,
/// no bias), bn1, F.relu; layer1..3 of n BasicBlocks (conv1, bn1, conv2, bn2, shortcut) with 16,
/// 32, 64 channels, stride 2 in the first block of layer2 and layer3; F.avg_pool2d over the
/// whole map, view(N, 64), linear (64 → num_classes). The shortcut is option A: an empty
/// Sequential (the identity), or where the shape changes a LambdaLayer computing
/// F.pad(x[:, :, ::2, ::2], channels planes/4 on each side) — no parameters. ResNet-20 has
/// 269,722 parameters.
///
/// The constructors' draws only; the port's `self.apply(_weights_init)` (kaiming_normal_ on
/// every Conv2d and Linear weight) is the `cifar-resnet` policy: applying it with the same
/// generator gives `torch.manual_seed(s); resnet20()`. ValueError (cifar_resnet_blocks_per_stage)
/// before anything is built or drawn for a depth that is not 6n + 2, and for in_channels or
/// num_classes below 1.
///
/// Forward and backward as the port's. The input must be (N, in_channels, H, W) with H, W ≥ 4
/// (the two stride-2 stages: 4 → 2 → 1) and a square final map (⌈H/4⌉ = ⌈W/4⌉, which the
/// port's avg_pool2d over out.size(3) needs); ShapeError otherwise. Input 3×32×32.
std::shared_ptr<nn::Module> make_cifar_resnet(const CifarResNetConfig& config, Generator& gen);

}  // namespace weightinit::models
