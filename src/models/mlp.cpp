// SPDX-License-Identifier: MIT
// make_mlp: Linear layers with an activation between them.
#include "weightinit/models/mlp.h"

#include "weightinit/nn/activation.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/rezero.h"

namespace weightinit::models {

namespace {
std::shared_ptr<nn::Module> make_activation(const std::string& name) {
  if (name == "relu") return std::make_shared<nn::ReLU>();
  if (name == "leaky_relu") return std::make_shared<nn::LeakyReLU>();
  if (name == "elu") return std::make_shared<nn::ELU>();
  if (name == "selu") return std::make_shared<nn::SELU>();
  if (name == "gelu") return std::make_shared<nn::GELU>();
  if (name == "tanh") return std::make_shared<nn::Tanh>();
  if (name == "sigmoid") return std::make_shared<nn::Sigmoid>();
  if (name == "linear" || name == "none") return nullptr;
  throw ValueError("unknown activation '" + name +
                   "': expected relu, leaky_relu, elu, selu, gelu, tanh, sigmoid or linear");
}
}  // namespace

std::shared_ptr<nn::Sequential> make_mlp(const std::vector<std::int64_t>& sizes,
                                         const std::string& activation, Generator& gen) {
  WEIGHTINIT_CHECK(sizes.size() >= 2, ValueError, "an MLP needs at least 2 sizes, but got ",
                   sizes.size());
  make_activation(activation);  // validate before drawing anything
  auto seq = std::make_shared<nn::Sequential>();
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    WEIGHTINIT_CHECK(sizes[i] > 0 && sizes[i + 1] > 0, ValueError,
                     "MLP sizes must be positive, but got ", sizes[i], " and ", sizes[i + 1]);
    seq->push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], true, gen));
    if (i + 2 < sizes.size()) {
      if (auto act = make_activation(activation)) seq->push_back(act);
    }
  }
  return seq;
}

std::shared_ptr<nn::Sequential> make_rezero_mlp(const std::vector<std::int64_t>& sizes,
                                                const std::string& activation, Generator& gen) {
  WEIGHTINIT_CHECK(sizes.size() >= 4, ValueError,
                   "a ReZero MLP needs input, at least two equal hidden sizes and output, like "
                   "mlp:784-[256x10]-10:tanh:rezero, but got ",
                   sizes.size(), " sizes");
  make_activation(activation);  // validate before drawing anything
  for (std::int64_t s : sizes) {
    WEIGHTINIT_CHECK(s > 0, ValueError, "MLP sizes must be positive, but got ", s);
  }
  auto seq = std::make_shared<nn::Sequential>();
  seq->push_back(std::make_shared<nn::Linear>(sizes[0], sizes[1], true, gen));
  if (auto act = make_activation(activation)) seq->push_back(act);
  for (std::size_t i = 1; i + 2 < sizes.size(); ++i) {
    WEIGHTINIT_CHECK(sizes[i] == sizes[i + 1], ValueError,
                     "ReZero blocks keep their width: hidden sizes must be equal, but got ",
                     sizes[i], " and ", sizes[i + 1]);
    auto branch = std::make_shared<nn::Sequential>();
    branch->push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], true, gen));
    if (auto act = make_activation(activation)) branch->push_back(act);
    seq->push_back(std::make_shared<nn::ReZero>(branch));
  }
  seq->push_back(std::make_shared<nn::Linear>(sizes[sizes.size() - 2], sizes.back(), true, gen));
  return seq;
}

}  // namespace weightinit::models
