// SPDX-License-Identifier: MIT
// Internal: the pieces the torchvision-style model builders share — a named container with
// PyTorch's class name, and conv / pooling shorthands.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/nn/pooling.h"

namespace weightinit::models::detail {

/// A module that only holds children, named like the PyTorch class it stands for
/// ("BasicBlock", "_DenseLayer"): parameter names, shapes, draw order and summary rows follow
/// the torch model. It has no forward pass (the zoo is built for initialization).
class Container : public nn::Module {
 public:
  explicit Container(std::string type) : type_(std::move(type)) {}
  std::string type_name() const override { return type_; }

 private:
  std::string type_;
};

inline std::shared_ptr<Container> container(const std::string& type) {
  return std::make_shared<Container>(type);
}

/// A torchvision model whose forward runs its children in registration order with
/// `torch.flatten(x, 1)` before the child named `flatten_before`: ResNet (conv1 ... avgpool,
/// flatten, fc) and VGG (features, avgpool, flatten, classifier). Backward runs them in
/// reverse.
class FeedForwardNet : public nn::Module {
 public:
  FeedForwardNet(std::string type, std::string flatten_before)
      : type_(std::move(type)), flatten_before_(std::move(flatten_before)) {}
  std::string type_name() const override { return type_; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  void set_input_requires_grad(bool on) override;

 private:
  std::string type_;
  std::string flatten_before_;
};

/// nn.Conv2d(in, out, kernel, stride, padding, groups=groups, bias=bias).
inline std::shared_ptr<nn::Conv2d> conv2d(std::int64_t in, std::int64_t out, std::int64_t kernel,
                                          std::int64_t stride, std::int64_t padding, bool bias,
                                          Generator& gen, std::int64_t groups = 1) {
  nn::ConvConfig c;
  c.kernel_size = {kernel};
  c.stride = {stride};
  c.padding = {padding};
  c.groups = groups;
  c.bias = bias;
  return std::make_shared<nn::Conv2d>(in, out, c, gen);
}

inline std::shared_ptr<nn::MaxPool2d> max_pool(std::int64_t kernel, std::int64_t stride,
                                               std::int64_t padding) {
  nn::functional::PoolOptions o;
  o.kernel = {kernel};
  o.stride = {stride};
  o.padding = {padding};
  return std::make_shared<nn::MaxPool2d>(o);
}

}  // namespace weightinit::models::detail
