// SPDX-License-Identifier: MIT
// nn::Linear construction, reset_parameters and forward.
#include "weightinit/nn/linear.h"

#include <cmath>

#include "nn/repr_util.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias, Generator& gen,
               DType dtype)
    : in_features_(in_features), out_features_(out_features) {
  register_parameter("weight", Tensor::empty({out_features, in_features}, dtype));
  if (bias) register_parameter("bias", Tensor::empty({out_features}, dtype));
  reset_own_parameters(gen);
}

void Linear::reset_own_parameters(Generator& gen) {
  // torch/nn/modules/linear.py: kaiming_uniform_(weight, a=sqrt(5)) gives
  // bound = sqrt(3)·sqrt(2/(1+5))/sqrt(fan_in) = 1/sqrt(fan_in) (LeCun-uniform).
  init::kaiming_uniform_(weight(), std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, gen);
  const std::int64_t fan_in = init::calculate_fan_in_and_fan_out(weight()).fan_in;
  const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  note_init("weight", "kaiming_uniform(a=sqrt(5))", bound / std::sqrt(3.0));
  if (has_parameter("bias")) {
    init::uniform_(bias(), -bound, bound, gen);
    note_init("bias", "uniform(+-1/sqrt(fan_in))", bound / std::sqrt(3.0));
  }
}

Tensor Linear::forward(const Tensor& input) {
  return functional::linear(input, weight(), bias());
}

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) +
         ", out_features=" + std::to_string(out_features_) +
         ", bias=" + detail::py_bool(has_parameter("bias"));
}

}  // namespace weightinit::nn
