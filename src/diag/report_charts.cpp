// SPDX-License-Identifier: MIT
// probe_chart_svg and compare_chart_svg over the typed reports.
#include "weightinit/diag/report_charts.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "weightinit/diag/plot.h"

namespace weightinit::diag {

double finite_or_nan(double v) {
  return std::isfinite(v) ? v : std::numeric_limits<double>::quiet_NaN();
}

std::string probe_chart_svg(const ProbeReport& probe, bool grads) {
  std::vector<Series> series;
  for (const ProbeResult& run : probe.inits) {
    Series s{run.init, {}, {}};
    for (std::size_t i = 0; i < run.layers.size(); ++i) {
      s.x.push_back(static_cast<double>(i + 1));
      s.y.push_back(finite_or_nan(grads ? run.layers[i].grad_norm : run.layers[i].act_std));
    }
    series.push_back(std::move(s));
  }
  return line_chart_svg(series, {grads ? "Weight gradient norm per layer (" + probe.model + ")"
                                       : "Activation std per layer (" + probe.model + ")",
                                 "layer (Linear / Conv, in order)",
                                 grads ? "||dL/dW||" : "activation std", true, 760, 440});
}

std::string residual_stream_chart_svg(const ProbeReport& probe) {
  std::vector<Series> series;
  for (const ProbeResult& run : probe.inits) {
    if (run.blocks.empty()) continue;
    Series s{run.init, {0.0}, {finite_or_nan(run.stream_input_std)}};
    for (std::size_t i = 0; i < run.blocks.size(); ++i) {
      s.x.push_back(static_cast<double>(i + 1));
      s.y.push_back(finite_or_nan(run.blocks[i].std));
    }
    series.push_back(std::move(s));
  }
  if (series.empty()) return "";
  return line_chart_svg(
      series, {"Residual stream std per block (" + probe.model + ")",
               "residual block (0: what enters the first)", "stream std", true, 760, 440});
}

namespace {

/// Each chart is a complete <svg>; nested, it is positioned by its x attribute.
std::string placed(const std::string& svg, int x) {
  const std::size_t at = svg.find("<svg");
  if (at == std::string::npos) return svg;
  const std::string position = " x=\"" + std::to_string(x) + "\" y=\"0\"";
  return svg.substr(0, at + 4) + position + svg.substr(at + 4);
}

/// Test accuracy at init (epoch 0, when evaluated) and after each evaluated epoch.
Series accuracy_series(const CompareRun& run) {
  Series acc{run.text, {}, {}};
  if (run.initial_evaluated) {
    acc.x.push_back(0.0);
    acc.y.push_back(finite_or_nan(run.initial.accuracy));
  }
  for (const train::EpochInfo& e : run.history.epochs) {
    if (!e.evaluated) continue;
    acc.x.push_back(static_cast<double>(e.epoch));
    acc.y.push_back(finite_or_nan(e.test_accuracy));
  }
  return acc;
}

}  // namespace

std::string compare_chart_svg(const CompareReport& compare) {
  std::vector<Series> loss, accuracy;
  double lo = INFINITY, hi = 0.0;
  std::int64_t window = 1;
  for (const CompareRun& run : compare.runs) {
    Series l{run.text, run.smoothed.step, {}};
    for (const double v : run.smoothed.loss) {
      double y = finite_or_nan(v);
      if (y > 10.0 * run.chance_loss) y = NAN;
      if (std::isfinite(y) && y > 0) {
        lo = std::min(lo, y);
        hi = std::max(hi, y);
      }
      l.y.push_back(y);
    }
    loss.push_back(std::move(l));
    window = run.smoothed.window;
    accuracy.push_back(accuracy_series(run));
  }
  // A log axis only pays when the losses span more than ~1.5 decades; chance-level curves
  // (ln 10 = 2.3) next to trained ones (0.3) read better on a linear one.
  const bool log_y = hi > 0 && lo > 0 && hi / lo > 30.0;
  const int w = 640, h = 420;
  const std::string left = line_chart_svg(
      loss, {"Training loss (" + compare.model + ")",
             window > 1 ? "step (mean of " + std::to_string(window) + " steps)" : "step",
             "cross-entropy", log_y, w, h});
  const std::string right = line_chart_svg(
      accuracy,
      {"Test accuracy (" + compare.model + ")", "epoch (0: at init)", "accuracy", false, w, h});
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(2 * w) +
         "\" height=\"" + std::to_string(h) + "\" viewBox=\"0 0 " + std::to_string(2 * w) + " " +
         std::to_string(h) + "\">\n" + placed(left, 0) + placed(right, w) + "</svg>\n";
}

}  // namespace weightinit::diag
