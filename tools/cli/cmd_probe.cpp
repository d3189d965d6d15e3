// SPDX-License-Identifier: MIT
// `weightinit probe`: build the model once per init, run diag::probe on one batch, print tables,
// write the plots and the JSON.
#include "cmd_probe.h"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "option_checks.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "weightinit/data/dataset.h"
#include "weightinit/diag/compare.h"
#include "weightinit/diag/probe.h"
#include "weightinit/diag/probe_inits.h"
#include "weightinit/diag/report_charts.h"
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

diag::ProbeReport run_probe(const ProbeRequest& a, std::string& out) {
  const diag::ProbeReport report = diag::probe_inits(a);
  for (const diag::ProbeResult& r : report.inits) {
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
    if (!r.blocks.empty()) {
      out += "  residual stream: std entering the first block " + cell(r.stream_input_std, "%.3e") +
             "\n";
      out += "  block       type                  mean        std\n";
      for (const auto& b : r.blocks) {
        char line[200];
        std::snprintf(line, sizeof line, "  %-11s %-17s %9s %10s\n", b.name.c_str(), b.type.c_str(),
                      cell(b.mean, "%.4f").c_str(), cell(b.std, "%.3e").c_str());
        out += line;
      }
    }
    out += "\n";
  }
  out += "summary (batch of " + std::to_string(report.batch) + ", " + report.data + ")\n";
  for (const auto& r : report.inits) {
    char line[300];
    std::snprintf(line, sizeof line, "  %-60s act std ratio %10s  grad ratio %10s  %s\n",
                  r.init.c_str(), cell(r.act_std_ratio, "%.3g").c_str(),
                  cell(r.grad_norm_ratio, "%.3g").c_str(), r.verdict.c_str());
    out += line;
  }
  return report;
}

namespace {

void run_probe_command(const ProbeArgs& a) {
  check_distinct_outputs({{"--plot", a.plot}, {"--json", a.json}});
  if (a.threads != 0) set_num_threads(a.threads);
  std::string out;
  const diag::ProbeReport report = run_probe(a.request, out);
  if (!a.plot.empty()) write_file_atomically(a.plot, diag::probe_chart_svg(report, false));
  if (!a.grad_plot.empty()) write_file_atomically(a.grad_plot, diag::probe_chart_svg(report, true));
  if (!a.json.empty()) write_file_atomically(a.json, diag::to_json(report));
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
  cmd->add_option("--seq-len", args->request.seq_len,
                  "token models (gpt2, llama): tokens per sequence (default: the context "
                  "length, at most 128)");
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
