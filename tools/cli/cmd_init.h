// SPDX-License-Identifier: MIT
// `weightinit init`: build a model, apply an init policy, write safetensors.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `init MODEL --policy FILE|NAME [--seed N] -o FILE.safetensors [--dtype
/// float32|bf16|f16] [--strict] [--set NAME=VALUE]... [--explain]`.
void add_init_command(CLI::App& app);

}  // namespace weightinit::cli
