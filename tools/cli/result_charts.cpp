// SPDX-License-Identifier: MIT
#include "result_charts.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "weightinit/diag/plot.h"

namespace weightinit::cli {

nlohmann::json finite_or_null(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

double number_or_nan(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : std::nan("");
}

std::string probe_chart_svg(const nlohmann::json& probe, bool grads) {
  std::vector<diag::Series> series;
  for (const auto& run : probe.at("inits")) {
    diag::Series s{run.at("init").get<std::string>(), {}, {}};
    const auto& layers = run.at("layers");
    for (std::size_t i = 0; i < layers.size(); ++i) {
      s.x.push_back(static_cast<double>(i + 1));
      s.y.push_back(number_or_nan(layers[i].at(grads ? "grad_norm" : "act_std")));
    }
    series.push_back(std::move(s));
  }
  const std::string model = probe.at("model").get<std::string>();
  return diag::line_chart_svg(series, {grads ? "Weight gradient norm per layer (" + model + ")"
                                             : "Activation std per layer (" + model + ")",
                                       "layer (Linear / Conv, in order)",
                                       grads ? "||dL/dW||" : "activation std", true, 760, 440});
}

std::string compare_chart_svg(const nlohmann::json& compare) {
  std::vector<diag::Series> loss, accuracy;
  double lo = INFINITY, hi = 0.0;
  std::int64_t window = 1;
  for (const auto& run : compare.at("runs")) {
    const std::string label = run.at("init").get<std::string>();
    const double chance = run.at("chance_loss").get<double>();
    diag::Series l{label, {}, {}};
    for (const auto& s : run.at("smoothed").at("step")) l.x.push_back(s.get<double>());
    for (const auto& v : run.at("smoothed").at("loss")) {
      double y = number_or_nan(v);
      if (y > 10.0 * chance) y = NAN;
      if (std::isfinite(y) && y > 0) {
        lo = std::min(lo, y);
        hi = std::max(hi, y);
      }
      l.y.push_back(y);
    }
    loss.push_back(std::move(l));
    window = run.at("smoothed").at("window").get<std::int64_t>();
    diag::Series acc{label, {}, {}};
    if (run.at("initial").is_object()) {
      acc.x.push_back(0.0);
      acc.y.push_back(number_or_nan(run["initial"].at("test_accuracy")));
    }
    for (const auto& e : run.at("epochs")) {
      if (!e.contains("test_accuracy")) continue;
      acc.x.push_back(e.at("epoch").get<double>());
      acc.y.push_back(number_or_nan(e["test_accuracy"]));
    }
    accuracy.push_back(std::move(acc));
  }
  const std::string model = compare.at("model").get<std::string>();
  // A log axis only pays when the losses span more than ~1.5 decades; chance-level curves
  // (ln 10 = 2.3) next to trained ones (0.3) read better on a linear one.
  const bool log_y = hi > 0 && lo > 0 && hi / lo > 30.0;
  const int w = 640, h = 420;
  const std::string left = diag::line_chart_svg(
      loss, {"Training loss (" + model + ")",
             window > 1 ? "step (mean of " + std::to_string(window) + " steps)" : "step",
             "cross-entropy", log_y, w, h});
  const std::string right = diag::line_chart_svg(
      accuracy, {"Test accuracy (" + model + ")", "epoch (0: at init)", "accuracy", false, w, h});
  auto placed = [](const std::string& svg, int x) {
    // Each chart is a complete <svg>; nested, it is positioned by its x attribute.
    const std::size_t at = svg.find("<svg");
    if (at == std::string::npos) return svg;
    const std::string position = " x=\"" + std::to_string(x) + "\" y=\"0\"";
    return svg.substr(0, at + 4) + position + svg.substr(at + 4);
  };
  return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(2 * w) +
         "\" height=\"" + std::to_string(h) + "\" viewBox=\"0 0 " + std::to_string(2 * w) + " " +
         std::to_string(h) + "\">\n" + placed(left, 0) + placed(right, w) + "</svg>\n";
}

}  // namespace weightinit::cli
