// SPDX-License-Identifier: MIT
// ProbeReport / CompareReport <-> their JSON documents (nlohmann_json, private to this file).
#include "weightinit/diag/reports.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "weightinit/error.h"

namespace weightinit::diag {

namespace {

using json = nlohmann::json;

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(); }

/// A figure: null (how the documents write one that is not finite) reads as NaN.
double figure(const json& j, const char* key) {
  const json& v = j.at(key);
  return v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>();
}

json finite_array(const std::vector<double>& values) {
  json out = json::array();
  for (const double v : values) out.push_back(finite_or_null(v));
  return out;
}

std::vector<double> figures(const json& array) {
  std::vector<double> out;
  for (const json& v : array) {
    out.push_back(v.is_null() ? std::numeric_limits<double>::quiet_NaN() : v.get<double>());
  }
  return out;
}

// ---- probe ----------------------------------------------------------------------------------

json layer_json(const LayerProbe& l) {
  return {{"name", l.name},
          {"type", l.type},
          {"activation", l.activation},
          {"act_mean", finite_or_null(l.act_mean)},
          {"act_std", finite_or_null(l.act_std)},
          {"zero_fraction", finite_or_null(l.zero_fraction)},
          {"saturated_fraction", finite_or_null(l.saturated_fraction)},
          {"grad_norm", finite_or_null(l.grad_norm)}};
}

LayerProbe layer_from(const json& j) {
  LayerProbe l;
  l.name = j.at("name").get<std::string>();
  l.type = j.at("type").get<std::string>();
  l.activation = j.at("activation").get<std::string>();
  l.act_mean = figure(j, "act_mean");
  l.act_std = figure(j, "act_std");
  l.zero_fraction = figure(j, "zero_fraction");
  l.saturated_fraction = figure(j, "saturated_fraction");
  l.grad_norm = figure(j, "grad_norm");
  return l;
}

ProbeReport probe_from(const json& j) {
  ProbeReport r;
  r.model = j.at("model").get<std::string>();
  r.data = j.at("data").get<std::string>();
  r.batch = j.at("batch").get<std::int64_t>();
  r.seed = j.at("seed").get<std::uint64_t>();
  r.bias_init = j.at("bias_init").get<std::string>();
  for (const json& ji : j.at("inits")) {
    ProbeResult p;
    p.init = ji.at("init").get<std::string>();
    p.loss = figure(ji, "loss");
    p.act_std_ratio = figure(ji, "act_std_ratio");
    p.grad_norm_ratio = figure(ji, "grad_norm_ratio");
    p.verdict = ji.at("verdict").get<std::string>();
    for (const json& l : ji.at("layers")) p.layers.push_back(layer_from(l));
    if (ji.contains("blocks")) {  // written since the residual-stream rows (session 11)
      p.stream_input_std = figure(ji, "stream_input_std");
      for (const json& b : ji.at("blocks")) {
        p.blocks.push_back({b.at("name").get<std::string>(), b.at("type").get<std::string>(),
                            figure(b, "mean"), figure(b, "std")});
      }
    }
    r.inits.push_back(std::move(p));
  }
  return r;
}

// ---- compare --------------------------------------------------------------------------------

json epoch_json(const train::EpochInfo& e) {
  json j = {{"epoch", e.epoch},
            {"steps", e.steps},
            {"train_loss", finite_or_null(e.train_loss)},
            {"train_accuracy", e.train_accuracy},
            {"seconds", e.seconds}};
  if (e.evaluated) {
    j["test_loss"] = finite_or_null(e.test_loss);
    j["test_accuracy"] = e.test_accuracy;
  }
  return j;
}

train::EpochInfo epoch_from(const json& j) {
  train::EpochInfo e;
  e.epoch = j.at("epoch").get<std::int64_t>();
  e.steps = j.at("steps").get<std::int64_t>();
  e.train_loss = figure(j, "train_loss");
  e.train_accuracy = j.at("train_accuracy").get<double>();
  e.seconds = j.at("seconds").get<double>();
  e.evaluated = j.contains("test_accuracy");
  if (e.evaluated) {
    e.test_loss = figure(j, "test_loss");
    e.test_accuracy = j.at("test_accuracy").get<double>();
  }
  return e;
}

json run_json(const CompareRun& r) {
  json j;
  j["init"] = r.text;
  j["canonical"] = r.init;
  j["layers"] = r.layers;
  j["steps"] = r.history.steps;
  j["steps_per_epoch"] = r.steps_per_epoch;
  j["train_seconds"] = r.history.train_seconds;
  j["interrupted"] = r.history.interrupted;
  j["initial"] = r.initial_evaluated ? json{{"test_loss", finite_or_null(r.initial.loss)},
                                            {"test_accuracy", r.initial.accuracy}}
                                     : json();
  j["step_loss"] = finite_array(r.history.step_losses);
  j["smoothed"] = {{"window", r.smoothed.window},
                   {"step", r.smoothed.step},
                   {"loss", finite_array(r.smoothed.loss)}};
  j["epochs"] = json::array();
  for (const auto& e : r.history.epochs) j["epochs"].push_back(epoch_json(e));
  const bool evaluated = !r.history.epochs.empty() && r.history.epochs.back().evaluated;
  j["test_accuracy"] = evaluated ? json(r.history.epochs.back().test_accuracy) : json();
  j["chance_loss"] = r.chance_loss;
  j["early_loss"] = finite_or_null(r.early_loss);
  j["stalled"] = r.stalled;
  j["diverged"] = r.diverged;
  j["diverged_step"] = r.diverged ? json(r.diverged_step) : json();
  j["verdict"] = r.verdict;
  return j;
}

CompareRun run_from(const json& j) {
  CompareRun r;
  r.text = j.at("init").get<std::string>();
  r.init = j.at("canonical").get<std::string>();
  r.layers = j.at("layers").get<int>();
  r.history.steps = j.at("steps").get<std::int64_t>();
  r.steps_per_epoch = j.at("steps_per_epoch").get<std::int64_t>();
  r.history.train_seconds = j.at("train_seconds").get<double>();
  r.history.interrupted = j.at("interrupted").get<bool>();
  const json& initial = j.at("initial");
  r.initial_evaluated = initial.is_object();
  if (r.initial_evaluated) {
    r.initial.loss = figure(initial, "test_loss");
    r.initial.accuracy = initial.at("test_accuracy").get<double>();
  }
  r.history.step_losses = figures(j.at("step_loss"));
  const json& smoothed = j.at("smoothed");
  r.smoothed.window = smoothed.at("window").get<std::int64_t>();
  r.smoothed.step = smoothed.at("step").get<std::vector<double>>();
  r.smoothed.loss = figures(smoothed.at("loss"));
  for (const json& e : j.at("epochs")) r.history.epochs.push_back(epoch_from(e));
  r.chance_loss = j.at("chance_loss").get<double>();
  r.early_loss = figure(j, "early_loss");
  r.stalled = j.at("stalled").get<bool>();
  r.diverged = j.at("diverged").get<bool>();
  r.diverged_step = r.diverged ? j.at("diverged_step").get<std::int64_t>() : 0;
  r.verdict = j.at("verdict").get<std::string>();
  return r;
}

CompareReport compare_from(const json& j) {
  CompareReport r;
  r.model = j.at("model").get<std::string>();
  r.inits = j.at("inits").get<std::vector<std::string>>();
  r.bias_init = j.at("bias_init").get<std::string>();
  r.seed = j.at("seed").get<std::uint64_t>();
  r.threads = j.at("threads").get<int>();
  const json& data = j.at("data");
  r.data = data.at("name").get<std::string>();
  r.train_samples = data.at("train_samples").get<std::int64_t>();
  r.test_samples = data.at("test_samples").get<std::int64_t>();
  const json& c = j.at("config");
  r.config.epochs = c.at("epochs").get<std::int64_t>();
  r.config.batch_size = c.at("batch_size").get<std::int64_t>();
  r.config.optimizer = c.at("optimizer").get<std::string>();
  r.config.lr = c.at("lr").get<double>();
  r.config.momentum = c.at("momentum").get<double>();
  r.config.weight_decay = c.at("weight_decay").get<double>();
  r.config.nesterov = c.at("nesterov").get<bool>();
  r.config.max_steps = c.at("max_steps").get<std::int64_t>();
  for (const json& run : j.at("runs")) r.runs.push_back(run_from(run));
  r.interrupted = j.at("interrupted").get<bool>();
  return r;
}

}  // namespace

