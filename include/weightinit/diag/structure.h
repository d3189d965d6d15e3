// SPDX-License-Identifier: MIT
// A model's structure from shapes alone: the summary of models too large (or without a forward
// pass) for torchsummary's table, e.g. a deferred llama:7b.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::diag {

/// One module that owns parameters or buffers.
struct StructureRow {
  std::string name;  ///< qualified name ("model.layers.0.self_attn.q_proj"), "" for the root
  std::string type;  ///< "Linear"
  std::vector<std::pair<std::string, Shape>> tensors;  ///< own parameters, then buffers
  std::int64_t params = 0;                             ///< numel of its own parameters
};

/// Rows in modules() order, with totals.
struct StructureSummary {
  std::vector<StructureRow> rows;
  std::int64_t total_params = 0;
  std::int64_t trainable_params = 0;
  std::int64_t buffer_elements = 0;
  /// The table: "Layer (type)", "Parameters" (name: shape, ...), "Param #", then totals and
  /// the parameters' size in float32, bfloat16/float16 (GB = 10^9 bytes). Repeated blocks are
  /// not folded: every module is one line.
  std::string str() const;
};

/// Reads only names, shapes and requires_grad, so `model` may be deferred
/// (DeferredAllocationGuard): `weightinit summary llama:7b --shapes` takes milliseconds.
StructureSummary structure_summary(nn::Module& model);

}  // namespace weightinit::diag
