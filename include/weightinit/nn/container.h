// SPDX-License-Identifier: MIT
// Sequential, Flatten, Identity and Dropout.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// Runs its children in order, like `torch.nn.Sequential`; children are named "0", "1", ...
class Sequential : public Module {
 public:
  Sequential() = default;
  explicit Sequential(std::vector<std::shared_ptr<Module>> modules);
  std::string type_name() const override { return "Sequential"; }
  Tensor forward(const Tensor& input) override;
  /// Runs the children's backward in reverse order, each on the previous one's dx.
  Tensor backward(const Tensor& grad_output) override;
  /// Sets the flag on itself and on its children from the first up to and including the first
  /// one with parameters (whose input is then the data).
  void set_input_requires_grad(bool on) override;
  /// Appends a module under the next index.
  Sequential& push_back(std::shared_ptr<Module> module);
  std::size_t size() const { return count_; }

 private:
  std::size_t count_ = 0;
};

/// Merges dims start_dim..end_dim into one, like `torch.nn.Flatten` (defaults 1, -1).
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_dim_(start_dim), end_dim_(end_dim) {}
  std::string type_name() const override { return "Flatten"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy reshaped to the recorded input's size.
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;

 private:
  std::int64_t start_dim_, end_dim_;
};

/// Returns its input, like `torch.nn.Identity`.
class Identity : public Module {
 public:
  std::string type_name() const override { return "Identity"; }
  Tensor forward(const Tensor& input) override;
  /// dx = dy.
  Tensor backward(const Tensor& grad_output) override;
};

/// Inverted dropout (Srivastava et al. 2014), like `torch.nn.Dropout(p)`: in training, zeroes
/// each element with probability p and scales the rest by 1/(1−p), drawing from its generator
/// (masks need not match PyTorch's); identity in eval mode.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  std::string type_name() const override { return "Dropout"; }
  /// y = x·mask (functional::dropout_with_mask); in grad mode, records the mask.
  Tensor forward(const Tensor& input) override;
  /// dx = dy·mask (dy itself when the forward ran in eval mode).
  Tensor backward(const Tensor& grad_output) override;
  std::string extra_repr() const override;

 private:
  double p_;
  Generator* gen_;  // null: default_generator()
};

}  // namespace weightinit::nn
