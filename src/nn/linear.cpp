// SPDX-License-Identifier: MIT
// nn::Linear construction and reset_parameters.
#include "weightinit/nn/linear.h"

#include <cmath>

#include "weightinit/init/init.h"

namespace weightinit::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, bool bias, Generator& gen,
               DType dtype)
    : weight(Tensor::empty({out_features, in_features}, dtype)),
      in_features_(in_features),
      out_features_(out_features) {
  if (bias) this->bias = Tensor::empty({out_features}, dtype);
  reset_parameters(gen);
}

void Linear::reset_parameters(Generator& gen) {
  // torch/nn/modules/linear.py: kaiming_uniform_(weight, a=sqrt(5)) gives
  // bound = sqrt(3)·sqrt(2/(1+5))/sqrt(fan_in) = 1/sqrt(fan_in) (LeCun-uniform).
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, gen);
  if (bias.defined()) {
    const std::int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).fan_in;
    const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound, gen);
  }
}

}  // namespace weightinit::nn
