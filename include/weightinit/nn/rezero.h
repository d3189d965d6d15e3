// SPDX-License-Identifier: MIT
// ReZero residual blocks (Bachlechner et al. 2020, "ReZero is All You Need: Fast Convergence
// at Large Depth").
#pragma once

#include <memory>
#include <string>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// y = x + α·F(x), with F the `branch` module (registered as child "branch", its output shaped
/// like its input) and α a learnable scalar, parameter "alpha" of shape [1], initialized to 0:
/// at init every block is the identity, so signals and gradients pass any depth unchanged, and
/// training grows each branch in from zero (Bachlechner et al. 2020, eq. 4). Backward:
/// dα = Σ dy·F(x), dx = dy + F'(x)ᵀ(α·dy); the branch's parameters get their gradients through
/// α·dy (zero while α is 0, as in the paper). float32 and float64.
///
/// With a `shortcut` module (registered as child "shortcut" after "branch"), y = shortcut(x) +
/// α·F(x), for blocks whose shape changes (the CIFAR ResNets' option-A stride-2 blocks);
/// dx = shortcut'(x)ᵀdy + F'(x)ᵀ(α·dy). The branch's output must then have the shortcut's shape.
class ReZero : public Module {
 public:
  explicit ReZero(std::shared_ptr<Module> branch, DType dtype = DType::Float32);
  /// ValueError for a null branch; a null shortcut is the identity.
  ReZero(std::shared_ptr<Module> branch, std::shared_ptr<Module> shortcut,
         DType dtype = DType::Float32);
  std::string type_name() const override { return "ReZero"; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  /// alpha = 0 (the paper's init); the branch is left alone.
  std::optional<DefaultInit> default_init(const std::string& name) const override;

  Module& branch() { return *branch_; }

 private:
  std::shared_ptr<Module> branch_;
  std::shared_ptr<Module> shortcut_;
};

}  // namespace weightinit::nn
