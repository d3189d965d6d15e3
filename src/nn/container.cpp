// SPDX-License-Identifier: MIT
// Sequential, Flatten, Identity and Dropout modules.
#include "weightinit/nn/container.h"

#include "nn/repr_util.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn {

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
  return x;
}

Tensor Flatten::forward(const Tensor& input) {
  return functional::flatten(input, start_dim_, end_dim_);
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

Dropout::Dropout(double p, Generator* gen) : p_(p), gen_(gen) {
  WEIGHTINIT_CHECK(p >= 0.0 && p <= 1.0, ValueError,
                   "dropout probability has to be between 0 and 1, but got ", p);
}

Tensor Dropout::forward(const Tensor& input) {
  return functional::dropout(input, p_, is_training(), gen_ ? *gen_ : default_generator());
}

std::string Dropout::extra_repr() const { return "p=" + detail::py_float(p_) + ", inplace=False"; }

}  // namespace weightinit::nn
