// SPDX-License-Identifier: MIT
// Self-contained SVG line charts (no scripts, no external fonts or links) for probe, compare and
// the HTML report.
#pragma once

#include <string>
#include <vector>

namespace weightinit::diag {

/// One line of a chart: y[i] at x[i]. Points whose y is not finite (or not positive on a log
/// axis) break the line rather than being drawn; they are listed in the legend as "(n points
/// not shown)".
struct Series {
  std::string label;
  std::vector<double> x;
  std::vector<double> y;
};

/// Chart text and axes.
struct PlotOptions {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_y = false;  ///< log10 axis, ticks at decades (1e-3, 1e-2, ...)
  int width = 640;     ///< pixels
  int height = 400;
};

/// An SVG document (`<svg xmlns=... viewBox=...>`) with a frame, "nice" ticks and grid lines
/// on both axes, the axis labels, the title, one polyline per series in a fixed colour-blind
/// safe palette, and a legend. Text is XML-escaped. Every series must have x.size() ==
/// y.size() (ValueError otherwise); an empty chart (no finite points) draws axes and the text
/// "no data". Deterministic: the same input gives the same bytes.
std::string line_chart_svg(const std::vector<Series>& series, const PlotOptions& options);

/// `text` with &, <, >, " and ' replaced by XML entities.
std::string xml_escape(const std::string& text);

}  // namespace weightinit::diag
