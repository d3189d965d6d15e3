// SPDX-License-Identifier: MIT
// `weightinit probe`: signal propagation at initialization, one table per init.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `probe --model SPEC --inits "SPEC; SPEC; ..." [--bias-init SPEC] [--data
/// fashion-mnist|synthetic] [--data-dir DIR] [--batch N] [--seed N] [--threads N]
/// [--plot FILE.svg] [--grad-plot FILE.svg] [--json FILE]`.
void add_probe_command(CLI::App& app);

}  // namespace weightinit::cli
