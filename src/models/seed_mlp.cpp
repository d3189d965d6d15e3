// SPDX-License-Identifier: MIT
// SeedMLP: the seed document's Model, layer by layer as its __init__ builds it.
#include "weightinit/models/seed_mlp.h"

#include <cmath>

#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models {

SeedMLP::SeedMLP(Generator& gen) {
  linear1 = register_module("linear1", std::make_shared<nn::Linear>(3, 3, true, gen));
  init::xavier_normal_(linear1->weight(), 1.0, gen);
  linear1->note_init("weight", "xavier_normal(gain=1)", std::sqrt(2.0 / 6.0));
  linear2 = register_module("linear2", std::make_shared<nn::Linear>(3, 2, true, gen));
  init::kaiming_normal_(linear2->weight(), 0.0, init::FanMode::FanIn, init::Nonlinearity::LeakyReLU,
                        gen);
  linear2->note_init("weight", "kaiming_normal()",
                     init::calculate_gain("leaky_relu", 0.0) / std::sqrt(3.0));
  out = register_module("out", std::make_shared<nn::Linear>(2, 2, true, gen));
}

Tensor SeedMLP::forward(const Tensor& input) {
  namespace F = nn::functional;
  Tensor x = F::sigmoid((*linear1)(input));
  x = F::relu((*linear2)(x));
  return F::softmax((*out)(x), -1);
}

}  // namespace weightinit::models
