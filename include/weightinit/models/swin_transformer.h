// SPDX-License-Identifier: MIT
// torchvision's Swin Transformer (names, shapes, draw order of torchvision 0.14 and 0.29).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// The sizes of torchvision's SwinTransformer(patch_size, embed_dim, depths, num_heads,
/// window_size, stochastic_depth_prob, num_classes=...), square patches and windows, MLP ratio
/// 4, dropout 0. The defaults are swin_t.
struct SwinConfig {
  std::int64_t patch_size = 4;
  std::int64_t embed_dim = 96;
  std::vector<std::int64_t> depths = {2, 2, 6, 2};
  std::vector<std::int64_t> num_heads = {3, 6, 12, 24};
  std::int64_t window_size = 7;
  double stochastic_depth_prob = 0.2;
  std::int64_t num_classes = 1000;
};

/// torchvision.models.SwinTransformer (Liu et al. 2021, "Swin Transformer: Hierarchical Vision
/// Transformer using Shifted Windows") with the constructors' draws in torchvision's order:
/// the patch embedding Conv2d, then per SwinTransformerBlock its ShiftedWindowAttention (qkv
/// and proj Linears, then relative_position_bias_table trunc_normal_(std=0.02), and the
/// relative_position_index buffer) and its MLP (two Linears, then xavier_uniform_ weights and
/// N(0, 1e-6²) biases), PatchMerging's reduction between stages, the head. Blocks alternate
/// window shifts 0 and window/2; StochasticDepth's rate grows linearly to
/// stochastic_depth_prob (identity in eval mode). SwinTransformer.__init__'s own loop (every
/// Linear trunc_normal_(std=0.02), bias 0) is the `torchvision-swin` policy. Forward as
/// torchvision's, any input size (windows padded, shifts dropped where the window covers the
/// map), and backward (checked against torchvision in float64 and central differences).
/// ValueError, before anything is allocated, for sizes that are not positive or heads that do
/// not divide a stage's width.
std::shared_ptr<nn::Module> make_swin_transformer(const SwinConfig& config, Generator& gen);

/// torchvision.models.swin_t(): patch 4, embed 96, depths 2-2-6-2, heads 3-6-12-24, window 7,
/// stochastic depth 0.2 (28,288,354 parameters).
std::shared_ptr<nn::Module> make_swin_t(Generator& gen, std::int64_t num_classes = 1000);

}  // namespace weightinit::models
