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

namespace {

/// Characters (not bytes) of a UTF-8 string.
std::size_t utf8_length(const std::string& text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

/// The first `chars` characters of a UTF-8 string.
std::string utf8_prefix(const std::string& text, std::size_t chars) {
  std::size_t seen = 0, i = 0;
  for (; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && seen++ == chars) break;
  }
  return text.substr(0, i);
}

/// The plot area and the data ranges it shows: margins for tick labels (left, bottom), the
/// title (top) and the legend (right).
struct ChartArea {
  double left = 70, top = 36, width = 0, height = 0;
  std::size_t legend_chars = 0;  // the longest legend label that fits; longer ones end in "…"
  Range x, y;                    // y in log10 units on a log axis
  double px(double v) const { return left + (v - x.lo) / (x.hi - x.lo) * width; }
  double py(double v) const { return top + height - (v - y.lo) / (y.hi - y.lo) * height; }
};

/// The ranges of the drawable points (finite; positive on a log axis).
void add_data_ranges(const std::vector<Series>& series, const PlotOptions& o, ChartArea& a) {
  for (const Series& s : series) {
    WEIGHTINIT_CHECK(s.x.size() == s.y.size(), ValueError, "series '", s.label, "' has ",
                     s.x.size(), " x values but ", s.y.size(), " y values");
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !drawable(s.y[i], o.log_y)) continue;
      a.x.add(s.x[i]);
      a.y.add(o.log_y ? std::log10(s.y[i]) : s.y[i]);
    }
  }
}

/// Widens degenerate ranges; log axes snap to whole decades.
void widen_ranges(const PlotOptions& o, ChartArea& a) {
  if (a.x.hi == a.x.lo) a.x = {a.x.lo - 0.5, a.x.hi + 0.5};
  if (o.log_y) {
    a.y = {std::floor(a.y.lo), std::ceil(a.y.hi)};
    if (a.y.hi == a.y.lo) a.y.hi += 1;
  } else {
    const double pad =
        a.y.hi == a.y.lo ? std::max(std::abs(a.y.lo) * 0.1, 0.5) : 0.05 * (a.y.hi - a.y.lo);
    a.y = {a.y.lo - pad, a.y.hi + pad};
  }
}

/// The svg element, background, title, axis labels and the plot frame.
std::string chart_frame(const PlotOptions& o, const ChartArea& a) {
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) +
                    "\" height=\"" + std::to_string(o.height) + "\" viewBox=\"0 0 " +
                    std::to_string(o.width) + " " + std::to_string(o.height) +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text x=\"" + num(a.left + a.width / 2) +
         "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">" + xml_escape(o.title) + "</text>\n";
  svg += "<text x=\"" + num(a.left + a.width / 2) + "\" y=\"" + num(o.height - 12.0) +
         "\" text-anchor=\"middle\">" + xml_escape(o.x_label) + "</text>\n";
  svg += "<text transform=\"translate(16," + num(a.top + a.height / 2) +
         ") rotate(-90)\" text-anchor=\"middle\">" +
         xml_escape(o.y_label + (o.log_y ? " (log scale)" : "")) + "</text>\n";
  svg += "<rect x=\"" + num(a.left) + "\" y=\"" + num(a.top) + "\" width=\"" + num(a.width) +
         "\" height=\"" + num(a.height) + "\" fill=\"none\" stroke=\"black\"/>\n";
  return svg;
}

/// Grid lines and tick labels of both axes (log axes: at most 8 decade labels).
std::string grid_and_ticks(const PlotOptions& o, const ChartArea& a) {
  std::string svg = "<g stroke=\"#dddddd\">\n", labels;
  for (const double t : nice_ticks(a.x.lo, a.x.hi, 6)) {
    if (t < a.x.lo || t > a.x.hi) continue;
    svg += "<line x1=\"" + num(a.px(t)) + "\" y1=\"" + num(a.top) + "\" x2=\"" + num(a.px(t)) +
           "\" y2=\"" + num(a.top + a.height) + "\"/>\n";
    labels += "<text x=\"" + num(a.px(t)) + "\" y=\"" + num(a.top + a.height + 16) +
              "\" text-anchor=\"middle\">" + tick_label(t) + "</text>\n";
  }
  std::vector<double> yticks;
  if (o.log_y) {
    const int decades = static_cast<int>(a.y.hi - a.y.lo);
    const int every = std::max(1, (decades + 7) / 8);
    for (double d = a.y.lo; d <= a.y.hi; d += every) yticks.push_back(d);
  } else {
    yticks = nice_ticks(a.y.lo, a.y.hi, 6);
  }
  for (const double t : yticks) {
    if (t < a.y.lo || t > a.y.hi) continue;
    svg += "<line x1=\"" + num(a.left) + "\" y1=\"" + num(a.py(t)) + "\" x2=\"" +
           num(a.left + a.width) + "\" y2=\"" + num(a.py(t)) + "\"/>\n";
    char buf[32];
    if (o.log_y) std::snprintf(buf, sizeof buf, "1e%d", static_cast<int>(std::lround(t)));
    labels += "<text x=\"" + num(a.left - 6) + "\" y=\"" + num(a.py(t) + 4) +
              "\" text-anchor=\"end\">" + (o.log_y ? std::string(buf) : tick_label(t)) +
              "</text>\n";
  }
  return svg + "</g>\n" + labels;
}

