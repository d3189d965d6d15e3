// SPDX-License-Identifier: MIT
// timm's init helpers: trunc_normal_, variance_scaling_, lecun_normal_ (trunc_normal_tf_ is in
// variance_scaling.cpp).
#include "weightinit/init/timm.h"

#include <cmath>

#include "init/trunc_normal_inverse_cdf.h"
#include "init/zero_element.h"
#include "weightinit/error.h"
#include "weightinit/init/fan.h"
#include "weightinit/init/init.h"
#include "weightinit/init/warnings.h"
#include "weightinit/random/sampling.h"

namespace weightinit::init {

namespace {

/// The checks torch.nn.init.trunc_normal_ makes, for timm's samplers (timm itself checks
/// nothing and fills NaN; "nothing silently wrong" here), and torch's warning.
void check_trunc_args(const Tensor& tensor, double mean, double std, double a, double b,
                      const char* name) {
  check_floating_point(tensor.dtype(), name);
  WEIGHTINIT_CHECK(std > 0 && std::isfinite(std) && std::isfinite(mean), ValueError, name,
                   " expects a finite mean and a finite std > 0, but found mean ", mean,
                   " and std ", std);
  WEIGHTINIT_CHECK(!std::isnan(a) && !std::isnan(b) && a <= b, ValueError, name,
                   " expects bounds a <= b, but found a=", a, ", b=", b);
}

}  // namespace

Tensor& timm_trunc_normal_(Tensor& tensor, double mean, double std, double a, double b,
                           Generator& gen) {
  check_trunc_args(tensor, mean, std, a, b, "timm trunc_normal_");
  if (mean < a - 2 * std || mean > b + 2 * std) {
    warn(
        "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of "
        "values may be incorrect.");
  }
  if (detail::is_zero_element_noop(tensor)) return tensor;
  detail::trunc_normal_inverse_cdf(tensor, mean, std, a, b, gen);
  return tensor;
}

Tensor& timm_variance_scaling_(Tensor& tensor, double scale, ScalingMode mode,
                               ScalingDistribution distribution, Generator& gen) {
  const Fans fans = calculate_fan_in_and_fan_out(tensor);
  const double denom = mode == ScalingMode::FanIn ? static_cast<double>(fans.fan_in)
                       : mode == ScalingMode::FanOut
                           ? static_cast<double>(fans.fan_out)
                           : static_cast<double>(fans.fan_in + fans.fan_out) / 2.0;
  WEIGHTINIT_CHECK(denom > 0, ValueError,
                   "timm variance_scaling_ divides the scale by the fan, which is 0 for shape ",
                   shape_str(tensor.sizes()));
  const double variance = scale / denom;
  switch (distribution) {
    case ScalingDistribution::TruncatedNormal:
      return trunc_normal_tf_(tensor, 0.0, std::sqrt(variance) / .87962566103423978, -2.0, 2.0,
                              gen);
    case ScalingDistribution::UntruncatedNormal:
      return init::normal_(tensor, 0.0, std::sqrt(variance), gen);
    case ScalingDistribution::Uniform: {
      const double bound = std::sqrt(3 * variance);
      return init::uniform_(tensor, -bound, bound, gen);
    }
  }
  return tensor;
}

Tensor& timm_lecun_normal_(Tensor& tensor, Generator& gen) {
  return timm_variance_scaling_(tensor, 1.0, ScalingMode::FanIn,
                                ScalingDistribution::TruncatedNormal, gen);
}

}  // namespace weightinit::init
