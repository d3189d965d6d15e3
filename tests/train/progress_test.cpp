// SPDX-License-Identifier: MIT
// The one progress renderer: the prefix on every line, the bytes mode (bar and lines, with the
// throttle), quiet mode, and format_fixed / format_bytes.
#include "weightinit/train/progress.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "weightinit/error.h"

namespace tr = weightinit::train;

namespace {

/// What `fn(printer)` writes, through an in-memory FILE.
template <class Fn>
std::string output_of(tr::ProgressPrinter::Mode mode, const std::string& prefix, Fn&& fn) {
  char* buffer = nullptr;
  std::size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    tr::ProgressPrinter printer(out, mode, 3, 2, prefix);
    fn(printer);
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

}  // namespace

TEST(ProgressPrinter, BytesLinesCarryThePrefixAndAreThrottledToFiveSeconds) {
  const std::string text = output_of(tr::ProgressPrinter::Mode::Lines, "[r] ", [](auto& p) {
    p.on_bytes(0, 2000000, 0.0);
    p.on_bytes(1000000, 2000000, 1.0);  // 1 s after the last line: not shown
    p.on_bytes(1000000, 2000000, 6.0, "(rank 0 of 2)");
    p.on_bytes(2000000, 2000000, 6.5);  // the end is always shown
  });
  EXPECT_EQ(text,
            "[r] 0% 0 B / 2.0 MB | 0 B/s | ETA --:--\n"
            "[r] 50% 1.0 MB / 2.0 MB | 166.7 KB/s | ETA 0:06 (rank 0 of 2)\n"
            "[r] 100% 2.0 MB / 2.0 MB | 307.7 KB/s | ETA 0:00\n");
}

TEST(ProgressPrinter, BytesBarRedrawsOneLineAndEndsIt) {
  const std::string text = output_of(tr::ProgressPrinter::Mode::Bar, "", [](auto& p) {
    p.on_bytes(500, 1000, 1.0);
    p.on_bytes(1000, 1000, 2.0);
  });
  EXPECT_EQ(text,
            "\r[############            ] 500 B / 1.0 KB | 500 B/s | ETA 0:01"
            "\r[########################] 1.0 KB / 1.0 KB | 500 B/s | ETA 0:00\n");
}

TEST(ProgressPrinter, QuietPrintsNothingAndModesParse) {
  EXPECT_EQ(
      output_of(tr::ProgressPrinter::Mode::Quiet, "[x] ", [](auto& p) { p.on_bytes(1, 1, 1.0); }),
      "");
  EXPECT_EQ(tr::ProgressPrinter::parse_mode("bar", stderr), tr::ProgressPrinter::Mode::Bar);
  EXPECT_EQ(tr::ProgressPrinter::parse_mode("none", stderr), tr::ProgressPrinter::Mode::Quiet);
  EXPECT_THROW(tr::ProgressPrinter::parse_mode("fancy", stderr), weightinit::ValueError);
}

TEST(ProgressPrinter, EpochLinesCarryThePrefix) {
  tr::EpochInfo info;
  info.epoch = 1;
  info.seconds = 2.0;
  info.train_loss = 0.5;
  info.train_accuracy = 0.75;
  const std::string text =
      output_of(tr::ProgressPrinter::Mode::Lines, "[k] ", [&](auto& p) { p.on_epoch(info); });
  EXPECT_EQ(text, "[k] epoch 1/3 done in 2.0 s: train loss 0.5000 acc 0.7500\n");
}

TEST(Format, FixedAndBytes) {
  EXPECT_EQ(tr::format_fixed(0.51234, 4), "0.5123");
  EXPECT_EQ(tr::format_fixed(std::nan(""), 2), "nan");
  EXPECT_EQ(tr::format_fixed(-INFINITY, 2), "-inf");
  EXPECT_EQ(tr::format_bytes(999), "999 B");
  EXPECT_EQ(tr::format_bytes(12.3e9), "12.3 GB");
}
