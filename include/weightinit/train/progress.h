// SPDX-License-Identifier: MIT
// Training progress on a terminal (a redrawn bar) or in a log (plain periodic lines).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "weightinit/train/trainer.h"

namespace weightinit::train {

/// "1:05" / "1:02:03" for a duration in seconds (rounded down; "--:--" when not finite).
std::string format_duration(double seconds);

/// The one-line bar drawn on a TTY, `width` cells wide:
///   "epoch 1/3 [#########>          ] 234/469 loss 0.5123 | 12.3k samples/s | ETA 0:12"
/// The ETA is the run's remaining steps at the run's mean step rate.
std::string format_progress_bar(const StepInfo& info, int width = 24);

/// The plain line printed when the output is not a terminal:
///   "epoch 1/3 step 234/469 loss 0.5123 samples/s 12345 elapsed 0:05 ETA 0:12"
std::string format_progress_line(const StepInfo& info);

/// The end-of-epoch line:
///   "epoch 1/3 done in 4.2 s: train loss 0.5401 acc 0.8123 | test loss 0.4702 acc 0.8311"
std::string format_epoch_line(const EpochInfo& info, std::int64_t epochs);

/// Writes progress to `out` (normally stderr). Bar mode redraws one line with '\r' at most
/// 10 times a second and ends it at each epoch; line mode prints every `every` steps (and the
/// last step of each epoch); both print the epoch line. Quiet mode prints nothing.
class ProgressPrinter : public TrainObserver {
 public:
  enum class Mode { Bar, Lines, Quiet };
  ProgressPrinter(std::FILE* out, Mode mode, std::int64_t epochs, std::int64_t every = 50);
  void on_step(const StepInfo& info) override;
  void on_epoch(const EpochInfo& info) override;

  /// Bar when `out` is a terminal (isatty), Lines otherwise.
  static Mode auto_mode(std::FILE* out);

 private:
  std::FILE* out_;
  Mode mode_;
  std::int64_t epochs_;
  std::int64_t every_;
  double last_draw_ = -1.0;
  bool bar_open_ = false;
};

}  // namespace weightinit::train
