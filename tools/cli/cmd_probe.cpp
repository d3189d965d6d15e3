// SPDX-License-Identifier: MIT
// `weightinit probe`: build the model once per init, run diag::probe on one batch, print tables,
// write the plots and the JSON.
#include "cmd_probe.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "option_checks.h"
#include "result_charts.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "weightinit/data/dataset.h"
#include "weightinit/diag/compare.h"
#include "weightinit/diag/probe.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/sampling.h"
#include "weightinit/recipes/layers.h"
#include "weightinit/recipes/lsuv.h"
#include "weightinit/threads.h"

namespace weightinit::cli {

namespace {

struct ProbeArgs {
  ProbeRequest request;
  int threads = 0;
  std::string plot, grad_plot, json;
};

std::string cell(double v, const char* fmt) {
  if (std::isnan(v)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

}  // namespace

nlohmann::json run_probe(const ProbeRequest& a, std::string& out) {
  WEIGHTINIT_CHECK(a.batch >= 1, ValueError, "--batch must be at least 1, but got ", a.batch);
  WEIGHTINIT_CHECK(a.data == "fashion-mnist" || a.data == "synthetic", ValueError,
                   "unknown --data '", a.data, "': expected fashion-mnist or synthetic");
  const std::vector<diag::InitChoice> inits = diag::parse_init_list(a.inits);
  const init::Initializer bias = init::Initializer::parse(a.bias_init);
  Generator shape_gen(0);
  const Shape input = models::build_model(a.model, shape_gen).input_size;

  // One batch for every init: the first samples of the test split, or N(0, 1) data.
  Tensor x;
  std::vector<std::int64_t> y;
  if (a.data == "fashion-mnist") {
    const data::Dataset d = data::load_fashion_mnist(
        data::Split::Test, a.data_dir.empty() ? data::default_dir() : a.data_dir);
    const std::int64_t n = std::min(a.batch, d.size());
    x = d.images.slice(0, 0, n).contiguous();
    y.assign(d.labels.begin(), d.labels.begin() + n);
  } else {
    Generator data_gen(a.seed + 1);
    const data::Dataset d = data::synthetic_gaussian(a.batch, input, 10, data_gen);
    x = d.images;
    y = d.labels;
  }
  Shape shaped{static_cast<std::int64_t>(y.size())};
  shaped.insert(shaped.end(), input.begin(), input.end());
  std::int64_t per = 1;
  for (const auto v : input) per *= v;
  WEIGHTINIT_CHECK(x.numel() == per * static_cast<std::int64_t>(y.size()), ShapeError,
                   "the model expects samples of size ", shape_str(input),
                   ", but the data's samples have ", x.numel() / std::max<std::size_t>(y.size(), 1),
                   " elements");
  x = x.view(shaped);

  std::vector<diag::ProbeResult> results;
  for (std::size_t k = 0; k < inits.size(); ++k) {
    Generator gen(a.seed);
    const auto built = models::build_model(a.model, gen);
    if (inits[k].lsuv) (void)recipes::lsuv_init(*built.module, x, gen);
    if (inits[k].init) recipes::init_weight_layers(*built.module, *inits[k].init, &bias, gen);
    results.push_back(diag::probe(*built.module, x, y, inits[k].label));
    const diag::ProbeResult& r = results.back();
    out += "init " + r.init + ": loss " + cell(r.loss, "%.4f") + ", act std last/first " +
           cell(r.act_std_ratio, "%.3g") + ", grad norm first/last " +
           cell(r.grad_norm_ratio, "%.3g") + ", verdict " + r.verdict + "\n";
    out += "  layer       type      activation      mean        std   zeros%   sat%   grad norm\n";
    for (const auto& l : r.layers) {
      char line[200];
      std::snprintf(line, sizeof line, "  %-11s %-9s %-10s %9s %10s %8s %6s %11s\n", l.name.c_str(),
                    l.type.c_str(), l.activation.c_str(), cell(l.act_mean, "%.4f").c_str(),
                    cell(l.act_std, "%.3e").c_str(), cell(100 * l.zero_fraction, "%.1f").c_str(),
                    cell(100 * l.saturated_fraction, "%.1f").c_str(),
                    cell(l.grad_norm, "%.3e").c_str());
      out += line;
    }
    out += "\n";
  }
  out += "summary (batch of " + std::to_string(y.size()) + ", " + a.data + ")\n";
  for (const auto& r : results) {
    char line[300];
    std::snprintf(line, sizeof line, "  %-60s act std ratio %10s  grad ratio %10s  %s\n",
                  r.init.c_str(), cell(r.act_std_ratio, "%.3g").c_str(),
                  cell(r.grad_norm_ratio, "%.3g").c_str(), r.verdict.c_str());
    out += line;
  }

  {
    nlohmann::json j;
    j["command"] = "probe";
    j["model"] = a.model;
    j["data"] = a.data;
    j["batch"] = y.size();
    j["seed"] = a.seed;
    j["bias_init"] = bias.canonical();
    j["inits"] = nlohmann::json::array();
    for (const auto& r : results) {
      nlohmann::json ji = {{"init", r.init},
                           {"loss", finite_or_null(r.loss)},
                           {"act_std_ratio", finite_or_null(r.act_std_ratio)},
                           {"grad_norm_ratio", finite_or_null(r.grad_norm_ratio)},
                           {"verdict", r.verdict},
                           {"layers", nlohmann::json::array()}};
      for (const auto& l : r.layers) {
        ji["layers"].push_back({{"name", l.name},
                                {"type", l.type},
                                {"activation", l.activation},
                                {"act_mean", finite_or_null(l.act_mean)},
                                {"act_std", finite_or_null(l.act_std)},
                                {"zero_fraction", finite_or_null(l.zero_fraction)},
                                {"saturated_fraction", finite_or_null(l.saturated_fraction)},
                                {"grad_norm", finite_or_null(l.grad_norm)}});
      }
      j["inits"].push_back(ji);
    }
    return j;
  }
}

namespace {

void run_probe_command(const ProbeArgs& a) {
  check_distinct_outputs({{"--plot", a.plot}, {"--json", a.json}});
  if (a.threads != 0) set_num_threads(a.threads);
  std::string out;
  const nlohmann::json j = run_probe(a.request, out);
  if (!a.plot.empty()) write_file_atomically(a.plot, probe_chart_svg(j, false));
  if (!a.grad_plot.empty()) write_file_atomically(a.grad_plot, probe_chart_svg(j, true));
  if (!a.json.empty()) write_file_atomically(a.json, j.dump(1) + "\n");
  write_output("", out);
}

}  // namespace

void add_probe_command(CLI::App& app) {
  auto args = std::make_shared<ProbeArgs>();
  auto* cmd = app.add_subcommand(
      "probe", "per-layer activation and gradient statistics at init, one table per init");
  cmd->add_option("--model", args->request.model, "model spec, e.g. mlp:784-[256x30]-10:relu")
      ->required();
  cmd->add_option("--inits", args->request.inits,
                  "init specs separated by ';', e.g. \"zeros; xavier_uniform; kaiming_normal\" "
                  "(the spec 'default' keeps the constructors' init)")
      ->required();
  cmd->add_option("--bias-init", args->request.bias_init,
                  "init spec for the biases (default zeros)");
  cmd->add_option("--data", args->request.data,
                  "fashion-mnist (default: the first test images) or synthetic");
  cmd->add_option("--data-dir", args->request.data_dir, "Fashion-MNIST directory");
  cmd->add_option("--batch", args->request.batch, "samples in the batch (default 256)");
  add_seed_option(cmd, args->request.seed, "generator seed for every init");
  add_torch_profile_option(cmd);
  cmd->add_option("--threads", args->threads, "OpenMP and BLAS threads");
  cmd->add_option("--plot", args->plot, "write the activation std per layer as SVG")
      ->check(output_file());
  cmd->add_option("--grad-plot", args->grad_plot, "write the gradient norm per layer as SVG");
  cmd->add_option("--json", args->json, "write every figure as JSON")->check(output_file());
  cmd->callback([args] { run_probe_command(*args); });
}

}  // namespace weightinit::cli
