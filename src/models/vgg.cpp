// SPDX-License-Identifier: MIT
// torchvision/models/vgg.py (0.14): cfgs A, B, D, E and make_layers.
#include "weightinit/models/vgg.h"

#include <vector>

#include "models/zoo_parts.h"
#include "weightinit/error.h"

namespace weightinit::models {

std::shared_ptr<nn::Module> make_vgg(int depth, bool batch_norm, Generator& gen,
                                     std::int64_t num_classes) {
  constexpr int M = 0;  // a max pool
  std::vector<int> cfg;
  switch (depth) {
    case 11:
      cfg = {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
      break;
    case 13:
      cfg = {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
      break;
    case 16:
      cfg = {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M};
      break;
    case 19:
      cfg = {64,  64,  M,   128, 128, M,   256, 256, 256, 256, M,
             512, 512, 512, 512, M,   512, 512, 512, 512, M};
      break;
    default:
      throw ValueError("VGG depth must be 11, 13, 16 or 19, but got " + std::to_string(depth));
  }
  auto net = std::make_shared<detail::FeedForwardNet>("VGG", "classifier");
  auto features = std::make_shared<nn::Sequential>();
  std::int64_t in = 3;
  for (const int v : cfg) {
    if (v == M) {
      features->push_back(detail::max_pool(2, 2, 0));
      continue;
    }
    features->push_back(detail::conv2d(in, v, 3, 1, 1, true, gen));
    if (batch_norm) features->push_back(std::make_shared<nn::BatchNorm2d>(v));
    features->push_back(std::make_shared<nn::ReLU>());
    in = v;
  }
  net->register_module("features", features);
  net->register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(Shape{7, 7}));
  auto classifier = std::make_shared<nn::Sequential>();
  classifier->push_back(std::make_shared<nn::Linear>(512 * 7 * 7, 4096, true, gen));
  classifier->push_back(std::make_shared<nn::ReLU>());
  classifier->push_back(std::make_shared<nn::Dropout>(0.5));
  classifier->push_back(std::make_shared<nn::Linear>(4096, 4096, true, gen));
  classifier->push_back(std::make_shared<nn::ReLU>());
  classifier->push_back(std::make_shared<nn::Dropout>(0.5));
  classifier->push_back(std::make_shared<nn::Linear>(4096, num_classes, true, gen));
  net->register_module("classifier", classifier);
  return net;
}

}  // namespace weightinit::models
