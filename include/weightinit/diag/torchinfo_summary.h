// SPDX-License-Identifier: MIT
// torchinfo_summary(): torchinfo.summary's table (torchinfo 1.8.0), number for number.
#pragma once

#include <string>

#include "weightinit/nn/module.h"

namespace weightinit::diag {

/// Runs `model` on `rand(input_size)` (input_size includes the batch, as torchinfo's does;
/// drawn from `gen`) and returns the text of `str(torchinfo.summary(model, input_size,
/// verbose=0))` with its default columns (Output Shape, Param #) and depth 3:
/// the model's row, then one row per call of each layer (`├─Linear: 1-2`; a layer called again
/// gets its own row, "(recursive)" when it has parameters), then Total / Trainable /
/// Non-trainable params, Total mult-adds (Σ over layers of each weight's and bias' numel times
/// the output's batch — times its spatial size for Conv — printed as torchinfo 1.8.0 on
/// Python 3.11 prints it: "(Units.MEGABYTES)"), and the input, forward/backward (2 × the
/// outputs of layers with parameters), parameter and total sizes in MB (10^6 bytes).
/// Supports models whose layers are direct children of the model (a Sequential, the seed MLP,
/// C3D, the small CNN); ValueError for deeper nesting.
std::string torchinfo_summary(nn::Module& model, const Shape& input_size,
                              Generator& gen = default_generator());

}  // namespace weightinit::diag
