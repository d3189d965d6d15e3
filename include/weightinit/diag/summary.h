// SPDX-License-Identifier: MIT
// summary(): torchsummary's layer table (sksq96/pytorch-summary 1.5.1), number for number.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::diag {

/// One row: a forward call of a (non-container) module.
struct SummaryRow {
  std::string layer;              ///< "Conv3d-1": class name and call number
  Shape output_shape;             ///< with dim 0 replaced by the batch_size argument
  std::int64_t params = 0;        ///< numel of the module's `weight` plus `bias`
  bool counts_trainable = false;  ///< the module has a weight that requires grad
};

/// The whole table and its totals, computed exactly as torchsummary computes them.
struct Summary {
  std::vector<SummaryRow> rows;
  std::int64_t total_params = 0;
  std::int64_t trainable_params = 0;
  double input_size_mb = 0;        ///< |prod(input_size)·batch_size·4 / 2^20|
  double forward_backward_mb = 0;  ///< |2·Σ prod(output_shape)·4 / 2^20| ("x2 for gradients")
  double params_size_mb = 0;       ///< |total_params·4 / 2^20|
  double total_size_mb = 0;        ///< params + forward/backward + input

  /// The text torchsummary prints.
  std::string str() const;
};

/// Runs `model` on `rand(2, *input_size)` (drawn from `gen`, as torchsummary draws from torch's
/// default generator) with a forward hook on every module except the model itself and
/// Sequential containers, and tabulates each call: like `torchsummary.summary(model,
/// input_size, batch_size)`. A module called several times (a shared ReLU) gets several rows.
Summary summary(nn::Module& model, const Shape& input_size, std::int64_t batch_size = -1,
                Generator& gen = default_generator());

/// The verbose part of `summary`: one row per parameter with its shape, fan_in and fan_out
/// (for 2-D and larger weights), the scheme that initialized it, the std that scheme promises,
/// and the actual mean and std (population, over all elements) of its values — so a user can
/// see at a glance that each tensor holds what its init claims.
std::string parameter_report(nn::Module& model);

}  // namespace weightinit::diag
