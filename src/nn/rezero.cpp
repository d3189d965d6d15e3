// SPDX-License-Identifier: MIT
// nn::ReZero: y = x + alpha * branch(x), alpha initialized to 0.
#include "weightinit/nn/rezero.h"

#include <vector>

#include "weightinit/init/init.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::nn {

namespace {

/// out = a + s·b elementwise (same shape and dtype, any strides), as a new contiguous tensor.
Tensor add_scaled(const Tensor& a, double s, const Tensor& b) {
  WEIGHTINIT_CHECK(a.sizes() == b.sizes(), ShapeError, "ReZero: the branch's output ",
                   shape_str(b.sizes()), " must have the input's (or the shortcut's) shape ",
                   shape_str(a.sizes()));
  WEIGHTINIT_CHECK(a.dtype() == b.dtype() && is_floating_point(a.dtype()), DTypeError,
                   "ReZero: expected float32 or float64 tensors of one dtype");
  Tensor out = a.contiguous().clone();
  const Tensor bc = b.contiguous();
  const std::int64_t n = out.numel();
  if (out.dtype() == DType::Float32) {
    float* o = out.data_ptr<float>();
    const float* p = bc.data_ptr<float>();
    const auto sf = static_cast<float>(s);
    for (std::int64_t i = 0; i < n; ++i) o[i] += sf * p[i];
  } else {
    double* o = out.data_ptr<double>();
    const double* p = bc.data_ptr<double>();
    for (std::int64_t i = 0; i < n; ++i) o[i] += s * p[i];
  }
  return out;
}

}  // namespace

ReZero::ReZero(std::shared_ptr<Module> branch, DType dtype)
    : ReZero(std::move(branch), nullptr, dtype) {}

ReZero::ReZero(std::shared_ptr<Module> branch, std::shared_ptr<Module> shortcut, DType dtype)
    : branch_(std::move(branch)), shortcut_(std::move(shortcut)) {
  WEIGHTINIT_CHECK(branch_ != nullptr, ValueError, "ReZero needs a branch module");
  register_module("branch", branch_);
  if (shortcut_) register_module("shortcut", shortcut_);
  register_parameter("alpha", Tensor::empty({1}, dtype));
  if (!deferred_allocation()) reset_own_parameters(default_generator());  // draws nothing
}

std::optional<DefaultInit> ReZero::default_init(const std::string& name) const {
  if (name != "alpha") return std::nullopt;
  return DefaultInit{"zeros", "zeros", 0.0, std::nullopt};
}

Tensor ReZero::forward(const Tensor& input) {
  const Tensor f = (*branch_)(input);
  const double alpha = parameter("alpha").data.item();
  save_for_backward({f});
  return add_scaled(shortcut_ ? (*shortcut_)(input) : input, alpha, f);
}

Tensor ReZero::backward(const Tensor& grad_output) {
  const Tensor f = pop_saved()[0];
  const Parameter& a = parameter("alpha");
  const double alpha = a.data.item();
  // dα = Σ dy·F(x), accumulated in double.
  const std::vector<double> dy = grad_output.to_vector<double>();
  const std::vector<double> fv = f.to_vector<double>();
  WEIGHTINIT_CHECK(dy.size() == fv.size(), ShapeError, "ReZero backward: grad_output ",
                   shape_str(grad_output.sizes()), " does not match the output ",
                   shape_str(f.sizes()));
  double dalpha = 0.0;
  for (std::size_t i = 0; i < dy.size(); ++i) dalpha += dy[i] * fv[i];
  accumulate_grad("alpha", Tensor::full({1}, dalpha, a.data.dtype()));
  // dx = dy + F'(x)ᵀ(α·dy).
  const Tensor scaled =
      add_scaled(Tensor::zeros(grad_output.sizes(), grad_output.dtype()), alpha, grad_output);
  const Tensor dbranch = branch_->backward(scaled);
  const Tensor dshortcut =
      shortcut_ ? shortcut_->backward(grad_output) : grad_output.contiguous().clone();
  if (!dbranch.defined()) return dshortcut;
  if (!dshortcut.defined()) return dbranch;
  return add_scaled(dshortcut, 1.0, dbranch);
}

}  // namespace weightinit::nn
