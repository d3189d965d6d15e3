// SPDX-License-Identifier: MIT
// Progress bar and plain progress lines for training runs.
#include "weightinit/train/progress.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <utility>

#include "weightinit/error.h"

namespace weightinit::train {

std::string format_fixed(double v, int digits) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string format_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (bytes >= 1000.0 && u < 4) {
    bytes /= 1000.0;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return text;
}

namespace {

std::string fixed(double v, int digits) { return format_fixed(v, digits); }

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

ProgressPrinter::ProgressPrinter(std::FILE* out, Mode mode, std::int64_t epochs, std::int64_t every,
                                 std::string prefix)
    : out_(out),
      mode_(mode),
      epochs_(epochs),
      every_(every < 1 ? 1 : every),
      prefix_(std::move(prefix)) {}

ProgressPrinter::Mode ProgressPrinter::auto_mode(std::FILE* out) {
  return isatty(fileno(out)) ? Mode::Bar : Mode::Lines;
}

ProgressPrinter::Mode ProgressPrinter::parse_mode(const std::string& name, std::FILE* out) {
  if (name == "auto") return auto_mode(out);
  if (name == "bar") return Mode::Bar;
  if (name == "lines") return Mode::Lines;
  if (name == "none") return Mode::Quiet;
  throw ValueError("unknown progress mode '" + name + "': expected auto, bar, lines or none");
}

bool ProgressPrinter::due(double elapsed, bool last, double period) {
  if (!last && last_draw_ >= 0 && elapsed - last_draw_ < (mode_ == Mode::Bar ? 0.1 : period)) {
    return false;
  }
  last_draw_ = elapsed;
  return true;
}

void ProgressPrinter::on_step(const StepInfo& info) {
  if (mode_ == Mode::Quiet) return;
  const bool last = info.step == info.steps_per_epoch;
  if (mode_ == Mode::Bar) {
    if (!due(info.elapsed_seconds, last, 0.1)) return;
    std::fprintf(out_, "\r%s%s\x1b[K", prefix_.c_str(), format_progress_bar(info).c_str());
    bar_open_ = true;
  } else if (info.step % every_ == 0 || last) {
    std::fprintf(out_, "%s%s\n", prefix_.c_str(), format_progress_line(info).c_str());
  }
  std::fflush(out_);
}

void ProgressPrinter::on_epoch(const EpochInfo& info) {
  if (mode_ == Mode::Quiet) return;
  if (bar_open_) std::fprintf(out_, "\n");
  bar_open_ = false;
  std::fprintf(out_, "%s%s\n", prefix_.c_str(), format_epoch_line(info, epochs_).c_str());
  std::fflush(out_);
}

void ProgressPrinter::on_bytes(std::uint64_t done, std::uint64_t total, double elapsed,
                               const std::string& note) {
  if (mode_ == Mode::Quiet) return;
  const bool finished = done >= total;
  if (!due(elapsed, finished, 5.0)) return;
  const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0.0;
  const double eta = rate > 0 ? static_cast<double>(total - done) / rate : INFINITY;
  const double frac = total ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
  std::string line = format_bytes(static_cast<double>(done)) + " / " +
                     format_bytes(static_cast<double>(total)) + " | " + format_bytes(rate) +
                     "/s | ETA " + format_duration(eta);
  if (!note.empty()) line += " " + note;
  if (mode_ == Mode::Bar) {
    const int width = 24, filled = static_cast<int>(frac * width);
    const std::string bar = std::string(static_cast<std::size_t>(filled), '#') +
                            std::string(static_cast<std::size_t>(width - filled), ' ');
    std::fprintf(out_, "\r%s[%s] %s", prefix_.c_str(), bar.c_str(), line.c_str());
    if (finished) std::fprintf(out_, "\n");
  } else {
    std::fprintf(out_, "%s%.0f%% %s\n", prefix_.c_str(), 100.0 * frac, line.c_str());
  }
  std::fflush(out_);
}

}  // namespace weightinit::train
