// SPDX-License-Identifier: MIT
// torchinfo_summary(): torchinfo.summary's table (torchinfo 1.8.0), number for number.
#pragma once

#include <string>

#include "weightinit/nn/module.h"

namespace weightinit::diag {

/// Runs `model` on `rand(input_size)` (input_size includes the batch, as torchinfo's does;
/// drawn from `gen`), or on `randint(0, token_vocab, input_size)` ids for a token model, and
/// returns the text of `str(torchinfo.summary(model, input_size, verbose=0))` (with
/// `dtypes=[torch.long]` for ids) with its default columns (Output Shape, Param #) and depth 3:
/// the model's row, then one row per call of each module in call order, nested
/// (`│    └─Conv2d: 3-4`: depth, then the row's number among the rows of that depth), down to
/// depth 3. A module called again gets its own row, "(recursive)" when it has parameters; a
/// container whose forward never runs (a ModuleList) is inserted above its first child, with
/// "--" as its output; a container at depth 3 shows its children's parameter count, one above
/// it only the parameters its children do not hold. Then Total / Trainable /
/// Non-trainable params, Total mult-adds (Σ over layers of each weight's and bias' numel times
/// the output's batch — times its spatial size for Conv — printed as torchinfo 1.8.0 on
/// Python 3.11 prints it: "(Units.MEGABYTES)"), and the input, forward/backward (2 × the
/// outputs of layers with parameters), parameter and total sizes in MB (10^6 bytes).
/// torchinfo's rules are torchinfo/layer_info.py's and torchinfo.py's (apply_hooks,
/// add_missing_container_layers, set_children_layers), ported line by line.
std::string torchinfo_summary(nn::Module& model, const Shape& input_size,
                              Generator& gen = default_generator(), std::int64_t token_vocab = 0);

}  // namespace weightinit::diag
