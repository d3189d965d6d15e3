// SPDX-License-Identifier: MIT
// The registry of the module types nn/ defines: what policies may name in a type selector.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// One module type of the library: its torch class name and a factory for a small example
/// (drawn from its own Generator, so building one never moves default_generator()).
struct ModuleType {
  std::string name;  ///< type_name() of what `example` builds ("Conv2d")
  std::function<std::shared_ptr<Module>()> example;
};

/// Every module type nn/ defines, in the order of torch.nn's documentation: the layers with
/// parameters first (Linear, the convolutions, the normalizations, Embedding, ReZero), then
/// the parameter-free ones (activations, pooling, containers). The models' own container types
/// are not here; policies learn them from the model.
const std::vector<ModuleType>& module_types();

/// The names of module_types(), in the same order.
std::vector<std::string> module_type_names();

}  // namespace weightinit::nn
