// SPDX-License-Identifier: MIT
// Forward and backward kernels of the layers (torch.nn.functional), float32 and float64, batch
// first (N, C, [D,] H, W).
#pragma once

#include <cstdint>
#include <vector>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

/// Free functions in the style of torch.nn.functional: inputs are float32 or float64 tensors
/// (any strides; they are made contiguous as needed; every tensor argument must have the
/// input's dtype, else DTypeError "expected scalar type Float but found Double"), outputs are
/// new contiguous tensors of that dtype. Shapes follow
/// PyTorch: an input is (N, C, L) / (N, C, H, W) / (N, C, D, H, W); conv weights are
/// (C_out, C_in/groups, *kernel), transposed conv weights (C_in, C_out/groups, *kernel).
/// Results agree with PyTorch's CPU forward within 1e-5 relative (max |diff| / max |value|).
/// Shape errors use PyTorch's wording where it has a rule.
namespace weightinit::nn::functional {

/// y = x·Wᵀ + b over the last dim; x is (*, in), weight (out, in), bias (out) or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias);

/// Per spatial dim (1, 2 or 3 entries, or 1 entry broadcast to all).
struct ConvOptions {
  Shape stride{1};
  Shape padding{0};
  Shape dilation{1};
  std::int64_t groups = 1;
};

/// N-d convolution (cross-correlation, as PyTorch), N = x.dim() - 2 in {1, 2, 3}:
/// out[n, o, p] = b[o] + Σ_{c in group, k} w[o, c, k] · x[n, g·C_in/groups + c, p·stride +
/// k·dilation − padding].
Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvOptions& options);

/// 2-d transposed convolution (the adjoint of conv), with output_padding.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvOptions& options, const Shape& output_padding = {0});

/// Pooling window per spatial dim (1 entry broadcasts; an empty stride means stride = kernel).
struct PoolOptions {
  Shape kernel{1};
  Shape stride{};
  Shape padding{0};
  Shape dilation{1};
  bool ceil_mode = false;
  bool count_include_pad = true;  ///< avg pooling: divide by the full window, padding included
};

/// Max pooling over 1, 2 or 3 spatial dims (x.dim() - 2); padding is -inf, output sizes as
/// PyTorch computes them (including its ceil_mode rule that the last window must start inside
/// the input or left padding).
Tensor max_pool(const Tensor& x, const PoolOptions& options);

/// Average pooling over 2 or 3 spatial dims.
Tensor avg_pool(const Tensor& x, const PoolOptions& options);

/// Adaptive average pooling to `output_size` (H, W): window [floor(i·H/oh), ceil((i+1)·H/oh)).
Tensor adaptive_avg_pool2d(const Tensor& x, const Shape& output_size);

/// Batch normalisation over dim 1 of (N, C, *). Training: normalise with the batch mean and the
/// biased batch variance, and update running_mean/var in place with momentum (running_var gets
/// the unbiased variance), as PyTorch. Eval: use running_mean/var. weight/bias may be undefined.
Tensor batch_norm(const Tensor& x, Tensor& running_mean, Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps);

/// Layer normalisation over the last normalized_shape.size() dims (biased variance).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps);

