// SPDX-License-Identifier: MIT
// torchvision's EfficientNet-B0 (names, shapes, draw order of torchvision 0.14).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// torchvision.models.efficientnet_b0() (Tan & Le 2019, "EfficientNet: Rethinking Model Scaling
/// for Convolutional Neural Networks"): a Conv2dNormActivation stem (SiLU), 16 MBConv blocks
/// (expand 1×1, depthwise k×k, Sigmoid-gated SqueezeExcitation with SiLU, linear 1×1
/// projection; the input added back through StochasticDepth when stride is 1 and the channels
/// stay), a 1×1 head to 1280 channels, global average pooling, Dropout(0.2) and Linear, with the
/// constructors' draws only. torchvision's init loop is the `torchvision-efficientnet` policy.
/// Input 3×H×W (224 in torchvision). Forward and backward as torchvision's (StochasticDepth is
/// the identity in eval mode; in training mode it draws torch's row masks, bit for bit, from the
/// generator each StochasticDepth is given, else the default one).
std::shared_ptr<nn::Module> make_efficientnet_b0(Generator& gen, std::int64_t num_classes = 1000);

}  // namespace weightinit::models
