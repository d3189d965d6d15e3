// SPDX-License-Identifier: MIT
// float32 convolutions through oneDNN (private to the functional kernels; conv.cpp decides when
// to call them). Each returns false, after a one-time warning, when oneDNN cannot build a
// primitive for the shape, and false at once in a build without oneDNN: the caller then runs
// the reference path.
#pragma once

#include <cstdint>

#include "weightinit/tensor/shape.h"

namespace weightinit::nn::functional::impl {

/// A batched convolution's sizes, PyTorch's conventions: x (batch, in_channels, *image),
/// weight (out_channels, in_channels/groups, *kernel), y (batch, out_channels, *grid); every
/// Shape has one entry per spatial dim (1, 2 or 3).
struct ConvShape {
  std::int64_t batch = 0, in_channels = 0, out_channels = 0, groups = 1;
  Shape image, grid, kernel, stride, padding, dilation;
};

/// y = conv(x, w) + b (b may be null). All pointers are contiguous float32 in PyTorch's layout.
bool onednn_conv_forward(const ConvShape& s, const float* x, const float* w, const float* b,
                         float* y);

/// dx = the gradient of conv w.r.t. its input, given dy (overwritten, not accumulated).
bool onednn_conv_backward_data(const ConvShape& s, const float* dy, const float* w, float* dx);

/// dw = the gradient of conv w.r.t. its weight, given x and dy (overwritten).
bool onednn_conv_backward_weights(const ConvShape& s, const float* x, const float* dy, float* dw);

/// Tests only: while on, every new shape's primitive creation fails as if oneDNN had no
/// implementation (the fallback path and its warning can then be tested).
void onednn_fail_new_shapes_for_testing(bool on);

}  // namespace weightinit::nn::functional::impl
