// SPDX-License-Identifier: MIT
// What `weightinit train` and `weightinit compare` share: the --data / --train-samples /
// --progress options, loading the data, and Ctrl-C as a request to stop.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "weightinit/data/dataset.h"
#include "weightinit/train/progress.h"
#include "weightinit/train/trainer.h"

namespace CLI {
class App;
}

namespace weightinit::cli {

/// `--lr-group GLOB=FACTOR` (repeatable, first match wins): parameters whose qualified name
/// matches GLOB train at lr × FACTOR, a torch parameter group with its own lr. A value without
/// '=' or with a factor that is not a positive number is a usage error naming it.
void add_lr_group_option(CLI::App* cmd, std::vector<train::LrGroup>& groups);

/// Throws ValueError when the model takes token ids (token_vocab > 0): `command` trains on
/// images ("compare trains on Fashion-MNIST images, but gpt2:... takes token ids; weightinit
/// probe --model gpt2:... runs it on random ids").
void check_trains_on_images(const std::string& command, const std::string& spec,
                            std::int64_t token_vocab);

/// Throws ValueError unless --data is fashion-mnist or synthetic ("unknown --data 'x':
/// expected fashion-mnist or synthetic") and --train-samples >= 0.
void check_data_options(const std::string& name, std::int64_t train_samples);

/// The --progress value as a printer mode: auto (a bar when stderr is a terminal), bar, lines
/// or none; ValueError otherwise ("unknown --progress 'x': expected auto, bar, lines or none").
train::ProgressPrinter::Mode progress_mode(const std::string& text);

struct TrainTestData {
  data::Dataset train;
  data::Dataset test;
};

/// "fashion-mnist": the package's train split (its first `train_samples` when > 0) and the test
/// split, from `dir` (empty: data::default_dir()), padded to `input_size` by data::fit_to_input
/// (28×28 → 32×32 for a (1, 32, 32) model). "synthetic": train_samples (default 4096) and
/// 1024 N(0, 1) samples of `input_size` with random labels, from Generator(seed + 1).
/// Checks its options as check_data_options; IoError for missing or corrupt files.
TrainTestData load_train_test(const std::string& name, const std::string& dir,
                              std::int64_t train_samples, const Shape& input_size,
                              std::uint64_t seed);

/// While alive, the first SIGINT sets requested() and prints "stopping after the current step
/// (Ctrl-C again to abort)"; a second SIGINT ends the process (the default action). The
/// previous handler is restored on destruction.
class StopOnSigint {
 public:
  StopOnSigint();
  ~StopOnSigint();
  StopOnSigint(const StopOnSigint&) = delete;
  StopOnSigint& operator=(const StopOnSigint&) = delete;
  /// The flag the training loops poll after every step.
  static const std::atomic<bool>& requested();

 private:
  void (*previous_)(int);
};

}  // namespace weightinit::cli
