// SPDX-License-Identifier: MIT
// The small network of seed document 004 ("神经网络搭建和参数计算").
#pragma once

#include <memory>

#include "weightinit/nn/linear.h"
#include "weightinit/nn/module.h"

namespace weightinit::models {

/// Linear(3,3) with xavier_normal_ weight → sigmoid → Linear(3,2) with kaiming_normal_ weight →
/// relu → Linear(2,2) → softmax(dim=-1). 26 parameters. Construction draws exactly as the
/// document's PyTorch `Model()` does, so after manual_seed(s) the parameters are bit-identical.
class SeedMLP : public nn::Module {
 public:
  explicit SeedMLP(Generator& gen = default_generator());
  std::string type_name() const override { return "Model"; }
  Tensor forward(const Tensor& input) override;
  /// Through softmax, out, relu, linear2, sigmoid and linear1, in reverse.
  Tensor backward(const Tensor& grad_output) override;

  std::shared_ptr<nn::Linear> linear1, linear2, out;
};

}  // namespace weightinit::models
