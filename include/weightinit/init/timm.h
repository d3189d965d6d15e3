// SPDX-License-Identifier: MIT
// timm's init helpers (timm/layers/weight_init.py, timm 1.0.31), bit for bit.
#pragma once

#include "weightinit/init/variance_scaling.h"
#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::init {

/// Like `timm.layers.trunc_normal_(tensor, mean, std, a, b)`: the inverse-CDF sampler that
/// torch.nn.init.trunc_normal_ used up to 2.11 (u ~ U(2Φ(α)−1, 2Φ(β)−1), x = mean + std·√2·
/// erfinv(u), clamped to [a, b]), whatever the generator's torch profile: timm keeps it.
Tensor& timm_trunc_normal_(Tensor& tensor, double mean = 0.0, double std = 1.0, double a = -2.0,
                           double b = 2.0, Generator& gen = default_generator());

/// timm.layers.trunc_normal_tf_ is trunc_normal_tf_ (weightinit/init/variance_scaling.h).

/// Like `timm.layers.variance_scaling_(tensor, scale, mode, distribution)`: variance =
/// scale / n (n = fan_in, fan_out or their mean, torch's fans; no max(1, n), so n = 0 is a
/// ValueError), then truncated_normal: trunc_normal_tf_(std = √variance / 0.87962566103423978),
/// normal (ScalingDistribution::UntruncatedNormal): normal_(0, √variance), uniform:
/// uniform_(±√(3·variance)). Keras' / JAX's variance_scaling_ cuts its normal differently.
Tensor& timm_variance_scaling_(
    Tensor& tensor, double scale = 1.0, ScalingMode mode = ScalingMode::FanIn,
    ScalingDistribution distribution = ScalingDistribution::UntruncatedNormal,
    Generator& gen = default_generator());

/// Like `timm.layers.lecun_normal_(tensor)`: timm_variance_scaling_(1, fan_in, truncated_normal)
/// (LeCun et al. 1998, "Efficient BackProp").
Tensor& timm_lecun_normal_(Tensor& tensor, Generator& gen = default_generator());

}  // namespace weightinit::init
