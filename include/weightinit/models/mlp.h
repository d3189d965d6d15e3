// SPDX-License-Identifier: MIT
// A multilayer perceptron as nn::Sequential, like the torch one-liner users write.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weightinit/nn/container.h"

namespace weightinit::models {

/// Sequential(Linear(s0, s1), act, Linear(s1, s2), act, ..., Linear(s_{n-2}, s_{n-1})): an
/// activation after every Linear but the last, named "0", "1", ... as torch's nn.Sequential
/// names them, so a state dict loads into the equivalent torch model. `activation` is one of
/// relu, leaky_relu, elu, selu, gelu, tanh, sigmoid, or linear/none (no activation layers).
/// Construction draws as torch's Linear constructors do, in layer order.
std::shared_ptr<nn::Sequential> make_mlp(const std::vector<std::int64_t>& sizes,
                                         const std::string& activation = "relu",
                                         Generator& gen = default_generator());

/// make_mlp with ReZero residual blocks (Bachlechner et al. 2020): Linear(s0, s1), act, then
/// every hidden step of equal width s_i = s_{i+1} as ReZero(Sequential(Linear, act)) (y = x +
/// α·act(W x + b), α = 0 at init), and the last Linear plain. Names: "0", "1", "2.branch.0", ...,
/// "2.alpha". Throws ValueError when there is no hidden step of equal width.
std::shared_ptr<nn::Sequential> make_rezero_mlp(const std::vector<std::int64_t>& sizes,
                                                const std::string& activation = "relu",
                                                Generator& gen = default_generator());

}  // namespace weightinit::models
