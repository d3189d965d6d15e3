// SPDX-License-Identifier: MIT
// The Keras / JAX variance-scaling family, with their semantics, and layer-aware fans.
#pragma once

#include <cstdint>
#include <string_view>

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::init {

/// Which fan the variance divides by: fan_in, fan_out or their mean (Keras "fan_avg").
enum class ScalingMode { FanIn, FanOut, FanAvg };
/// The distribution variance_scaling draws from (Keras / JAX names).
enum class ScalingDistribution { TruncatedNormal, UntruncatedNormal, Uniform };

/// "fan_in" / "fan_out" / "fan_avg"; ValueError otherwise.
ScalingMode parse_scaling_mode(std::string_view text);
/// "truncated_normal" / "untruncated_normal" / "normal" (Keras' old name for truncated) /
/// "uniform"; ValueError otherwise.
ScalingDistribution parse_scaling_distribution(std::string_view text);

/// Where the fans come from (JAX's in_axis/out_axis; layer-aware corrections are opt-in).
/// Defaults give PyTorch's fans for PyTorch's layouts: Linear (out, in), Conv (out, in/groups,
/// k...). Axes may be negative (counted from the end, as in JAX: in_axis=-2, out_axis=-1 for
/// Keras/JAX kernels (..., in, out)).
struct FanAxes {
  std::int64_t in_axis = 1;
  std::int64_t out_axis = 0;
  /// Grouped / depthwise convolution (PyTorch issue 23854): each input channel feeds only
  /// out/groups outputs, so fan_out = size(out_axis) / groups · receptive field. PyTorch's own
  /// fans ignore groups (the default 1 keeps them).
  std::int64_t groups = 1;
};

/// fan_in = size(in_axis) · r, fan_out = size(out_axis) / groups · r, r = the product of the
/// other sizes (JAX's _compute_fans). Throws ShapeError for fewer than 2 dimensions, equal or
/// out-of-range axes, or groups not dividing size(out_axis); ValueError for groups < 1.
std::pair<std::int64_t, std::int64_t> axis_fans(const Shape& shape, const FanAxes& axes);

/// Keras' TruncatedNormal std correction: the std of N(0, 1) truncated to [-2, 2] is
/// 0.87962566103423978, so a truncated draw with std σ/0.8796... has std σ.
inline constexpr double kTruncatedNormalStdCorrection = 0.87962566103423978;

/// tf.keras.initializers.VarianceScaling / jax.nn.initializers.variance_scaling:
///   n = fan_in | fan_out | (fan_in + fan_out) / 2,  variance = scale / max(1, n)
///   truncated_normal:   N(0, σ²) truncated to ±2σ, σ = √variance / 0.87962566103423978
///   untruncated_normal: N(0, variance)
///   uniform:            U(−√(3·variance), √(3·variance))
/// so the sample variance is `variance` in each case. Keras/TF draw truncated values by
/// redrawing out-of-range samples; weightinit inverts the truncated CDF (trunc_normal_'s
/// method): the same distribution, not TF's bits. Throws ValueError for scale ≤ 0 (Keras:
/// "Argument `scale` must be positive float").
Tensor& variance_scaling_(Tensor& tensor, double scale, ScalingMode mode,
                          ScalingDistribution distribution, const FanAxes& axes = {},
                          Generator& gen = default_generator());

/// The Keras/JAX named members (LeCun et al. 1998; Glorot & Bengio 2010; He et al. 2015),
/// all variance_scaling with Keras' "normal" = truncated normal:
///   lecun_uniform / lecun_normal:   scale 1, fan_in
///   glorot_uniform / glorot_normal: scale 1, fan_avg
///   he_uniform / he_normal:         scale 2, fan_in
Tensor& lecun_uniform_(Tensor& t, const FanAxes& axes = {}, Generator& gen = default_generator());
Tensor& lecun_normal_(Tensor& t, const FanAxes& axes = {}, Generator& gen = default_generator());
Tensor& glorot_uniform_(Tensor& t, const FanAxes& axes = {}, Generator& gen = default_generator());
Tensor& glorot_normal_(Tensor& t, const FanAxes& axes = {}, Generator& gen = default_generator());
Tensor& he_uniform_(Tensor& t, const FanAxes& axes = {}, Generator& gen = default_generator());
Tensor& he_normal_(Tensor& t, const FanAxes& axes = {}, Generator& gen = default_generator());

/// tf.keras.initializers.TruncatedNormal(mean, stddev): N(mean, stddev²) truncated to
/// mean ± 2·stddev (bounds in std units, fixed at 2). Not the std-corrected form: the sample
/// std is 0.8796·stddev, as in Keras. ValueError for stddev ≤ 0.
Tensor& keras_truncated_normal_(Tensor& t, double mean = 0.0, double stddev = 0.05,
                                Generator& gen = default_generator());

/// timm's trunc_normal_tf_(tensor, mean, std, a, b): N(0, 1) truncated to [a, b] (bounds in
/// std units) by timm's inverse-CDF sampler (whatever the torch profile: timm keeps it), then
/// scaled by std and shifted by mean — unlike PyTorch's trunc_normal_, whose a and b are
/// absolute values. ValueError for std ≤ 0 or a ≥ b. Bit for bit against timm 1.0.31.
Tensor& trunc_normal_tf_(Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0,
                         double b = 2.0, Generator& gen = default_generator());

}  // namespace weightinit::init
