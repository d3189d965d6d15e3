// SPDX-License-Identifier: MIT
// Convolution layers (Conv1d, Conv2d, Conv3d, ConvTranspose2d) with PyTorch's constructor init,
// forward and backward.
#pragma once

#include <cstdint>

#include "weightinit/nn/functional.h"
#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// Constructor options of a convolution; a one-entry shape applies to every spatial dim
/// (PyTorch's int form).
struct ConvConfig {
  Shape kernel_size{3};
  Shape stride{1};
  Shape padding{0};
  Shape dilation{1};
  Shape output_padding{0};  ///< transposed convolutions only
  std::int64_t groups = 1;
  bool bias = true;
};

/// Shared body of the convolutions, like torch's _ConvNd. The weight is
/// (out, in/groups, *kernel) — (in, out/groups, *kernel) when transposed — drawn with
/// kaiming_uniform_(a=√5); the bias is drawn from U(±1/√fan_in) only when fan_in != 0. The
/// draws are PyTorch's, so parameters are bit-identical to torch's for the same seed.
class ConvNd : public Module {
 public:
  ConvNd(int spatial_dims, bool transposed, std::int64_t in_channels, std::int64_t out_channels,
         const ConvConfig& config, Generator& gen, DType dtype);

  /// y = conv(x, W, b) (conv_transpose2d when transposed); in grad mode the input is saved for
  /// backward.
  Tensor forward(const Tensor& input) override;
  /// From dL/dy of the latest forward: weight.grad += dL/dW, bias.grad += Σ_{n, p} dL/dy
  /// (when there is a bias), returns dL/dx (functional::conv_backward /
  /// conv_transpose2d_backward).
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;
  std::optional<DefaultInit> default_init(const std::string& name) const override;
  bool is_weight_layer() const override { return true; }

  Tensor& weight() { return parameter("weight").data; }
  Tensor& bias() { return has_parameter("bias") ? parameter("bias").data : no_bias_; }
  const ConvConfig& config() const { return config_; }
  std::int64_t in_channels() const { return in_channels_; }
  std::int64_t out_channels() const { return out_channels_; }

 private:
  int spatial_dims_;
  bool transposed_;
  std::int64_t in_channels_;
  std::int64_t out_channels_;
  ConvConfig config_;  // per-dim shapes expanded to spatial_dims_ entries
  Tensor no_bias_;
};

/// `torch.nn.Conv1d`: input (N, C_in, L).
class Conv1d : public ConvNd {
 public:
  Conv1d(std::int64_t in_channels, std::int64_t out_channels, const ConvConfig& config = {},
         Generator& gen = default_generator(), DType dtype = DType::Float32)
      : ConvNd(1, false, in_channels, out_channels, config, gen, dtype) {}
  std::string type_name() const override { return "Conv1d"; }
};

/// `torch.nn.Conv2d`: input (N, C_in, H, W).
class Conv2d : public ConvNd {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, const ConvConfig& config = {},
         Generator& gen = default_generator(), DType dtype = DType::Float32)
      : ConvNd(2, false, in_channels, out_channels, config, gen, dtype) {}
  std::string type_name() const override { return "Conv2d"; }
};

/// `torch.nn.Conv3d`: input (N, C_in, D, H, W).
class Conv3d : public ConvNd {
 public:
  Conv3d(std::int64_t in_channels, std::int64_t out_channels, const ConvConfig& config = {},
         Generator& gen = default_generator(), DType dtype = DType::Float32)
      : ConvNd(3, false, in_channels, out_channels, config, gen, dtype) {}
  std::string type_name() const override { return "Conv3d"; }
};

/// `torch.nn.ConvTranspose2d`: input (N, C_in, H, W), weight (C_in, C_out/groups, kH, kW).
class ConvTranspose2d : public ConvNd {
 public:
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels,
                  const ConvConfig& config = {}, Generator& gen = default_generator(),
                  DType dtype = DType::Float32)
      : ConvNd(2, true, in_channels, out_channels, config, gen, dtype) {}
  std::string type_name() const override { return "ConvTranspose2d"; }
};

}  // namespace weightinit::nn
