// SPDX-License-Identifier: MIT
// Internal: adding into a parameter's gradient from outside its module (the vision transformers
// apply some children through their weights, as torchvision's functional code does).
#pragma once

#include "weightinit/nn/functional.h"
#include "weightinit/nn/module.h"

namespace weightinit::models::detail {

/// p.grad += g (g itself when p.grad is undefined: pass a fresh tensor), unless p does not
/// require a gradient — Module::accumulate_grad for a parameter of another module.
inline void add_grad(nn::Parameter& p, const Tensor& g) {
  if (!p.requires_grad) return;
  p.grad = p.grad.defined() ? nn::functional::add(p.grad, g) : g;
}

}  // namespace weightinit::models::detail
