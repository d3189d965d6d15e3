// SPDX-License-Identifier: MIT
// `weightinit probe`: signal propagation at initialization, one table per init.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace CLI {
class App;
}

namespace weightinit::cli {

/// One probe: a model, the inits to compare and the batch.
struct ProbeRequest {
  std::string model;
  std::string inits;  ///< specs separated by ';'
  std::string bias_init = "zeros";
  std::string data = "fashion-mnist";  ///< or "synthetic"
  std::string data_dir;                ///< empty: data::default_dir()
  std::int64_t batch = 256;
  std::uint64_t seed = 0;
};

/// Builds the model once per init (Generator(seed), then the init on its Linear/Conv layers),
/// probes it on one batch (the first test images, or N(0, 1) samples from Generator(seed + 1))
/// and returns the probe JSON document (docs/cli.md). Appends the per-init tables and the
/// summary to `text`. Throws ValueError / SpecError / ShapeError for bad requests, IoError for
/// unreadable data.
nlohmann::json run_probe(const ProbeRequest& request, std::string& text);

/// Adds `probe --model SPEC --inits "SPEC; SPEC; ..." [--bias-init SPEC] [--data
/// fashion-mnist|synthetic] [--data-dir DIR] [--batch N] [--seed N] [--threads N]
/// [--plot FILE.svg] [--grad-plot FILE.svg] [--json FILE]`.
void add_probe_command(CLI::App& app);

}  // namespace weightinit::cli
