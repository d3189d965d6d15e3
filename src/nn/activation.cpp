// SPDX-License-Identifier: MIT
// Activation modules: thin wrappers over nn::functional.
#include "weightinit/nn/activation.h"

#include "nn/repr_util.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn {

Tensor ReLU::forward(const Tensor& input) { return functional::relu(input); }

Tensor LeakyReLU::forward(const Tensor& input) {
  return functional::leaky_relu(input, negative_slope_);
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + detail::py_float(negative_slope_);
}

Tensor ELU::forward(const Tensor& input) { return functional::elu(input, alpha_); }
std::string ELU::extra_repr() const { return "alpha=" + detail::py_float(alpha_); }

Tensor SELU::forward(const Tensor& input) { return functional::selu(input); }
Tensor GELU::forward(const Tensor& input) { return functional::gelu(input); }
Tensor Tanh::forward(const Tensor& input) { return functional::tanh(input); }
Tensor Sigmoid::forward(const Tensor& input) { return functional::sigmoid(input); }
Tensor Softmax::forward(const Tensor& input) { return functional::softmax(input, dim_); }
Tensor LogSoftmax::forward(const Tensor& input) { return functional::log_softmax(input, dim_); }

}  // namespace weightinit::nn
