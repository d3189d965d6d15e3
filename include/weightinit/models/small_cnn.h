// SPDX-License-Identifier: MIT
// A small CNN for 28x28 single-channel images (Fashion-MNIST): 2 conv + 2 fully connected layers.
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/container.h"

namespace weightinit::models {

/// The classic LeNet-style network as nn::Sequential, for input (N, in_channels, 28, 28):
///   0 Conv2d(in_channels, c1, 3, padding=1), 1 ReLU, 2 MaxPool2d(2),
///   3 Conv2d(c1, c2, 3, padding=1),          4 ReLU, 5 MaxPool2d(2),
///   6 Flatten, 7 Linear(c2·7·7, hidden), 8 ReLU, 9 Linear(hidden, classes).
/// Names and construction draws are torch's for the same nn.Sequential, so a seeded build is
/// bit-identical to `torch.manual_seed(s); nn.Sequential(...)`. Throws ValueError for a size < 1.
std::shared_ptr<nn::Sequential> make_small_cnn(std::int64_t c1 = 16, std::int64_t c2 = 32,
                                               std::int64_t hidden = 128, std::int64_t classes = 10,
                                               std::int64_t in_channels = 1,
                                               Generator& gen = default_generator());

}  // namespace weightinit::models
