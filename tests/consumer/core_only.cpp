// SPDX-License-Identifier: MIT
// Consumer of weightinit::core alone: torch.manual_seed(0); torch.rand(3), then
// torch.nn.init.xavier_uniform_ of a 2x2 weight, with no nn/, io/ or data/ in the link.
#include <weightinit/init/init.h>
#include <weightinit/random/generator.h>
#include <weightinit/random/sampling.h>
#include <weightinit/tensor/print.h>

#include <iostream>

int main() {
  weightinit::Generator gen(0);
  std::cout << weightinit::rand({3}, weightinit::DType::Float32, gen) << "\n";
  weightinit::Tensor weight = weightinit::Tensor::empty({2, 2}, weightinit::DType::Float32);
  weightinit::init::xavier_uniform_(weight, 1.0, gen);
  std::cout << weight << "\n";
}
