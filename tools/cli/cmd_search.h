// SPDX-License-Identifier: MIT
// `weightinit search`: hyperparameter search over initialization.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `search --space FILE --model SPEC [--strategy grid|random|halving|hyperband]
/// [--trials N] [--eta N] [--min-epochs X] [--seed N] [--jobs N] [--grid-points N] [--cv K |
/// --holdout F] [--budget 20m] [--data ...] [--data-dir DIR] [--train-samples N] [--log FILE]
/// [--best FILE.policy] [--plot FILE.svg] [--json FILE]`.
void add_search_command(CLI::App& app);

}  // namespace weightinit::cli
