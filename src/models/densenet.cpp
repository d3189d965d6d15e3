// SPDX-License-Identifier: MIT
// torchvision/models/densenet.py (0.14): _DenseLayer, _DenseBlock, _Transition, DenseNet.
#include "weightinit/models/densenet.h"

#include <array>

#include "models/zoo_parts.h"

namespace weightinit::models {

std::shared_ptr<nn::Module> make_densenet121(Generator& gen, std::int64_t num_classes) {
  constexpr std::int64_t growth = 32, bn_size = 4, init_features = 64;
  constexpr std::array<std::int64_t, 4> blocks = {6, 12, 24, 16};
  auto net = detail::container("DenseNet");
  auto features = std::make_shared<nn::Sequential>();
  features->register_module("conv0", detail::conv2d(3, init_features, 7, 2, 3, false, gen));
  features->register_module("norm0", std::make_shared<nn::BatchNorm2d>(init_features));
  features->register_module("relu0", std::make_shared<nn::ReLU>());
  features->register_module("pool0", detail::max_pool(3, 2, 1));
  std::int64_t num = init_features;
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    auto block = detail::container("_DenseBlock");
    for (std::int64_t i = 0; i < blocks[b]; ++i) {
      const std::int64_t in = num + i * growth;
      auto layer = detail::container("_DenseLayer");
      layer->register_module("norm1", std::make_shared<nn::BatchNorm2d>(in));
      layer->register_module("relu1", std::make_shared<nn::ReLU>());
      layer->register_module("conv1", detail::conv2d(in, bn_size * growth, 1, 1, 0, false, gen));
      layer->register_module("norm2", std::make_shared<nn::BatchNorm2d>(bn_size * growth));
      layer->register_module("relu2", std::make_shared<nn::ReLU>());
      layer->register_module("conv2",
                             detail::conv2d(bn_size * growth, growth, 3, 1, 1, false, gen));
      block->register_module("denselayer" + std::to_string(i + 1), layer);
    }
    features->register_module("denseblock" + std::to_string(b + 1), block);
    num += blocks[b] * growth;
    if (b + 1 != blocks.size()) {
      auto trans = detail::container("_Transition");
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
