// SPDX-License-Identifier: MIT
// nn::Linear with PyTorch's constructor init.
#pragma once

#include <cstdint>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// Fully connected layer y = x·Wᵀ + b, like `torch.nn.Linear(in_features, out_features, bias)`.
/// weight is (out_features, in_features), bias (out_features).
/// Construction draws exactly as PyTorch's does, so after `manual_seed(s)` the parameters are
/// bit-identical to torch's: weight from kaiming_uniform_(a=√5), i.e. U(±1/√in_features), then
/// bias from U(±1/√fan_in) (0 bound when fan_in is 0).
class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true,
         Generator& gen = default_generator(), DType dtype = DType::Float32);

  std::string type_name() const override { return "Linear"; }
  /// y = x·Wᵀ + b; in grad mode, records x (no copy) for backward.
  Tensor forward(const Tensor& input) override;
  /// For the latest recorded forward: weight.grad += dyᵀ·x, bias.grad += Σ dy (over the folded
  /// leading dims); returns dx = dy·W.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;
  std::optional<DefaultInit> default_init(const std::string& name) const override;
  bool is_weight_layer() const override { return true; }

  Tensor& weight() { return parameter("weight").data; }
  /// Undefined when built with bias = false.
  Tensor& bias() { return has_parameter("bias") ? parameter("bias").data : no_bias_; }
  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }

 private:
  std::int64_t in_features_;
  std::int64_t out_features_;
  Tensor no_bias_;
};

}  // namespace weightinit::nn
