// SPDX-License-Identifier: MIT
// SearchReport -> JSON and chart.
#include "weightinit/search/search_report.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <vector>

#include "weightinit/diag/plot.h"

namespace weightinit::search {

std::string to_json(const SearchReport& report) {
  using nlohmann::json;
  const SearchResult& result = report.result;
  json j;
  j["command"] = "search";
  j["model"] = report.model;
  j["space"] = report.space;
  j["strategy"] = report.options.strategy;
  j["seed"] = report.options.seed;
  j["total_epochs"] = result.total_epochs;
  j["evaluations"] = result.evaluations;
  j["reused_from_log"] = result.reused_from_log;
  j["seconds"] = result.seconds;
  j["out_of_time"] = result.out_of_time;
  j["ranked"] = json::array();
  for (const auto& t : result.ranked) {
    json curve = json::array();
    for (const auto& p : t.curve) {
      curve.push_back({{"epochs", p.epochs},
                       {"accuracy", p.accuracy},
                       {"accuracy_std", p.accuracy_std},
                       {"loss", std::isfinite(p.loss) ? json(p.loss) : json()}});
    }
    j["ranked"].push_back({{"trial", t.index},
                           {"summary", t.trial.summary},
                           {"policy", t.trial.policy_text},
                           {"epochs_used", t.epochs_used},
                           {"curve", curve}});
  }
  return j.dump(1) + "\n";
}

std::string search_chart_svg(const SearchReport& report) {
  const SearchResult& result = report.result;
  std::vector<diag::Series> series;
  for (std::size_t r = 0; r < std::min<std::size_t>(10, result.ranked.size()); ++r) {
    const auto& t = result.ranked[r];
    diag::Series s{"#" + std::to_string(t.index), {}, {}};
    for (const auto& p : t.curve) {
      s.x.push_back(p.epochs);
      s.y.push_back(p.accuracy);
    }
    series.push_back(std::move(s));
  }
  return diag::line_chart_svg(
      series, {"Validation accuracy of the 10 best trials (" + report.options.strategy + ")",
               "training budget (epochs)", "validation accuracy", false, 760, 440});
}

}  // namespace weightinit::search
