// SPDX-License-Identifier: MIT
// Sequential, Flatten, Identity and Dropout modules.
#include "weightinit/nn/container.h"

#include "nn/functional/common.h"
#include "nn/repr_util.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn {

namespace {
/// Throws ShapeError unless grad_output has the size `expected` of the forward's output.
void check_grad_size(const Module& m, const Tensor& grad_output, const Shape& expected) {
  WEIGHTINIT_CHECK(grad_output.defined(), ValueError, m.type_name(),
                   ": backward got an undefined grad_output");
  WEIGHTINIT_CHECK(grad_output.sizes() == expected, ShapeError, m.type_name(),
                   ": grad_output has size ", shape_str(grad_output.sizes()),
                   " but the forward output has size ", shape_str(expected), "; they must match");
}
}  // namespace

Sequential::Sequential(std::vector<std::shared_ptr<Module>> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

Sequential& Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(count_++), std::move(module));
  return *this;
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (Module* m : children()) x = (*m)(x);
  save_for_backward({});  // an empty record: backward pairs with this forward
  return x;
}

void Sequential::set_input_requires_grad(bool on) {
  Module::set_input_requires_grad(on);
  for (Module* child : children()) {
    child->set_input_requires_grad(on);
    if (!child->parameters().empty()) break;
  }
}

Tensor Sequential::backward(const Tensor& grad_output) {
  pop_saved();
  Tensor g = grad_output;
  const std::vector<Module*> kids = children();
  for (auto it = kids.rbegin(); it != kids.rend(); ++it) g = (*it)->backward(g);
  return g;
}

Tensor Flatten::forward(const Tensor& input) {
  Tensor y = functional::flatten(input, start_dim_, end_dim_);
  save_for_backward({input});
  return y;
}

Tensor Flatten::backward(const Tensor& grad_output) {
  const Tensor input = pop_saved()[0];
  // The forward output's size: x[:start] + [Π x[start..end]] + x[end+1:] ([1] for a 0-dim x).
  const Shape& s = input.sizes();
  Shape expected{1};
  if (!s.empty()) {
    const auto start = static_cast<std::size_t>(
        functional::impl::wrap_dim(start_dim_, static_cast<std::int64_t>(s.size())));
    const auto end = static_cast<std::size_t>(
        functional::impl::wrap_dim(end_dim_, static_cast<std::int64_t>(s.size())));
    expected.assign(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(start));
    expected.push_back(functional::impl::prod(s, start, end + 1));
    expected.insert(expected.end(), s.begin() + static_cast<std::ptrdiff_t>(end) + 1, s.end());
  }
  check_grad_size(*this, grad_output, expected);
  return grad_output.contiguous().view(s);
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

Dropout::Dropout(double p, Generator* gen) : p_(p), gen_(gen) {
  WEIGHTINIT_CHECK(p >= 0.0 && p <= 1.0, ValueError,
                   "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor Identity::forward(const Tensor& input) {
  save_for_backward({input});
  return input;
}

Tensor Identity::backward(const Tensor& grad_output) {
  check_grad_size(*this, grad_output, pop_saved()[0].sizes());
  return grad_output;
}

Tensor Dropout::forward(const Tensor& input) {
  Tensor mask;
  Tensor y = functional::dropout_with_mask(input, p_, is_training(),
                                           gen_ ? *gen_ : default_generator(), mask);
  save_for_backward({input, mask});
  return y;
}

Tensor Dropout::backward(const Tensor& grad_output) {
  const std::vector<Tensor> saved = pop_saved();
  check_grad_size(*this, grad_output, saved[0].sizes());
  return functional::dropout_backward(grad_output, saved[1]);
}

std::string Dropout::extra_repr() const { return "p=" + detail::py_float(p_) + ", inplace=False"; }

}  // namespace weightinit::nn
