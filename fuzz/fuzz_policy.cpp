// SPDX-License-Identifier: MIT
// Fuzzes the policy parser and its application to a small model (selectors, globs,
// expressions, specs): a policy parses and applies, or throws weightinit::Error.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "weightinit/error.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/conv.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/normalization.h"
#include "weightinit/recipes/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace nn = weightinit::nn;
  weightinit::Generator gen(0);
  nn::Sequential model;
  nn::ConvConfig conv;
  conv.kernel_size = {2};
  model.push_back(std::make_shared<nn::Conv2d>(2, 3, conv, gen));
  model.push_back(std::make_shared<nn::BatchNorm2d>(3));
  model.push_back(std::make_shared<nn::Linear>(3, 2, true, gen));
  try {
    const auto policy = weightinit::recipes::Policy::parse(
        std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
    (void)weightinit::recipes::Policy::parse(policy.text(), "again");
    (void)policy.apply(model, gen);
  } catch (const weightinit::Error&) {
  }
  return 0;
}
