// SPDX-License-Identifier: MIT
// batch_norm (train / eval, running-stat update), layer_norm and their backward kernels, float32
// and float64 (statistics and reductions in double); OpenMP over channels / rows / columns, each
// value reduced by one thread in a fixed order, so results are deterministic.
#include <algorithm>
#include <array>
#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// PyTorch's check_dims_match_num_input_features: "running_mean should contain 3 elements not 4";
/// `t` must have the input's dtype.
void check_features(const char* op, const char* name, std::int64_t features, DType dtype,
                    const Tensor& t) {
  impl::check_same_dtype(t, dtype, op, name);
  WEIGHTINIT_CHECK(t.numel() == features, ShapeError, name, " should contain ", features,
                   " elements not ", t.numel());
}

/// The values of a per-channel tensor in double, or `fallback` repeated when it is undefined.
std::vector<double> per_channel(const Tensor& t, std::int64_t channels, double fallback) {
  if (!t.defined()) return std::vector<double>(static_cast<std::size_t>(channels), fallback);
  return t.contiguous().to_vector<double>();
}

/// A 1-d tensor of element type T holding `v` with shape `sizes`.
template <class T>
Tensor from_doubles(const std::vector<double>& v, const Shape& sizes) {
  const std::vector<T> cast(v.begin(), v.end());
  return Tensor::from_data<T>(std::span<const T>(cast), sizes);
}

/// Σ_{j < len} terms(j) in double with 8 independent accumulators (lane j mod 8) added pairwise
/// at the end. One serial double sum runs at one add per add-latency (4 cycles); the lanes let
/// the CPU (and the compiler's vectoriser) overlap them, ~5× faster for BatchNorm's statistics.
/// The order is fixed, so the result does not depend on the thread count. `terms` returns
/// {a, b}: both sums are formed in one pass.
template <class Terms>
std::array<double, 2> lane_sums(std::int64_t len, Terms&& terms) {
  constexpr int kLanes = 8;
  double a[kLanes] = {}, b[kLanes] = {};
  std::int64_t j = 0;
  for (; j + kLanes <= len; j += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const auto [ta, tb] = terms(j + l);
      a[l] += ta;
      b[l] += tb;
    }
  }
  for (int l = 0; j < len; ++j, ++l) {
    const auto [ta, tb] = terms(j);
    a[l] += ta;
    b[l] += tb;
  }
  const auto total = [](const double* v) {
    return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
  };
  return {total(a), total(b)};
}

/// Per channel c of x (N, C, S): the mean and the biased variance Σ(x − mean)² / (N·S), in
/// double (two passes, each a lane_sums per sample plane, planes added in order).
template <class T>
void batch_stats(const T* x, std::int64_t n, std::int64_t c, std::int64_t s,
                 std::vector<double>& mean, std::vector<double>& var) {
  const double count = static_cast<double>(n * s);
#pragma omp parallel for schedule(static) if (n * c * s > impl::kParallelGrain)
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const T* p = x + (i * c + ch) * s;
      sum += lane_sums(s, [p](std::int64_t j) {
        return std::array<double, 2>{static_cast<double>(p[j]), 0.0};
      })[0];
    }
    const double m = sum / count;
    double sq = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const T* p = x + (i * c + ch) * s;
      sq += lane_sums(s, [p, m](std::int64_t j) {
        const double d = static_cast<double>(p[j]) - m;
        return std::array<double, 2>{d * d, 0.0};
      })[0];
    }
    mean[std::size_t(ch)] = m;
    var[std::size_t(ch)] = sq / count;
  }
}

/// running ← (1 − momentum)·running + momentum·value, written back into `running` (any strides;
/// rounded once to its dtype).
void update_running(Tensor& running, const std::vector<double>& value, double momentum) {
  if (!running.defined()) return;
  const std::vector<double> old = per_channel(running, running.numel(), 0.0);
  std::vector<double> next(old.size());
  for (std::size_t i = 0; i < old.size(); ++i) {
    next[i] = momentum * value[i] + (1.0 - momentum) * old[i];
  }
  running.copy_(Tensor::from_data<double>(std::span<const double>(next), running.sizes()));
}

