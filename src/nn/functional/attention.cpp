// SPDX-License-Identifier: MIT
// Causal scaled dot-product attention and its backward (GPT-2's self-attention), one (batch,
// head) slice at a time through BLAS.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// Checks q, k, v: float, 4-D (B, H, T, D), one dtype, equal sizes.
void check_qkv(const Tensor& q, const Tensor& k, const Tensor& v, const char* op) {
  impl::check_floating(q, op, "query");
  impl::check_same_dtype(k, q.dtype(), op, "key");
  impl::check_same_dtype(v, q.dtype(), op, "value");
  WEIGHTINIT_CHECK(q.dim() == 4, ShapeError, op,
                   ": expected query of shape (batch, heads, length, head_dim), but got ",
                   shape_str(q.sizes()));
  WEIGHTINIT_CHECK(k.sizes() == q.sizes() && v.sizes() == q.sizes(), ShapeError, op,
                   ": query, key and value must have one shape, but got ", shape_str(q.sizes()),
                   ", ", shape_str(k.sizes()), " and ", shape_str(v.sizes()));
}

/// P = softmax(mask(Q·Kᵀ·scale)) for one (T×D) slice, into p (T×T): row i keeps columns 0..i.
template <class T>
void causal_probabilities(const T* q, const T* k, std::int64_t t, std::int64_t d, T scale, T* p) {
  impl::gemm(false, true, t, t, d, scale, q, d, k, d, T{0}, p, t);
  for (std::int64_t i = 0; i < t; ++i) {
    T* row = p + i * t;
    const T top = *std::max_element(row, row + i + 1);
    T sum = 0;
    for (std::int64_t j = 0; j <= i; ++j) {
      row[j] = std::exp(row[j] - top);
      sum += row[j];
    }
    for (std::int64_t j = 0; j <= i; ++j) row[j] /= sum;
    std::fill(row + i + 1, row + t, T{0});
  }
}

}  // namespace

Tensor causal_attention(const Tensor& q, const Tensor& k, const Tensor& v) {
  check_qkv(q, k, v, "causal_attention");
  const Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  return impl::dispatch_float(q.dtype(), "causal_attention", [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t slices = q.size(0) * q.size(1), t = q.size(2), d = q.size(3);
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(d)));
    Tensor y = Tensor::empty(q.sizes(), q.dtype());
    std::vector<T> p(static_cast<std::size_t>(t * t));
    for (std::int64_t s = 0; s < slices; ++s) {
      const std::int64_t at = s * t * d;
      causal_probabilities(qc.data_ptr<T>() + at, kc.data_ptr<T>() + at, t, d, scale, p.data());
      impl::gemm(false, false, t, d, t, T{1}, p.data(), t, vc.data_ptr<T>() + at, d, T{0},
                 y.data_ptr<T>() + at, d);
    }
    return y;
  });
}

AttentionGrads causal_attention_backward(const Tensor& grad_output, const Tensor& q,
                                         const Tensor& k, const Tensor& v) {
  check_qkv(q, k, v, "causal_attention_backward");
  impl::check_same_dtype(grad_output, q.dtype(), "causal_attention_backward", "grad_output");
  WEIGHTINIT_CHECK(grad_output.sizes() == q.sizes(), ShapeError,
                   "causal_attention_backward: grad_output has size ",
                   shape_str(grad_output.sizes()), " but the output has size ",
                   shape_str(q.sizes()));
  const Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  const Tensor gc = grad_output.contiguous();
  return impl::dispatch_float(q.dtype(), "causal_attention_backward", [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t slices = q.size(0) * q.size(1), t = q.size(2), d = q.size(3);
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(d)));
    AttentionGrads g{Tensor::empty(q.sizes(), q.dtype()), Tensor::empty(q.sizes(), q.dtype()),
                     Tensor::empty(q.sizes(), q.dtype())};
    std::vector<T> p(static_cast<std::size_t>(t * t)), dp(p.size());
    for (std::int64_t s = 0; s < slices; ++s) {
      const std::int64_t at = s * t * d;
      const T* qs = qc.data_ptr<T>() + at;
      const T* ks = kc.data_ptr<T>() + at;
      const T* vs = vc.data_ptr<T>() + at;
      const T* dy = gc.data_ptr<T>() + at;
      causal_probabilities(qs, ks, t, d, scale, p.data());
      // dV = Pᵀ·dY; dP = dY·Vᵀ; dS = P ⊙ (dP − rowsum(P ⊙ dP)); dQ = dS·K·scale; dK = dSᵀ·Q·scale.
      impl::gemm(true, false, t, d, t, T{1}, p.data(), t, dy, d, T{0}, g.v.data_ptr<T>() + at, d);
      impl::gemm(false, true, t, t, d, T{1}, dy, d, vs, d, T{0}, dp.data(), t);
      for (std::int64_t i = 0; i < t; ++i) {
        const T* pr = p.data() + i * t;
        T* dr = dp.data() + i * t;
        T dot = 0;
        for (std::int64_t j = 0; j <= i; ++j) dot += pr[j] * dr[j];
        for (std::int64_t j = 0; j < t; ++j) dr[j] = j <= i ? pr[j] * (dr[j] - dot) : T{0};
      }
      impl::gemm(false, false, t, d, t, scale, dp.data(), t, ks, d, T{0}, g.q.data_ptr<T>() + at,
                 d);
      impl::gemm(true, false, t, d, t, scale, dp.data(), t, qs, d, T{0}, g.k.data_ptr<T>() + at, d);
    }
    return g;
  });
}

}  // namespace weightinit::nn::functional
