// SPDX-License-Identifier: MIT
// The Keras / JAX variance-scaling family and layer-aware fans.
#include "weightinit/init/variance_scaling.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "init/trunc_normal_inverse_cdf.h"
#include "init/zero_element.h"
#include "weightinit/init/init.h"

namespace weightinit::init {

ScalingMode parse_scaling_mode(std::string_view text) {
  if (text == "fan_in") return ScalingMode::FanIn;
  if (text == "fan_out") return ScalingMode::FanOut;
  if (text == "fan_avg") return ScalingMode::FanAvg;
  throw ValueError("Invalid `mode` argument: " + std::string(text) +
                   " (expected fan_in, fan_out or fan_avg)");
}

ScalingDistribution parse_scaling_distribution(std::string_view text) {
  if (text == "truncated_normal" || text == "normal") return ScalingDistribution::TruncatedNormal;
  if (text == "untruncated_normal") return ScalingDistribution::UntruncatedNormal;
  if (text == "uniform") return ScalingDistribution::Uniform;
  throw ValueError("Invalid `distribution` argument: " + std::string(text) +
                   " (expected truncated_normal, untruncated_normal or uniform)");
}

std::pair<std::int64_t, std::int64_t> axis_fans(const Shape& shape, const FanAxes& axes) {
  const auto dims = static_cast<std::int64_t>(shape.size());
  WEIGHTINIT_CHECK(dims >= 2, ShapeError,
                   "Fan in and fan out can not be computed for tensor with fewer than 2 "
                   "dimensions");
  auto normalize = [&](std::int64_t axis, const char* name) {
    const std::int64_t a = axis < 0 ? axis + dims : axis;
    WEIGHTINIT_CHECK(a >= 0 && a < dims, ShapeError, name, " ", axis,
                     " is out of range for a tensor with ", dims, " dimensions");
    return a;
  };
  const std::int64_t in = normalize(axes.in_axis, "in_axis");
  const std::int64_t out = normalize(axes.out_axis, "out_axis");
  WEIGHTINIT_CHECK(in != out, ShapeError, "in_axis and out_axis must differ, but both are ", in);
  WEIGHTINIT_CHECK(axes.groups >= 1, ValueError, "groups must be at least 1, but got ",
                   axes.groups);
  const std::int64_t out_size = shape[static_cast<std::size_t>(out)];
  WEIGHTINIT_CHECK(out_size % axes.groups == 0, ShapeError, "groups ", axes.groups,
                   " does not divide the out axis size ", out_size);
  std::int64_t receptive = 1;
  for (std::int64_t d = 0; d < dims; ++d) {
    if (d != in && d != out) receptive *= shape[static_cast<std::size_t>(d)];
  }
  return {shape[static_cast<std::size_t>(in)] * receptive, out_size / axes.groups * receptive};
}

Tensor& variance_scaling_(Tensor& tensor, double scale, ScalingMode mode,
                          ScalingDistribution distribution, const FanAxes& axes, Generator& gen) {
  WEIGHTINIT_CHECK(scale > 0 && std::isfinite(scale), ValueError,
                   "Argument `scale` must be positive float. Received: scale=", scale);
  const auto [fan_in, fan_out] = axis_fans(tensor.sizes(), axes);
  if (detail::is_zero_element_noop(tensor)) return tensor;
  double n = static_cast<double>(fan_in);
  if (mode == ScalingMode::FanOut) n = static_cast<double>(fan_out);
  if (mode == ScalingMode::FanAvg)
    n = (static_cast<double>(fan_in) + static_cast<double>(fan_out)) / 2.0;
  const double variance = scale / std::max(1.0, n);
  switch (distribution) {
    case ScalingDistribution::TruncatedNormal: {
      const double stddev = std::sqrt(variance) / kTruncatedNormalStdCorrection;
      return trunc_normal_(tensor, 0.0, stddev, -2.0 * stddev, 2.0 * stddev, gen);
    }
    case ScalingDistribution::UntruncatedNormal:
      return normal_(tensor, 0.0, std::sqrt(variance), gen);
    case ScalingDistribution::Uniform: {
      const double limit = std::sqrt(3.0 * variance);
      return uniform_(tensor, -limit, limit, gen);
    }
  }
  return tensor;
}

Tensor& lecun_uniform_(Tensor& t, const FanAxes& axes, Generator& gen) {
  return variance_scaling_(t, 1.0, ScalingMode::FanIn, ScalingDistribution::Uniform, axes, gen);
}
Tensor& lecun_normal_(Tensor& t, const FanAxes& axes, Generator& gen) {
  return variance_scaling_(t, 1.0, ScalingMode::FanIn, ScalingDistribution::TruncatedNormal, axes,
                           gen);
}
Tensor& glorot_uniform_(Tensor& t, const FanAxes& axes, Generator& gen) {
  return variance_scaling_(t, 1.0, ScalingMode::FanAvg, ScalingDistribution::Uniform, axes, gen);
}
Tensor& glorot_normal_(Tensor& t, const FanAxes& axes, Generator& gen) {
  return variance_scaling_(t, 1.0, ScalingMode::FanAvg, ScalingDistribution::TruncatedNormal, axes,
                           gen);
}
Tensor& he_uniform_(Tensor& t, const FanAxes& axes, Generator& gen) {
  return variance_scaling_(t, 2.0, ScalingMode::FanIn, ScalingDistribution::Uniform, axes, gen);
}
Tensor& he_normal_(Tensor& t, const FanAxes& axes, Generator& gen) {
  return variance_scaling_(t, 2.0, ScalingMode::FanIn, ScalingDistribution::TruncatedNormal, axes,
                           gen);
}

Tensor& keras_truncated_normal_(Tensor& t, double mean, double stddev, Generator& gen) {
  WEIGHTINIT_CHECK(stddev > 0 && std::isfinite(stddev), ValueError,
                   "TruncatedNormal expects stddev > 0, but found stddev ", stddev);
  return trunc_normal_(t, mean, stddev, mean - 2.0 * stddev, mean + 2.0 * stddev, gen);
}

Tensor& trunc_normal_tf_(Tensor& t, double mean, double std, double a, double b, Generator& gen) {
  WEIGHTINIT_CHECK(std > 0 && std::isfinite(std), ValueError,
                   "trunc_normal_tf_ expects std > 0, but found std ", std);
  WEIGHTINIT_CHECK(a < b, ValueError, "trunc_normal_tf_ expects a < b, but found a=", a,
                   " >= b=", b);
  if (detail::is_zero_element_noop(t)) return t;
  // timm's own inverse-CDF _trunc_normal_ (not torch's, a rejection sampler from 2.12 on).
  detail::trunc_normal_inverse_cdf(t, 0.0, 1.0, a, b, gen);
  // timm: tensor.mul_(std).add_(mean), two roundings as torch's ops do.
  Tensor c = t.contiguous();
  const std::int64_t n = c.numel();
  if (c.dtype() == DType::Float32) {
    float* p = c.data_ptr<float>();
    const auto s = static_cast<float>(std), m = static_cast<float>(mean);
    for (std::int64_t i = 0; i < n; ++i) {
      const float scaled = p[i] * s;
      p[i] = scaled + m;
    }
  } else {
    double* p = c.data_ptr<double>();
    for (std::int64_t i = 0; i < n; ++i) {
      const double scaled = p[i] * std;
      p[i] = scaled + mean;
    }
  }
  if (!t.is_contiguous()) t.copy_(c);
  return t;
}

}  // namespace weightinit::init