/// The argument checks of F.batch_norm and ATen's _batch_norm_impl_index, in their order; every
/// defined per-channel tensor must have x's dtype.
void check_batch_norm(const char* op, const Tensor& x, const Tensor& running_mean,
                      const Tensor& running_var, const Tensor& weight, const Tensor& bias,
                      bool training) {
  impl::check_floating(x, op, "input");
  WEIGHTINIT_CHECK(x.dim() >= 2, ShapeError, op,
                   " expects an input of at least 2 dims (N, C, *), but got input of size ",
                   shape_str(x.sizes()));
  const std::int64_t per_channel_values = x.numel() / std::max<std::int64_t>(x.size(1), 1);
  WEIGHTINIT_CHECK(!training || x.size(1) == 0 || per_channel_values != 1, ValueError,
                   "Expected more than 1 value per channel when training, got input size ",
                   shape_str(x.sizes()));
  const std::int64_t c = x.size(1);
  const auto check_running = [&](const char* name, const Tensor& t) {
    if (t.defined()) {
      check_features(op, name, c, x.dtype(), t);
    } else {
      WEIGHTINIT_CHECK(training, ValueError, name, " must be defined in evaluation mode");
    }
  };
  check_running("running_mean", running_mean);
  check_running("running_var", running_var);
  if (weight.defined()) check_features(op, "weight", c, x.dtype(), weight);
  if (bias.defined()) check_features(op, "bias", c, x.dtype(), bias);
}

/// grad_output must have x's dtype and shape (the normalisations keep the input's shape).
void check_grad_output(const Tensor& grad_output, const Tensor& x, const char* op) {
  impl::check_same_dtype(grad_output, x.dtype(), op, "grad_output");
  WEIGHTINIT_CHECK(grad_output.sizes() == x.sizes(), ShapeError, op,
                   ": grad_output must have the input's size ", shape_str(x.sizes()), ", but got ",
                   shape_str(grad_output.sizes()));
}

}  // namespace

/// y = (x − mean)/√(var + eps)·weight + bias per channel (dim 1 of (N, C, *)), computed as
/// y = x·α + β with α = weight/√(var + eps), β = bias − mean·α. Training uses the batch mean and
/// biased variance and updates running_mean/var with momentum (running_var with the unbiased
/// variance var·m/(m − 1), m = N·S values per channel); eval uses running_mean/var.
Tensor batch_norm(const Tensor& x, Tensor& running_mean, Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_batch_norm("batch_norm", x, running_mean, running_var, weight, bias, training);
  if (x.numel() == 0) return Tensor::empty(x.sizes(), x.dtype());
  const Tensor xc = x.contiguous();
  const std::int64_t n = xc.size(0), c = xc.size(1), s = xc.numel() / (n * c);
  const auto channels = static_cast<std::size_t>(c);
  return impl::dispatch_float(x.dtype(), "batch_norm", [&](auto tag) {
    using T = decltype(tag);
    std::vector<double> mean(channels), var(channels);
    if (training) {
      batch_stats(xc.data_ptr<T>(), n, c, s, mean, var);
      const double m = static_cast<double>(n * s);
      std::vector<double> unbiased(var);
      for (double& v : unbiased) v = v * m / (m - 1.0);
      update_running(running_mean, mean, momentum);
      update_running(running_var, unbiased, momentum);
    } else {
      mean = per_channel(running_mean, c, 0.0);
      var = per_channel(running_var, c, 1.0);
    }
    const std::vector<double> w = per_channel(weight, c, 1.0), b = per_channel(bias, c, 0.0);
    std::vector<T> alpha(channels), beta(channels);
    for (std::size_t i = 0; i < alpha.size(); ++i) {
      const double a = w[i] / std::sqrt(var[i] + eps);
      alpha[i] = static_cast<T>(a);
      beta[i] = static_cast<T>(b[i] - mean[i] * a);
    }
    Tensor y = Tensor::empty(xc.sizes(), x.dtype());
    const T* xp = xc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
    for (std::int64_t plane = 0; plane < n * c; ++plane) {
      const T a = alpha[std::size_t(plane % c)], bb = beta[std::size_t(plane % c)];
      for (std::int64_t j = 0; j < s; ++j) yp[plane * s + j] = xp[plane * s + j] * a + bb;
    }
    return y;
  });
}

