// SPDX-License-Identifier: MIT
// Losses with input gradients: values accumulated in double, gradients in the input dtype.
#include "weightinit/train/loss.h"

#include <algorithm>
#include <cmath>
#include <span>
#include <string>

#include "weightinit/error.h"

namespace weightinit::train {
namespace {

std::vector<double> values_of(const Tensor& t, const char* what) {
  WEIGHTINIT_CHECK(t.defined(), ValueError, what, ": undefined tensor");
  return t.to(DType::Float64).to_vector<double>();
}

/// The gradient in the input's dtype: float64 as computed, float32 rounded once.
Tensor float_tensor(const std::vector<double>& v, const Shape& sizes, DType dtype) {
  if (dtype == DType::Float64) return Tensor::from_data<double>(std::span<const double>(v), sizes);
  std::vector<float> f(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) f[i] = static_cast<float>(v[i]);
  return Tensor::from_data<float>(std::span<const float>(f), sizes);
}

std::string torch_size(const Shape& s) {
  std::string out = "torch.Size([";
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "])";
}

void check_classification(const Tensor& input, const std::vector<std::int64_t>& targets,
                          const char* name) {
  WEIGHTINIT_CHECK(input.defined() && input.dim() == 2, ShapeError, name,
                   " expects a 2-D input (N, C), got shape ",
                   input.defined() ? shape_str(input.sizes()) : std::string("undefined"));
  const std::int64_t n = input.size(0);
  WEIGHTINIT_CHECK(n == static_cast<std::int64_t>(targets.size()), ShapeError,
                   "Expected input batch_size (", n, ") to match target batch_size (",
                   targets.size(), ").");
  WEIGHTINIT_CHECK(n > 0, ShapeError, name, " expects a non-empty batch");
  const std::int64_t c = input.size(1);
  for (std::int64_t t : targets) {
    WEIGHTINIT_CHECK(t >= 0 && t < c, IndexError, "Target ", t, " is out of bounds.");
  }
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* name) {
  WEIGHTINIT_CHECK(input.defined() && target.defined(), ValueError, name,
                   ": undefined input or target");
  WEIGHTINIT_CHECK(input.sizes() == target.sizes(), ShapeError, "Target size (",
                   torch_size(target.sizes()), ") must be the same as input size (",
                   torch_size(input.sizes()), ")");
  WEIGHTINIT_CHECK(input.numel() > 0, ShapeError, name, " expects a non-empty input");
}

}  // namespace

LossResult cross_entropy(const Tensor& logits, const std::vector<std::int64_t>& targets,
                         double label_smoothing) {
  WEIGHTINIT_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, ValueError,
                   "label_smoothing must be between 0.0 and 1.0. Got: ", label_smoothing);
  check_classification(logits, targets, "cross_entropy");
  const std::int64_t n = logits.size(0), c = logits.size(1);
  const std::vector<double> x = values_of(logits, "cross_entropy");
  std::vector<double> g(x.size());
  const double eps = label_smoothing;
  double nll = 0.0, smooth = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = x.data() + i * c;
    double mx = row[0];
    for (std::int64_t j = 1; j < c; ++j) mx = std::max(mx, row[j]);
    double sum = 0.0;
    for (std::int64_t j = 0; j < c; ++j) sum += std::exp(row[j] - mx);
    const double lse = mx + std::log(sum);
    const std::int64_t t = targets[static_cast<std::size_t>(i)];
    nll += lse - row[t];
    double row_smooth = 0.0;
    for (std::int64_t j = 0; j < c; ++j) {
      row_smooth += lse - row[j];
      const double p = std::exp(row[j] - lse);
      const double q = (j == t ? 1.0 - eps : 0.0) + eps / static_cast<double>(c);
      g[static_cast<std::size_t>(i * c + j)] = (p - q) / static_cast<double>(n);
    }
    smooth += row_smooth;
  }
  const double dn = static_cast<double>(n);
  LossResult r;
  r.loss = (1.0 - eps) * (nll / dn) + eps / static_cast<double>(c) * (smooth / dn);
  r.grad_input = float_tensor(g, logits.sizes(), logits.dtype());
  return r;
}

LossResult nll_loss(const Tensor& log_probs, const std::vector<std::int64_t>& targets) {
  check_classification(log_probs, targets, "nll_loss");
  const std::int64_t n = log_probs.size(0), c = log_probs.size(1);
  const std::vector<double> x = values_of(log_probs, "nll_loss");
  std::vector<double> g(x.size(), 0.0);
  double sum = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::size_t k = static_cast<std::size_t>(i * c + targets[static_cast<std::size_t>(i)]);
    sum -= x[k];
    g[k] = -1.0 / static_cast<double>(n);
  }
  return {sum / static_cast<double>(n), float_tensor(g, log_probs.sizes(), log_probs.dtype())};
}

LossResult mse_loss(const Tensor& input, const Tensor& target) {
  check_same_shape(input, target, "mse_loss");
  const std::vector<double> x = values_of(input, "mse_loss"), y = values_of(target, "mse_loss");
  const double n = static_cast<double>(x.size());
  std::vector<double> g(x.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double d = x[i] - y[i];
    sum += d * d;
    g[i] = 2.0 * d / n;
  }
  return {sum / n, float_tensor(g, input.sizes(), input.dtype())};
}

LossResult binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target) {
  check_same_shape(input, target, "binary_cross_entropy_with_logits");
  const std::vector<double> x = values_of(input, "binary_cross_entropy_with_logits");
  const std::vector<double> y = values_of(target, "binary_cross_entropy_with_logits");
  const double n = static_cast<double>(x.size());
  std::vector<double> g(x.size());
  double sum = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sum += std::max(x[i], 0.0) - x[i] * y[i] + std::log1p(std::exp(-std::abs(x[i])));
    // sigmoid without overflow: for x < 0, e^x / (1 + e^x).
    const double s =
        x[i] >= 0 ? 1.0 / (1.0 + std::exp(-x[i])) : std::exp(x[i]) / (1.0 + std::exp(x[i]));
    g[i] = (s - y[i]) / n;
  }
  return {sum / n, float_tensor(g, input.sizes(), input.dtype())};
}

}  // namespace weightinit::train
