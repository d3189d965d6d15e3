// SPDX-License-Identifier: MIT
// batch_norm (train / eval, running-stat update) and layer_norm; OpenMP over channels / rows.
#include <algorithm>
#include <cmath>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// PyTorch's check_dims_match_num_input_features: "running_mean should contain 3 elements not 4".
void check_features(const char* name, std::int64_t features, const Tensor& t) {
  impl::check_float32(t, "batch_norm", name);
  WEIGHTINIT_CHECK(t.numel() == features, ShapeError, name, " should contain ", features,
                   " elements not ", t.numel());
}

/// The values of a per-channel tensor in double, or `fallback` repeated when it is undefined.
std::vector<double> per_channel(const Tensor& t, std::int64_t channels, double fallback) {
  if (!t.defined()) return std::vector<double>(static_cast<std::size_t>(channels), fallback);
  const std::vector<float> v = t.contiguous().to_vector<float>();
  return std::vector<double>(v.begin(), v.end());
}

/// Per channel c of x (N, C, S): the mean and the biased variance Σ(x − mean)² / (N·S), in
/// double (two passes).
void batch_stats(const float* x, std::int64_t n, std::int64_t c, std::int64_t s,
                 std::vector<double>& mean, std::vector<double>& var) {
  const double count = static_cast<double>(n * s);
#pragma omp parallel for schedule(static) if (n * c * s > impl::kParallelGrain)
  for (std::int64_t ch = 0; ch < c; ++ch) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const float* p = x + (i * c + ch) * s;
      for (std::int64_t j = 0; j < s; ++j) sum += p[j];
    }
    const double m = sum / count;
    double sq = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const float* p = x + (i * c + ch) * s;
      for (std::int64_t j = 0; j < s; ++j) sq += (p[j] - m) * (p[j] - m);
    }
    mean[std::size_t(ch)] = m;
    var[std::size_t(ch)] = sq / count;
  }
}

/// running ← (1 − momentum)·running + momentum·value, written back into `running` (any strides).
void update_running(Tensor& running, const std::vector<double>& value, double momentum) {
  if (!running.defined()) return;
  const std::vector<double> old = per_channel(running, running.numel(), 0.0);
  std::vector<float> next(old.size());
  for (std::size_t i = 0; i < old.size(); ++i) {
    next[i] = static_cast<float>(momentum * value[i] + (1.0 - momentum) * old[i]);
  }
  running.copy_(Tensor::from_data<float>(std::span<const float>(next), running.sizes()));
}

/// The argument checks of F.batch_norm and ATen's _batch_norm_impl_index, in their order.
void check_batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                      const Tensor& weight, const Tensor& bias, bool training) {
  impl::check_float32(x, "batch_norm", "input");
  WEIGHTINIT_CHECK(
      x.dim() >= 2, ShapeError,
      "batch_norm expects an input of at least 2 dims (N, C, *), but got input of size ",
      shape_str(x.sizes()));
  const std::int64_t per_channel_values = x.numel() / std::max<std::int64_t>(x.size(1), 1);
  WEIGHTINIT_CHECK(!training || x.size(1) == 0 || per_channel_values != 1, ValueError,
                   "Expected more than 1 value per channel when training, got input size ",
                   shape_str(x.sizes()));
  const std::int64_t c = x.size(1);
  const auto check_running = [&](const char* name, const Tensor& t) {
    if (t.defined()) {
      check_features(name, c, t);
    } else {
      WEIGHTINIT_CHECK(training, ValueError, name, " must be defined in evaluation mode");
    }
  };
  check_running("running_mean", running_mean);
  check_running("running_var", running_var);
  if (weight.defined()) check_features("weight", c, weight);
  if (bias.defined()) check_features("bias", c, bias);
}

}  // namespace

