// SPDX-License-Identifier: MIT
// Training progress on a terminal (a redrawn bar) or in a log (plain periodic lines).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "weightinit/train/trainer.h"

namespace weightinit::train {

/// `v` with `digits` decimals ("0.5123"); "nan", "inf" or "-inf" when not finite.
std::string format_fixed(double v, int digits);

/// "12.3 GB": decimal units (B, KB, MB, GB, TB), as shard sizes are given.
std::string format_bytes(double bytes);

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

/// The one progress renderer of the library and the CLI, on `out` (normally stderr), every line
/// starting with `prefix` ("[kaiming_normal] " when compare runs several inits). Bar mode
/// redraws one line with '\r' at most 10 times a second; line mode prints plain lines; quiet
/// mode prints nothing. It follows a training run (a TrainObserver: a line every `every` steps
/// and the last of each epoch, and the epoch line) or a byte count (on_bytes: a line every 5 s).
class ProgressPrinter : public TrainObserver {
 public:
  enum class Mode { Bar, Lines, Quiet };
  ProgressPrinter(std::FILE* out, Mode mode, std::int64_t epochs, std::int64_t every = 50,
                  std::string prefix = "");
  void on_step(const StepInfo& info) override;
  void on_epoch(const EpochInfo& info) override;
  /// Bytes mode: `done` of `total` bytes after `elapsed` seconds, with rate and ETA, and `note`
  /// appended ("(rank 0 of 4)"):
  ///   bar:   "[#########               ] 1.2 GB / 3.4 GB | 250.0 MB/s | ETA 0:09"
  ///   lines: "35% 1.2 GB / 3.4 GB | 250.0 MB/s | ETA 0:09"
  void on_bytes(std::uint64_t done, std::uint64_t total, double elapsed,
                const std::string& note = "");

  /// Bar when `out` is a terminal (isatty), Lines otherwise.
  static Mode auto_mode(std::FILE* out);
  /// "auto" (auto_mode(out)), "bar", "lines" or "none" (Quiet); ValueError otherwise.
  static Mode parse_mode(const std::string& name, std::FILE* out);

 private:
  /// Whether to draw now: always at the end, else at most every 0.1 s (bar) or `period` s.
  bool due(double elapsed, bool last, double period);

  std::FILE* out_;
  Mode mode_;
  std::int64_t epochs_;
  std::int64_t every_;
  std::string prefix_;
  double last_draw_ = -1.0;
  bool bar_open_ = false;
};

}  // namespace weightinit::train
