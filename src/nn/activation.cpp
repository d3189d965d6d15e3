// SPDX-License-Identifier: MIT
// Activation modules: thin wrappers over nn::functional. In grad mode a forward records the
// input (or, for Tanh, Sigmoid, Softmax and LogSoftmax, the output) for its backward.
#include "weightinit/nn/activation.h"

#include <vector>

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

namespace {
/// f(x) elementwise into a new contiguous tensor of x's dtype and shape.
template <typename F>
Tensor map_elements(const Tensor& x, F f) {
  std::vector<double> v = x.to_vector<double>();
  for (double& e : v) e = f(e);
  if (x.dtype() == DType::Float32) {
    const std::vector<float> fv(v.begin(), v.end());
    return Tensor::from_data<float>(fv, x.sizes());
  }
  return Tensor::from_data<double>(v, x.sizes());
}
}  // namespace

Tensor ReLU6::forward(const Tensor& input) {
  Tensor y = map_elements(input, [](double e) { return e < 0 ? 0.0 : (e > 6 ? 6.0 : e); });
  save_for_backward({input});
  return y;
}
Tensor ReLU6::backward(const Tensor& grad_output) {
  const Tensor x = pop_saved()[0];
  WEIGHTINIT_CHECK(grad_output.sizes() == x.sizes(), ShapeError, "ReLU6 backward: grad_output ",
                   shape_str(grad_output.sizes()), " does not match the input ",
                   shape_str(x.sizes()));
  const std::vector<double> xs = x.to_vector<double>();
  std::vector<double> g = grad_output.to_vector<double>();
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = (xs[i] > 0 && xs[i] < 6) ? g[i] : 0.0;
  if (grad_output.dtype() == DType::Float32) {
    const std::vector<float> fg(g.begin(), g.end());
    return Tensor::from_data<float>(fg, x.sizes());
  }
  return Tensor::from_data<double>(g, x.sizes());
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

Tensor SiLU::forward(const Tensor& input) {
  Tensor y = functional::silu(input);
  save_for_backward({input});
  return y;
}
Tensor SiLU::backward(const Tensor& grad_output) {
  return functional::silu_backward(grad_output, pop_saved()[0]);
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