/// Series `k`: polylines broken at undrawable points, and its legend entry (which counts them).
std::string series_lines(const Series& s, std::size_t k, const PlotOptions& o, const ChartArea& a) {
  const char* colour = kPalette[k % kPalette.size()];
  std::string svg, points, first_x, first_y;
  std::size_t hidden = 0, run = 0;
  auto flush = [&] {
    if (!points.empty()) {
      svg += "<polyline fill=\"none\" stroke=\"" + std::string(colour) +
             "\" stroke-width=\"1.8\" points=\"" + points + "\"/>\n";
    }
    // A point between two gaps draws no line (a Fixup net's zero conv2 outputs on a log axis
    // alternate with its conv1 rows): mark it with a dot.
    if (run == 1) {
      svg += "<circle cx=\"" + first_x + "\" cy=\"" + first_y + "\" r=\"2.2\" fill=\"" + colour +
             "\"/>\n";
    }
    points.clear();
    run = 0;
  };
  for (std::size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.x[i]) || !drawable(s.y[i], o.log_y)) {
      ++hidden;
      flush();  // a gap breaks the line
      continue;
    }
    const double y = o.log_y ? std::log10(s.y[i]) : s.y[i];
    if (!points.empty()) points += ' ';
    if (run++ == 0) {
      first_x = num(a.px(s.x[i]));
      first_y = num(a.py(y));
    }
    points += num(a.px(s.x[i])) + "," + num(a.py(y));
  }
  flush();
  const double ly = a.top + 8 + 18.0 * static_cast<double>(k);
  const double lx = a.left + a.width;
  svg += "<line x1=\"" + num(lx + 10) + "\" y1=\"" + num(ly) + "\" x2=\"" + num(lx + 30) +
         "\" y2=\"" + num(ly) + "\" stroke=\"" + colour + "\" stroke-width=\"3\"/>\n";
  std::string label = s.label;
  if (hidden > 0) label += " (" + std::to_string(hidden) + " points not shown)";
  const std::size_t chars = utf8_length(label);
  if (chars <= a.legend_chars) {
    svg += "<text x=\"" + num(lx + 36) + "\" y=\"" + num(ly + 4) + "\">" + xml_escape(label) +
           "</text>\n";
  } else {  // cut, with the whole label as the entry's tooltip
    svg += "<text x=\"" + num(lx + 36) + "\" y=\"" + num(ly + 4) + "\"><title>" +
           xml_escape(label) + "</title>" +
           xml_escape(utf8_prefix(label, a.legend_chars > 1 ? a.legend_chars - 1 : 0)) +
           "…</text>\n";
  }
  return svg;
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const PlotOptions& o) {
  WEIGHTINIT_CHECK(o.width >= 200 && o.height >= 150, ValueError,
                   "a chart needs at least 200x150 pixels, but got ", o.width, "x", o.height);
  ChartArea area;
  // The legend's width: room for the longest label (about 6.7 px per character of 12 px
  // sans-serif), from 170 px up to 45% of the chart.
  std::size_t longest = 0;
  for (const Series& s : series) {
    bool some_hidden = false;  // the entry then says " (N points not shown)"
    for (std::size_t i = 0; i < s.y.size(); ++i) some_hidden |= !drawable(s.y[i], o.log_y);
    longest = std::max(longest, utf8_length(s.label) + (some_hidden ? 26 : 0));
  }
  const double legend =
      std::clamp(36.0 + 6.7 * static_cast<double>(longest) + 10.0, 170.0, 0.45 * o.width);
  area.legend_chars = static_cast<std::size_t>((legend - 46.0) / 6.7);
  area.width = o.width - area.left - legend;
  area.height = o.height - area.top - 52;
  add_data_ranges(series, o, area);
  std::string svg = chart_frame(o, area);
  if (area.x.empty()) {
    return svg + "<text x=\"" + num(area.left + area.width / 2) + "\" y=\"" +
           num(area.top + area.height / 2) + "\" text-anchor=\"middle\">no data</text>\n</svg>\n";
  }
  widen_ranges(o, area);
  svg += grid_and_ticks(o, area);
  for (std::size_t k = 0; k < series.size(); ++k) svg += series_lines(series[k], k, o, area);
  return svg + "</svg>\n";
}

}  // namespace weightinit::diag
