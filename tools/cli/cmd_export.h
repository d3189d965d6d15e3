// SPDX-License-Identifier: MIT
// `weightinit export MODEL -o FILE`: a freshly initialized model's state dict as safetensors.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `export MODEL [--seed N] [--dtype float32|bf16|f16] -o FILE`: manual_seed(seed), builds
/// MODEL (a models::build_model spec) and writes its state_dict() atomically to FILE, floats
/// converted to --dtype, with metadata (weightinit version, seed, model, generator, policy).
void add_export_command(CLI::App& app);

}  // namespace weightinit::cli
