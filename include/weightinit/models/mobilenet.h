// SPDX-License-Identifier: MIT
// torchvision's MobileNetV2 (names, shapes, draw order of torchvision 0.14).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// torchvision.models.mobilenet_v2() (Sandler et al. 2018, "MobileNetV2: Inverted Residuals
/// and Linear Bottlenecks"), width 1.0: Conv2dNormActivation blocks with ReLU6 and depthwise
/// convs (groups = channels), with the constructors' draws only. torchvision's init loop is the
/// `torchvision-mobilenet` policy. Input 3×224×224. Forward and backward as torchvision's
/// (InvertedResidual adds its input when stride is 1 and the channels stay the same).
std::shared_ptr<nn::Module> make_mobilenet_v2(Generator& gen, std::int64_t num_classes = 1000);

}  // namespace weightinit::models
