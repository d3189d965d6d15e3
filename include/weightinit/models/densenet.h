// SPDX-License-Identifier: MIT
// torchvision's DenseNet-121 (names, shapes, draw order of torchvision 0.14).
#pragma once

#include <cstdint>
#include <memory>

#include "weightinit/nn/module.h"

namespace weightinit::models {

/// torchvision.models.densenet121() (Huang et al. 2017, "Densely Connected Convolutional
/// Networks"): growth 32, blocks (6, 12, 24, 16), 64 initial features, bottleneck size 4, with
/// the constructors' draws only. torchvision's init loop is the `torchvision-densenet` policy.
/// Input 3×224×224. Forward and backward as torchvision's (each _DenseLayer on the
/// concatenation of the features before it; F.relu, global average pool, flatten, classifier).
std::shared_ptr<nn::Module> make_densenet121(Generator& gen, std::int64_t num_classes = 1000);

}  // namespace weightinit::models
