// SPDX-License-Identifier: MIT
// SGD, Adam and AdamW: PyTorch 1.13's single-tensor update rules, float32 per element.
#include "weightinit/train/optimizer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include "weightinit/error.h"
#include "weightinit/random/arith_mode.h"

namespace weightinit::train {
namespace {

/// Python's repr of a float ("-0.1", "0.0", "1e-08"), for torch's error messages.
std::string py_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  const std::size_t e = s.find('e');
  if (e != std::string::npos) {
    // Python writes at least two exponent digits: 1e-08, 1e+20.
    const std::string mant = s.substr(0, e);
    std::string ex = s.substr(e + 1);
    char sign = '+';
    if (!ex.empty() && (ex[0] == '-' || ex[0] == '+')) {
      sign = ex[0];
      ex.erase(0, 1);
    }
    if (ex.size() < 2) ex.insert(ex.begin(), '0');
    // Python switches to exponent form at 1e16 and below 1e-4; to_chars's shortest form may
    // differ in which it picks for some values; good enough for messages.
    return mant + "e" + std::string(1, sign) + ex;
  }
  if (s.find('.') == std::string::npos) s += ".0";
  return s;
}

/// torch's pointwise kernels in the active arithmetic mode. In the AVX2 build, add-with-alpha
/// (self + alpha * other) runs as Vectorized::fmadd and addcmul's self + value * t1 * t2 is
/// contracted to fma(value * t1, t2, self) (the tails too: measured bit-identical against torch
/// 1.13 on every golden element); the `default` build rounds each operation.
struct Kernels {
  bool fused;
  float add(float self, float alpha, float other) const {
    return fused ? std::fma(other, alpha, self) : self + alpha * other;
  }
  float addcmul(float self, float value, float t1, float t2) const {
    return fused ? std::fma(value * t1, t2, self) : self + value * t1 * t2;
  }
};

Kernels kernels() { return Kernels{default_arith_mode() == ArithMode::Avx2}; }

/// self[i] = fma(other[i], alpha, self[i]) with the FMA instruction, vectorised; only called
/// when the CPU has FMA (without the target, std::fma is a libm call per element).
__attribute__((target("avx2,fma"))) void add_fused_fma(float* __restrict self, float alpha,
                                                       const float* __restrict other,
                                                       std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) self[i] = __builtin_fmaf(other[i], alpha, self[i]);
}

/// Kernels::add over arrays, self[i] = self[i] + alpha·other[i] (torch's add_(other, alpha)),
/// the same rounding as the element-wise version with the branch hoisted out of the loop.
void add_loop(const Kernels& kn, float* self, float alpha, const float* other, std::int64_t n) {
  static const bool has_fma = __builtin_cpu_supports("fma");
  if (kn.fused && has_fma) {
    add_fused_fma(self, alpha, other, n);
  } else if (kn.fused) {
    for (std::int64_t i = 0; i < n; ++i) self[i] = std::fma(other[i], alpha, self[i]);
  } else {
    for (std::int64_t i = 0; i < n; ++i) self[i] = self[i] + alpha * other[i];
  }
}

/// The parameter's value as a contiguous float32 tensor we may write (itself if contiguous).

void check_param(const nn::Parameter& p) {
  WEIGHTINIT_CHECK(p.data.defined(), ValueError, "optimizer got a parameter with undefined data");
  WEIGHTINIT_CHECK(p.data.dtype() == DType::Float32, DTypeError,
                   "optimizers support float32 parameters only, got ", dtype_name(p.data.dtype()));
}

void check_grad(const nn::Parameter& p) {
  WEIGHTINIT_CHECK(p.grad.sizes() == p.data.sizes(), ShapeError, "grad shape ",
                   shape_str(p.grad.sizes()), " does not match parameter shape ",
                   shape_str(p.data.sizes()));
  WEIGHTINIT_CHECK(p.grad.dtype() == DType::Float32, DTypeError,
                   "optimizers support float32 gradients only, got ", dtype_name(p.grad.dtype()));
}

/// Runs fn(index, weights, grad, numel) for every parameter that has a gradient, on contiguous
/// float32 data; a non-contiguous parameter is updated through a copy written back afterwards.
template <class Fn>
void update_each(const std::vector<nn::Parameter*>& params, Fn&& fn) {
  for (std::size_t k = 0; k < params.size(); ++k) {
    nn::Parameter& p = *params[k];
    if (!p.grad.defined()) continue;
    check_grad(p);
    Tensor data = p.data.contiguous();  // p.data itself when already contiguous
    const Tensor grad = p.grad.contiguous();
    fn(k, data.data_ptr<float>(), grad.data_ptr<float>(), data.numel());
    if (!data.shares_storage_with(p.data)) p.data.copy_(data);
  }
}

