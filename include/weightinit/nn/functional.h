// SPDX-License-Identifier: MIT
// Forward kernels of the layers (torch.nn.functional), float32, batch first (N, C, [D,] H, W).
#pragma once

#include <cstdint>
#include <vector>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

/// Free functions in the style of torch.nn.functional: inputs are float32 tensors (any strides;
/// they are made contiguous as needed), outputs are new contiguous float32 tensors. Shapes follow
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

/// Merges dims start_dim..end_dim (negative wraps) into one, like torch.flatten.
Tensor flatten(const Tensor& x, std::int64_t start_dim = 1, std::int64_t end_dim = -1);

}  // namespace weightinit::nn::functional
