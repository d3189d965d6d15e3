// SPDX-License-Identifier: MIT
// `weightinit compare`: train one architecture once per init on the same batches, side by side.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `compare --model SPEC --inits "SPEC; SPEC; ..." [--bias-init SPEC] [--epochs N]
/// [--batch N] [--lr X] [--optimizer sgd|adam|adamw] [--momentum X] [--weight-decay X]
/// [--nesterov] [--seed N] [--threads N] [--data fashion-mnist|synthetic] [--data-dir DIR]
/// [--train-samples N] [--max-steps N] [--progress auto|bar|lines|none] [--plot FILE.svg]
/// [--json FILE]`. Progress goes to stderr (each line prefixed with the init), the table to
/// stdout. Ctrl-C stops after the current step, writes the plot and JSON of the runs so far and
/// exits with 130.
void add_compare_command(CLI::App& app);

}  // namespace weightinit::cli
