// SPDX-License-Identifier: MIT
// Pooling geometry: PyTorch's option and shape checks and its output-size formula.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional::impl {

enum class PoolKind { Max, Avg };

/// A checked pooling call with its spatial dims right-aligned into 3 (leading dims of size 1,
/// kernel 1, stride 1, padding 0, dilation 1), so 1-d, 2-d and 3-d pooling share one kernel.
struct PoolGeometry {
  std::size_t dims = 0;     // spatial dims of the call: 1, 2 or 3
  std::int64_t planes = 0;  // N·C (C for an unbatched input)
  std::array<std::int64_t, 3> in{1, 1, 1};
  std::array<std::int64_t, 3> out{1, 1, 1};
  std::array<std::int64_t, 3> kernel{1, 1, 1};
  std::array<std::int64_t, 3> stride{1, 1, 1};
  std::array<std::int64_t, 3> pad{0, 0, 0};
  std::array<std::int64_t, 3> dil{1, 1, 1};
  Shape out_sizes;  // the result's shape, batched or not as the input
};

/// Spatial dims: the kernel's length when it has 2 or 3 entries (an input with one dim less
/// is then unbatched, as F.max_pool2d accepts (C, H, W)), else x.dim() − 2 (a 2-d input with a
/// one-entry kernel is an unbatched 1-d max pool). Applies PyTorch's checks for max_pool1d/2d/3d
/// or avg_pool2d/3d with its messages, in its order, and its output size per dim:
///   out = ⌊(in + 2·pad − dil·(k − 1) − 1 + (ceil_mode ? stride − 1 : 0)) / stride⌋ + 1,
///   minus 1 when ceil_mode and (out − 1)·stride ≥ in + pad (the last window must start inside
///   the input or the left padding).
PoolGeometry pool_geometry(const Tensor& x, const PoolOptions& options, PoolKind kind);

/// PyTorch's pooling_output_shape_pad_lr with pad_l = pad_r = pad (no checks).
std::int64_t pooling_output_size(std::int64_t in, std::int64_t kernel, std::int64_t pad,
                                 std::int64_t stride, std::int64_t dilation, bool ceil_mode);

}  // namespace weightinit::nn::functional::impl
