// SPDX-License-Identifier: MIT
// nn::Linear construction, reset_parameters, forward and backward.
#include "weightinit/nn/linear.h"

#include <cmath>

#include "nn/default_init.h"
#include "nn/repr_util.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias, Generator& gen,
               DType dtype)
    : in_features_(in_features), out_features_(out_features) {
  register_parameter("weight", Tensor::empty({out_features, in_features}, dtype));
  if (bias) register_parameter("bias", Tensor::empty({out_features}, dtype));
  if (constructors_draw()) reset_own_parameters(gen);  // deferred: shapes only, unless planned
}

std::optional<DefaultInit> Linear::default_init(const std::string& name) const {
  return detail::affine_default_init(*this, name, /*draw_bias_at_zero_fan=*/true);
}

Tensor Linear::forward(const Tensor& input) {
  Tensor y = functional::linear(input, weight(), bias());
  save_for_backward({input});
  return y;
}

Tensor Linear::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  const bool has_bias = has_parameter("bias");
  functional::Grads g =
      functional::linear_backward(grad_output, saved[0], weight(), has_bias, input_requires_grad());
  accumulate_grad("weight", g.weight);
  if (has_bias) accumulate_grad("bias", g.bias);
  return g.input;
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) +
         ", out_features=" + std::to_string(out_features_) +
         ", bias=" + detail::py_bool(has_parameter("bias"));
}

}  // namespace weightinit::nn
