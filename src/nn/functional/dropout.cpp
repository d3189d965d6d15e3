// SPDX-License-Identifier: MIT
// Inverted dropout: one uniform draw per element from the generator, survivors scaled by 1/(1-p);
// the mask is kept for the backward pass (dx = dy·mask).
#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"
#include "weightinit/random/sampling.h"

namespace weightinit::nn::functional {

/// Training: mask = [u < 1 − p]/(1 − p) with u ~ U[0, 1) drawn once per element in order
/// (weightinit::uniform_ on a float32 buffer, for float32 and float64 x alike, so the mask
/// depends only on the generator), y = x·mask. As PyTorch, x itself is returned (mask
/// undefined, nothing drawn) when p = 0, in eval or for an empty x, and p = 1 gives y = x·0 with
/// an all-zero mask without drawing.
Tensor dropout_with_mask(const Tensor& x, double p, bool training, Generator& gen, Tensor& mask) {
  impl::check_floating(x, "dropout", "input");
  WEIGHTINIT_CHECK(p >= 0.0 && p <= 1.0, ValueError,
                   "dropout probability has to be between 0 and 1, but got ", p);
  mask = Tensor();
  if (p == 0.0 || !training || x.numel() == 0) return x;
  const Tensor xc = x.contiguous();
  const std::int64_t n = xc.numel();
  return impl::dispatch_float(xc.dtype(), "dropout", [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::empty(xc.sizes(), xc.dtype());
    const T* xp = xc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    if (p == 1.0) {
      mask = Tensor::zeros(xc.sizes(), xc.dtype());
      for (std::int64_t i = 0; i < n; ++i) yp[i] = xp[i] * T(0);  // NaN and ±inf give NaN
      return y;
    }
    Tensor u = Tensor::empty({n});
    uniform_(u, 0.0, 1.0, gen);
    const float* up = u.data_ptr<float>();
    const double keep = 1.0 - p;
    const auto scale = static_cast<T>(1.0 / keep);
    mask = Tensor::empty(xc.sizes(), xc.dtype());
    T* mp = mask.data_ptr<T>();
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i) {
      mp[i] = up[i] < keep ? scale : T(0);
      yp[i] = xp[i] * mp[i];
    }
    return y;
  });
}

/// dropout_with_mask without the mask: y = x·mask (x itself in eval, for p = 0 or an empty x).
Tensor dropout(const Tensor& x, double p, bool training, Generator& gen) {
  Tensor mask;
  return dropout_with_mask(x, p, training, gen, mask);
}

/// dx = dy·mask element-wise; dy itself when the mask is undefined (eval, p = 0). dy must have
/// the mask's size and dtype.
Tensor dropout_backward(const Tensor& grad_output, const Tensor& mask) {
  if (!mask.defined()) return grad_output;
  impl::check_floating(mask, "dropout_backward", "mask");
  impl::check_same_dtype(grad_output, mask.dtype(), "dropout_backward", "grad_output");
  WEIGHTINIT_CHECK(grad_output.sizes() == mask.sizes(), ShapeError,
                   "dropout_backward: grad_output has size ", shape_str(grad_output.sizes()),
                   " but the mask (the input's size) has size ", shape_str(mask.sizes()),
                   "; they must match");
  const Tensor dyc = grad_output.contiguous(), mc = mask.contiguous();
  const std::int64_t n = mc.numel();
  return impl::dispatch_float(mc.dtype(), "dropout_backward", [&](auto tag) {
    using T = decltype(tag);
    Tensor dx = Tensor::empty(mc.sizes(), mc.dtype());
    const T* dyp = dyc.data_ptr<T>();
    const T* mp = mc.data_ptr<T>();
    T* dxp = dx.data_ptr<T>();
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i) dxp[i] = dyp[i] * mp[i];
    return dx;
  });
}

}  // namespace weightinit::nn::functional