void check_lr(double lr) {
  WEIGHTINIT_CHECK(lr >= 0.0, ValueError, "Invalid learning rate: ", py_float(lr));
}

}  // namespace

Optimizer::Optimizer(std::vector<nn::Parameter*> params) : params_(std::move(params)) {
  WEIGHTINIT_CHECK(!params_.empty(), ValueError, "optimizer got an empty parameter list");
  for (const nn::Parameter* p : params_) {
    WEIGHTINIT_CHECK(p != nullptr, ValueError, "optimizer got a null parameter");
    check_param(*p);
  }
}

void Optimizer::zero_grad() {
  for (nn::Parameter* p : params_) p->grad = Tensor();
}

void Optimizer::set_lr(double lr) {
  check_lr(lr);
  lr_ = lr;
}

void Optimizer::set_lr_factors(std::vector<double> factors) {
  WEIGHTINIT_CHECK(factors.size() == params_.size(), ValueError, "set_lr_factors: ", factors.size(),
                   " factors for ", params_.size(), " parameters");
  for (const double f : factors) {
    WEIGHTINIT_CHECK(std::isfinite(f) && f > 0.0, ValueError,
                     "a learning-rate factor must be positive and finite, but got ", py_float(f));
  }
  lr_factors_ = std::move(factors);
}

// ---------------------------------------------------------------------------------------------
SGD::SGD(std::vector<nn::Parameter*> params, double lr, double momentum, double dampening,
         double weight_decay, bool nesterov)
    : Optimizer(std::move(params)),
      momentum_(momentum),
      dampening_(dampening),
      weight_decay_(weight_decay),
      nesterov_(nesterov),
      momentum_buffer_(params_.size()) {
  check_lr(lr);
  lr_ = lr;
  WEIGHTINIT_CHECK(momentum >= 0.0, ValueError, "Invalid momentum value: ", py_float(momentum));
  WEIGHTINIT_CHECK(weight_decay >= 0.0, ValueError,
                   "Invalid weight_decay value: ", py_float(weight_decay));
  WEIGHTINIT_CHECK(!nesterov || (momentum > 0.0 && dampening == 0.0), ValueError,
                   "Nesterov momentum requires a momentum and zero dampening");
}

void SGD::step() {
  const float wd = static_cast<float>(weight_decay_);
  const float mu = static_cast<float>(momentum_);
  const float one_minus_damp = static_cast<float>(1.0 - dampening_);
  const Kernels kn = kernels();
  update_each(params_, [&](std::size_t k, float* w, const float* g, std::int64_t n) {
    const float neg_lr = static_cast<float>(-lr_of(k));
    if (weight_decay_ == 0.0 && momentum_ == 0.0) {  // plain SGD: param.add_(grad, -lr)
      add_loop(kn, w, neg_lr, g, n);
      return;
    }
    std::vector<float> d(g, g + n);
    if (weight_decay_ != 0.0) {  // d_p = d_p.add(param, alpha=weight_decay)
      for (std::int64_t i = 0; i < n; ++i) d[i] = kn.add(d[i], wd, w[i]);
    }
    if (momentum_ != 0.0) {
      std::vector<float>& buf = momentum_buffer_[k];
      if (buf.empty()) {
        buf = d;  // torch.clone(d_p): no dampening on the first step
      } else {    // buf.mul_(momentum).add_(d_p, alpha=1 - dampening)
        for (std::int64_t i = 0; i < n; ++i) buf[i] = kn.add(buf[i] * mu, one_minus_damp, d[i]);
      }
      if (nesterov_) {  // d_p = d_p.add(buf, alpha=momentum)
        for (std::int64_t i = 0; i < n; ++i) d[i] = kn.add(d[i], mu, buf[i]);
      } else {
        d = buf;
      }
    }
    add_loop(kn, w, neg_lr, d.data(), n);  // param.add_(d_p, alpha=-lr)
  });
}

// ---------------------------------------------------------------------------------------------
Adam::Adam(std::vector<nn::Parameter*> params, double lr, std::pair<double, double> betas,
           double eps, double weight_decay, bool amsgrad)
    : Adam(std::move(params), lr, betas, eps, weight_decay, amsgrad, false) {}

