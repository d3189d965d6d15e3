// SPDX-License-Identifier: MIT
// Scaled dot-product attention with an additive bias, one (batch, head) slice at a time through
// BLAS.
#include "models/dot_product_attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "nn/functional/common.h"
#include "weightinit/error.h"

namespace weightinit::models::detail {

namespace {

/// Checks q, k, v (B, H, T, D) of one floating dtype and the bias (G, H, T, T), B % G == 0.
void check_inputs(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& bias) {
  nn::functional::impl::check_floating(q, "dot_product_attention", "query");
  WEIGHTINIT_CHECK(q.dim() == 4, ShapeError,
                   "dot_product_attention: expected query of shape (batch, heads, length, "
                   "head_dim), but got ",
                   shape_str(q.sizes()));
  WEIGHTINIT_CHECK(k.sizes() == q.sizes() && v.sizes() == q.sizes(), ShapeError,
                   "dot_product_attention: query, key and value must have one shape, but got ",
                   shape_str(q.sizes()), ", ", shape_str(k.sizes()), " and ", shape_str(v.sizes()));
  WEIGHTINIT_CHECK(k.dtype() == q.dtype() && v.dtype() == q.dtype(), ValueError,
                   "dot_product_attention: query, key and value must have one dtype");
  if (!bias.defined()) return;
  const std::int64_t t = q.size(2);
  WEIGHTINIT_CHECK(bias.dim() == 4 && bias.size(0) > 0 && q.size(0) % bias.size(0) == 0 &&
                       bias.size(1) == q.size(1) && bias.size(2) == t && bias.size(3) == t,
                   ShapeError, "dot_product_attention: expected a bias of shape (G, ", q.size(1),
                   ", ", t, ", ", t, ") with G dividing the batch ", q.size(0), ", but got ",
                   shape_str(bias.sizes()));
  WEIGHTINIT_CHECK(bias.dtype() == q.dtype(), ValueError,
                   "dot_product_attention: the bias must have the query's dtype");
}

/// Row-wise softmax of the (t × t) scores in place, each row shifted by its maximum.
template <class T>
void softmax_rows(T* p, std::int64_t t) {
  for (std::int64_t i = 0; i < t; ++i) {
    T* row = p + i * t;
    const T top = *std::max_element(row, row + t);
    T sum = 0;
    for (std::int64_t j = 0; j < t; ++j) {
      row[j] = std::exp(row[j] - top);
      sum += row[j];
    }
    for (std::int64_t j = 0; j < t; ++j) row[j] /= sum;
  }
}

/// P = softmax(scale·Q·Kᵀ + bias) of slice s (one batch entry and head) into p (t × t).
template <class T>
void probabilities(const Tensor& q, const Tensor& k, const Tensor& bias, std::int64_t s, T scale,
                   T* p) {
  const std::int64_t heads = q.size(1), t = q.size(2), d = q.size(3), at = s * t * d;
  nn::functional::impl::gemm(false, true, t, t, d, scale, q.data_ptr<T>() + at, d,
                             k.data_ptr<T>() + at, d, T{0}, p, t);
  if (bias.defined()) {
    const std::int64_t b = s / heads, h = s % heads, groups = bias.size(0);
    const T* add = bias.data_ptr<T>() + ((b % groups) * heads + h) * t * t;
    for (std::int64_t i = 0; i < t * t; ++i) p[i] += add[i];
  }
  softmax_rows(p, t);
}

}  // namespace

Tensor dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                             const Tensor& bias) {
  check_inputs(q, k, v, bias);
  const Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  return nn::functional::impl::dispatch_float(q.dtype(), "dot_product_attention", [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t t = q.size(2), d = q.size(3), slices = q.size(0) * q.size(1);
    const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(d)));
    Tensor y = Tensor::empty(q.sizes(), q.dtype());
    std::vector<T> p(static_cast<std::size_t>(t * t));
    for (std::int64_t s = 0; s < slices; ++s) {
      const std::int64_t at = s * t * d;
      probabilities(qc, kc, bc, s, scale, p.data());
      nn::functional::impl::gemm(false, false, t, d, t, T{1}, p.data(), t, vc.data_ptr<T>() + at, d,
                                 T{0}, y.data_ptr<T>() + at, d);
    }
    return y;
  });
}

