// SPDX-License-Identifier: MIT
// detail::FeedForwardNet: the forward and backward of torchvision's ResNet and VGG.
#include "models/zoo_parts.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models::detail {

Tensor FeedForwardNet::forward(const Tensor& input) {
  Tensor x = input;
  Shape unflattened;
  for (const auto& [name, child] : named_children()) {
    if (name == flatten_before_) {
      unflattened = x.sizes();
      x = nn::functional::flatten(x, 1);
    }
    x = (*child)(x);
  }
  save_for_backward({Tensor::deferred(unflattened)});  // the shape before torch.flatten
  return x;
}

Tensor FeedForwardNet::backward(const Tensor& grad_output) {
  const Shape unflattened = pop_saved().at(0).sizes();
  Tensor g = grad_output;
  const auto children = named_children();
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    g = it->second->backward(g);
    if (it->first == flatten_before_) g = g.contiguous().view(unflattened);
  }
  return g;
}

void FeedForwardNet::set_input_requires_grad(bool on) {
  Module::set_input_requires_grad(on);
  for (const auto& [name, child] : named_children()) {
    child->set_input_requires_grad(on);
    if (!child->parameters().empty()) break;
  }
}

}  // namespace weightinit::models::detail
