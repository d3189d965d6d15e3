// SPDX-License-Identifier: MIT
// torchvision's VGG family (names, shapes, draw order of torchvision 0.14).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// torchvision.models.vgg11/13/16/19[_bn]() (Simonyan & Zisserman 2015, "Very Deep
/// Convolutional Networks for Large-Scale Image Recognition"; `_bn`: BatchNorm after every
/// conv), depth 11, 13, 16 or 19, with the constructors' draws only (Conv2d / Linear defaults).
/// torchvision's init loop is the `torchvision-vgg` policy. Input 3×224×224 (from 32×32 up:
/// the 7×7 average pool is adaptive). Forward and backward as torchvision's: features, avgpool,
/// torch.flatten(x, 1), classifier.
/// ValueError for another depth.
std::shared_ptr<nn::Module> make_vgg(int depth, bool batch_norm, Generator& gen,
                                     std::int64_t num_classes = 1000);

}  // namespace weightinit::models