nn::functional::AttentionGrads dot_product_attention_backward(const Tensor& grad_output,
                                                              const Tensor& q, const Tensor& k,
                                                              const Tensor& v, const Tensor& bias,
                                                              Tensor* bias_grad) {
  check_inputs(q, k, v, bias);
  WEIGHTINIT_CHECK(bias_grad == nullptr || bias.defined(), ValueError,
                   "dot_product_attention_backward: a bias gradient needs the bias");
  WEIGHTINIT_CHECK(grad_output.sizes() == q.sizes() && grad_output.dtype() == q.dtype(), ShapeError,
                   "dot_product_attention_backward: grad_output must have the query's ",
                   "shape and dtype ", shape_str(q.sizes()), ", but got ",
                   shape_str(grad_output.sizes()));
  const Tensor qc = q.contiguous(), kc = k.contiguous(), vc = v.contiguous();
  const Tensor dy = grad_output.contiguous();
  const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  return nn::functional::impl::dispatch_float(
      q.dtype(), "dot_product_attention_backward", [&](auto tag) {
        using T = decltype(tag);
        using nn::functional::impl::gemm;
        const std::int64_t t = q.size(2), d = q.size(3), slices = q.size(0) * q.size(1);
        const T scale = static_cast<T>(1.0 / std::sqrt(static_cast<double>(d)));
        nn::functional::AttentionGrads g{Tensor::empty(q.sizes(), q.dtype()),
                                         Tensor::empty(q.sizes(), q.dtype()),
                                         Tensor::empty(q.sizes(), q.dtype())};
        std::vector<T> p(static_cast<std::size_t>(t * t)), dp(p.size());
        if (bias_grad != nullptr) *bias_grad = Tensor::zeros(bc.sizes(), q.dtype());
        for (std::int64_t s = 0; s < slices; ++s) {
          const std::int64_t at = s * t * d;
          probabilities(qc, kc, bc, s, scale, p.data());
          const T* g_out = dy.data_ptr<T>() + at;
          gemm(true, false, t, d, t, T{1}, p.data(), t, g_out, d, T{0}, g.v.data_ptr<T>() + at, d);
          gemm(false, true, t, t, d, T{1}, g_out, d, vc.data_ptr<T>() + at, d, T{0}, dp.data(), t);
          for (std::int64_t i = 0; i < t; ++i) {  // dS = P ⊙ (dP − rowsum(dP ⊙ P)), into dp
            T* dpi = dp.data() + i * t;
            const T* pi = p.data() + i * t;
            T row = 0;
            for (std::int64_t j = 0; j < t; ++j) row += dpi[j] * pi[j];
            for (std::int64_t j = 0; j < t; ++j) dpi[j] = pi[j] * (dpi[j] - row);
          }
          if (bias_grad != nullptr) {
            const std::int64_t heads = q.size(1), b = s / heads, h = s % heads;
            T* db = bias_grad->data_ptr<T>() + ((b % bc.size(0)) * heads + h) * t * t;
            for (std::int64_t i = 0; i < t * t; ++i) db[i] += dp[static_cast<std::size_t>(i)];
          }
          gemm(false, false, t, d, t, scale, dp.data(), t, kc.data_ptr<T>() + at, d, T{0},
               g.q.data_ptr<T>() + at, d);
          gemm(true, false, t, d, t, scale, dp.data(), t, qc.data_ptr<T>() + at, d, T{0},
               g.k.data_ptr<T>() + at, d);
        }
        return g;
      });
}

}  // namespace weightinit::models::detail
