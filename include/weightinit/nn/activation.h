// SPDX-License-Identifier: MIT
// Activation layers (no parameters): ReLU, ReLU6, LeakyReLU, ELU, SELU, GELU, SiLU, Tanh,
// Sigmoid, Softmax, LogSoftmax.
#pragma once

#include <cstdint>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// max(0, x).
class ReLU : public Module {
 public:
  std::string type_name() const override { return "ReLU"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·[x > 0] (records x).
  Tensor backward(const Tensor& grad_output) override;
};

/// min(max(0, x), 6) (Krizhevsky 2010; MobileNet's activation), like `torch.nn.ReLU6`.
class ReLU6 : public Module {
 public:
  std::string type_name() const override { return "ReLU6"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·[0 < x < 6] (records x).
  Tensor backward(const Tensor& grad_output) override;
};

/// x for x >= 0, negative_slope·x otherwise (Maas et al. 2013).
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope_(negative_slope) {}
  std::string type_name() const override { return "LeakyReLU"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·(x > 0 ? 1 : negative_slope) (records x).
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;

 private:
  double negative_slope_;
};

/// x for x > 0, alpha·(exp(x) − 1) otherwise (Clevert et al. 2015).
class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha_(alpha) {}
  std::string type_name() const override { return "ELU"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·(x > 0 ? 1 : alpha·eˣ) (records x).
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;

 private:
  double alpha_;
};

/// scale·ELU(x, alpha) with PyTorch's constants (Klambauer et al. 2017).
class SELU : public Module {
 public:
  std::string type_name() const override { return "SELU"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·scale·(x > 0 ? 1 : alpha·eˣ) (records x).
  Tensor backward(const Tensor& grad_output) override;
};

/// x·Φ(x) (Hendrycks & Gimpel 2016), the exact erf form.
class GELU : public Module {
 public:
  std::string type_name() const override { return "GELU"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·(Φ(x) + x·φ(x)) (records x).
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override { return "approximate='none'"; }
};

/// SiLU / swish: x·σ(x) (Elfwing et al. 2018, "Sigmoid-Weighted Linear Units"; Ramachandran et
/// al. 2017), like `torch.nn.SiLU`: EfficientNet's activation.
class SiLU : public Module {
 public:
  std::string type_name() const override { return "SiLU"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·σ(x)·(1 + x·(1 − σ(x))) (records x).
  Tensor backward(const Tensor& grad_output) override;
};

class Tanh : public Module {
 public:
  std::string type_name() const override { return "Tanh"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·(1 − y²) (records the output y).
  Tensor backward(const Tensor& grad_output) override;
};

/// 1 / (1 + exp(−x)).
class Sigmoid : public Module {
 public:
  std::string type_name() const override { return "Sigmoid"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy·y·(1 − y) (records the output y).
  Tensor backward(const Tensor& grad_output) override;
};

/// exp(x_i) / Σ_j exp(x_j) along `dim`.
class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim) : dim_(dim) {}
  std::string type_name() const override { return "Softmax"; }
  Tensor forward(const Tensor& input) override;
  /// dx = y·(dy − Σ_dim dy·y) (records the output y).
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override { return "dim=" + std::to_string(dim_); }

 private:
  std::int64_t dim_;
};

/// log(softmax(x)) along `dim`, computed stably.
class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::int64_t dim) : dim_(dim) {}
  std::string type_name() const override { return "LogSoftmax"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy − eʸ·Σ_dim dy (records the output y).
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override { return "dim=" + std::to_string(dim_); }

 private:
  std::int64_t dim_;
};

}  // namespace weightinit::nn
