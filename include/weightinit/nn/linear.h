// SPDX-License-Identifier: MIT
// nn::Linear with PyTorch's constructor init (the first piece of the module system).
#pragma once

#include <cstdint>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::nn {

/// Fully connected layer y = x·Wᵀ + b, like `torch.nn.Linear(in_features, out_features, bias)`.
/// weight is (out_features, in_features), bias is (out_features) or undefined.
/// Construction draws exactly as PyTorch's does, so after `manual_seed(s)` the parameters are
/// bit-identical to torch's: weight from kaiming_uniform_(a=√5), i.e. U(±1/√in_features), then
/// bias from U(±1/√fan_in) (0 bound when fan_in is 0).
class Linear {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true,
         Generator& gen = default_generator(), DType dtype = DType::Float32);

  /// Redraws the parameters as the constructor does (PyTorch's `reset_parameters()`).
  void reset_parameters(Generator& gen = default_generator());

  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }

  Tensor weight;
  Tensor bias;

 private:
  std::int64_t in_features_;
  std::int64_t out_features_;
};

}  // namespace weightinit::nn
