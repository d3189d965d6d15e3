// SPDX-License-Identifier: MIT
// torchvision/models/densenet.py (0.14): _DenseLayer, _DenseBlock, _Transition, DenseNet.
#include "weightinit/models/densenet.h"

#include <array>
#include <string>
#include <vector>

#include "models/blocks.h"
#include "models/zoo_parts.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

namespace {

/// torchvision's _DenseBlock: each layer sees the concatenation of the block's input and every
/// earlier layer's output, and the block returns the concatenation of all of them (Huang et
/// al. 2017). Its layers take the concatenated tensor (torch passes the list and concatenates
/// inside the layer: the same computation).
class DenseBlock final : public nn::Module {
 public:
  std::string type_name() const override { return "_DenseBlock"; }

  Tensor forward(const Tensor& input) override {
    std::vector<Tensor> features{input};
    for (nn::Module* layer : children())
      features.push_back((*layer)(nn::functional::cat(features, 1)));
    Shape widths;
    for (const Tensor& f : features) widths.push_back(f.size(1));
    save_for_backward({Tensor::from_data<std::int64_t>(
        widths, {static_cast<std::int64_t>(widths.size())})});  // each piece's channels
    return nn::functional::cat(features, 1);
  }

  Tensor backward(const Tensor& grad_output) override {
    const std::vector<std::int64_t> widths = pop_saved().at(0).to_vector<std::int64_t>();
    // grads[k]: dL/d(feature k), from the output's slice and every later layer's input.
    std::vector<Tensor> grads;
    std::int64_t start = 0;
    for (const std::int64_t w : widths) {
      grads.push_back(grad_output.slice(1, start, start + w).contiguous());
      start += w;
    }
    const std::vector<nn::Module*> layers = children();
    for (std::size_t k = layers.size(); k-- > 0;) {
      const Tensor g = layers[k]->backward(grads[k + 1]);  // layer k made feature k + 1
      std::int64_t offset = 0;
      for (std::size_t j = 0; j <= k; ++j) {
        const Tensor piece = g.slice(1, offset, offset + widths[j]).contiguous();
        grads[j] = nn::functional::add(grads[j], piece);
        offset += widths[j];
      }
    }
    return grads[0];
  }
};

}  // namespace

namespace detail {
std::shared_ptr<nn::Module> make_dense_layer(std::int64_t in, std::int64_t growth,
                                             std::int64_t bn_size, Generator& gen) {
  auto layer = std::make_shared<Chain>("_DenseLayer");
  layer->register_module("norm1", std::make_shared<nn::BatchNorm2d>(in));
  layer->register_module("relu1", std::make_shared<nn::ReLU>());
  layer->register_module("conv1", conv2d(in, bn_size * growth, 1, 1, 0, false, gen));
  layer->register_module("norm2", std::make_shared<nn::BatchNorm2d>(bn_size * growth));
  layer->register_module("relu2", std::make_shared<nn::ReLU>());
  layer->register_module("conv2", conv2d(bn_size * growth, growth, 3, 1, 1, false, gen));
  return layer;
}

std::shared_ptr<nn::Module> make_dense_block(std::int64_t layers, std::int64_t in,
                                             std::int64_t growth, std::int64_t bn_size,
                                             Generator& gen) {
  auto block = std::make_shared<DenseBlock>();
  for (std::int64_t i = 0; i < layers; ++i) {
    block->register_module("denselayer" + std::to_string(i + 1),
                           make_dense_layer(in + i * growth, growth, bn_size, gen));
  }
  return block;
}
}  // namespace detail

std::shared_ptr<nn::Module> make_densenet121(Generator& gen, std::int64_t num_classes) {
  constexpr std::int64_t growth = 32, bn_size = 4, init_features = 64;
  constexpr std::array<std::int64_t, 4> blocks = {6, 12, 24, 16};
  auto net = std::make_shared<detail::FeedForwardNet>(
      "DenseNet", "classifier", detail::FunctionalStep::ReluGlobalAvgPoolFlatten);
  auto features = std::make_shared<nn::Sequential>();
  features->register_module("conv0", detail::conv2d(3, init_features, 7, 2, 3, false, gen));
  features->register_module("norm0", std::make_shared<nn::BatchNorm2d>(init_features));
  features->register_module("relu0", std::make_shared<nn::ReLU>());
  features->register_module("pool0", detail::max_pool(3, 2, 1));
  std::int64_t num = init_features;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    features->register_module("denseblock" + std::to_string(b + 1),
                              detail::make_dense_block(blocks[b], num, growth, bn_size, gen));
    num += blocks[b] * growth;
    if (b + 1 != blocks.size()) {
      auto trans = std::make_shared<detail::NamedSequential>("_Transition");
      trans->register_module("norm", std::make_shared<nn::BatchNorm2d>(num));
      trans->register_module("relu", std::make_shared<nn::ReLU>());
      trans->register_module("conv", detail::conv2d(num, num / 2, 1, 1, 0, false, gen));
      nn::functional::PoolOptions pool;
      pool.kernel = {2};
      pool.stride = {2};
      trans->register_module("pool", std::make_shared<nn::AvgPool2d>(pool));
      features->register_module("transition" + std::to_string(b + 1), trans);
      num /= 2;
    }
  }
  features->register_module("norm5", std::make_shared<nn::BatchNorm2d>(num));
  net->register_module("features", features);
  net->register_module("classifier", std::make_shared<nn::Linear>(num, num_classes, true, gen));
  return net;
}

}  // namespace weightinit::models