/// Per channel, with x̂ = (x − μ)·σ⁻¹, σ⁻¹ = 1/√(var + eps), γ = weight (1 when undefined) and
/// M = N·S values per channel:
///   training (μ, var the batch mean and biased variance, recomputed from x):
///     dx = γσ⁻¹/M · (M·dy − Σdy − x̂·Σ(dy·x̂));
///   eval (μ, var = running_mean, running_var): dx = dy·γσ⁻¹;
///   dγ = Σ dy·x̂, dβ = Σ dy (sums over N and the spatial dims, in double).
Grads batch_norm_backward(const Tensor& grad_output, const Tensor& x, const Tensor& running_mean,
                          const Tensor& running_var, const Tensor& weight, bool has_bias,
                          bool training, double eps) {
  const char* op = "batch_norm_backward";
  check_batch_norm(op, x, running_mean, running_var, weight, Tensor(), training);
  check_grad_output(grad_output, x, op);
  const std::int64_t c = x.size(1);
  const auto channels = static_cast<std::size_t>(c);
  std::vector<double> dw(channels, 0.0), db(channels, 0.0);
  Grads grads;
  grads.input = Tensor::empty(x.sizes(), x.dtype());
  if (x.numel() != 0) {
    const Tensor xc = x.contiguous(), dyc = grad_output.contiguous();
    const std::int64_t n = xc.size(0), s = xc.numel() / (n * c);
    impl::dispatch_float(x.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      const T* xp = xc.data_ptr<T>();
      const T* dyp = dyc.data_ptr<T>();
      T* dxp = grads.input.data_ptr<T>();
      std::vector<double> mean(channels), var(channels);
      if (training) {
        batch_stats(xp, n, c, s, mean, var);
      } else {
        mean = per_channel(running_mean, c, 0.0);
        var = per_channel(running_var, c, 1.0);
      }
      const std::vector<double> w = per_channel(weight, c, 1.0);
      const double m = static_cast<double>(n * s);
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
      for (std::int64_t ch = 0; ch < c; ++ch) {
        const auto k = static_cast<std::size_t>(ch);
        const double mu = mean[k], rstd = 1.0 / std::sqrt(var[k] + eps);
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (std::int64_t i = 0; i < n; ++i) {
          const T* dyi = dyp + (i * c + ch) * s;
          const T* xi = xp + (i * c + ch) * s;
          const auto [a, b] = lane_sums(s, [&](std::int64_t j) {
            const double dy = dyi[j];
            return std::array<double, 2>{dy, dy * (xi[j] - mu) * rstd};
          });
          sum_dy += a;
          sum_dy_xhat += b;
        }
        dw[k] = sum_dy_xhat;
        db[k] = sum_dy;
        const double scale = training ? w[k] * rstd / m : w[k] * rstd;
        for (std::int64_t i = 0; i < n; ++i) {
          const std::int64_t base = (i * c + ch) * s;
          for (std::int64_t j = 0; j < s; ++j) {
            const double dy = dyp[base + j];
            if (training) {
              const double xhat = (xp[base + j] - mu) * rstd;
              dxp[base + j] = static_cast<T>(scale * (m * dy - sum_dy - xhat * sum_dy_xhat));
            } else {
              dxp[base + j] = static_cast<T>(scale * dy);
            }
          }
        }
      }
    });
  }
  impl::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    if (weight.defined()) grads.weight = from_doubles<T>(dw, weight.sizes());
    if (has_bias) grads.bias = from_doubles<T>(db, {c});
  });
  return grads;
}

namespace {

/// _check_layer_norm_inputs of PyTorch, with its messages; weight and bias must have x's dtype.
void check_layer_norm(const char* op, const Tensor& x, const Shape& shape, const Tensor& weight,
                      const Tensor& bias) {
  impl::check_floating(x, op, "input");
  WEIGHTINIT_CHECK(!shape.empty(), ValueError,
                   "Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                   "least one element, but got normalized_shape = []");
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    impl::check_same_dtype(*t, x.dtype(), op, name);
    WEIGHTINIT_CHECK(t->sizes() == shape, ShapeError, "Expected ", name,
                     " to be of same shape as normalized_shape, but got ", name, " of shape ",
                     shape_str(t->sizes()), " and normalized_shape = ", shape_str(shape));
  }
  const std::size_t nd = shape.size(), xd = x.sizes().size();
  const bool ok = xd >= nd && Shape(x.sizes().end() - static_cast<std::ptrdiff_t>(nd),
                                    x.sizes().end()) == shape;
  std::string expected = "[*";
  for (const std::int64_t v : shape) expected += ", " + std::to_string(v);
  WEIGHTINIT_CHECK(ok, ShapeError, "Given normalized_shape=", shape_str(shape),
                   ", expected input with shape ", expected, "], but got input of size",
                   shape_str(x.sizes()));
}

/// Mean and 1/√(biased variance + eps) of one row of n values (double, two passes).
template <class T>
std::pair<double, double> row_stats(const T* xr, std::int64_t n, double eps) {
  double sum = 0.0, sq = 0.0;
  for (std::int64_t j = 0; j < n; ++j) sum += xr[j];
  const double mean = sum / static_cast<double>(n);
  for (std::int64_t j = 0; j < n; ++j) sq += (xr[j] - mean) * (xr[j] - mean);
  return {mean, 1.0 / std::sqrt(sq / static_cast<double>(n) + eps)};
}

}  // namespace

