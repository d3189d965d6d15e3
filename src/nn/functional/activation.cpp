// SPDX-License-Identifier: MIT
// Element-wise activations and (log-)softmax along a dim; OpenMP over elements / slices.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// y = f(x) element-wise into a new contiguous tensor.
template <class F>
Tensor pointwise(const Tensor& x, const char* op, F f) {
  const Tensor xc = impl::contiguous_f32(x, op, "input");
  Tensor y = Tensor::empty(xc.sizes());
  const float* xp = xc.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const std::int64_t n = xc.numel();
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
  for (std::int64_t i = 0; i < n; ++i) yp[i] = f(xp[i]);
  return y;
}

// SELU's constants (Klambauer et al. 2017), as torch.nn.functional.selu.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

}  // namespace

/// max(x, 0); NaN stays NaN.
Tensor relu(const Tensor& x) {
  return pointwise(x, "relu", [](float v) { return v < 0.0f ? 0.0f : v; });
}

/// x > 0 ? x : negative_slope·x.
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  const auto slope = static_cast<float>(negative_slope);
  return pointwise(x, "leaky_relu", [slope](float v) { return v > 0.0f ? v : v * slope; });
}

/// x > 0 ? x : alpha·(eˣ − 1).
Tensor elu(const Tensor& x, double alpha) {
  const auto a = static_cast<float>(alpha);
  return pointwise(x, "elu", [a](float v) { return v <= 0.0f ? a * std::expm1(v) : v; });
}

/// scale·(x > 0 ? x : alpha·(eˣ − 1)), alpha ≈ 1.6733, scale ≈ 1.0507.
Tensor selu(const Tensor& x) {
  const auto a = static_cast<float>(kSeluAlpha), s = static_cast<float>(kSeluScale);
  return pointwise(x, "selu", [a, s](float v) { return s * (v <= 0.0f ? a * std::expm1(v) : v); });
}

/// x·Φ(x) = x/2·(1 + erf(x/√2)).
Tensor gelu(const Tensor& x) {
  const auto inv_sqrt2 = static_cast<float>(1.0 / std::sqrt(2.0));
  return pointwise(x, "gelu",
                   [inv_sqrt2](float v) { return 0.5f * v * (1.0f + std::erf(v * inv_sqrt2)); });
}

Tensor tanh(const Tensor& x) {
  return pointwise(x, "tanh", [](float v) { return std::tanh(v); });
}

/// 1 / (1 + e⁻ˣ).
Tensor sigmoid(const Tensor& x) {
  return pointwise(x, "sigmoid", [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
}

namespace {

/// Columns handled together by one softmax task (the slice's inner dims are contiguous).
constexpr std::int64_t kSoftmaxBlock = 256;

/// Softmax over `len` entries `stride` apart, for `width` ≤ kSoftmaxBlock adjacent columns:
/// m = max, s = Σ e^(x−m) (accumulated in double); softmax y = e^(x−m)·(1/s) (the exponentials
/// are stored in y on the way), log_softmax y = x − m − ln s.
template <bool kLog>
void softmax_block(const float* x, float* y, std::int64_t len, std::int64_t stride,
                   std::int64_t width) {
  std::array<float, kSoftmaxBlock> mx;
  std::array<double, kSoftmaxBlock> sum;
  std::fill(mx.begin(), mx.end(), -std::numeric_limits<float>::infinity());
  std::fill(sum.begin(), sum.end(), 0.0);
  for (std::int64_t l = 0; l < len; ++l) {
    for (std::int64_t i = 0; i < width; ++i) mx[i] = std::max(mx[i], x[l * stride + i]);
  }
  for (std::int64_t l = 0; l < len; ++l) {
    for (std::int64_t i = 0; i < width; ++i) {
      const float e = std::exp(x[l * stride + i] - mx[i]);
      if (!kLog) y[l * stride + i] = e;
      sum[i] += e;
    }
  }
  std::array<float, kSoftmaxBlock> post;  // 1/s, or m + ln s
  for (std::int64_t i = 0; i < width; ++i) {
    post[i] = static_cast<float>(kLog ? mx[i] + std::log(sum[i]) : 1.0 / sum[i]);
  }
  for (std::int64_t l = 0; l < len; ++l) {
    for (std::int64_t i = 0; i < width; ++i) {
      const std::int64_t at = l * stride + i;
      y[at] = kLog ? x[at] - post[i] : y[at] * post[i];
    }
  }
}

/// Softmax of one contiguous row (dim is the last one): the block formulas with four partial
/// maxima and sums, so the loops are not bound by one dependency chain.
template <bool kLog>
void softmax_row(const float* x, float* y, std::int64_t len) {
  std::array<float, 4> mx;
  std::fill(mx.begin(), mx.end(), -std::numeric_limits<float>::infinity());
  std::int64_t l = 0;
  for (; l + 4 <= len; l += 4) {
    for (std::size_t k = 0; k < 4; ++k) mx[k] = std::max(mx[k], x[l + std::int64_t(k)]);
  }
  for (; l < len; ++l) mx[0] = std::max(mx[0], x[l]);
  const float m = std::max(std::max(mx[0], mx[1]), std::max(mx[2], mx[3]));
  std::array<double, 4> sum{};
  for (l = 0; l < len; ++l) {
    const float e = std::exp(x[l] - m);
    if (!kLog) y[l] = e;
    sum[std::size_t(l & 3)] += e;
  }
  const double s = (sum[0] + sum[1]) + (sum[2] + sum[3]);
  if (kLog) {
    const auto post = static_cast<float>(m + std::log(s));
    for (l = 0; l < len; ++l) y[l] = x[l] - post;
  } else {
    const auto post = static_cast<float>(1.0 / s);
    for (l = 0; l < len; ++l) y[l] *= post;
  }
}

/// x viewed as (outer, len, inner) around `dim`; tasks are (outer slice, block of inner columns).
template <bool kLog>
Tensor softmax_impl(const Tensor& x, std::int64_t dim, const char* op) {
  const Tensor xc = impl::contiguous_f32(x, op, "input");
  const std::int64_t d = impl::wrap_dim(dim, xc.dim());
  const Shape& s = xc.sizes();
  const std::size_t ud = static_cast<std::size_t>(d);
  const std::int64_t len = s.empty() ? 1 : s[ud];
  const std::int64_t outer = s.empty() ? 1 : impl::prod(s, 0, ud);
  const std::int64_t inner = s.empty() ? 1 : impl::prod(s, ud + 1, s.size());
  const std::int64_t blocks = (inner + kSoftmaxBlock - 1) / kSoftmaxBlock;
  Tensor y = Tensor::empty(s);
  const float* xp = xc.data_ptr<float>();
  float* yp = y.data_ptr<float>();
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
  for (std::int64_t task = 0; task < outer * blocks; ++task) {
    const std::int64_t o = task / blocks, i0 = (task % blocks) * kSoftmaxBlock;
    const std::int64_t offset = o * len * inner + i0;
    if (inner == 1) {
      softmax_row<kLog>(xp + offset, yp + offset, len);
      continue;
    }
    softmax_block<kLog>(xp + offset, yp + offset, len, inner, std::min(kSoftmaxBlock, inner - i0));
  }
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) { return softmax_impl<false>(x, dim, "softmax"); }

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return softmax_impl<true>(x, dim, "log_softmax");
}

}  // namespace weightinit::nn::functional
