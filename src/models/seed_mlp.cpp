// SPDX-License-Identifier: MIT
// SeedMLP: the seed document's Model, layer by layer as its __init__ builds it.
#include "weightinit/models/seed_mlp.h"

#include <cmath>

#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/tensor/deferred.h"

namespace weightinit::models {

SeedMLP::SeedMLP(Generator& gen) {
  const bool draw = constructors_draw();  // a deferred build keeps shapes only, unless planned
  linear1 = register_module("linear1", std::make_shared<nn::Linear>(3, 3, true, gen));
  if (draw) init::xavier_normal_(linear1->weight(), 1.0, gen);
  linear1->note_init("weight", "xavier_normal(gain=1)", std::sqrt(2.0 / 6.0));
  linear2 = register_module("linear2", std::make_shared<nn::Linear>(3, 2, true, gen));
  if (draw) {
    init::kaiming_normal_(linear2->weight(), 0.0, init::FanMode::FanIn,
                          init::Nonlinearity::LeakyReLU, gen);
  }
  linear2->note_init("weight", "kaiming_normal()",
                     init::calculate_gain("leaky_relu", 0.0) / std::sqrt(3.0));
  out = register_module("out", std::make_shared<nn::Linear>(2, 2, true, gen));
}

Tensor SeedMLP::forward(const Tensor& input) {
  namespace F = nn::functional;
  const Tensor a1 = F::sigmoid((*linear1)(input));
  const Tensor h2 = (*linear2)(a1);
  Tensor y = F::softmax((*out)(F::relu(h2)), -1);
  save_for_backward({a1, h2, y});
  return y;
}

Tensor SeedMLP::backward(const Tensor& grad_output) {
  namespace F = nn::functional;
  const std::vector<Tensor> saved = pop_saved();
  const Tensor& a1 = saved[0];
  const Tensor& h2 = saved[1];
  const Tensor& y = saved[2];
  Tensor g = out->backward(F::softmax_backward(grad_output, y, -1));
  g = linear2->backward(F::relu_backward(g, h2));
  return linear1->backward(F::sigmoid_backward(g, a1));
}

}  // namespace weightinit::models
