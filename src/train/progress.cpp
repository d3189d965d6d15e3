// SPDX-License-Identifier: MIT
// Progress bar and plain progress lines for training runs.
#include "weightinit/train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>

namespace weightinit::train {

namespace {

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

/// 12345 → "12.3k", 1234567 → "1.23M".
std::string compact_rate(double v) {
  if (v >= 1e6) return fixed(v / 1e6, 2) + "M";
  if (v >= 1e4) return fixed(v / 1e3, 1) + "k";
  return fixed(v, 0);
}

double eta_seconds(const StepInfo& info) {
  if (info.global_step <= 0 || info.elapsed_seconds <= 0) return NAN;
  const double per_step = info.elapsed_seconds / static_cast<double>(info.global_step);
  return per_step * static_cast<double>(info.total_steps - info.global_step);
}

}  // namespace

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto total = static_cast<long long>(seconds);
  const long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
  char buf[64];
  if (h > 0) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", h, m, s);
  } else {
    std::snprintf(buf, sizeof buf, "%lld:%02lld", m, s);
  }
  return buf;
}

std::string format_progress_bar(const StepInfo& info, int width) {
  const double frac = info.steps_per_epoch > 0 ? static_cast<double>(info.step) /
                                                     static_cast<double>(info.steps_per_epoch)
                                               : 0.0;
  const int filled = static_cast<int>(frac * width);
  std::string bar(static_cast<std::size_t>(width), ' ');
  for (int i = 0; i < filled && i < width; ++i) bar[static_cast<std::size_t>(i)] = '#';
  if (filled < width) bar[static_cast<std::size_t>(filled)] = '>';
  return "epoch " + std::to_string(info.epoch) + "/" + std::to_string(info.epochs) + " [" + bar +
         "] " + std::to_string(info.step) + "/" + std::to_string(info.steps_per_epoch) + " loss " +
         fixed(info.epoch_loss, 4) + " | " + compact_rate(info.samples_per_second) +
         " samples/s | ETA " + format_duration(eta_seconds(info));
}

std::string format_progress_line(const StepInfo& info) {
  return "epoch " + std::to_string(info.epoch) + "/" + std::to_string(info.epochs) + " step " +
         std::to_string(info.step) + "/" + std::to_string(info.steps_per_epoch) + " loss " +
         fixed(info.epoch_loss, 4) + " samples/s " + fixed(info.samples_per_second, 0) +
         " elapsed " + format_duration(info.elapsed_seconds) + " ETA " +
         format_duration(eta_seconds(info));
}

std::string format_epoch_line(const EpochInfo& info, std::int64_t epochs) {
  std::string line = "epoch " + std::to_string(info.epoch) + "/" + std::to_string(epochs) +
                     " done in " + fixed(info.seconds, 1) + " s: train loss " +
                     fixed(info.train_loss, 4) + " acc " + fixed(info.train_accuracy, 4);
  if (info.evaluated) {
    line += " | test loss " + fixed(info.test_loss, 4) + " acc " + fixed(info.test_accuracy, 4);
  }
  return line;
}

ProgressPrinter::ProgressPrinter(std::FILE* out, Mode mode, std::int64_t epochs, std::int64_t every)
    : out_(out), mode_(mode), epochs_(epochs), every_(every < 1 ? 1 : every) {}

ProgressPrinter::Mode ProgressPrinter::auto_mode(std::FILE* out) {
  return isatty(fileno(out)) ? Mode::Bar : Mode::Lines;
}

void ProgressPrinter::on_step(const StepInfo& info) {
  if (mode_ == Mode::Quiet) return;
  if (mode_ == Mode::Bar) {
    const bool last = info.step == info.steps_per_epoch;
    if (!last && last_draw_ >= 0 && info.elapsed_seconds - last_draw_ < 0.1) return;
    last_draw_ = info.elapsed_seconds;
    std::fprintf(out_, "\r%s\x1b[K", format_progress_bar(info).c_str());
    bar_open_ = true;
  } else if (info.step % every_ == 0 || info.step == info.steps_per_epoch) {
    std::fprintf(out_, "%s\n", format_progress_line(info).c_str());
  }
  std::fflush(out_);
}

void ProgressPrinter::on_epoch(const EpochInfo& info) {
  if (mode_ == Mode::Quiet) return;
  if (bar_open_) std::fprintf(out_, "\n");
  bar_open_ = false;
  std::fprintf(out_, "%s\n", format_epoch_line(info, epochs_).c_str());
  std::fflush(out_);
}

}  // namespace weightinit::train
