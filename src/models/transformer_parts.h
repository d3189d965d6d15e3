// SPDX-License-Identifier: MIT
// Internal: the pieces GPT-2 and LLaMA share — heads split and merged, the pre-norm residual
// block.
#pragma once

#include <cstdint>
#include <string>

#include "weightinit/nn/module.h"

namespace weightinit::models::detail {

/// (B, T, H·D) → (B, H, T, D), contiguous.
Tensor split_heads(const Tensor& x, std::int64_t heads);

/// (B, H, T, D) → (B, T, H·D), contiguous.
Tensor merge_heads(const Tensor& x);

/// A pre-norm transformer block: x = x + branch1(norm1(x)); x = x + branch2(norm2(x)), with
/// the children named as the torch class names them (nanoGPT's Block: ln_1, attn, ln_2, mlp;
/// LlamaDecoderLayer: input_layernorm, self_attn, post_attention_layernorm, mlp).
class PreNormBlock final : public nn::Module {
 public:
  PreNormBlock(std::string type, std::string norm1, std::string branch1, std::string norm2,
               std::string branch2)
      : type_(std::move(type)),
        names_{std::move(norm1), std::move(branch1), std::move(norm2), std::move(branch2)} {}
  std::string type_name() const override { return type_; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;

 private:
  std::string type_;
  std::string names_[4];
};

}  // namespace weightinit::models::detail