/// y = (x − mean)/√(var + eps)·weight + bias per channel (dim 1 of (N, C, *)), computed as
/// y = x·α + β with α = weight/√(var + eps), β = bias − mean·α. Training uses the batch mean and
/// biased variance and updates running_mean/var with momentum (running_var with the unbiased
/// variance var·m/(m − 1), m = N·S values per channel); eval uses running_mean/var.
Tensor batch_norm(const Tensor& x, Tensor& running_mean, Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum, double eps) {
  check_batch_norm(x, running_mean, running_var, weight, bias, training);
  if (x.numel() == 0) return Tensor::empty(x.sizes());
  const Tensor xc = x.contiguous();
  const std::int64_t n = xc.size(0), c = xc.size(1), s = xc.numel() / (n * c);
  const auto channels = static_cast<std::size_t>(c);
  std::vector<double> mean(channels), var(channels);
  if (training) {
    batch_stats(xc.data_ptr<float>(), n, c, s, mean, var);
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
  std::vector<float> alpha(channels), beta(channels);
  for (std::size_t i = 0; i < alpha.size(); ++i) {
    const double a = w[i] / std::sqrt(var[i] + eps);
    alpha[i] = static_cast<float>(a);
    beta[i] = static_cast<float>(b[i] - mean[i] * a);
  }
  Tensor y = Tensor::empty(xc.sizes());
  const float* xp = xc.data_ptr<float>();
  float* yp = y.data_ptr<float>();
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
  for (std::int64_t plane = 0; plane < n * c; ++plane) {
    const float a = alpha[std::size_t(plane % c)], bb = beta[std::size_t(plane % c)];
    for (std::int64_t j = 0; j < s; ++j) yp[plane * s + j] = xp[plane * s + j] * a + bb;
  }
  return y;
}

namespace {

/// _check_layer_norm_inputs of PyTorch, with its messages.
void check_layer_norm(const Tensor& x, const Shape& shape, const Tensor& weight,
                      const Tensor& bias) {
  impl::check_float32(x, "layer_norm", "input");
  WEIGHTINIT_CHECK(!shape.empty(), ValueError,
                   "Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
                   "least one element, but got normalized_shape = []");
  for (const auto& [t, name] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    impl::check_float32(*t, "layer_norm", name);
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

}  // namespace

/// Per row r of the (M, n) view (n = Π normalized_shape): y = (x − μ_r)/√(σ²_r + eps)·w + b with
/// the row mean μ_r and biased variance σ²_r (double, two passes).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  check_layer_norm(x, normalized_shape, weight, bias);
  const Tensor xc = x.contiguous();
  const std::int64_t n = numel_of(normalized_shape), rows = n == 0 ? 0 : xc.numel() / n;
  const Tensor wc = weight.defined() ? weight.contiguous() : Tensor();
  const Tensor bc = bias.defined() ? bias.contiguous() : Tensor();
  const float* wp = wc.defined() ? wc.data_ptr<float>() : nullptr;
  const float* bp = bc.defined() ? bc.data_ptr<float>() : nullptr;
  Tensor y = Tensor::empty(xc.sizes());
  const float* xp = xc.data_ptr<float>();
  float* yp = y.data_ptr<float>();
#pragma omp parallel for schedule(static) if (xc.numel() > impl::kParallelGrain)
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* xr = xp + r * n;
    float* yr = yp + r * n;
    double sum = 0.0, sq = 0.0;
    for (std::int64_t j = 0; j < n; ++j) sum += xr[j];
    const double mean = sum / static_cast<double>(n);
    for (std::int64_t j = 0; j < n; ++j) sq += (xr[j] - mean) * (xr[j] - mean);
    const double rstd = 1.0 / std::sqrt(sq / static_cast<double>(n) + eps);
    for (std::int64_t j = 0; j < n; ++j) {
      const double v = (xr[j] - mean) * rstd;
      yr[j] = static_cast<float>(v * (wp ? wp[j] : 1.0f) + (bp ? bp[j] : 0.0f));
    }
  }
  return y;
}

}  // namespace weightinit::nn::functional
