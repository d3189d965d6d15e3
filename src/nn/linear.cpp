// SPDX-License-Identifier: MIT
// nn::Linear construction, reset_parameters and forward.
#include "weightinit/nn/linear.h"

#include <cmath>

#include "nn/default_init.h"
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
  detail::reset_weight_and_bias(*this, gen, /*draw_bias_at_zero_fan=*/true);
}

Tensor Linear::forward(const Tensor& input) { return functional::linear(input, weight(), bias()); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features_) +
         ", out_features=" + std::to_string(out_features_) +
         ", bias=" + detail::py_bool(has_parameter("bias"));
}

}  // namespace weightinit::nn
