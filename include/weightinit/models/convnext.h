// SPDX-License-Identifier: MIT
// torchvision's ConvNeXt-Tiny (names, shapes, draw order of torchvision 0.14).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// torchvision.models.convnext_tiny() (Liu et al. 2022, "A ConvNet for the 2020s"): a 4×4
/// stride-4 patchify stem with LayerNorm2d, four stages of 3, 3, 9, 3 CNBlocks at 96, 192,
/// 384, 768 channels (depthwise 7×7 conv, Permute, LayerNorm(eps 1e-6), Linear to 4C, GELU,
/// Linear back, Permute; y = x + StochasticDepth(layer_scale · block(x)), layer_scale a (C, 1, 1)
/// parameter filled with 1e-6), LayerNorm2d + 2×2 stride-2 conv between stages, then global
/// average pooling, LayerNorm2d, Flatten and Linear, with the constructors' draws only.
/// torchvision's init loop (trunc_normal_(std=0.02) for every Conv2d and Linear weight, biases
/// 0) is the `torchvision-convnext` policy. Input 3×H×W with H, W ≥ 32 (224 in torchvision).
/// Forward and backward as torchvision's (layer_scale gets its gradient; StochasticDepth as in
/// make_efficientnet_b0).
std::shared_ptr<nn::Module> make_convnext_tiny(Generator& gen, std::int64_t num_classes = 1000);

}  // namespace weightinit::models
