// SPDX-License-Identifier: MIT
// torchvision's RegNetY-400MF (names, shapes, draw order of torchvision 0.14).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// torchvision.models.regnet_y_400mf() (Radosavovic et al. 2020, "Designing Network Design
/// Spaces"): a 3×3 stem (SimpleStemIN), four AnyStages of ResBottleneckBlocks (1×1, grouped
/// 3×3 with group width 8, SqueezeExcitation with ReLU at ratio 0.25 of the block's input, 1×1;
/// a 1×1 projection shortcut where the shape changes) of widths 48, 104, 208, 440 and depths
/// 1, 3, 6, 6 (BlockParams.from_init_params(depth=16, w_0=48, w_a=27.89, w_m=2.09)), global
/// average pooling and Linear, with the constructors' draws only. torchvision's init loop is
/// the `torchvision-regnet` policy. Input 3×H×W (224 in torchvision). Forward and backward as
/// torchvision's.
std::shared_ptr<nn::Module> make_regnet_y_400mf(Generator& gen, std::int64_t num_classes = 1000);

}  // namespace weightinit::models
