// SPDX-License-Identifier: MIT
// `weightinit compare`: train the same model once per init (same batches, same order), print a
// table, plot the loss and accuracy curves side by side, write every curve as JSON.
#include "cmd_compare.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "atomic_file.h"
#include "exit_codes.h"
#include "option_checks.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "train_common.h"
#include "weightinit/data/dataset.h"
#include "weightinit/diag/compare.h"
#include "weightinit/diag/plot.h"
#include "weightinit/diag/report_charts.h"
#include "weightinit/diag/reports.h"
#include "weightinit/io/atomic_file.h"
#include "weightinit/models/registry.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/threads.h"
#include "weightinit/train/progress.h"

namespace weightinit::cli {

namespace {

struct CompareArgs {
  CompareRequest request;
  int threads = 0;  // 0: leave as is
  std::string progress = "auto";
  std::string plot;
  std::string json;
};

/// Prints a line to stdout before each run and a summary after it; hands out the progress.
class CompareReporter : public diag::CompareObserver {
 public:
  CompareReporter(train::ProgressPrinter::Mode mode, std::int64_t epochs, std::size_t runs)
      : mode_(mode), epochs_(epochs), runs_(runs) {}

  train::TrainObserver* begin_run(std::size_t index, const diag::InitChoice& init,
                                  int layers) override {
    const std::string tag =
        "[" + std::to_string(index + 1) + "/" + std::to_string(runs_) + " " + init.text + "]";
    std::string line = tag + " " + init.label;
    if (!init.policy.empty()) {
      line += " (the built-in policy on the whole model)";
    } else {
      line +=
          layers > 0 ? " on " + std::to_string(layers) + " layers" : " (the constructors' init)";
    }
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    // Each line of the run's progress starts with "[init] ".
    progress_ = std::make_unique<train::ProgressPrinter>(stderr, mode_, epochs_, 50,
                                                         "[" + init.text + "] ");
    return progress_.get();
  }

  void end_run(std::size_t index, const diag::CompareRun& run) override {
    std::string line = "[" + std::to_string(index + 1) + "/" + std::to_string(runs_) + " " +
                       run.text + "] " + std::to_string(run.history.steps) + " steps in " +
                       train::format_fixed(run.history.train_seconds, 1) + " s";
    if (!run.history.epochs.empty()) {
      line += ", train loss " + train::format_fixed(run.history.epochs.back().train_loss, 4);
    }
    line += ", verdict " + run.verdict;
    if (run.history.interrupted) line += " (interrupted)";
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }

