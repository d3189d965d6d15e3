// SPDX-License-Identifier: MIT
// Element-wise activations and (log-)softmax along a dim, and their backward kernels; OpenMP over
// elements / slices. Templated on the element type (float32, float64).
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// y = f(x) element-wise into a new contiguous tensor of x's dtype; make(T{}) returns f for
/// element type T.
template <class Make>
Tensor pointwise(const Tensor& x, const char* op, Make make) {
  const Tensor xc = impl::contiguous_float(x, op, "input");
  return impl::dispatch_float(xc.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const auto f = make(T{});
    Tensor y = Tensor::empty(xc.sizes(), xc.dtype());
    const T* xp = xc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const std::int64_t n = xc.numel();
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i) yp[i] = f(xp[i]);
    return y;
  });
}

/// Checks grad_output against the saved tensor `saved` (named `what`: "input" or "output"):
/// same dtype and same size.
void check_grad_output(const Tensor& grad_output, const Tensor& saved, const char* op,
                       const char* what) {
  impl::check_floating(saved, op, what);
  impl::check_same_dtype(grad_output, saved.dtype(), op, "grad_output");
  WEIGHTINIT_CHECK(grad_output.sizes() == saved.sizes(), ShapeError, op, ": grad_output has size ",
                   shape_str(grad_output.sizes()), " but the ", what, " has size ",
                   shape_str(saved.sizes()), "; they must match");
}

/// dx = f(dy, s) element-wise, s the saved input or output (`what`); make(T{}) returns f.
template <class Make>
Tensor pointwise_backward(const Tensor& grad_output, const Tensor& saved, const char* op,
                          const char* what, Make make) {
  check_grad_output(grad_output, saved, op, what);
  const Tensor sc = saved.contiguous(), dyc = grad_output.contiguous();
  return impl::dispatch_float(sc.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const auto f = make(T{});
    Tensor dx = Tensor::empty(sc.sizes(), sc.dtype());
    const T* sp = sc.data_ptr<T>();
    const T* dyp = dyc.data_ptr<T>();
    T* dxp = dx.data_ptr<T>();
    const std::int64_t n = sc.numel();
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i) dxp[i] = f(dyp[i], sp[i]);
    return dx;
  });
}

// SELU's constants (Klambauer et al. 2017), as torch.nn.functional.selu.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

}  // namespace

/// max(x, 0); NaN stays NaN.
Tensor relu(const Tensor& x) {
  return pointwise(x, "relu", [](auto tag) {
    using T = decltype(tag);
    return [](T v) { return v < T(0) ? T(0) : v; };
  });
}

/// x > 0 ? x : negative_slope·x.
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return pointwise(x, "leaky_relu", [negative_slope](auto tag) {
    using T = decltype(tag);
    return [slope = static_cast<T>(negative_slope)](T v) { return v > T(0) ? v : v * slope; };
  });
}

/// x > 0 ? x : alpha·(eˣ − 1).
Tensor elu(const Tensor& x, double alpha) {
  return pointwise(x, "elu", [alpha](auto tag) {
    using T = decltype(tag);
    return [a = static_cast<T>(alpha)](T v) { return v <= T(0) ? a * std::expm1(v) : v; };
  });
}

/// scale·(x > 0 ? x : alpha·(eˣ − 1)), alpha ≈ 1.6733, scale ≈ 1.0507.
Tensor selu(const Tensor& x) {
  return pointwise(x, "selu", [](auto tag) {
    using T = decltype(tag);
    return [a = static_cast<T>(kSeluAlpha), s = static_cast<T>(kSeluScale)](T v) {
      return s * (v <= T(0) ? a * std::expm1(v) : v);
    };
  });
}

/// x·Φ(x) = x/2·(1 + erf(x/√2)).
Tensor silu(const Tensor& x) {
  return pointwise(x, "silu", [](auto tag) {
    using T = decltype(tag);
    return [](T v) { return v / (T(1) + std::exp(-v)); };
  });
}

Tensor gelu(const Tensor& x) {
  return pointwise(x, "gelu", [](auto tag) {
    using T = decltype(tag);
    return [inv_sqrt2 = static_cast<T>(1.0 / std::sqrt(2.0))](T v) {
      return T(0.5) * v * (T(1) + std::erf(v * inv_sqrt2));
    };
  });
}

