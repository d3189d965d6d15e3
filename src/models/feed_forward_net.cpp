// SPDX-License-Identifier: MIT
// detail::FeedForwardNet and detail::Chain: the forward and backward of torchvision's ResNet,
// VGG, DenseNet and MobileNetV2 and of the CIFAR Wide ResNet.
#include "models/zoo_parts.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models::detail {

namespace {
nn::functional::PoolOptions avg_pool_8() {
  nn::functional::PoolOptions o;
  o.kernel = {8};
  return o;
}
}  // namespace

Tensor FeedForwardNet::step_forward(const Tensor& x) const {
  switch (step_) {
    case FunctionalStep::Flatten:
      return nn::functional::flatten(x, 1);
    case FunctionalStep::GlobalAvgPoolFlatten:
      return nn::functional::flatten(nn::functional::adaptive_avg_pool2d(x, {1, 1}), 1);
    case FunctionalStep::ReluGlobalAvgPoolFlatten:
      return nn::functional::flatten(
          nn::functional::adaptive_avg_pool2d(nn::functional::relu(x), {1, 1}), 1);
    case FunctionalStep::AvgPool8View: {
      const Tensor pooled = nn::functional::avg_pool(x, avg_pool_8());
      const std::int64_t channels = x.size(1);
      return pooled.contiguous().view({pooled.numel() / channels, channels});
    }
  }
  return x;
}

Tensor FeedForwardNet::step_backward(const Tensor& grad, const Tensor& x) const {
  switch (step_) {
    case FunctionalStep::Flatten:
      return grad.contiguous().view(x.sizes());
    case FunctionalStep::GlobalAvgPoolFlatten: {
      const Shape pooled{x.size(0), x.size(1), 1, 1};
      return nn::functional::adaptive_avg_pool2d_backward(grad.contiguous().view(pooled), x);
    }
    case FunctionalStep::ReluGlobalAvgPoolFlatten: {
      const Shape pooled{x.size(0), x.size(1), 1, 1};
      const Tensor activated = nn::functional::relu(x);
      return nn::functional::relu_backward(
          nn::functional::adaptive_avg_pool2d_backward(grad.contiguous().view(pooled), activated),
          x);
    }
    case FunctionalStep::AvgPool8View: {
      Shape pooled_sizes = x.sizes();
      pooled_sizes[2] = (pooled_sizes[2] - 8) / 8 + 1;
      pooled_sizes[3] = (pooled_sizes[3] - 8) / 8 + 1;
      return nn::functional::avg_pool_backward(grad.contiguous().view(pooled_sizes), x,
                                               avg_pool_8());
    }
  }
  return grad;
}

Tensor FeedForwardNet::forward(const Tensor& input) {
  Tensor x = input;
  Tensor before_step;
  for (const auto& [name, child] : named_children()) {
    if (name == step_before_) {
      before_step = x;
      x = step_forward(x);
    }
    x = (*child)(x);
  }
  // The step's input (its shape for Flatten; the values the pools' backward reads otherwise).
  save_for_backward(
      {step_ == FunctionalStep::Flatten ? Tensor::deferred(before_step.sizes()) : before_step});
  return x;
}

Tensor FeedForwardNet::backward(const Tensor& grad_output) {
  const Tensor before_step = pop_saved().at(0);
  Tensor g = grad_output;
  const auto children = named_children();
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    g = it->second->backward(g);
    if (it->first == step_before_) g = step_backward(g, before_step);
  }
  return g;
}

Tensor Chain::forward(const Tensor& input) {
  Tensor x = input;
  for (nn::Module* m : children()) x = (*m)(x);
  return x;
}

Tensor Chain::backward(const Tensor& grad_output) {
  Tensor g = grad_output;
  const std::vector<nn::Module*> kids = children();
  for (auto it = kids.rbegin(); it != kids.rend(); ++it) g = (*it)->backward(g);
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
