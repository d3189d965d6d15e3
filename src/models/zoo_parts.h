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

/// A module whose forward runs its children in registration order and whose backward runs
/// them in reverse, named like the torch class it stands for: torchvision's _DenseLayer
/// (norm1, relu1, conv1, norm2, relu2, conv2) and the WRN's NetworkBlock. Unlike a Sequential
/// it gets a row in summary, as in torchsummary.
class Chain : public nn::Module {
 public:
  explicit Chain(std::string type) : type_(std::move(type)) {}
  std::string type_name() const override { return type_; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;

 private:
  std::string type_;
};

/// An nn::Sequential subclass with the torch subclass's name (torchvision's _Transition): a
/// Sequential's forward and backward, and like any Sequential no row in summary.
class NamedSequential : public nn::Sequential {
 public:
  explicit NamedSequential(std::string type) : type_(std::move(type)) {}
  std::string type_name() const override { return type_; }

 private:
  std::string type_;
};

/// What a model's forward does, between two children, with functions rather than modules (so
/// summary shows no row for it).
enum class FunctionalStep {
  Flatten,                   ///< torch.flatten(x, 1) (ResNet, VGG)
  GlobalAvgPoolFlatten,      ///< F.adaptive_avg_pool2d(x, (1, 1)), then flatten (MobileNetV2)
  AvgPool8View,              ///< F.avg_pool2d(x, 8), then x.view(-1, C) (the CIFAR WRN)
  ReluGlobalAvgPoolFlatten,  ///< F.relu, F.adaptive_avg_pool2d(x, (1, 1)), flatten (DenseNet)
};

/// A model whose forward runs its children in registration order, with a FunctionalStep before
/// the child named `step_before`: ResNet (conv1 ... avgpool, flatten, fc), VGG (features,
/// avgpool, flatten, classifier), MobileNetV2 (features, pool, flatten, classifier), the CIFAR
/// WRN (conv1 ... relu, avg_pool2d, view, fc). Backward runs them in reverse.
class FeedForwardNet : public nn::Module {
 public:
  FeedForwardNet(std::string type, std::string step_before,
                 FunctionalStep step = FunctionalStep::Flatten)
      : type_(std::move(type)), step_before_(std::move(step_before)), step_(step) {}
  std::string type_name() const override { return type_; }
  Tensor forward(const Tensor& input) override;
  Tensor backward(const Tensor& grad_output) override;
  void set_input_requires_grad(bool on) override;

 private:
  Tensor step_forward(const Tensor& x) const;
  Tensor step_backward(const Tensor& grad, const Tensor& x) const;

  std::string type_;
  std::string step_before_;
  FunctionalStep step_;
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