std::string to_json(const ProbeReport& report) {
  json j;
  j["command"] = "probe";
  j["model"] = report.model;
  j["data"] = report.data;
  j["batch"] = report.batch;
  j["seed"] = report.seed;
  j["bias_init"] = report.bias_init;
  j["inits"] = json::array();
  for (const auto& r : report.inits) {
    json ji = {{"init", r.init},
               {"loss", finite_or_null(r.loss)},
               {"act_std_ratio", finite_or_null(r.act_std_ratio)},
               {"grad_norm_ratio", finite_or_null(r.grad_norm_ratio)},
               {"verdict", r.verdict},
               {"layers", json::array()}};
    for (const auto& l : r.layers) ji["layers"].push_back(layer_json(l));
    if (!r.blocks.empty()) {
      ji["stream_input_std"] = finite_or_null(r.stream_input_std);
      ji["blocks"] = json::array();
      for (const auto& b : r.blocks) {
        ji["blocks"].push_back({{"name", b.name},
                                {"type", b.type},
                                {"mean", finite_or_null(b.mean)},
                                {"std", finite_or_null(b.std)}});
      }
    }
    j["inits"].push_back(ji);
  }
  return j.dump(1) + "\n";
}

std::string to_json(const CompareReport& report) {
  json j;
  j["command"] = "compare";
  j["model"] = report.model;
  j["inits"] = report.inits;
  j["bias_init"] = report.bias_init;
  j["seed"] = report.seed;
  j["threads"] = report.threads;
  j["data"] = {{"name", report.data},
               {"train_samples", report.train_samples},
               {"test_samples", report.test_samples}};
  const train::TrainConfig& c = report.config;
  j["config"] = {{"epochs", c.epochs},       {"batch_size", c.batch_size},
                 {"optimizer", c.optimizer}, {"lr", c.lr},
                 {"momentum", c.momentum},   {"weight_decay", c.weight_decay},
                 {"nesterov", c.nesterov},   {"max_steps", c.max_steps}};
  j["data_order"] =
      "Generator(seed) per run for the model and init, a fresh Generator(seed) per run for the "
      "batch order: every init sees the same batches";
  j["stall_rule"] =
      "stalled: the mean loss of the last 10% of the first epoch's steps > 0.95 * ln(classes)";
  j["runs"] = json::array();
  for (const auto& r : report.runs) j["runs"].push_back(run_json(r));
  j["interrupted"] = report.interrupted;
  return j.dump(1) + "\n";
}

ReportDocument report_from_json(std::string_view text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  WEIGHTINIT_CHECK(!doc.is_discarded(), ValueError, "not valid JSON");
  const std::string command =
      doc.is_object() && doc.contains("command") && doc["command"].is_string()
          ? doc["command"].get<std::string>()
          : std::string();
  WEIGHTINIT_CHECK(command == "probe" || command == "compare", ValueError, "its \"command\" is '",
                   command, "'");
  try {
    if (command == "probe") return probe_from(doc);
    return compare_from(doc);
  } catch (const json::exception& e) {
    std::string why = e.what();  // "[json.exception.out_of_range.403] key 'layers' not found"
    if (why.rfind('[', 0) == 0 && why.find("] ") != std::string::npos) {
      why = why.substr(why.find("] ") + 2);
    }
    throw ValueError(why);
  }
}

std::string_view report_command(const ReportDocument& document) {
  return std::holds_alternative<ProbeReport>(document) ? "probe" : "compare";
}

const std::string& report_model(const ReportDocument& document) {
  return std::visit([](const auto& r) -> const std::string& { return r.model; }, document);
}

}  // namespace weightinit::diag
