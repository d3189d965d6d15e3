// SPDX-License-Identifier: MIT
// torch's default reset_parameters for Linear and the convolutions (private).
#pragma once

#include <cmath>
#include <cstdint>

#include "weightinit/init/init.h"
#include "weightinit/nn/module.h"

namespace weightinit::nn::detail {

/// torch/nn/modules/{linear,conv}.py reset_parameters: kaiming_uniform_(weight, a=√5), which is
/// bound = √3·√(2/(1+5))/√fan_in = 1/√fan_in (LeCun-uniform), then bias U(±1/√fan_in). Linear
/// draws the bias even when fan_in is 0 (bound 0); _ConvNd skips it then:
/// `draw_bias_at_zero_fan` picks which. Records both inits for summary --verbose.
inline void reset_weight_and_bias(Module& m, Generator& gen, bool draw_bias_at_zero_fan) {
  Tensor& weight = m.parameter("weight").data;
  init::kaiming_uniform_(weight, std::sqrt(5.0), init::FanMode::FanIn,
                         init::Nonlinearity::LeakyReLU, gen);
  const std::int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).fan_in;
  const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  m.note_init("weight", "kaiming_uniform(a=sqrt(5))", bound / std::sqrt(3.0));
  if (m.has_parameter("bias") && (fan_in != 0 || draw_bias_at_zero_fan)) {
    // Python's `-bound` of torch's integer 0 is +0, not -0.0: from 2.12 on, uniform_ returns
    // `from` when the rounded value reaches `to`, so the sign of zero shows.
    const double from = fan_in > 0 ? -bound : 0.0;
    init::uniform_(m.parameter("bias").data, from, bound, gen);
    m.note_init("bias", "uniform(+-1/sqrt(fan_in))", bound / std::sqrt(3.0));
  }
}

}  // namespace weightinit::nn::detail