/// tanh(x).
Tensor tanh(const Tensor& x) {
  return pointwise(x, "tanh", [](auto tag) {
    using T = decltype(tag);
    return [](T v) { return std::tanh(v); };
  });
}

/// 1 / (1 + e⁻ˣ).
Tensor sigmoid(const Tensor& x) {
  return pointwise(x, "sigmoid", [](auto tag) {
    using T = decltype(tag);
    return [](T v) { return T(1) / (T(1) + std::exp(-v)); };
  });
}

/// dx = dy·[x > 0] (0 at x = 0 and for NaN x, as PyTorch's threshold_backward).
Tensor relu_backward(const Tensor& grad_output, const Tensor& x) {
  return pointwise_backward(grad_output, x, "relu_backward", "input", [](auto tag) {
    using T = decltype(tag);
    return [](T dy, T v) { return v > T(0) ? dy : T(0); };
  });
}

/// dx = dy·(x > 0 ? 1 : negative_slope).
Tensor leaky_relu_backward(const Tensor& grad_output, const Tensor& x, double negative_slope) {
  return pointwise_backward(grad_output, x, "leaky_relu_backward", "input",
                            [negative_slope](auto tag) {
                              using T = decltype(tag);
                              return [slope = static_cast<T>(negative_slope)](T dy, T v) {
                                return v > T(0) ? dy : dy * slope;
                              };
                            });
}

/// dx = dy·(x > 0 ? 1 : alpha·eˣ).
Tensor elu_backward(const Tensor& grad_output, const Tensor& x, double alpha) {
  return pointwise_backward(grad_output, x, "elu_backward", "input", [alpha](auto tag) {
    using T = decltype(tag);
    return [a = static_cast<T>(alpha)](T dy, T v) { return v > T(0) ? dy : dy * a * std::exp(v); };
  });
}

/// dx = dy·scale·(x > 0 ? 1 : alpha·eˣ).
Tensor selu_backward(const Tensor& grad_output, const Tensor& x) {
  return pointwise_backward(grad_output, x, "selu_backward", "input", [](auto tag) {
    using T = decltype(tag);
    return [a = static_cast<T>(kSeluAlpha), s = static_cast<T>(kSeluScale)](T dy, T v) {
      return dy * s * (v > T(0) ? T(1) : a * std::exp(v));
    };
  });
}

/// dx = dy·(Φ(x) + x·φ(x)), Φ(x) = (1 + erf(x/√2))/2, φ(x) = e^(−x²/2)/√(2π).
Tensor silu_backward(const Tensor& grad_output, const Tensor& x) {
  return pointwise_backward(grad_output, x, "silu_backward", "input", [](auto tag) {
    using T = decltype(tag);
    return [](T dy, T v) {
      const T s = T(1) / (T(1) + std::exp(-v));
      return dy * s * (T(1) + v * (T(1) - s));
    };
  });
}

Tensor gelu_backward(const Tensor& grad_output, const Tensor& x) {
  return pointwise_backward(grad_output, x, "gelu_backward", "input", [](auto tag) {
    using T = decltype(tag);
    return [inv_sqrt2 = static_cast<T>(1.0 / std::sqrt(2.0)),
            inv_sqrt2pi = static_cast<T>(0.5 * std::numbers::inv_sqrtpi * std::numbers::sqrt2)](
               T dy, T v) {
      const T cdf = T(0.5) * (T(1) + std::erf(v * inv_sqrt2));
      const T pdf = inv_sqrt2pi * std::exp(T(-0.5) * v * v);
      return dy * (cdf + v * pdf);
    };
  });
}

/// dx = dy·(1 − y²), from the forward output y = tanh(x).
Tensor tanh_backward(const Tensor& grad_output, const Tensor& y) {
  return pointwise_backward(grad_output, y, "tanh_backward", "output", [](auto tag) {
    using T = decltype(tag);
    return [](T dy, T v) { return dy * (T(1) - v * v); };
  });
}

