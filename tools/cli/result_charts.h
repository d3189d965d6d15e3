// SPDX-License-Identifier: MIT
// The charts of `probe` and `compare`, drawn from their JSON documents (the --json formats of
// docs/cli.md), so the commands, and `report` reading saved documents, draw the same pictures.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace weightinit::cli {

/// Per-layer activation std (grads = false) or weight-gradient norm (grads = true) of a probe
/// document: one line per init, x = weight layer 1..L, log y axis. Null figures (not finite)
/// are gaps in the line.
std::string probe_chart_svg(const nlohmann::json& probe, bool grads);

/// Two charts side by side in one SVG for a compare document: the smoothed training loss per
/// step (linear axis, log when the drawn losses span more than a factor 30; losses above
/// 10 × chance are not drawn so one exploding run does not flatten the others) and the test
/// accuracy at init (epoch 0) and after each epoch; one line per init in each.
std::string compare_chart_svg(const nlohmann::json& compare);

/// v when finite, else JSON null (the documents' encoding of NaN and ±inf).
nlohmann::json finite_or_null(double v);

/// v, or NaN for JSON null (how the documents write a figure that is not finite).
double number_or_nan(const nlohmann::json& v);

}  // namespace weightinit::cli
