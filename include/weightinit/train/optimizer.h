// SPDX-License-Identifier: MIT
// Optimizers (SGD, Adam, AdamW) with PyTorch 1.13's single-tensor (foreach=False) update rules.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::train {

/// Base of the optimizers, like `torch.optim.Optimizer` with one parameter group. It holds
/// non-owning pointers: the parameters must outlive the optimizer. step() updates every
/// parameter whose grad is defined (others are skipped and keep their state untouched), in
/// float32, element by element, in the order of torch's tensor operations. Parameters and
/// grads must be float32 with equal shapes (DTypeError / ShapeError otherwise).
class Optimizer {
 public:
  explicit Optimizer(std::vector<nn::Parameter*> params);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  /// One update of every parameter with a defined grad.
  virtual void step() = 0;
  /// Sets every grad to undefined (torch's zero_grad(set_to_none=True), the 2.x default).
  void zero_grad();
  const std::vector<nn::Parameter*>& params() const { return params_; }
  double lr() const { return lr_; }
  /// Changes the learning rate (as writing `param_groups[0]["lr"]` does), e.g. for a schedule.
  void set_lr(double lr);
  /// Gives params()[i] the learning rate lr × factors[i] (computed in double), as torch's
  /// parameter groups with their own lr do: Fixup (Zhang et al. 2019) trains its scalar biases
  /// and multipliers at lr/10. set_lr keeps the factors. Default: every factor 1. ValueError
  /// for a size other than params().size() or a factor that is not positive and finite.
  void set_lr_factors(std::vector<double> factors);
  /// The learning rate of params()[i]: lr × its factor.
  double lr_of(std::size_t i) const { return lr_factors_.empty() ? lr_ : lr_ * lr_factors_[i]; }

 protected:
  std::vector<nn::Parameter*> params_;
  double lr_ = 0.0;
  std::vector<double> lr_factors_;  // empty: every factor 1
};

/// Stochastic gradient descent, `torch.optim.SGD`. With g = grad + wd * p:
///   momentum == 0:  p -= lr * g
///   else: b = g on the first step (a clone, no dampening), later b = mu * b + (1 - dampening) g;
///         p -= lr * (nesterov ? g + mu * b : b)
/// Nesterov momentum as in Sutskever et al. 2013, "On the importance of initialization and
/// momentum in deep learning", in torch's formulation.
/// Errors (ValueError, torch's text): "Invalid learning rate: -0.1", "Invalid momentum value:
/// ...", "Invalid weight_decay value: ...", "Nesterov momentum requires a momentum and zero
/// dampening".
class SGD : public Optimizer {
 public:
  SGD(std::vector<nn::Parameter*> params, double lr, double momentum = 0.0, double dampening = 0.0,
      double weight_decay = 0.0, bool nesterov = false);
  void step() override;

 private:
  double momentum_, dampening_, weight_decay_;
  bool nesterov_;
  std::vector<std::vector<float>> momentum_buffer_;  // empty until the first step
};

/// Adam, `torch.optim.Adam` (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization";
/// AMSGrad: Reddi et al. 2018). With t the step count and g = grad + wd * p (L2 penalty):
///   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  (amsgrad: vmax = max(vmax, v), used for v)
///   step_size = lr / (1 - b1^t);  denom = sqrt(v) / sqrt(1 - b2^t) + eps;  p -= step_size m /
///   denom
/// Errors (ValueError): "Invalid learning rate: ...", "Invalid epsilon value: ...", "Invalid beta
/// parameter at index 0: ...", "Invalid beta parameter at index 1: ...", "Invalid weight_decay
/// value: ...".
class Adam : public Optimizer {
 public:
  Adam(std::vector<nn::Parameter*> params, double lr = 1e-3,
       std::pair<double, double> betas = {0.9, 0.999}, double eps = 1e-8, double weight_decay = 0.0,
       bool amsgrad = false);
  void step() override;

 protected:
  /// decoupled: AdamW's p *= 1 - lr wd before the moments, instead of the L2 term in g.
  Adam(std::vector<nn::Parameter*> params, double lr, std::pair<double, double> betas, double eps,
       double weight_decay, bool amsgrad, bool decoupled);

 private:
  struct State {
    std::int64_t step = 0;
    std::vector<float> exp_avg, exp_avg_sq, max_exp_avg_sq;
  };
  double beta1_, beta2_, eps_, weight_decay_;
  bool amsgrad_, decoupled_;
  std::vector<State> state_;
};

/// AdamW, `torch.optim.AdamW` (Loshchilov & Hutter 2019, "Decoupled Weight Decay
/// Regularization"): first p *= 1 - lr * wd, then Adam's update on the raw gradient.
/// Same errors as Adam.
class AdamW : public Adam {
 public:
  AdamW(std::vector<nn::Parameter*> params, double lr = 1e-3,
        std::pair<double, double> betas = {0.9, 0.999}, double eps = 1e-8,
        double weight_decay = 1e-2, bool amsgrad = false);
};

}  // namespace weightinit::train
