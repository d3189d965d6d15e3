// SPDX-License-Identifier: MIT
// BatchNorm1d/2d/3d and LayerNorm, with PyTorch's parameters, buffers and defaults.
#pragma once

#include <cstdint>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// Batch normalisation (Ioffe & Szegedy 2015) over dim 1, like torch's _BatchNorm:
/// y = (x − mean) / √(var + eps) · weight + bias. Parameters weight (ones) and bias (zeros) when
/// affine; buffers running_mean (zeros), running_var (ones) and num_batches_tracked (int64 0)
/// when track_running_stats. No random draws. Training mode normalises with batch statistics
/// and updates the running ones with `momentum`; eval mode uses the running ones.
class BatchNorm : public Module {
 public:
  BatchNorm(int spatial_dims, std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
            bool affine = true, bool track_running_stats = true, DType dtype = DType::Float32);

  std::string type_name() const override;
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_own_parameters(Generator& gen) override;

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
                       bool affine = true, bool track_running_stats = true)
      : BatchNorm(1, num_features, eps, momentum, affine, track_running_stats) {}
};
/// `torch.nn.BatchNorm2d`: input (N, C, H, W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNorm(2, num_features, eps, momentum, affine, track_running_stats) {}
};
/// `torch.nn.BatchNorm3d`: input (N, C, D, H, W).
class BatchNorm3d : public BatchNorm {
 public:
  explicit BatchNorm3d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNorm(3, num_features, eps, momentum, affine, track_running_stats) {}
};

/// Layer normalisation (Ba et al. 2016) over the trailing `normalized_shape` dims, like
/// `torch.nn.LayerNorm`: weight ones, bias zeros when elementwise_affine. No random draws.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true,
                     DType dtype = DType::Float32);
  std::string type_name() const override { return "LayerNorm"; }
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_own_parameters(Generator& gen) override;

 private:
  Shape normalized_shape_;
  double eps_;
  bool affine_;
};

}  // namespace weightinit::nn