Tensor relu(const Tensor& x);
Tensor leaky_relu(const Tensor& x, double negative_slope = 0.01);
Tensor elu(const Tensor& x, double alpha = 1.0);
Tensor selu(const Tensor& x);
/// GELU with the exact erf form: x·Φ(x).
Tensor gelu(const Tensor& x);
/// SiLU / swish: x·σ(x) (Elfwing et al. 2018; Ramachandran et al. 2017), LLaMA's MLP activation.
Tensor silu(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sigmoid(const Tensor& x);
/// Softmax / log-softmax along `dim` (negative wraps), numerically stable (max subtracted).
Tensor softmax(const Tensor& x, std::int64_t dim);
Tensor log_softmax(const Tensor& x, std::int64_t dim);

/// Inverted dropout: in training, zero each element with probability p (one uniform draw per
/// element from `gen`) and scale the rest by 1/(1-p); in eval, return x. Masks need not match
/// PyTorch's.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen = default_generator());

/// Rows of `weight` (num_embeddings, dim) picked by `indices`; the result has shape
/// index_shape + [dim]. Throws IndexError for an index out of range.
Tensor embedding(const std::vector<std::int64_t>& indices, const Shape& index_shape,
                 const Tensor& weight);

// ---------------------------------------------------------------------------------------------
// Backward kernels (llm.c style: one X_backward per op). Each takes dL/dy (`grad_output`, the
// forward output's shape) and what the forward saw, and returns dL/dx, plus dL/dweight and
// dL/dbias for layers with parameters. They are the exact derivatives of the forward formulas
// above; tests check each against central differences in float64.

/// Gradients of a layer with parameters. `weight` / `bias` are undefined when the layer has
/// none (has_bias = false; weight-less norms).
struct Grads {
  Tensor input;
  Tensor weight;
  Tensor bias;
};

/// dx = dy·W, dW = dyᵀ·x (over the folded leading dims), db = Σ dy. With need_input = false
/// dx is not computed (left undefined).
Grads linear_backward(const Tensor& grad_output, const Tensor& x, const Tensor& weight,
                      bool has_bias, bool need_input = true);

/// Gradients of conv: dx is the transposed convolution of dy (col2im of Wᵀ·dy), dW = dy·im2col(x)ᵀ
/// per group, db = Σ_{n, p} dy. With need_input = false dx is not computed (left undefined).
Grads conv_backward(const Tensor& grad_output, const Tensor& x, const Tensor& weight,
                    bool has_bias, const ConvOptions& options, bool need_input = true);

/// Gradients of conv_transpose2d (dx is the ordinary convolution of dy with the same weight).
Grads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& x, const Tensor& weight,
                                bool has_bias, const ConvOptions& options,
                                const Shape& output_padding = {0});

/// dx: each window's dy goes to the position of its maximum (the first one on ties, as
/// PyTorch's argmax scan; windows that overlap add up).
Tensor max_pool_backward(const Tensor& grad_output, const Tensor& x, const PoolOptions& options);

/// dx: each window's dy / divisor spread over the window's input positions.
Tensor avg_pool_backward(const Tensor& grad_output, const Tensor& x, const PoolOptions& options);

/// dx: each output cell's dy / window size spread over its adaptive window.
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& x);

/// Gradients of batch_norm. Training: through the batch statistics (recomputed from x):
///   x̂ = (x − μ)·σ⁻¹, dx = γσ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂)) per channel (M = N·spatial),
/// eval: dx = dy·γ/√(running_var + eps). dγ = Σ dy·x̂, dβ = Σ dy. Running stats are not
/// touched.
Grads batch_norm_backward(const Tensor& grad_output, const Tensor& x, const Tensor& running_mean,
                          const Tensor& running_var, const Tensor& weight, bool has_bias,
                          bool training, double eps);

/// Gradients of layer_norm (same formula as training batch norm, over the normalized dims).
Grads layer_norm_backward(const Tensor& grad_output, const Tensor& x,
                          const Shape& normalized_shape, const Tensor& weight, bool has_bias,
                          double eps);

