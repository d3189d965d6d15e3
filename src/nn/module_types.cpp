// SPDX-License-Identifier: MIT
// The registry of nn/'s module types, each with a small example to build.
#include "weightinit/nn/module_types.h"

#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/nn/pooling.h"
#include "weightinit/nn/rezero.h"
#include "weightinit/nn/transformers_conv1d.h"

namespace weightinit::nn {

namespace {

/// A type whose example is `make(gen)` with a private generator.
template <class Make>
ModuleType drawn(std::string name, Make make) {
  return {std::move(name), [make] {
            Generator gen(0);
            return std::shared_ptr<Module>(make(gen));
          }};
}

template <class M, class... Args>
ModuleType plain(std::string name, Args... args) {
  return {std::move(name), [=] { return std::shared_ptr<Module>(std::make_shared<M>(args...)); }};
}

}  // namespace

const std::vector<ModuleType>& module_types() {
  static const std::vector<ModuleType> types = [] {
    const functional::PoolOptions pool{Shape{2}, Shape{}, Shape{0}, Shape{1}, false, true};
    std::vector<ModuleType> t;
    t.push_back(
        drawn("Linear", [](Generator& g) { return std::make_shared<Linear>(4, 3, true, g); }));
    t.push_back(drawn("Conv1D",
                      [](Generator& g) { return std::make_shared<TransformersConv1D>(3, 4, g); }));
    t.push_back(drawn(
        "Conv1d", [](Generator& g) { return std::make_shared<Conv1d>(2, 3, ConvConfig{}, g); }));
    t.push_back(drawn(
        "Conv2d", [](Generator& g) { return std::make_shared<Conv2d>(2, 3, ConvConfig{}, g); }));
    t.push_back(drawn(
        "Conv3d", [](Generator& g) { return std::make_shared<Conv3d>(2, 3, ConvConfig{}, g); }));
    t.push_back(drawn("ConvTranspose2d", [](Generator& g) {
      return std::make_shared<ConvTranspose2d>(2, 3, ConvConfig{}, g);
    }));
    t.push_back(plain<BatchNorm1d>("BatchNorm1d", std::int64_t{3}));
    t.push_back(plain<BatchNorm2d>("BatchNorm2d", std::int64_t{3}));
    t.push_back(plain<BatchNorm3d>("BatchNorm3d", std::int64_t{3}));
    t.push_back(plain<LayerNorm>("LayerNorm", Shape{3}));
    t.push_back(plain<RMSNorm>("RMSNorm", std::int64_t{3}));
    t.push_back(drawn("Embedding", [](Generator& g) {
      return std::make_shared<Embedding>(5, 3, std::nullopt, g);
    }));
    t.push_back({"ReZero", [] {
                   return std::shared_ptr<Module>(
                       std::make_shared<ReZero>(std::make_shared<Identity>()));
                 }});
    t.push_back(plain<ReLU>("ReLU"));
    t.push_back(plain<ReLU6>("ReLU6"));
    t.push_back(plain<LeakyReLU>("LeakyReLU"));
    t.push_back(plain<ELU>("ELU"));
    t.push_back(plain<SELU>("SELU"));
    t.push_back(plain<GELU>("GELU"));
    t.push_back(plain<SiLU>("SiLU"));
    t.push_back(plain<Tanh>("Tanh"));
    t.push_back(plain<Sigmoid>("Sigmoid"));
    t.push_back(plain<Softmax>("Softmax", std::int64_t{1}));
    t.push_back(plain<LogSoftmax>("LogSoftmax", std::int64_t{1}));
    t.push_back(plain<MaxPool1d>("MaxPool1d", pool));
    t.push_back(plain<MaxPool2d>("MaxPool2d", pool));
    t.push_back(plain<MaxPool3d>("MaxPool3d", pool));
    t.push_back(plain<AvgPool2d>("AvgPool2d", pool));
    t.push_back(plain<AvgPool3d>("AvgPool3d", pool));
    t.push_back(plain<AdaptiveAvgPool2d>("AdaptiveAvgPool2d", Shape{1, 1}));
    t.push_back(plain<Sequential>("Sequential"));
    t.push_back(plain<Flatten>("Flatten"));
    t.push_back(plain<Identity>("Identity"));
    t.push_back(plain<Dropout>("Dropout"));
    return t;
  }();
  return types;
}

std::vector<std::string> module_type_names() {
  std::vector<std::string> names;
  for (const ModuleType& type : module_types()) names.push_back(type.name);
  return names;
}

}  // namespace weightinit::nn
