// SPDX-License-Identifier: MIT
// A finished search as a typed report: its JSON document (`search --json`) and its chart.
#pragma once

#include <string>

#include "weightinit/search/search.h"

namespace weightinit::search {

/// What `weightinit search` ran and found.
struct SearchReport {
  std::string model;      ///< model spec
  std::string space;      ///< the search space's file
  SearchOptions options;  ///< strategy and seed are reported
  SearchResult result;
};

/// The JSON document of `search --json` (docs/search.md): the setup, the totals and every
/// ranked trial with its curve (a loss that is not finite is null).
std::string to_json(const SearchReport& report);

/// Validation accuracy against training budget for the 10 best trials, one line each.
std::string search_chart_svg(const SearchReport& report);

}  // namespace weightinit::search
