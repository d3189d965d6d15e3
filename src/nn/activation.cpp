// SPDX-License-Identifier: MIT
// Activation modules: thin wrappers over nn::functional. In grad mode a forward records the
// input (or, for Tanh, Sigmoid, Softmax and LogSoftmax, the output) for its backward.
#include "weightinit/nn/activation.h"

#include "nn/repr_util.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn {

Tensor ReLU::forward(const Tensor& input) {
  Tensor y = functional::relu(input);
  save_for_backward({input});
  return y;
}
Tensor ReLU::backward(const Tensor& grad_output) {
  return functional::relu_backward(grad_output, pop_saved()[0]);
}

Tensor LeakyReLU::forward(const Tensor& input) {
  Tensor y = functional::leaky_relu(input, negative_slope_);
  save_for_backward({input});
  return y;
}
Tensor LeakyReLU::backward(const Tensor& grad_output) {
  return functional::leaky_relu_backward(grad_output, pop_saved()[0], negative_slope_);
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + detail::py_float(negative_slope_);
}

Tensor ELU::forward(const Tensor& input) {
  Tensor y = functional::elu(input, alpha_);
  save_for_backward({input});
  return y;
}
Tensor ELU::backward(const Tensor& grad_output) {
  return functional::elu_backward(grad_output, pop_saved()[0], alpha_);
}
std::string ELU::extra_repr() const { return "alpha=" + detail::py_float(alpha_); }

Tensor SELU::forward(const Tensor& input) {
  Tensor y = functional::selu(input);
  save_for_backward({input});
  return y;
}
Tensor SELU::backward(const Tensor& grad_output) {
  return functional::selu_backward(grad_output, pop_saved()[0]);
}

Tensor GELU::forward(const Tensor& input) {
  Tensor y = functional::gelu(input);
  save_for_backward({input});
  return y;
}
Tensor GELU::backward(const Tensor& grad_output) {
  return functional::gelu_backward(grad_output, pop_saved()[0]);
}

Tensor Tanh::forward(const Tensor& input) {
  Tensor y = functional::tanh(input);
  save_for_backward({y});
  return y;
}
Tensor Tanh::backward(const Tensor& grad_output) {
  return functional::tanh_backward(grad_output, pop_saved()[0]);
}

Tensor Sigmoid::forward(const Tensor& input) {
  Tensor y = functional::sigmoid(input);
  save_for_backward({y});
  return y;
}
Tensor Sigmoid::backward(const Tensor& grad_output) {
  return functional::sigmoid_backward(grad_output, pop_saved()[0]);
}

Tensor Softmax::forward(const Tensor& input) {
  Tensor y = functional::softmax(input, dim_);
  save_for_backward({y});
  return y;
}
Tensor Softmax::backward(const Tensor& grad_output) {
  return functional::softmax_backward(grad_output, pop_saved()[0], dim_);
}

Tensor LogSoftmax::forward(const Tensor& input) {
  Tensor y = functional::log_softmax(input, dim_);
  save_for_backward({y});
  return y;
}
Tensor LogSoftmax::backward(const Tensor& grad_output) {
  return functional::log_softmax_backward(grad_output, pop_saved()[0], dim_);
}

}  // namespace weightinit::nn
