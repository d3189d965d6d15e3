// SPDX-License-Identifier: MIT
// The results of `probe` and `compare` as typed reports, with the one JSON form of each
// (docs/cli.md, "probe --json" and "compare --json"): written by the commands, read back by
// `report --input`, and drawn by report_charts.h and report_html.h from the structs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "weightinit/diag/compare.h"
#include "weightinit/diag/probe.h"
#include "weightinit/train/trainer.h"

namespace weightinit::diag {

/// What `weightinit probe` measured: the setup and one ProbeResult per init.
struct ProbeReport {
  std::string model;       ///< model spec ("mlp:784-[256x30]-10:relu")
  std::string data;        ///< "fashion-mnist" or "synthetic"
  std::int64_t batch = 0;  ///< samples in the probed batch
  std::uint64_t seed = 0;
  std::string bias_init;  ///< canonical spec of the Linear/Conv biases
  std::vector<ProbeResult> inits;
};

/// What `weightinit compare` trained: the setup and one CompareRun per init.
struct CompareReport {
  std::string model;
  std::vector<std::string> inits;  ///< the inits' labels, in order (runs may be fewer)
  std::string bias_init;           ///< canonical spec, or "default" (the constructors')
  std::uint64_t seed = 0;
  int threads = 1;
  std::string data;  ///< "fashion-mnist" or "synthetic"
  std::int64_t train_samples = 0;
  std::int64_t test_samples = 0;
  train::TrainConfig config;
  std::vector<CompareRun> runs;
  bool interrupted = false;
};

/// Either report, as `report --input` reads them.
using ReportDocument = std::variant<ProbeReport, CompareReport>;

/// The JSON document of `probe --json` (keys sorted; figures that are not finite are null).
std::string to_json(const ProbeReport& report);
/// The JSON document of `compare --json`.
std::string to_json(const CompareReport& report);

/// Reads a document written by to_json: its "command" picks the report. Throws ValueError when
/// the text is not JSON ("not valid JSON"), names no known command ("its \"command\" is 'x'"),
/// or lacks a field or gives it the wrong type (nlohmann's reason: "key 'layers' not found").
/// A null figure reads as NaN.
ReportDocument report_from_json(std::string_view text);

/// The report's "command": "probe" or "compare".
std::string_view report_command(const ReportDocument& document);
/// The model spec of either report.
const std::string& report_model(const ReportDocument& document);

}  // namespace weightinit::diag
