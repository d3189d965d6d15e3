// SPDX-License-Identifier: MIT
// The HTML report of `weightinit report`: one self-contained page (inline CSS and SVG, no
// scripts, no links outside the page) with the probe and compare results.
#pragma once

#include <string>
#include <vector>

#include "weightinit/diag/reports.h"

namespace weightinit::diag {

/// What the page says about how it was made.
struct ReportHeader {
  std::string title = "Why initialization matters";
  std::string version;  ///< weightinit's version
  std::string command;  ///< the command line that made the page (shown verbatim, escaped)
};

/// Renders `documents` (probe and compare reports, in the order given) as
/// one HTML5 page: a contents list, then per probe document the activation-std and gradient-norm
/// charts (log axes), a summary table (loss, ratios, verdict) and per-init layer tables; per
/// compare document the loss and accuracy charts and a table of accuracy per epoch and verdict;
/// finally the rules behind the verdicts. Sections carry ids "probe-N" / "compare-N" and each
/// chart sits in a <figure class="chart">. Every text is HTML-escaped. The same input gives the
/// same bytes (no clock).
std::string report_html(const std::vector<ReportDocument>& documents, const ReportHeader& header);

}  // namespace weightinit::diag
