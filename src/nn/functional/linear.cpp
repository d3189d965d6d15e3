// SPDX-License-Identifier: MIT
// linear: y = x·Wᵀ + b as one sgemm over the flattened leading dims.
#include <algorithm>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

/// y[m, o] = Σ_k x[m, k]·W[o, k] + b[o], with m over the leading dims of x (folded, as matmul
/// does). x is (*, in), weight (out, in), bias (out), (1) or undefined; y is (*, out).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const Tensor xc = impl::contiguous_f32(x, "linear", "input");
  const Tensor wc = impl::contiguous_f32(weight, "linear", "weight");
  WEIGHTINIT_CHECK(xc.dim() >= 1, ShapeError,
                   "both arguments to matmul need to be at least 1D, but they are ", xc.dim(),
                   "D and ", wc.dim(), "D");
  WEIGHTINIT_CHECK(
      wc.dim() == 2, ShapeError,
      "linear expects a 2-D weight (out_features, in_features), but got weight of size ",
      shape_str(wc.sizes()));
  const std::int64_t in = xc.size(-1), out = wc.size(0);
  const std::int64_t m = impl::prod(xc.sizes(), 0, xc.sizes().size() - 1);  // folded rows
  WEIGHTINIT_CHECK(wc.size(1) == in, ShapeError, "mat1 and mat2 shapes cannot be multiplied (", m,
                   "x", in, " and ", wc.size(1), "x", out, ")");
  Tensor bc;
  if (bias.defined()) {
    bc = impl::contiguous_f32(bias, "linear", "bias");
    WEIGHTINIT_CHECK(bc.numel() == out || bc.numel() == 1, ShapeError,
                     "The expanded size of the tensor (", out, ") must match the existing size (",
                     bc.numel(), ") at non-singleton dimension 1.  Target sizes: [", m, ", ", out,
                     "].  Tensor sizes: ", shape_str(bc.sizes()));
  }
  Shape out_sizes = xc.sizes();
  out_sizes.back() = out;
  Tensor y = Tensor::empty(out_sizes);
  float* yp = y.data_ptr<float>();
  if (bc.defined()) {  // y starts as the broadcast bias; the product is added with beta = 1
    const float* bp = bc.data_ptr<float>();
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t o = 0; o < out; ++o) yp[i * out + o] = bc.numel() == 1 ? bp[0] : bp[o];
    }
  }
  // y (m × out) = x (m × in) · Wᵀ, W stored (out × in).
  impl::sgemm(false, true, m, out, in, 1.0f, xc.data_ptr<float>(), std::max<std::int64_t>(in, 1),
              wc.data_ptr<float>(), std::max<std::int64_t>(in, 1), bc.defined() ? 1.0f : 0.0f, yp,
              std::max<std::int64_t>(out, 1));
  return y;
}

}  // namespace weightinit::nn::functional
