// SPDX-License-Identifier: MIT
// The demo: seeded uniform_/normal_ calls in weightinit, printed next to what PyTorch printed
// for the same calls (examples/demo_expected.inc, written by tools/torch_golden.py demo).
#include <cstdint>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "weightinit/weightinit.h"

namespace wi = weightinit;

namespace {

struct Expected {
  const char* python;
  const char* torch_output;
};

const Expected kExpected[] = {
#include "demo_expected.inc"
};

// The same calls, in the same order, in C++.
std::vector<std::function<wi::Tensor()>> calls() {
  return {
      [] {
        wi::manual_seed(0);
        auto t = wi::Tensor::empty({3, 5});
        return wi::uniform_(t);
      },
      [] {
        wi::manual_seed(0);
        auto t = wi::Tensor::empty({3, 5});
        return wi::normal_(t);
      },
      [] {
        wi::manual_seed(40);
        auto t = wi::Tensor::empty({2, 8});
        return wi::uniform_(t, -0.1, 0.1);
      },
      [] {
        wi::manual_seed(40);
        auto t = wi::Tensor::empty({3});
        return wi::normal_(t, 0, 0.02);
      },
      [] {
        wi::manual_seed(7);
        return wi::randn({2, 3}, wi::DType::Float64);
      },
      [] {
        wi::manual_seed((std::uint64_t{1} << 32) + 5);
        return wi::rand({4});
      },
  };
}

}  // namespace

int main() {
  std::cout << "weightinit "
            << "demo: the same seeded calls in C++ and in PyTorch\n"
            << "arithmetic mode: " << wi::arith_mode_name(wi::default_generator().arith_mode())
            << " (PyTorch's CPU kernels for this machine)\n\n";
  const auto fns = calls();
  int identical = 0;
  for (std::size_t i = 0; i < fns.size(); ++i) {
    const std::string ours = fns[i]().str();
    const bool same = ours == kExpected[i].torch_output;
    identical += same;
    std::cout << ">>> " << kExpected[i].python << "\n"
              << "weightinit:\n"
              << ours << "\n"
              << "PyTorch:\n"
              << kExpected[i].torch_output << "\n"
              << (same ? "identical" : "DIFFERS") << "\n\n";
  }
  if (identical == static_cast<int>(fns.size())) {
    std::cout << "all " << identical << " calls print exactly what PyTorch printed\n";
    return 0;
  }
  std::cout << (fns.size() - static_cast<std::size_t>(identical)) << " of " << fns.size()
            << " calls DIFFER from PyTorch\n";
  return 1;
}