/// dx = dy·[x > 0].
Tensor relu_backward(const Tensor& grad_output, const Tensor& x);
/// dx = dy·(x > 0 ? 1 : negative_slope).
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& x, double negative_slope);
/// dx = dy·(x > 0 ? 1 : alpha·eˣ).
Tensor elu_backward(const Tensor& grad_output, const Tensor& x, double alpha);
/// dx = dy·scale·(x > 0 ? 1 : alpha·eˣ).
Tensor selu_backward(const Tensor& grad_output, const Tensor& x);
/// dx = dy·(Φ(x) + x·φ(x)).
Tensor gelu_backward(const Tensor& grad_output, const Tensor& x);
/// dx = dy·σ(x)·(1 + x·(1 − σ(x))).
Tensor silu_backward(const Tensor& grad_output, const Tensor& x);
/// dx = dy·(1 − y²), from the forward output y = tanh(x).
Tensor tanh_backward(const Tensor& grad_output, const Tensor& y);
/// dx = dy·y·(1 − y), from the forward output y = sigmoid(x).
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& y);
/// dx = y·(dy − Σ_dim dy·y), from the forward output y = softmax(x, dim).
Tensor softmax_backward(const Tensor& grad_output, const Tensor& y, std::int64_t dim);
/// dx = dy − eʸ·Σ_dim dy, from the forward output y = log_softmax(x, dim).
Tensor log_softmax_backward(const Tensor& grad_output, const Tensor& y, std::int64_t dim);

/// dropout that also returns its mask: mask holds 0 or 1/(1−p) per element (x's dtype and
/// shape), y = x·mask; in eval (or p = 0) the mask is undefined and y is x.
Tensor dropout_with_mask(const Tensor& x, double p, bool training, Generator& gen, Tensor& mask);
/// dx = dy·mask (dy itself when the mask is undefined).
Tensor dropout_backward(const Tensor& grad_output, const Tensor& mask);

/// dW (num_embeddings, dim): row i is the sum of dy over the positions whose index is i.
Tensor embedding_backward(const Tensor& grad_output, const std::vector<std::int64_t>& indices,
                          std::int64_t num_embeddings);

/// out = a + b element-wise, for tensors of one size and dtype (no broadcasting): a residual
/// connection's `out += identity` (He et al. 2016). Its backward passes dL/dout to both.
Tensor add(const Tensor& a, const Tensor& b);

/// out = a · b element-wise, for tensors of one size and dtype (no broadcasting): SwiGLU's
/// silu(gate) · up. Its backward: da = dy·b, db = dy·a (mul again).
Tensor mul(const Tensor& a, const Tensor& b);

/// Rotary position embedding (Su et al. 2021, "RoFormer"), as Hugging Face's LLaMA applies it:
/// x (B, H, T, D), position t, pair (i, i + D/2) rotated by the angle t·θ^(−2i/D):
/// y_i = x_i·cos − x_{i+D/2}·sin, y_{i+D/2} = x_{i+D/2}·cos + x_i·sin (x·cos + rotate_half(x)·sin).
/// D must be even.
Tensor rotary_embedding(const Tensor& x, double theta);
/// dL/dx of rotary_embedding: the rotation by the opposite angles.
Tensor rotary_embedding_backward(const Tensor& grad_output, double theta);

/// Causal scaled dot-product attention (Vaswani et al. 2017, "Attention Is All You Need"), as
/// torch's F.scaled_dot_product_attention(q, k, v, is_causal=True): q, k, v (B, H, T, D) →
/// y = softmax(mask(q·kᵀ/√D))·v, position i attending to positions 0..i. Float32 or float64.
Tensor causal_attention(const Tensor& q, const Tensor& k, const Tensor& v);

/// dL/dq, dL/dk, dL/dv of causal_attention (the probabilities are recomputed).
struct AttentionGrads {
  Tensor q, k, v;
};
AttentionGrads causal_attention_backward(const Tensor& grad_output, const Tensor& q,
                                         const Tensor& k, const Tensor& v);

/// torch.cat(tensors, dim): the tensors (one dtype, equal sizes except in `dim`) joined along
/// `dim` (negative wraps), into a new contiguous tensor. ShapeError, in torch's words, for
/// sizes that differ elsewhere. Its backward is `slice` of the gradient.
Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim);

/// Merges dims start_dim..end_dim (negative wraps) into one, like torch.flatten.
Tensor flatten(const Tensor& x, std::int64_t start_dim = 1, std::int64_t end_dim = -1);

}  // namespace weightinit::nn::functional
