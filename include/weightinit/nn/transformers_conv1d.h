// SPDX-License-Identifier: MIT
// Hugging Face transformers' Conv1D (transformers/pytorch_utils.py): GPT-2's linear layer with a
// transposed weight.
#pragma once

#include <cstdint>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// transformers' `Conv1D(nf, nx)`, despite the name a fully connected layer: y = x·W + b with
/// weight (nx, nf) = (in_features, out_features), the transpose of Linear's, and bias (nf).
/// Its constructor draws weight ~ N(0, 0.02) (a fixed 0.02, not initializer_range) and leaves
/// the bias at zero, as transformers 5.25's does; type name "Conv1D" (policies select it so).
class TransformersConv1D : public Module {
 public:
  TransformersConv1D(std::int64_t out_features, std::int64_t in_features,
                     Generator& gen = default_generator(), DType dtype = DType::Float32);

  std::string type_name() const override { return "Conv1D"; }
  /// y = x·W + b; in grad mode, records x for backward.
  Tensor forward(const Tensor& input) override;
  /// weight.grad += xᵀ·dy, bias.grad += Σ dy; returns dx = dy·Wᵀ.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;
  std::optional<DefaultInit> default_init(const std::string& name) const override;
  bool is_weight_layer() const override { return true; }

  Tensor& weight() { return parameter("weight").data; }
  Tensor& bias() { return parameter("bias").data; }

 private:
  std::int64_t in_features_, out_features_;
};

}  // namespace weightinit::nn
