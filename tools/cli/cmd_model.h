// SPDX-License-Identifier: MIT
// `weightinit summary|forward|params MODEL`: the seeds' models from the command line.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `summary MODEL [--input SHAPE] [--batch N] [--seed N]` (torchsummary's table),
/// `forward MODEL [--seed N] [--input SHAPE] [--batch N] [--train]` (output shape and first
/// values) and `params MODEL [--seed N]` (named_parameters() printed as PyTorch prints them).
/// MODEL is a models::build_model spec; an unknown one lists the known ones (exit 2).
void add_model_commands(CLI::App& app);

}  // namespace weightinit::cli
