// SPDX-License-Identifier: MIT
// A torch.nn.Module as weightinit's policies see it: its type name, its parameters (over the
// torch tensors' memory) and its children.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::python {

/// One module of a torch model, in named_modules() order.
struct ForeignModuleRecord {
  std::string name;                         ///< qualified name, "" for the root
  std::string type;                         ///< type(m).__name__: "Conv2d", "GPT2Attention"
  std::optional<std::int64_t> padding_idx;  ///< nn.Embedding's padding_idx
  /// The module's own parameters (not its children's), as named_parameters() lists them:
  /// registration order, shared ones only where first seen.
  std::vector<std::pair<std::string, Tensor>> parameters;
};

/// A module weightinit knows only by its type name. Policies match it like a native module
/// (type selectors, names, shapes); its default_init is torch's reset_parameters for the
/// standard torch types (Linear, Conv*/ConvTranspose*, the norms, Embedding) and
/// transformers' Conv1D, and unknown (nullopt) for every other type.
class ForeignModule : public nn::Module {
 public:
  ForeignModule(std::string type, std::optional<std::int64_t> padding_idx)
      : type_(std::move(type)), padding_idx_(padding_idx) {}
  std::string type_name() const override { return type_; }
  std::optional<nn::DefaultInit> default_init(const std::string& name) const override;

 private:
  std::string type_;
  std::optional<std::int64_t> padding_idx_;
};

/// The tree of `records` (the root first, each parent before its children, as named_modules()
/// gives them). ValueError for a record whose parent is not listed before it.
std::shared_ptr<ForeignModule> build_foreign_tree(std::vector<ForeignModuleRecord> records);

}  // namespace weightinit::python
