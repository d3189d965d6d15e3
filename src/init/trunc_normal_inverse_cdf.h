// SPDX-License-Identifier: MIT
// The inverse-CDF truncated normal (torch <= 2.11, timm), shared by trunc_normal_ and timm's
// helpers.
#pragma once

#include "weightinit/random/generator.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::init::detail {

/// t.uniform_(2Φ(α)−1, 2Φ(β)−1); t.erfinv_(); t.mul_(std·√2); t.add_(mean); t.clamp_(a, b), each
/// op rounded to the tensor's dtype (float32 or float64), erfinv in the generator's arithmetic.
/// No argument checks: the callers make them.
void trunc_normal_inverse_cdf(Tensor& tensor, double mean, double std, double a, double b,
                              Generator& gen);

}  // namespace weightinit::init::detail
