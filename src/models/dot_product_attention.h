// SPDX-License-Identifier: MIT
// Internal: scaled dot-product attention with an additive bias, for the vision transformers
// (ViT's nn.MultiheadAttention, Swin's shifted-window attention).
#pragma once

#include "weightinit/nn/functional.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::models::detail {

/// Scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need") without a
/// causal mask: for q, k, v of shape (B, H, T, D), y = softmax(q·kᵀ/√D + bias[b mod G])·v, of
/// shape (B, H, T, D). `bias` is undefined (no bias) or (G, H, T, T) with B a multiple of G:
/// Swin's relative position bias (G = 1) plus its shifted-window mask (G = windows per image,
/// the windows of one image being consecutive in B). The softmax subtracts each row's maximum.
/// Float32 or float64; ShapeError for other shapes, DTypeError for other dtypes.
Tensor dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                             const Tensor& bias = Tensor());

/// dL/dq, dL/dk, dL/dv of dot_product_attention for dL/dy `grad_output` (B, H, T, D), the
/// probabilities P recomputed: dv = Pᵀ·dy, dP = dy·vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
/// dq = dS·k/√D, dk = dSᵀ·q/√D. With `bias_grad`, *bias_grad is set to dL/dbias (the bias's
/// shape): dS summed over the batch entries that read each group.
nn::functional::AttentionGrads dot_product_attention_backward(const Tensor& grad_output,
                                                              const Tensor& q, const Tensor& k,
                                                              const Tensor& v,
                                                              const Tensor& bias = Tensor(),
                                                              Tensor* bias_grad = nullptr);

}  // namespace weightinit::models::detail