 private:
  train::ProgressPrinter::Mode mode_;
  std::int64_t epochs_;
  std::size_t runs_;
  std::unique_ptr<train::ProgressPrinter> progress_;
};

/// "diverged at step 12", "stalled", "ok".
std::string verdict_text(const diag::CompareRun& run) {
  if (run.diverged) return "diverged at step " + std::to_string(run.diverged_step);
  return run.verdict;
}

/// init | final train loss | test accuracy at init and after each epoch | verdict.
std::string table(const std::vector<diag::CompareRun>& runs, std::int64_t epochs) {
  std::size_t width = 4;
  for (const auto& r : runs) width = std::max(width, r.text.size());
  auto pad = [](std::string s, std::size_t w, bool right) {
    if (s.size() >= w) return s;
    return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
  };
  std::string out = pad("init", width, false) + "  " + pad("train loss", 10, true) + "  " +
                    pad("acc@init", 8, true);
  for (std::int64_t e = 1; e <= epochs; ++e) {
    out += "  " + pad("acc@" + std::to_string(e), 8, true);
  }
  out += "  verdict\n";
  for (const auto& r : runs) {
    const auto& ep = r.history.epochs;
    out += pad(r.text, width, false) + "  " +
           pad(ep.empty() ? "-" : train::format_fixed(ep.back().train_loss, 4), 10, true) + "  " +
           pad(r.initial_evaluated ? train::format_fixed(r.initial.accuracy, 4) : "-", 8, true);
    for (std::int64_t e = 1; e <= epochs; ++e) {
      const auto k = static_cast<std::size_t>(e - 1);
      const bool have = k < ep.size() && ep[k].evaluated;
      out += "  " + pad(have ? train::format_fixed(ep[k].test_accuracy, 4) : "-", 8, true);
    }
    out += "  " + verdict_text(r) + (r.history.interrupted ? " (interrupted)" : "") + "\n";
  }
  return out;
}

}  // namespace

CompareOutcome run_compare(const CompareRequest& a, train::ProgressPrinter::Mode mode) {
  train::validate(a.config);
  check_data_options(a.data, a.train_samples);
  // Parse the specs and build the model once before any work, so a typo fails at once (exit 2).
  std::vector<diag::InitChoice> inits;
  try {
    inits = diag::parse_init_list(a.inits);
  } catch (const ValueError& e) {
    throw ValueError(std::string("--inits: ") + e.what());
  }
  diag::CompareSettings settings;
  settings.config = a.config;
  settings.seed = a.seed;
  if (!a.bias_init.empty()) settings.bias_init = init::Initializer::parse(a.bias_init);
  Shape input_size;
  {
    const DeferredAllocationGuard shapes_only;  // the input size, without memory or draws
    Generator probe_gen(settings.seed);
    const models::BuiltModel shapes = models::build_model(a.model, probe_gen);
    input_size = shapes.input_size;
    check_trains_on_images("compare", a.model, shapes.token_vocab);
    std::vector<std::string> names;  // a bad --lr-group fails here, before any output
    for (auto& [name, p] : shapes.module->named_parameters()) names.push_back(name);
    (void)train::lr_factors(a.config.lr_groups, names);
  }
  const TrainTestData sets =
      load_train_test(a.data, a.data_dir, a.train_samples, input_size, settings.seed);
  const data::Dataset& train_set = sets.train;
  const data::Dataset& test_set = sets.test;
  train::check_sample_size(train_set, input_size);

  std::printf(
      "model %s, %zu init(s), %lld train / %lld test samples, %s lr %g, batch %lld, %lld "
      "epoch(s), seed %llu, %d thread(s); every init trains on the same batches in the same "
      "order\n",
      a.model.c_str(), inits.size(), static_cast<long long>(train_set.size()),
      static_cast<long long>(test_set.size()), a.config.optimizer.c_str(), a.config.lr,
      static_cast<long long>(a.config.batch_size), static_cast<long long>(a.config.epochs),
      static_cast<unsigned long long>(a.seed), num_threads());
  std::fflush(stdout);

  CompareReporter reporter(mode, a.config.epochs, inits.size());
  const std::string spec = a.model;
  const diag::ModelFactory factory = [&spec](Generator& gen) {
    return models::build_model(spec, gen).module;
  };
  std::vector<diag::CompareRun> runs;
  {
    const StopOnSigint ctrl_c;
    runs = diag::compare_inits(factory, input_size, inits, settings, train_set, &test_set,
                               &reporter, &StopOnSigint::requested());
  }
  CompareOutcome outcome;
  outcome.interrupted =
      runs.size() < inits.size() || (!runs.empty() && runs.back().history.interrupted);
  outcome.table = table(runs, a.config.epochs);
  diag::CompareReport& r = outcome.report;
  r.model = a.model;
  for (const auto& c : inits) r.inits.push_back(c.label);
  r.bias_init = settings.bias_init ? settings.bias_init->canonical() : "default";
  r.seed = a.seed;
  r.threads = num_threads();
  r.data = a.data;
  r.train_samples = train_set.size();
  r.test_samples = test_set.size();
  r.config = a.config;
  r.runs = std::move(runs);
  r.interrupted = outcome.interrupted;
  return outcome;
}

namespace {

int run_compare_command(const CompareArgs& a) {
  const auto mode = progress_mode(a.progress);
  check_distinct_outputs({{"--plot", a.plot}, {"--json", a.json}});
  train::validate(a.request.config);
  check_data_options(a.request.data, a.request.train_samples);
  if (a.threads != 0) set_num_threads(a.threads);
  // Open the outputs first: an unwritable destination fails before training, not after.
  std::unique_ptr<io::AtomicFileWriter> plot_file, json_file;
  if (!a.plot.empty()) plot_file = std::make_unique<io::AtomicFileWriter>(a.plot);
  if (!a.json.empty()) json_file = std::make_unique<io::AtomicFileWriter>(a.json);

  const CompareOutcome outcome = run_compare(a.request, mode);
  std::printf("\n%s", outcome.table.c_str());
  if (plot_file) {
    const std::string svg = diag::compare_chart_svg(outcome.report);
    plot_file->write(svg.data(), svg.size());
    plot_file->commit();
  }
  if (json_file) {
    const std::string text = diag::to_json(outcome.report);
    json_file->write(text.data(), text.size());
    json_file->commit();
  }
  if (outcome.interrupted) {
    std::string written;
    if (!a.plot.empty()) written += "; plot written to " + a.plot;
    if (!a.json.empty()) written += "; json written to " + a.json;
    std::printf("interrupted: %zu of %zu run(s) started%s\n", outcome.report.runs.size(),
                outcome.report.inits.size(), written.c_str());
    return kExitInterrupted;
  }
  return kExitOk;
}

}  // namespace

void add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  auto* cmd = app.add_subcommand(
      "compare", "train one model once per init on the same batches and compare the curves");
  cmd->add_option("--model", args->request.model, "model spec, e.g. mlp:784-[256x30]-10:relu")
      ->required();
  cmd->add_option("--inits", args->request.inits,
                  "init specs separated by ';', e.g. \"xavier_uniform; kaiming_normal; zeros\" "
                  "(the spec 'default' keeps the constructors' init)")
      ->required();
  cmd->add_option("--bias-init", args->request.bias_init,
                  "init spec for the Linear/Conv biases (default: the constructors')");
  cmd->add_option("--epochs", args->request.config.epochs, "epochs (default 1)");
  cmd->add_option("--batch", args->request.config.batch_size, "batch size (default 128)");
  cmd->add_option("--lr", args->request.config.lr, "learning rate (default 0.1)");
  cmd->add_option("--optimizer", args->request.config.optimizer,
                  "sgd, adam or adamw (default sgd)");
  cmd->add_option("--momentum", args->request.config.momentum, "SGD momentum (default 0)");
  add_lr_group_option(cmd, args->request.config.lr_groups);
  cmd->add_option("--weight-decay", args->request.config.weight_decay, "weight decay (default 0)");
  cmd->add_flag("--nesterov", args->request.config.nesterov, "Nesterov momentum (SGD)");
  add_seed_option(cmd, args->request.seed, "seed of the model and of the batch order");
  add_torch_profile_option(cmd);
  cmd->add_option("--threads", args->threads, "OpenMP and BLAS threads (default: all)");
  cmd->add_option("--data", args->request.data, "fashion-mnist (default) or synthetic");
  cmd->add_option("--data-dir", args->request.data_dir,
                  "Fashion-MNIST directory (default $WEIGHTINIT_FASHION_MNIST_DIR or "
                  "/usr/share/datasets/fashion-mnist)");
  cmd->add_option("--train-samples", args->request.train_samples,
                  "use the first N training samples (default all)")
      ->check(positive_count("leave it out for the whole training set"));
  cmd->add_option("--max-steps", args->request.config.max_steps,
                  "stop each run after N steps (default no limit)");
  cmd->add_option("--progress", args->progress, "auto (bar on a TTY), bar, lines or none");
  cmd->add_option("--plot", args->plot,
                  "write the loss and test-accuracy curves as one SVG (two charts)")
      ->check(output_file());
  cmd->add_option("--json", args->json, "write every run's curves and verdict as JSON")
      ->check(output_file());
  cmd->callback([args] {
    const int code = run_compare_command(*args);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace weightinit::cli
