// SPDX-License-Identifier: MIT
// line_chart_svg: a dependency-free SVG line chart (axes, ticks, grid, legend).
#include "weightinit/diag/plot.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <limits>

#include "weightinit/error.h"

namespace weightinit::diag {

namespace {

// Okabe & Ito's colour-blind safe palette (black left out: it is the axes' colour).
constexpr std::array<const char*, 7> kPalette = {"#0072B2", "#D55E00", "#009E73", "#E69F00",
                                                 "#CC79A7", "#56B4E9", "#F0E442"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

/// Tick label: up to 4 significant digits, exponent form outside [1e-3, 1e5).
std::string tick_label(double v) {
  if (v == 0) return "0";
  char buf[32];
  const double a = std::abs(v);
  std::snprintf(buf, sizeof buf, a >= 1e-3 && a < 1e5 ? "%.4g" : "%.0e", v);
  return buf;
}

/// Ticks at 1, 2 or 5 × 10^k steps covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target) {
  const double span = hi - lo;
  const double raw = span / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (const double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (span / step <= target) break;
  }
  std::vector<double> ticks;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  }
  return ticks;
}

struct Range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  bool empty() const { return !(lo <= hi); }
  void add(double v) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
};

bool drawable(double y, bool log_y) { return std::isfinite(y) && (!log_y || y > 0); }

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string line_chart_svg(const std::vector<Series>& series, const PlotOptions& o) {
  WEIGHTINIT_CHECK(o.width >= 200 && o.height >= 150, ValueError,
                   "a chart needs at least 200x150 pixels, but got ", o.width, "x", o.height);
  Range xr, yr;
  for (const Series& s : series) {
    WEIGHTINIT_CHECK(s.x.size() == s.y.size(), ValueError, "series '", s.label, "' has ",
                     s.x.size(), " x values but ", s.y.size(), " y values");
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !drawable(s.y[i], o.log_y)) continue;
      xr.add(s.x[i]);
      yr.add(o.log_y ? std::log10(s.y[i]) : s.y[i]);
    }
  }
  // Plot area: margins for tick labels (left, bottom), the title (top) and the legend (right).
  const double left = 70, right = 170, top = 36, bottom = 52;
  const double pw = o.width - left - right, ph = o.height - top - bottom;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) +
                    "\" height=\"" + std::to_string(o.height) + "\" viewBox=\"0 0 " +
                    std::to_string(o.width) + " " + std::to_string(o.height) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + num(left + pw / 2) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" + xml_escape(o.title) + "</text>\n";
  svg += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(o.height - 12.0) +
         "\" text-anchor=\"middle\">" + xml_escape(o.x_label) + "</text>\n";
  svg += "<text transform=\"translate(16," + num(top + ph / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" +
         xml_escape(o.y_label + (o.log_y ? " (log scale)" : "")) + "</text>\n";
  svg += "<rect x=\"" + num(left) + "\" y=\"" + num(top) + "\" width=\"" + num(pw) +
         "\" height=\"" + num(ph) + "\" fill=\"none\" stroke=\"black\"/>\n";
  if (xr.empty()) {
    svg += "<text x=\"" + num(left + pw / 2) + "\" y=\"" + num(top + ph / 2) +
           "\" text-anchor=\"middle\">no data</text>\n</svg>\n";
    return svg;
  }
  // Widen degenerate ranges; log axes snap to whole decades.
  if (xr.hi == xr.lo) xr = {xr.lo - 0.5, xr.hi + 0.5};
  if (o.log_y) {
    yr = {std::floor(yr.lo), std::ceil(yr.hi)};
    if (yr.hi == yr.lo) yr.hi += 1;
  } else {
    const double pad =
        yr.hi == yr.lo ? std::max(std::abs(yr.lo) * 0.1, 0.5) : 0.05 * (yr.hi - yr.lo);
    yr = {yr.lo - pad, yr.hi + pad};
  }
  auto px = [&](double x) { return left + (x - xr.lo) / (xr.hi - xr.lo) * pw; };
  auto py = [&](double y) { return top + ph - (y - yr.lo) / (yr.hi - yr.lo) * ph; };

  svg += "<g stroke=\"#dddddd\">\n";
  std::string labels;
  for (const double t : nice_ticks(xr.lo, xr.hi, 6)) {
    if (t < xr.lo || t > xr.hi) continue;
    svg += "<line x1=\"" + num(px(t)) + "\" y1=\"" + num(top) + "\" x2=\"" + num(px(t)) +
           "\" y2=\"" + num(top + ph) + "\"/>\n";
    labels += "<text x=\"" + num(px(t)) + "\" y=\"" + num(top + ph + 16) +
              "\" text-anchor=\"middle\">" + tick_label(t) + "</text>\n";
  }
  std::vector<double> yticks;
  if (o.log_y) {
    const int decades = static_cast<int>(yr.hi - yr.lo);
    const int every = std::max(1, (decades + 7) / 8);
    for (double d = yr.lo; d <= yr.hi; d += every) yticks.push_back(d);
  } else {
    yticks = nice_ticks(yr.lo, yr.hi, 6);
  }
  for (const double t : yticks) {
    if (t < yr.lo || t > yr.hi) continue;
    svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(py(t)) + "\" x2=\"" + num(left + pw) +
           "\" y2=\"" + num(py(t)) + "\"/>\n";
    char buf[32];
    if (o.log_y) std::snprintf(buf, sizeof buf, "1e%d", static_cast<int>(std::lround(t)));
    labels += "<text x=\"" + num(left - 6) + "\" y=\"" + num(py(t) + 4) +
              "\" text-anchor=\"end\">" + (o.log_y ? std::string(buf) : tick_label(t)) +
              "</text>\n";
  }
  svg += "</g>\n" + labels;

  for (std::size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const char* colour = kPalette[k % kPalette.size()];
    std::string points;
    std::size_t hidden = 0;
    auto flush = [&] {
      if (!points.empty()) {
        svg += "<polyline fill=\"none\" stroke=\"" + std::string(colour) +
               "\" stroke-width=\"1.8\" points=\"" + points + "\"/>\n";
      }
      points.clear();
    };
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !drawable(s.y[i], o.log_y)) {
        ++hidden;
        flush();  // a gap breaks the line
        continue;
      }
      const double y = o.log_y ? std::log10(s.y[i]) : s.y[i];
      if (!points.empty()) points += ' ';
      points += num(px(s.x[i])) + "," + num(py(y));
    }
    flush();
    const double ly = top + 8 + 18.0 * static_cast<double>(k);
    svg += "<line x1=\"" + num(left + pw + 10) + "\" y1=\"" + num(ly) + "\" x2=\"" +
           num(left + pw + 30) + "\" y2=\"" + num(ly) + "\" stroke=\"" + colour +
           "\" stroke-width=\"3\"/>\n";
    std::string label = s.label;
    if (hidden > 0) label += " (" + std::to_string(hidden) + " points not shown)";
    svg += "<text x=\"" + num(left + pw + 36) + "\" y=\"" + num(ly + 4) + "\">" +
           xml_escape(label) + "</text>\n";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace weightinit::diag
