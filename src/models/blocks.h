// SPDX-License-Identifier: MIT
// Internal: the zoo's residual blocks that have no public factory, for the gradient tests.
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/models/cifar_resnet.h"
#include "weightinit/nn/module.h"

namespace weightinit::models::detail {

/// torchvision's InvertedResidual(in, out, stride, expand_ratio), as MobileNetV2 builds it.
std::shared_ptr<nn::Module> make_inverted_residual(std::int64_t in, std::int64_t out,
                                                   std::int64_t stride, std::int64_t expand_ratio,
                                                   Generator& gen);

/// The CIFAR WRN's BasicBlock(in, out, stride) (xternalz/WideResNet-pytorch, dropRate 0).
std::shared_ptr<nn::Module> make_wrn_block(std::int64_t in, std::int64_t out, std::int64_t stride,
                                           Generator& gen);

/// The option-A shortcut of the CIFAR ResNets (a LambdaLayer in akamaster's port):
/// F.pad(x[:, :, ::2, ::2], planes / 4 zero channels on each side).
std::shared_ptr<nn::Module> make_option_a_shortcut(std::int64_t planes);

/// The CIFAR ResNets' BasicBlock(in_planes, planes, stride) for `norm`: option-A shortcut with
/// or without its two BatchNorm2d, the ReZero block, or Fixup's FixupBasicBlock (its constructor
/// only: the Fixup init is make_cifar_resnet's).
std::shared_ptr<nn::Module> make_cifar_basic_block(std::int64_t in_planes, std::int64_t planes,
                                                   std::int64_t stride, CifarNorm norm,
                                                   Generator& gen);

/// torchvision's _DenseBlock of `layers` _DenseLayers on `in` channels (growth rate, bn_size).
std::shared_ptr<nn::Module> make_dense_block(std::int64_t layers, std::int64_t in,
                                             std::int64_t growth, std::int64_t bn_size,
                                             Generator& gen);

}  // namespace weightinit::models::detail
