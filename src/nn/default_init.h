// SPDX-License-Identifier: MIT
// torch's default reset_parameters for Linear and the convolutions, as DefaultInit (private).
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>

#include "weightinit/init/fan.h"
#include "weightinit/nn/module.h"

namespace weightinit::nn::detail {

/// torch/nn/modules/{linear,conv}.py reset_parameters: kaiming_uniform_(weight, a=√5), which is
/// bound = √3·√(2/(1+5))/√fan_in = 1/√fan_in (LeCun-uniform), then bias U(±1/√fan_in). Linear
/// draws the bias even when fan_in is 0 (bound 0: U(+0, 0); Python's `-bound` of torch's
/// integer 0 is +0, and from 2.12 on uniform_ returns `from` when the value reaches `to`, so the
/// sign shows); _ConvNd skips it then: `draw_bias_at_zero_fan` picks which.
inline std::optional<DefaultInit> affine_default_init(const Module& m, const std::string& name,
                                                      bool draw_bias_at_zero_fan) {
  const Tensor& weight = m.parameter("weight").data;
  const std::int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).fan_in;
  const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  if (name == "weight") {
    return DefaultInit{"kaiming_uniform(a=sqrt(5))", "kaiming_uniform(a=sqrt(5))",
                       bound / std::sqrt(3.0), std::nullopt};
  }
  if (name != "bias") return std::nullopt;
  const char* note = "uniform(+-1/sqrt(fan_in))";
  if (fan_in > 0) {
    return DefaultInit{"uniform(a=-1 / sqrt(weight_fan_in), b=1 / sqrt(weight_fan_in))", note,
                       bound / std::sqrt(3.0), std::nullopt};
  }
  return DefaultInit{draw_bias_at_zero_fan ? "uniform(a=0, b=0)" : "", note, 0.0, std::nullopt};
}

}  // namespace weightinit::nn::detail

namespace weightinit::nn::detail {

/// The affine parameters of the normalization layers: weight 1, bias 0 (torch's
/// reset_parameters of _NormBase, LayerNorm, GroupNorm and RMSNorm).
inline std::optional<DefaultInit> norm_default_init(const std::string& name) {
  if (name == "weight") return DefaultInit{"ones", "ones", 0.0, std::nullopt};
  if (name == "bias") return DefaultInit{"zeros", "zeros", 0.0, std::nullopt};
  return std::nullopt;
}

/// torch/nn/modules/sparse.py Embedding.reset_parameters: normal_(weight), then the padding
/// row zeroed (_fill_padding_idx_with_zero).
inline std::optional<DefaultInit> embedding_default_init(const std::string& name,
                                                         std::optional<std::int64_t> padding_idx) {
  if (name != "weight") return std::nullopt;
  return DefaultInit{"normal(mean=0, std=1)",
                     padding_idx ? "normal(0, 1), padding row 0" : "normal(0, 1)", 1.0,
                     padding_idx};
}

/// transformers.pytorch_utils.Conv1D.__init__: normal_(weight, std=0.02), zeros bias.
inline std::optional<DefaultInit> transformers_conv1d_default_init(const std::string& name) {
  if (name == "weight") return DefaultInit{"normal(mean=0, std=0.02)", "normal(0, 0.02)", 0.02, {}};
  if (name == "bias") return DefaultInit{"zeros", "zeros", 0.0, {}};
  return std::nullopt;
}

}  // namespace weightinit::nn::detail
