// SPDX-License-Identifier: MIT
// nn::TransformersConv1D: transformers' Conv1D, a Linear with its weight stored transposed.
#include "weightinit/nn/transformers_conv1d.h"

#include "nn/default_init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::nn {

TransformersConv1D::TransformersConv1D(std::int64_t out_features, std::int64_t in_features,
                                       Generator& gen, DType dtype)
    : in_features_(in_features), out_features_(out_features) {
  register_parameter("weight", Tensor::empty({in_features, out_features}, dtype));
  register_parameter("bias", Tensor::zeros({out_features}, dtype));
  if (constructors_draw()) reset_own_parameters(gen);  // deferred: shapes only, unless planned
}

std::optional<DefaultInit> TransformersConv1D::default_init(const std::string& name) const {
  return detail::transformers_conv1d_default_init(name);
}

Tensor TransformersConv1D::forward(const Tensor& input) {
  // x·W + b is Linear's x·(Wᵀ)ᵀ + b: the same kernel on the transposed weight.
  Tensor y = functional::linear(input, weight().t().contiguous(), bias());
  save_for_backward({input});
  return y;
}

Tensor TransformersConv1D::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  functional::Grads g = functional::linear_backward(
      grad_output, saved[0], weight().t().contiguous(), true, input_requires_grad());
  accumulate_grad("weight", g.weight.t().contiguous());
  accumulate_grad("bias", g.bias);
  return g.input;
}

std::string TransformersConv1D::extra_repr() const {
  return "nf=" + std::to_string(out_features_) + ", nx=" + std::to_string(in_features_);
}

}  // namespace weightinit::nn