Adam::Adam(std::vector<nn::Parameter*> params, double lr, std::pair<double, double> betas,
           double eps, double weight_decay, bool amsgrad, bool decoupled)
    : Optimizer(std::move(params)),
      beta1_(betas.first),
      beta2_(betas.second),
      eps_(eps),
      weight_decay_(weight_decay),
      amsgrad_(amsgrad),
      decoupled_(decoupled),
      state_(params_.size()) {
  check_lr(lr);
  lr_ = lr;
  WEIGHTINIT_CHECK(eps >= 0.0, ValueError, "Invalid epsilon value: ", py_float(eps));
  WEIGHTINIT_CHECK(beta1_ >= 0.0 && beta1_ < 1.0, ValueError,
                   "Invalid beta parameter at index 0: ", py_float(beta1_));
  WEIGHTINIT_CHECK(beta2_ >= 0.0 && beta2_ < 1.0, ValueError,
                   "Invalid beta parameter at index 1: ", py_float(beta2_));
  WEIGHTINIT_CHECK(weight_decay >= 0.0, ValueError,
                   "Invalid weight_decay value: ", py_float(weight_decay));
}

void Adam::step() {
  const float b1 = static_cast<float>(beta1_), b2 = static_cast<float>(beta2_);
  const float one_minus_b1 = static_cast<float>(1.0 - beta1_);
  const float one_minus_b2 = static_cast<float>(1.0 - beta2_);
  const float wd = static_cast<float>(weight_decay_);
  const float eps = static_cast<float>(eps_);
  const Kernels kn = kernels();
  update_each(params_, [&](std::size_t k, float* w, const float* g0, std::int64_t n) {
    const auto un = static_cast<std::size_t>(n);
    State& s = state_[k];
    if (s.exp_avg.empty() && n > 0) {
      s.exp_avg.assign(un, 0.0f);
      s.exp_avg_sq.assign(un, 0.0f);
      if (amsgrad_) s.max_exp_avg_sq.assign(un, 0.0f);
    }
    ++s.step;
    std::vector<float> g(g0, g0 + n);
    if (decoupled_) {  // param.mul_(1 - lr * weight_decay)
      const float decay = static_cast<float>(1.0 - lr_of(k) * weight_decay_);
      for (std::int64_t i = 0; i < n; ++i) w[i] = w[i] * decay;
    } else if (weight_decay_ != 0.0) {  // grad = grad.add(param, alpha=weight_decay)
      for (std::int64_t i = 0; i < n; ++i) g[i] = kn.add(g[i], wd, w[i]);
    }
    // Python floats: beta ** step with a float step, as torch's step_t.item().
    const double step = static_cast<double>(s.step);
    const double bias_correction1 = 1.0 - std::pow(beta1_, step);
    const double bias_correction2 = 1.0 - std::pow(beta2_, step);
    const float neg_step_size = static_cast<float>(-(lr_of(k) / bias_correction1));
    const float bc2_sqrt = static_cast<float>(std::sqrt(bias_correction2));
    for (std::int64_t i = 0; i < n; ++i) {
      float& m = s.exp_avg[i];
      float& v = s.exp_avg_sq[i];
      m = kn.add(m * b1, one_minus_b1, g[i]);  // exp_avg.mul_(beta1).add_(grad, alpha=1-beta1)
      v = kn.addcmul(v * b2, one_minus_b2, g[i],
                     g[i]);  // exp_avg_sq.mul_(beta2).addcmul_(g, g, 1-beta2)
      float vv = v;
      if (amsgrad_) {  // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        float& vm = s.max_exp_avg_sq[i];
        vm = (std::isnan(vm) || std::isnan(v)) ? std::nanf("") : std::max(vm, v);
        vv = vm;
      }
      const float denom = std::sqrt(vv) / bc2_sqrt + eps;  // (v.sqrt() / bc2_sqrt).add_(eps)
      w[i] = w[i] + neg_step_size * m / denom;  // param.addcdiv_(exp_avg, denom, -step_size)
    }
  });
}

AdamW::AdamW(std::vector<nn::Parameter*> params, double lr, std::pair<double, double> betas,
             double eps, double weight_decay, bool amsgrad)
    : Adam(std::move(params), lr, betas, eps, weight_decay, amsgrad, true) {}

}  // namespace weightinit::train