/// Per row r of the (M, n) view (n = Π normalized_shape): y = (x − μ_r)/√(σ²_r + eps)·w + b with
/// the row mean μ_r and biased variance σ²_r (double, two passes).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_layer_norm("layer_norm", x, normalized_shape, weight, bias);
  const Tensor xc = x.contiguous();
  const std::int64_t n = numel_of(normalized_shape), rows = n == 0 ? 0 : xc.numel() / n;
  const Tensor wc = weight.defined() ? weight.contiguous() : Tensor();
  const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  return impl::dispatch_float(x.dtype(), "layer_norm", [&](auto tag) {
    using T = decltype(tag);
    const T* wp = wc.defined() ? wc.data_ptr<T>() : nullptr;
    const T* bp = bc.defined() ? bc.data_ptr<T>() : nullptr;
    Tensor y = Tensor::empty(xc.sizes(), x.dtype());
    const T* xp = xc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* xr = xp + r * n;
      T* yr = yp + r * n;
      const auto [mean, rstd] = row_stats(xr, n, eps);
      for (std::int64_t j = 0; j < n; ++j) {
        const double v = (xr[j] - mean) * rstd;
        yr[j] = static_cast<T>(v * (wp ? wp[j] : T(1)) + (bp ? bp[j] : T(0)));
      }
    }
    return y;
  });
}

/// Per row r of the (M, n) view, with x̂ = (x − μ_r)·σ_r⁻¹ and g = dy·w (w = 1 when undefined):
///   dx = σ_r⁻¹/n · (n·g − Σ_j g − x̂·Σ_j g·x̂);
/// dw[j] = Σ_r dy[r, j]·x̂[r, j], db[j] = Σ_r dy[r, j] (in double).
Grads layer_norm_backward(const Tensor& grad_output, const Tensor& x, const Shape& normalized_shape,
                          const Tensor& weight, bool has_bias, double eps) {
  const char* op = "layer_norm_backward";
  check_layer_norm(op, x, normalized_shape, weight, Tensor());
  check_grad_output(grad_output, x, op);
  const Tensor xc = x.contiguous(), dyc = grad_output.contiguous();
  const Tensor wc = weight.defined() ? weight.contiguous() : Tensor();
  const std::int64_t n = numel_of(normalized_shape), rows = n == 0 ? 0 : xc.numel() / n;
  Grads grads;
  impl::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = xc.data_ptr<T>();
    const T* dyp = dyc.data_ptr<T>();
    const T* wp = wc.defined() ? wc.data_ptr<T>() : nullptr;
    grads.input = Tensor::empty(x.sizes(), x.dtype());
    T* dxp = grads.input.data_ptr<T>();
    std::vector<double> means(static_cast<std::size_t>(rows)), rstds(means.size());
    const double count = static_cast<double>(n);
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
    for (std::int64_t r = 0; r < rows; ++r) {
      const T* xr = xp + r * n;
      const T* dyr = dyp + r * n;
      const auto [mean, rstd] = row_stats(xr, n, eps);
      means[std::size_t(r)] = mean;
      rstds[std::size_t(r)] = rstd;
      double sum_g = 0.0, sum_g_xhat = 0.0;
      for (std::int64_t j = 0; j < n; ++j) {
        const double g = static_cast<double>(dyr[j]) * (wp ? wp[j] : T(1));
        sum_g += g;
        sum_g_xhat += g * (xr[j] - mean) * rstd;
      }
      for (std::int64_t j = 0; j < n; ++j) {
        const double g = static_cast<double>(dyr[j]) * (wp ? wp[j] : T(1));
        const double xhat = (xr[j] - mean) * rstd;
        dxp[r * n + j] = static_cast<T>(rstd / count * (count * g - sum_g - xhat * sum_g_xhat));
      }
    }
    if (!weight.defined() && !has_bias) return;
    // Column sums over the rows, in row order: one block of columns per iteration.
    std::vector<double> dw(static_cast<std::size_t>(n), 0.0), db(dw.size(), 0.0);
    constexpr std::int64_t kBlock = 64;
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
    for (std::int64_t j0 = 0; j0 < n; j0 += kBlock) {
      const std::int64_t j1 = std::min(j0 + kBlock, n);
      for (std::int64_t r = 0; r < rows; ++r) {
        const double mean = means[std::size_t(r)], rstd = rstds[std::size_t(r)];
        for (std::int64_t j = j0; j < j1; ++j) {
          const double dy = dyp[r * n + j];
          dw[std::size_t(j)] += dy * (xp[r * n + j] - mean) * rstd;
          db[std::size_t(j)] += dy;
        }
      }
    }
    if (weight.defined()) grads.weight = from_doubles<T>(dw, normalized_shape);
    if (has_bias) grads.bias = from_doubles<T>(db, normalized_shape);
  });
  return grads;
}

}  // namespace weightinit::nn::functional
