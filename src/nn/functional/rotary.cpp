// SPDX-License-Identifier: MIT
// Rotary position embedding (LLaMA's q and k) and its backward.
#include <cmath>
#include <vector>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// Rotates each (i, i + D/2) pair of x (B, H, T, D) at position t by `sign`·t·θ^(−2i/D).
Tensor rotate(const Tensor& x, double theta, double sign, const char* op) {
  impl::check_floating(x, op, "input");
  WEIGHTINIT_CHECK(x.dim() == 4 && x.size(3) % 2 == 0, ShapeError, op,
                   ": expected input of shape (batch, heads, length, head_dim) with an even "
                   "head_dim, but got ",
                   shape_str(x.sizes()));
  WEIGHTINIT_CHECK(theta > 0, ValueError, op, ": rope_theta must be positive, but got ", theta);
  const Tensor xc = x.contiguous();
  const std::int64_t slices = x.size(0) * x.size(1), t = x.size(2), d = x.size(3), half = d / 2;
  // cos/sin per (position, pair), in double: Hugging Face computes them in float32 from
  // inv_freq = 1 / θ^(2i/D); the difference is below float32's rounding of the result.
  std::vector<double> cosines(static_cast<std::size_t>(t * half)), sines(cosines.size());
  for (std::int64_t p = 0; p < t; ++p) {
    for (std::int64_t i = 0; i < half; ++i) {
      const double angle = static_cast<double>(p) /
                           std::pow(theta, static_cast<double>(2 * i) / static_cast<double>(d));
      cosines[static_cast<std::size_t>(p * half + i)] = std::cos(angle);
      sines[static_cast<std::size_t>(p * half + i)] = sign * std::sin(angle);
    }
  }
  return impl::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::empty(x.sizes(), x.dtype());
    const T* xp = xc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    for (std::int64_t s = 0; s < slices; ++s) {
      for (std::int64_t p = 0; p < t; ++p) {
        const T* xr = xp + (s * t + p) * d;
        T* yr = yp + (s * t + p) * d;
        for (std::int64_t i = 0; i < half; ++i) {
          const T c = static_cast<T>(cosines[static_cast<std::size_t>(p * half + i)]);
          const T sn = static_cast<T>(sines[static_cast<std::size_t>(p * half + i)]);
          yr[i] = xr[i] * c - xr[i + half] * sn;
          yr[i + half] = xr[i + half] * c + xr[i] * sn;
        }
      }
    }
    return y;
  });
}

}  // namespace

Tensor rotary_embedding(const Tensor& x, double theta) {
  return rotate(x, theta, 1.0, "rotary_embedding");
}

Tensor rotary_embedding_backward(const Tensor& grad_output, double theta) {
  return rotate(grad_output, theta, -1.0, "rotary_embedding_backward");
}

}  // namespace weightinit::nn::functional
