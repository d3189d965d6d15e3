// SPDX-License-Identifier: MIT
// Internal: torchvision.ops pieces that EfficientNet, RegNet and ConvNeXt share —
// Conv2dNormActivation, SqueezeExcitation, StochasticDepth, Permute, and ConvNeXt's LayerNorm2d
// — with torchvision 0.14's names, children order and constructor draws.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "models/zoo_parts.h"
#include "weightinit/nn/normalization.h"

namespace weightinit::models::detail {

/// The activation a Conv2dNormActivation ends with (torchvision's activation_layer).
enum class ConvActivation { None, ReLU, SiLU };

/// The norm a Conv2dNormActivation uses (torchvision's norm_layer).
enum class ConvNorm { BatchNorm2d, LayerNorm2d };

/// torchvision.ops.Conv2dNormActivation's arguments: padding −1 is torchvision's default
/// (kernel − 1) / 2; the conv has a bias only when asked (torchvision: bias = norm is None).
struct ConvNormActivationOptions {
  std::int64_t kernel = 3;
  std::int64_t stride = 1;
  std::int64_t padding = -1;
  std::int64_t groups = 1;
  bool bias = false;
  ConvNorm norm = ConvNorm::BatchNorm2d;
  ConvActivation activation = ConvActivation::ReLU;
  std::string type = "Conv2dNormActivation";  ///< the Sequential subclass's name
};

/// torchvision.ops.Conv2dNormActivation(in, out, ...): a Sequential subclass of Conv2d (its
/// constructor draws), the norm and the activation (so, like any Sequential, no summary row).
std::shared_ptr<nn::Module> conv_norm_activation(std::int64_t in, std::int64_t out,
                                                 const ConvNormActivationOptions& options,
                                                 Generator& gen);

/// y[n, c, ...] = s[n or 0, c] · x[n, c, ...]: a per-channel scale, broadcast like torch's
/// `scale * input` for s of shape (N, C, 1, 1) (SqueezeExcitation) or (C, 1, 1) (ConvNeXt's
/// layer_scale). Exact: one float multiply per element, as torch.
Tensor scale_channels(const Tensor& scale, const Tensor& x);

/// The gradient of scale_channels with respect to the scale: Σ dy·x over each channel's
/// elements, per sample ((N, C, 1, 1), per_sample) or over the whole batch ((C, 1, 1)), summed in
/// double and rounded once.
Tensor scale_channels_grad(const Tensor& grad_output, const Tensor& x, bool per_sample);

/// torchvision.ops.SqueezeExcitation(input_channels, squeeze_channels, activation, Sigmoid) (Hu
/// et al. 2018, "Squeeze-and-Excitation Networks", eq. 3): children avgpool, fc1 (1×1 Conv2d
/// with bias), fc2, activation, scale_activation; y = σ(fc2(δ(fc1(avgpool(x))))) · x.
/// Backward: dx = s·dy + (the gate's chain, back from ds = Σ_hw dy·x).
class SqueezeExcitation final : public nn::Module {
 public:
  SqueezeExcitation(std::int64_t input_channels, std::int64_t squeeze_channels,
                    ConvActivation activation, Generator& gen);
  std::string type_name() const override { return "SqueezeExcitation"; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
};

/// torchvision.ops.StochasticDepth(p, "row") (Huang et al. 2016, "Deep Networks with Stochastic
/// Depth"): the identity in eval mode or when p = 0. In training mode with p > 0, torch's
/// `noise = empty(N, 1, ...).bernoulli_(1 − p); noise.div_(1 − p); input * noise`, bit for bit:
/// torch's CPU bernoulli_ with a scalar probability draws one float64 uniform per row (a
/// random64() word, 53 bits) and keeps the row when it is below 1 − p (1.13.1 and 2.14.1
/// alike), and div_ divides in the input's dtype. The draws come from `generator()` (the default
/// generator unless set_generator gave another). Backward multiplies by the same row factors.
class StochasticDepth final : public nn::Module {
 public:
  explicit StochasticDepth(double p);
  /// Draws the row masks from `gen` (which must outlive the module's forwards); nullptr: the
  /// default generator.
  void set_generator(Generator* gen) { gen_ = gen; }
  Generator& generator() const { return gen_ != nullptr ? *gen_ : default_generator(); }
  std::string type_name() const override { return "StochasticDepth"; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;
  double p() const { return p_; }

 private:
  double p_;
  Generator* gen_ = nullptr;
};

/// torchvision.ops.misc.Permute(dims): torch.permute(x, dims), returned contiguous; backward
/// permutes the gradient back.
class Permute final : public nn::Module {
 public:
  explicit Permute(Shape dims) : dims_(std::move(dims)) {}
  std::string type_name() const override { return "Permute"; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;

 private:
  Shape dims_;
};

/// torchvision's convnext.LayerNorm2d(C, eps): an nn.LayerNorm over the channels of an NCHW
/// input — permute to NHWC, layer_norm over C (Ba et al. 2016), permute back. Weight ones,
/// bias zeros, no draws. Backward: LayerNorm's, between the same permutes.
class LayerNorm2d final : public nn::LayerNorm {
 public:
  LayerNorm2d(std::int64_t channels, double eps)
      : nn::LayerNorm(Shape{channels}, eps), channels_(channels) {}
  std::string type_name() const override { return "LayerNorm2d"; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;

 private:
  std::int64_t channels_;
};

/// torchvision.models._utils._make_divisible(v, divisor): the nearest multiple of divisor to
/// v, at least divisor, and not below 90% of v.
std::int64_t make_divisible(double v, std::int64_t divisor);

}  // namespace weightinit::models::detail
