// SPDX-License-Identifier: MIT
// `weightinit report`: gathers probe and compare documents (saved with --json, or run here) into
// one self-contained HTML page.
#include "cmd_report.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cmd_compare.h"
#include "cmd_probe.h"
#include "exit_codes.h"
#include "option_checks.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "train_common.h"
#include "weightinit/diag/compare.h"
#include "weightinit/diag/report_html.h"
#include "weightinit/diag/reports.h"
#include "weightinit/error.h"
#include "weightinit/io/atomic_file.h"
#include "weightinit/models/registry.h"
#include "weightinit/random/generator.h"
#include "weightinit/threads.h"

namespace weightinit::cli {

namespace {

struct ReportArgs {
  std::string out;
  std::vector<std::string> inputs;
  std::string model;
  std::string inits;
  std::int64_t epochs = 1;
  double lr = 0.1;
  std::int64_t batch = 128;
  std::int64_t probe_batch = 256;
  std::string data = "fashion-mnist";
  std::string data_dir;
  std::int64_t train_samples = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  std::string progress = "auto";
  std::string title = "Why initialization matters";
  std::string command_line;
};

/// A probe or compare document read from `path`; IoError when it cannot be read, ValueError
/// when it is not JSON or not such a document (a field missing or of the wrong type).
diag::ReportDocument read_document(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  WEIGHTINIT_CHECK(in.good(), IoError, "cannot read --input '", path, "'");
  std::stringstream text;
  text << in.rdbuf();
  const std::string expected = ": expected the output of weightinit probe --json or compare --json";
  try {
    return diag::report_from_json(text.str());
  } catch (const ValueError& e) {
    const std::string why = e.what();
    if (why == "not valid JSON")
      throw ValueError("--input '" + path + "' is not valid JSON" + expected);
    throw ValueError("--input '" + path + "' is not a probe or compare document (" + why + ")" +
                     expected);
  }
}

/// The experiments of docs/why-init-matters.md, in its order.
struct Experiment {
  bool probe;
  std::string model;
  std::string inits;
  std::string bias_init;  // compare only; empty: the constructors'
  std::int64_t epochs;
  double lr;
  std::int64_t batch = 0;          // probe or training batch; 0: the report's option
  std::int64_t train_samples = 0;  // compare only; 0: the report's --train-samples
  double momentum = 0.0;           // compare only
};

std::vector<Experiment> default_suite() {
  return {
      {true, "mlp:784-[256x30]-10:relu",
       "zeros; normal(std=1); normal(std=0.01); xavier_uniform; kaiming_normal; orthogonal", "", 0,
       0},
      {false, "mlp:784-[256x30]-10:relu", "xavier_uniform; kaiming_normal", "", 2, 0.01},
      {true, "mlp:784-[256x20]-10:tanh", "default; xavier_uniform; normal(std=1)", "", 0, 0},
      {false, "mlp:784-256-256-10:relu", "zeros; kaiming_normal", "zeros", 1, 0.1},
      // Deep residual networks (He et al. 2016's CIFAR ResNets on Fashion-MNIST padded to
      // 32×32): He's init without normalization explodes with depth, Fixup does not;
      // zero_init_residual flattens the BatchNorm net at init; its first 40 steps.
      {true, "cifar-resnet110:norm=none,in_channels=1", "default; kaiming_normal", "", 0, 0, 64},
      {true, "cifar-resnet110:norm=fixup,in_channels=1", "default", "", 0, 0, 64},
      {true, "cifar-resnet56:in_channels=1",
       "policy:cifar-resnet; policy:cifar-resnet(zero_init_residual=true)", "", 0, 0, 64},
      {false, "cifar-resnet20:in_channels=1",
       "policy:cifar-resnet; policy:cifar-resnet(zero_init_residual=true)", "", 1, 0.1, 128, 5000,
       0.9},
      // GPT-2's residual scaling (Radford et al. 2019) on a small GPT, random tokens.
      {true, "gpt2:d=256,layers=12,heads=4,vocab=1000,positions=128",
       "policy:gpt2; policy:gpt2(scaled_residual=false)", "", 0, 0, 8},
  };
}

int run_report(const ReportArgs& a) {
  const auto mode = progress_mode(a.progress);
  check_data_options(a.data, a.train_samples);
  WEIGHTINIT_CHECK(a.model.empty() == a.inits.empty(), ValueError,
                   a.model.empty() ? "--inits needs --model" : "--model needs --inits",
                   ": give both to probe and train one model under several inits");
  if (a.threads != 0) set_num_threads(a.threads);
  std::vector<diag::ReportDocument> documents;
  for (const auto& path : a.inputs) documents.push_back(read_document(path));

  std::vector<Experiment> experiments;
  if (!a.model.empty()) {
    experiments = {{true, a.model, a.inits, "", 0, 0},
                   {false, a.model, a.inits, "", a.epochs, a.lr}};
  } else if (a.inputs.empty()) {
    experiments = default_suite();
  }
  // Check every spec and model before any output or work, so a typo fails at once (exit 2).
  for (const auto& e : experiments) {
    (void)diag::parse_init_list(e.inits);
    Generator gen(0);
    (void)models::build_model(e.model, gen);
  }
  // Open the output first: an unwritable destination fails before any training.
  io::AtomicFileWriter out(a.out);
  bool interrupted = false;
  for (std::size_t k = 0; k < experiments.size() && !interrupted; ++k) {
    const Experiment& e = experiments[k];
    std::printf("== [%zu/%zu] %s %s: %s\n", k + 1, experiments.size(),
                e.probe ? "probe" : "compare", e.model.c_str(), e.inits.c_str());
    std::fflush(stdout);
    if (e.probe) {
      ProbeRequest r;
      r.model = e.model;
      r.inits = e.inits;
      r.data = a.data;
      r.data_dir = a.data_dir;
      r.batch = e.batch != 0 ? e.batch : a.probe_batch;
      r.seed = a.seed;
      std::string table;
      documents.push_back(run_probe(r, table));
      std::printf("%s\n", table.c_str());
    } else {
      CompareRequest r;
      r.model = e.model;
      r.inits = e.inits;
      r.bias_init = e.bias_init;
      r.config.epochs = e.epochs;
      r.config.lr = e.lr;
      r.config.batch_size = e.batch != 0 ? e.batch : a.batch;
      r.config.momentum = e.momentum;
      r.seed = a.seed;
      r.data = a.data;
      r.data_dir = a.data_dir;
      r.train_samples =
          e.train_samples != 0 && a.train_samples == 0 ? e.train_samples : a.train_samples;
      const CompareOutcome outcome = run_compare(r, mode);
      std::printf("\n%s\n", outcome.table.c_str());
      documents.push_back(outcome.report);
      interrupted = outcome.interrupted;
    }
  }
  diag::ReportHeader header;
  header.title = a.title;
  header.version = WEIGHTINIT_VERSION;
  header.command = a.command_line;
  const std::string html = diag::report_html(documents, header);
  out.write(html.data(), html.size());
  out.commit();
  std::printf("report: %zu section(s) written to %s%s\n", documents.size(), a.out.c_str(),
              interrupted ? " (interrupted: the later experiments were not run)" : "");
  return interrupted ? kExitInterrupted : kExitOk;
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report", "probe and compare results as one self-contained HTML page (inline SVG)");
  cmd->add_option("--out,-o", args->out, "the HTML file to write")
      ->required()
      ->check(output_file());
  cmd->add_option("--input", args->inputs,
                  "a JSON document of probe --json or compare --json (repeatable); the page "
                  "shows them in order")
      ->check(CLI::ExistingFile);
  cmd->add_option("--model", args->model, "probe and train this model (with --inits)");
  cmd->add_option("--inits", args->inits, "init specs separated by ';' (with --model)");
  cmd->add_option("--epochs", args->epochs, "epochs for --model (default 1)");
  cmd->add_option("--lr", args->lr, "SGD learning rate for --model (default 0.1)");
  cmd->add_option("--batch", args->batch, "training batch size (default 128)");
  cmd->add_option("--probe-batch", args->probe_batch, "probe batch size (default 256)");
  cmd->add_option("--data", args->data, "fashion-mnist (default) or synthetic");
  cmd->add_option("--data-dir", args->data_dir, "Fashion-MNIST directory");
  cmd->add_option("--train-samples", args->train_samples,
                  "train on the first N samples (default all)")
      ->check(positive_count("leave it out for the whole training set"));
  add_seed_option(cmd, args->seed, "seed of every model and batch order");
  add_torch_profile_option(cmd);
  cmd->add_option("--threads", args->threads, "OpenMP and BLAS threads (default: all)");
  cmd->add_option("--progress", args->progress, "auto (bar on a TTY), bar, lines or none");
  cmd->add_option("--title", args->title, "the page's title");
  cmd->callback([args, cmd] {
    ReportArgs a = *args;
    a.command_line = "weightinit report";
    for (const auto* opt : cmd->get_options()) {
      for (const auto& value : opt->results()) {
        a.command_line.append(" ").append(opt->get_name()).append(" '").append(value).append("'");
      }
    }
    const int code = run_report(a);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace weightinit::cli
