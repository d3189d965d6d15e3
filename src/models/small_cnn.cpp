// SPDX-License-Identifier: MIT
// make_small_cnn: conv-relu-pool twice, then two Linear layers.
#include "weightinit/models/small_cnn.h"

#include "weightinit/nn/activation.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/pooling.h"

namespace weightinit::models {

std::shared_ptr<nn::Sequential> make_small_cnn(std::int64_t c1, std::int64_t c2,
                                               std::int64_t hidden, std::int64_t classes,
                                               std::int64_t in_channels, Generator& gen) {
  for (const std::int64_t v : {c1, c2, hidden, classes, in_channels}) {
    WEIGHTINIT_CHECK(v >= 1, ValueError, "small CNN sizes must be positive, but got ", v);
  }
  nn::ConvConfig conv;
  conv.kernel_size = {3};
  conv.padding = {1};
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::Conv2d>(in_channels, c1, conv, gen));
  seq->push_back(std::make_shared<nn::ReLU>());
  seq->push_back(std::make_shared<nn::MaxPool2d>(nn::functional::PoolOptions{.kernel = {2}}));
  seq->push_back(std::make_shared<nn::Conv2d>(c1, c2, conv, gen));
  seq->push_back(std::make_shared<nn::ReLU>());
  seq->push_back(std::make_shared<nn::MaxPool2d>(nn::functional::PoolOptions{.kernel = {2}}));
  seq->push_back(std::make_shared<nn::Flatten>());
  seq->push_back(std::make_shared<nn::Linear>(c2 * 7 * 7, hidden, true, gen));
  seq->push_back(std::make_shared<nn::ReLU>());
  seq->push_back(std::make_shared<nn::Linear>(hidden, classes, true, gen));
  return seq;
}

}  // namespace weightinit::models
