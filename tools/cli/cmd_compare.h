// SPDX-License-Identifier: MIT
// `weightinit compare`: train one architecture once per init on the same batches, side by side.
#pragma once

#include <cstdint>
#include <string>

#include "weightinit/diag/reports.h"
#include "weightinit/train/progress.h"
#include "weightinit/train/trainer.h"

namespace CLI {
class App;
}

namespace weightinit::cli {

/// One comparison: a model, the inits, the training settings and the data.
struct CompareRequest {
  std::string model;
  std::string inits;      ///< specs separated by ';'
  std::string bias_init;  ///< empty: the constructors' biases
  train::TrainConfig config;
  std::uint64_t seed = 0;
  std::string data = "fashion-mnist";  ///< or "synthetic"
  std::string data_dir;
  std::int64_t train_samples = 0;  ///< 0: all
};

struct CompareOutcome {
  diag::CompareReport report;  ///< what was trained (diag::to_json gives the --json document)
  std::string table;           ///< init | train loss | accuracy at init and per epoch | verdict
  bool interrupted = false;
};

/// Checks the request (ValueError / SpecError / ShapeError before any training, IoError for
/// unreadable data), prints a header line and a line per run to stdout and the progress to
/// stderr in `mode`, trains once per init (diag::compare_inits; Ctrl-C stops after the
/// current step) and returns the document and the table.
CompareOutcome run_compare(const CompareRequest& request, train::ProgressPrinter::Mode mode);

/// Adds `compare --model SPEC --inits "SPEC; SPEC; ..." [--bias-init SPEC] [--epochs N]
/// [--batch N] [--lr X] [--optimizer sgd|adam|adamw] [--momentum X] [--weight-decay X]
/// [--nesterov] [--seed N] [--threads N] [--data fashion-mnist|synthetic] [--data-dir DIR]
/// [--train-samples N] [--max-steps N] [--progress auto|bar|lines|none] [--plot FILE.svg]
/// [--json FILE]`. Progress goes to stderr (each line prefixed with the init), the table to
/// stdout. Ctrl-C stops after the current step, writes the plot and JSON of the runs so far and
/// exits with 130.
void add_compare_command(CLI::App& app);

}  // namespace weightinit::cli
