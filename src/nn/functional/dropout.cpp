// SPDX-License-Identifier: MIT
// Inverted dropout: one uniform draw per element from the generator, survivors scaled by 1/(1-p).
#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"
#include "weightinit/random/sampling.h"

namespace weightinit::nn::functional {

/// Training: y = x·mask/(1 − p) with mask = [u < 1 − p], u ~ U[0, 1) drawn once per element in
/// order (weightinit::uniform_ on a float32 buffer). As PyTorch, x itself is returned when
/// p = 0, in eval or for an empty x (nothing is drawn), and p = 1 gives x·0 without drawing.
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  impl::check_float32(x, "dropout", "input");
  WEIGHTINIT_CHECK(p >= 0.0 && p <= 1.0, ValueError,
                   "dropout probability has to be between 0 and 1, but got ", p);
  if (p == 0.0 || !training || x.numel() == 0) return x;
  const Tensor xc = x.contiguous();
  const std::int64_t n = xc.numel();
  Tensor y = Tensor::empty(xc.sizes());
  const float* xp = xc.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  if (p == 1.0) {
    for (std::int64_t i = 0; i < n; ++i) yp[i] = xp[i] * 0.0f;  // NaN and ±inf give NaN, as torch
    return y;
  }
  Tensor u = Tensor::empty({n});
  uniform_(u, 0.0, 1.0, gen);
  const float* up = u.data_ptr<float>();
  const double keep = 1.0 - p;
  const auto scale = static_cast<float>(1.0 / keep);
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
  for (std::int64_t i = 0; i < n; ++i) yp[i] = xp[i] * (up[i] < keep ? scale : 0.0f);
  return y;
}

}  // namespace weightinit::nn::functional
