// SPDX-License-Identifier: MIT
// Consumer of the installed package: prints torch.manual_seed(0); torch.rand(3).
#include <weightinit/weightinit.h>

#include <iostream>

int main() {
  weightinit::Generator gen(0);
  std::cout << weightinit::rand({3}, weightinit::DType::Float32, gen) << "\n";
}
