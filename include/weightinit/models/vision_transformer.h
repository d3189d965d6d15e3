// SPDX-License-Identifier: MIT
// torchvision's Vision Transformer (names, shapes, draw order of torchvision 0.14 and 0.29).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// The sizes of torchvision's VisionTransformer(image_size, patch_size, num_layers, num_heads,
/// hidden_dim, mlp_dim, num_classes=...); dropout and attention dropout are 0, as torchvision's
/// builders leave them. The defaults are vit_b_16.
struct VitConfig {
  std::int64_t image_size = 224;
  std::int64_t patch_size = 16;
  std::int64_t num_layers = 12;
  std::int64_t num_heads = 12;
  std::int64_t hidden_dim = 768;
  std::int64_t mlp_dim = 3072;
  std::int64_t num_classes = 1000;
};

/// torchvision.models.VisionTransformer (Dosovitskiy et al. 2021, "An Image is Worth 16x16
/// Words: Transformers for Image Recognition at Scale") with the constructors' draws, in
/// torchvision's order: conv_proj (Conv2d 3 → hidden, kernel = stride = patch), then the
/// Encoder's pos_embedding ~ N(0, 0.02²) (1, (image/patch)² + 1, hidden), then per
/// EncoderBlock nn.MultiheadAttention (out_proj's Linear draws, then in_proj_weight
/// xavier_uniform_, in_proj_bias and out_proj.bias 0) and MLPBlock (two Linears, then
/// xavier_uniform_ weights and N(0, 1e-6²) biases), then heads.head. class_token is zeros.
/// VisionTransformer.__init__'s own init (conv_proj trunc_normal_(std = √(1/fan_in)), bias 0;
/// heads.head 0) is the `torchvision-vit` policy. LayerNorm eps 1e-6. Forward as torchvision's:
/// patchify, prepend the class token, add pos_embedding, the encoder, the class token's row
/// through heads; backward too (checked against torchvision in float64 and central
/// differences). Input 3 × image × image exactly. ValueError, before anything is
/// allocated, for sizes torchvision rejects (image not a multiple of patch, hidden not a
/// multiple of heads) or that are not positive.
std::shared_ptr<nn::Module> make_vision_transformer(const VitConfig& config, Generator& gen);

/// torchvision.models.vit_b_16(): patch 16, 12 layers, 12 heads, hidden 768, MLP 3072, image
/// 224 (86,567,656 parameters).
std::shared_ptr<nn::Module> make_vit_b_16(Generator& gen, std::int64_t num_classes = 1000);

}  // namespace weightinit::models
