// SPDX-License-Identifier: MIT
// The CIFAR Wide ResNet (WRN-d-k) as its standard PyTorch port builds it.
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// WideResNet(depth, num_classes, widen_factor) of Zagoruyko & Komodakis 2016 ("Wide Residual
/// Networks"), as xternalz/WideResNet-pytorch builds it: conv1 (16 ch), block1..3 of
/// (depth − 4)/6 pre-activation BasicBlocks (bn1, relu1, conv1, bn2, relu2, conv2, and a 1×1
/// convShortcut when the width changes), 16k, 32k, 64k channels, then bn1, relu, fc. WRN-28-10:
/// 36,479,194 parameters. Constructors' draws only; the port's own init (conv N(0, √(2/(k·k·out))),
/// BN 1/0, Linear bias 0) is the `densenet-lua` policy's formula, and seed 001's MSRinit is
/// `wrn-msra`. Input 3×32×32. ValueError unless (depth − 4) is a positive multiple of 6.
/// Forward and backward as the port's (dropRate 0): the blocks, relu(bn1), F.avg_pool2d(8),
/// view(-1, C), fc.
std::shared_ptr<nn::Module> make_wide_resnet_cifar(std::int64_t depth, std::int64_t widen_factor,
                                                   Generator& gen, std::int64_t num_classes = 10);

}  // namespace weightinit::models
