// SPDX-License-Identifier: MIT
// The charts of `probe` and `compare`, drawn from their reports (reports.h), so the commands,
// and `report` reading saved documents, draw the same pictures.
#pragma once

#include <string>

#include "weightinit/diag/reports.h"

namespace weightinit::diag {

/// Per-layer activation std (grads = false) or weight-gradient norm (grads = true) of a probe:
/// one line per init, x = weight layer 1..L, log y axis. Figures that are not finite are gaps
/// in the line.
std::string probe_chart_svg(const ProbeReport& probe, bool grads);

/// The residual stream's std at init: one line per init, x = 0 for what enters the first
/// block, then block 1..B (BlockProbe), log y axis. Empty when no init has block rows.
std::string residual_stream_chart_svg(const ProbeReport& probe);

/// Two charts side by side in one SVG for a comparison: the smoothed training loss per step
/// (linear axis, log when the drawn losses span more than a factor 30; losses above 10 × chance
/// are not drawn so one exploding run does not flatten the others) and the test accuracy at
/// init (epoch 0) and after each epoch; one line per init in each.
std::string compare_chart_svg(const CompareReport& compare);

/// v when finite, else NaN: how reports show a figure that is not finite (a gap, or "-").
double finite_or_nan(double v);

}  // namespace weightinit::diag
