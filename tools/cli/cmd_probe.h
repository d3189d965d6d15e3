// SPDX-License-Identifier: MIT
// `weightinit probe`: signal propagation at initialization, one table per init.
#pragma once

#include <string>

#include "weightinit/diag/probe_inits.h"

namespace CLI {
class App;
}

namespace weightinit::cli {

/// One probe: a model, the inits to compare and the batch.
using ProbeRequest = diag::ProbeSetup;

/// diag::probe_inits, with the per-init tables and the summary appended to `text`.
diag::ProbeReport run_probe(const ProbeRequest& request, std::string& text);

/// Adds `probe --model SPEC --inits "SPEC; SPEC; ..." [--bias-init SPEC] [--data
/// fashion-mnist|synthetic] [--data-dir DIR] [--batch N] [--seed N] [--threads N]
/// [--plot FILE.svg] [--grad-plot FILE.svg] [--json FILE]`.
void add_probe_command(CLI::App& app);

}  // namespace weightinit::cli
