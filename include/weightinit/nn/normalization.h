// SPDX-License-Identifier: MIT
// BatchNorm1d/2d/3d, LayerNorm and RMSNorm, with PyTorch's (and Hugging Face's) parameters,
// buffers and defaults.
#pragma once

#include <cstdint>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// Batch normalisation (Ioffe & Szegedy 2015) over dim 1, like torch's _BatchNorm:
/// y = (x − mean) / √(var + eps) · weight + bias. Parameters weight (ones) and bias (zeros) when
/// affine; buffers running_mean (zeros), running_var (ones) and num_batches_tracked (int64 0)
/// when track_running_stats. No random draws. Training mode normalises with batch statistics
/// and updates the running ones with `momentum`; eval mode uses the running ones. float32 or
/// float64 (`dtype`, which the input must match).
class BatchNorm : public Module {
 public:
  BatchNorm(int spatial_dims, std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
            bool affine = true, bool track_running_stats = true, DType dtype = DType::Float32);

  std::string type_name() const override;
  Tensor forward(const Tensor& input) override;
  /// functional::batch_norm_backward with the statistics the forward used: training (or no
  /// running stats): through the batch mean and biased variance, recomputed from the saved
  /// input (not the running buffers, which the forward updated), dx = γσ⁻¹/M·(M·dy − Σdy −
  /// x̂·Σdy·x̂); eval: the running stats as they were at the forward, dx = dy·γ/√(var + eps).
  /// Adds dγ = Σdy·x̂ and dβ = Σdy into weight.grad / bias.grad when affine.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;
  std::optional<DefaultInit> default_init(const std::string& name) const override;
  void reset_own_parameters(Generator& gen) override;  // running stats, then the defaults

  std::int64_t num_features() const { return num_features_; }

 private:
  int spatial_dims_;  // 0 for BatchNorm1d's (N, C) input; 1: (N, C, L); 2; 3
  std::int64_t num_features_;
  double eps_, momentum_;
  bool affine_, track_running_stats_;
};

/// `torch.nn.BatchNorm1d`: input (N, C) or (N, C, L).
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true,
                       DType dtype = DType::Float32)
      : BatchNorm(1, num_features, eps, momentum, affine, track_running_stats, dtype) {}
};
/// `torch.nn.BatchNorm2d`: input (N, C, H, W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true,
                       DType dtype = DType::Float32)
      : BatchNorm(2, num_features, eps, momentum, affine, track_running_stats, dtype) {}
};
/// `torch.nn.BatchNorm3d`: input (N, C, D, H, W).
class BatchNorm3d : public BatchNorm {
 public:
  explicit BatchNorm3d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true,
                       DType dtype = DType::Float32)
      : BatchNorm(3, num_features, eps, momentum, affine, track_running_stats, dtype) {}
};

/// Layer normalisation (Ba et al. 2016) over the trailing `normalized_shape` dims, like
/// `torch.nn.LayerNorm`: weight ones, bias zeros when elementwise_affine. No random draws.
/// float32 or float64 (`dtype`, which the input must match).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     DType dtype = DType::Float32);
  std::string type_name() const override { return "LayerNorm"; }
  Tensor forward(const Tensor& input) override;
  /// functional::layer_norm_backward on the saved input: per row, dx = σ⁻¹/n·(n·g − Σg −
  /// x̂·Σg·x̂) with g = dy·w; adds dw = Σ_rows dy·x̂ and db = Σ_rows dy into the grads when
  /// elementwise_affine.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;
  std::optional<DefaultInit> default_init(const std::string& name) const override;

 private:
  Shape normalized_shape_;
  double eps_;
  bool affine_;
};

/// Root-mean-square layer normalisation (Zhang & Sennrich 2019, "Root Mean Square Layer
/// Normalization") over the last dim, like Hugging Face's `LlamaRMSNorm(hidden_size, eps)`:
/// y = x / sqrt(mean(x^2) + eps) * weight, with the mean over the last dim and no centring and
/// no bias. One parameter, weight (dim), initialized to ones; no random draws. eps defaults to
/// 1e-6 (LlamaConfig.rms_norm_eps). float32 or float64 (`dtype`, which the input must match);
/// the statistics are computed in double.
class RMSNorm : public Module {
 public:
  explicit RMSNorm(std::int64_t dim, double eps = 1e-6, DType dtype = DType::Float32);
  std::string type_name() const override { return "RMSNorm"; }
  /// Input (..., dim); per row r of the (M, dim) view, y[r, j] = x[r, j] / sqrt(Σ_j x[r, j]² /
  /// dim + eps) · weight[j].
  Tensor forward(const Tensor& input) override;
  /// With r = (Σx²/dim + eps)^(−1/2) per row and g = dy·weight: dx = r·(g − x·r²·Σ(g·x)/dim);
  /// weight.grad += Σ_rows dy·x·r (in double, rounded once).
  Tensor backward(const Tensor& grad_output) override;
  /// "(4096,), eps=1e-06", as LlamaRMSNorm.extra_repr prints it.
  std::string extra_repr() const override;
  std::optional<DefaultInit> default_init(const std::string& name) const override;

  std::int64_t dim() const { return dim_; }
  double eps() const { return eps_; }

 private:
  std::int64_t dim_;
  double eps_;
};

}  // namespace weightinit::nn
