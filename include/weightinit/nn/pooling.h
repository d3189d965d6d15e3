// SPDX-License-Identifier: MIT
// Pooling layers: MaxPool1d/2d/3d, AvgPool2d/3d, AdaptiveAvgPool2d (no parameters).
#pragma once

#include "weightinit/nn/functional.h"
#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// Max pooling over 1, 2 or 3 spatial dims, like `torch.nn.MaxPoolNd(kernel_size, stride,
/// padding, dilation, ceil_mode)`; an empty stride means stride = kernel_size. float32 or
/// float64 input.
class MaxPool : public Module {
 public:
  MaxPool(int spatial_dims, functional::PoolOptions options);
  std::string type_name() const override { return "MaxPool" + std::to_string(dims_) + "d"; }
  Tensor forward(const Tensor& input) override;
  /// dx = functional::max_pool_backward(dy, input): each window's dy goes to its maximum.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;

 private:
  int dims_;
  functional::PoolOptions options_;
};

class MaxPool1d : public MaxPool {
 public:
  explicit MaxPool1d(functional::PoolOptions options) : MaxPool(1, std::move(options)) {}
};
class MaxPool2d : public MaxPool {
 public:
  explicit MaxPool2d(functional::PoolOptions options) : MaxPool(2, std::move(options)) {}
};
class MaxPool3d : public MaxPool {
 public:
  explicit MaxPool3d(functional::PoolOptions options) : MaxPool(3, std::move(options)) {}
};

/// Average pooling over 2 or 3 spatial dims, like `torch.nn.AvgPoolNd` (float32 or float64).
class AvgPool : public Module {
 public:
  AvgPool(int spatial_dims, functional::PoolOptions options);
  std::string type_name() const override { return "AvgPool" + std::to_string(dims_) + "d"; }
  Tensor forward(const Tensor& input) override;
  /// dx = functional::avg_pool_backward(dy, input): each window's dy / divisor spread over it.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;

 private:
  int dims_;
  functional::PoolOptions options_;
};

class AvgPool2d : public AvgPool {
 public:
  explicit AvgPool2d(functional::PoolOptions options) : AvgPool(2, std::move(options)) {}
};
class AvgPool3d : public AvgPool {
 public:
  explicit AvgPool3d(functional::PoolOptions options) : AvgPool(3, std::move(options)) {}
};

/// `torch.nn.AdaptiveAvgPool2d(output_size)`.
class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Shape output_size) : output_size_(std::move(output_size)) {}
  std::string type_name() const override { return "AdaptiveAvgPool2d"; }
  Tensor forward(const Tensor& input) override;
  /// dx = functional::adaptive_avg_pool2d_backward(dy, input): dy / window size over each
  /// adaptive window.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;

 private:
  Shape output_size_;
};

}  // namespace weightinit::nn
