// SPDX-License-Identifier: MIT
// `weightinit report`: probe and compare results as one self-contained HTML page.
#pragma once

namespace CLI {
class App;
}

namespace weightinit::cli {

/// Adds `report --out FILE.html [--input FILE.json]... [--model SPEC --inits "SPEC; ..."
/// [--epochs N] [--lr X] [--batch N] [--probe-batch N]] [--data fashion-mnist|synthetic]
/// [--data-dir DIR] [--train-samples N] [--seed N] [--threads N] [--progress MODE] [--title T]`.
/// With neither --input nor --model it runs the four experiments of docs/why-init-matters.md.
void add_report_command(CLI::App& app);

}  // namespace weightinit::cli
