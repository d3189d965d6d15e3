// SPDX-License-Identifier: MIT
// `weightinit train`: train a model on Fashion-MNIST (or synthetic data) with progress output.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `train --model SPEC [--init SPEC] [--bias-init SPEC] [--epochs N] [--batch N] [--lr X]
/// [--optimizer sgd|adam|adamw] [--momentum X] [--weight-decay X] [--nesterov]
/// [--label-smoothing X] [--seed N] [--threads N] [--data fashion-mnist|synthetic]
/// [--data-dir DIR] [--train-samples N] [--max-steps N] [--progress auto|bar|lines|none]
/// [--log FILE]`. Progress goes to stderr, the result to stdout. Ctrl-C stops after the current
/// step, writes the log and exits with 130.
void add_train_command(CLI::App& app);

}  // namespace weightinit::cli