/// dx = dy·y·(1 − y), from the forward output y = sigmoid(x).
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& y) {
  return pointwise_backward(grad_output, y, "sigmoid_backward", "output", [](auto tag) {
    using T = decltype(tag);
    return [](T dy, T v) { return dy * v * (T(1) - v); };
  });
}

namespace {

/// Columns handled together by one softmax task (the slice's inner dims are contiguous).
constexpr std::int64_t kSoftmaxBlock = 256;

/// Softmax over `len` entries `stride` apart, for `width` ≤ kSoftmaxBlock adjacent columns:
/// m = max, s = Σ e^(x−m) (accumulated in double); softmax y = e^(x−m)·(1/s) (the exponentials
/// are stored in y on the way), log_softmax y = x − m − ln s.
template <bool kLog, class T>
void softmax_block(const T* x, T* y, std::int64_t len, std::int64_t stride, std::int64_t width) {
  std::array<T, kSoftmaxBlock> mx;
  std::array<double, kSoftmaxBlock> sum;
  std::fill(mx.begin(), mx.end(), -std::numeric_limits<T>::infinity());
  std::fill(sum.begin(), sum.end(), 0.0);
  for (std::int64_t l = 0; l < len; ++l) {
    for (std::int64_t i = 0; i < width; ++i) mx[i] = std::max(mx[i], x[l * stride + i]);
  }
  for (std::int64_t l = 0; l < len; ++l) {
    for (std::int64_t i = 0; i < width; ++i) {
      const T e = std::exp(x[l * stride + i] - mx[i]);
      if (!kLog) y[l * stride + i] = e;
      sum[i] += e;
    }
  }
  std::array<T, kSoftmaxBlock> post;  // 1/s, or m + ln s
  for (std::int64_t i = 0; i < width; ++i) {
    post[i] = static_cast<T>(kLog ? mx[i] + std::log(sum[i]) : 1.0 / sum[i]);
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
template <bool kLog, class T>
void softmax_row(const T* x, T* y, std::int64_t len) {
  std::array<T, 4> mx;
  std::fill(mx.begin(), mx.end(), -std::numeric_limits<T>::infinity());
  std::int64_t l = 0;
  for (; l + 4 <= len; l += 4) {
    for (std::size_t k = 0; k < 4; ++k) mx[k] = std::max(mx[k], x[l + std::int64_t(k)]);
  }
  for (; l < len; ++l) mx[0] = std::max(mx[0], x[l]);
  const T m = std::max(std::max(mx[0], mx[1]), std::max(mx[2], mx[3]));
  std::array<double, 4> sum{};
  for (l = 0; l < len; ++l) {
    const T e = std::exp(x[l] - m);
    if (!kLog) y[l] = e;
    sum[std::size_t(l & 3)] += e;
  }
  const double s = (sum[0] + sum[1]) + (sum[2] + sum[3]);
  if (kLog) {
    const auto post = static_cast<T>(m + std::log(s));
    for (l = 0; l < len; ++l) y[l] = x[l] - post;
  } else {
    const auto post = static_cast<T>(1.0 / s);
    for (l = 0; l < len; ++l) y[l] *= post;
  }
}

/// x viewed as (outer, len, inner) around `dim`.
struct SoftmaxLayout {
  std::int64_t len, outer, inner, blocks;
};

SoftmaxLayout softmax_layout(const Shape& s, std::int64_t dim) {
  const std::int64_t d = impl::wrap_dim(dim, static_cast<std::int64_t>(s.size()));
  const std::size_t ud = static_cast<std::size_t>(d);
  SoftmaxLayout l{};
  l.len = s.empty() ? 1 : s[ud];
  l.outer = s.empty() ? 1 : impl::prod(s, 0, ud);
  l.inner = s.empty() ? 1 : impl::prod(s, ud + 1, s.size());
  l.blocks = (l.inner + kSoftmaxBlock - 1) / kSoftmaxBlock;
  return l;
}

/// Tasks are (outer slice, block of inner columns).
template <bool kLog>
Tensor softmax_impl(const Tensor& x, std::int64_t dim, const char* op) {
  const Tensor xc = impl::contiguous_float(x, op, "input");
  const SoftmaxLayout lay = softmax_layout(xc.sizes(), dim);
  return impl::dispatch_float(xc.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::empty(xc.sizes(), xc.dtype());
    const T* xp = xc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const std::int64_t len = lay.len, inner = lay.inner, blocks = lay.blocks;
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
    for (std::int64_t task = 0; task < lay.outer * blocks; ++task) {
      const std::int64_t o = task / blocks, i0 = (task % blocks) * kSoftmaxBlock;
      const std::int64_t offset = o * len * inner + i0;
      if (inner == 1) {
        softmax_row<kLog>(xp + offset, yp + offset, len);
        continue;
      }
      softmax_block<kLog>(xp + offset, yp + offset, len, inner,
                          std::min(kSoftmaxBlock, inner - i0));
    }
    return y;
  });
}

/// Backward of (log-)softmax over `len` entries `stride` apart for `width` adjacent columns:
/// s = Σ_l dy·y (softmax) or Σ_l dy (log_softmax), accumulated in double; then
/// dx = y·(dy − s) or dx = dy − eʸ·s.
template <bool kLog, class T>
void softmax_backward_block(const T* dy, const T* y, T* dx, std::int64_t len, std::int64_t stride,
                            std::int64_t width) {
  std::array<double, kSoftmaxBlock> sum{};
  for (std::int64_t l = 0; l < len; ++l) {
    for (std::int64_t i = 0; i < width; ++i) {
      const std::int64_t at = l * stride + i;
      sum[std::size_t(i)] += kLog ? double(dy[at]) : double(dy[at]) * double(y[at]);
    }
  }
  for (std::int64_t l = 0; l < len; ++l) {
    for (std::int64_t i = 0; i < width; ++i) {
      const std::int64_t at = l * stride + i;
      const auto s = static_cast<T>(sum[std::size_t(i)]);
      dx[at] = kLog ? dy[at] - std::exp(y[at]) * s : y[at] * (dy[at] - s);
    }
  }
}

template <bool kLog>
Tensor softmax_backward_impl(const Tensor& grad_output, const Tensor& y, std::int64_t dim,
                             const char* op) {
  check_grad_output(grad_output, y, op, "output");
  const Tensor yc = y.contiguous(), dyc = grad_output.contiguous();
  const SoftmaxLayout lay = softmax_layout(yc.sizes(), dim);
  return impl::dispatch_float(yc.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor dx = Tensor::empty(yc.sizes(), yc.dtype());
    const T* yp = yc.data_ptr<T>();
    const T* dyp = dyc.data_ptr<T>();
    T* dxp = dx.data_ptr<T>();
    const std::int64_t len = lay.len, inner = lay.inner, blocks = lay.blocks;
#pragma omp parallel for schedule(static) if (yc.numel() > impl::kParallelGrain)
    for (std::int64_t task = 0; task < lay.outer * blocks; ++task) {
      const std::int64_t o = task / blocks, i0 = (task % blocks) * kSoftmaxBlock;
      const std::int64_t offset = o * len * inner + i0;
      softmax_backward_block<kLog>(dyp + offset, yp + offset, dxp + offset, len, inner,
                                   std::min(kSoftmaxBlock, inner - i0));
    }
    return dx;
  });
}

}  // namespace

/// y_i = e^(x_i − m) / Σ_j e^(x_j − m) along dim, m = max_j x_j.
Tensor softmax(const Tensor& x, std::int64_t dim) { return softmax_impl<false>(x, dim, "softmax"); }

/// y_i = x_i − m − ln Σ_j e^(x_j − m) along dim, m = max_j x_j.
Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  return softmax_impl<true>(x, dim, "log_softmax");
}

/// dx = y·(dy − Σ_dim dy·y), from the forward output y = softmax(x, dim).
Tensor softmax_backward(const Tensor& grad_output, const Tensor& y, std::int64_t dim) {
  return softmax_backward_impl<false>(grad_output, y, dim, "softmax_backward");
}

/// dx = dy − eʸ·Σ_dim dy, from the forward output y = log_softmax(x, dim).
Tensor log_softmax_backward(const Tensor& grad_output, const Tensor& y, std::int64_t dim) {
  return softmax_backward_impl<true>(grad_output, y, dim, "log_softmax_backward");
}

}  // namespace weightinit::nn::functional
