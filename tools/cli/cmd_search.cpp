// SPDX-License-Identifier: MIT
// `weightinit search`: draw init configurations from a space, train and validate them with a
// strategy (successive halving by default), rank them, write the best as a policy file.
#include "cmd_search.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "atomic_file.h"
#include "option_checks.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "train_common.h"
#include "weightinit/diag/plot.h"
#include "weightinit/error.h"
#include "weightinit/io/atomic_file.h"
#include "weightinit/models/registry.h"
#include "weightinit/search/search.h"
#include "weightinit/search/search_report.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/train/progress.h"

namespace weightinit::cli {

namespace {

struct SearchArgs {
  std::string space;
  std::string model;
  search::SearchOptions options;
  std::string budget;
  std::string data = "fashion-mnist";
  std::string data_dir;
  std::int64_t train_samples = 0;
  std::string best, plot, json;
};

/// "90s", "20m", "1.5h", "300" (seconds) → seconds; ValueError otherwise.
double parse_duration(const std::string& text) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  const std::string unit = used > 0 ? text.substr(used) : "";
  const double scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : 0;
  WEIGHTINIT_CHECK(used > 0 && scale > 0 && v > 0 && std::isfinite(v), ValueError, "--budget '",
                   text, "': expected a positive duration like 90s, 20m or 1.5h");
  return v * scale;
}

void run_search_command(const SearchArgs& a) {
  search::SearchOptions o = a.options;
  if (!a.budget.empty()) o.time_budget_seconds = parse_duration(a.budget);
  check_data_options(a.data, a.train_samples);
  const search::SearchSpace space = search::SearchSpace::load(a.space);
  Shape input_size;
  {
    const DeferredAllocationGuard shapes_only;  // the input size, without memory or draws
    Generator gen(0);
    const models::BuiltModel shapes = models::build_model(a.model, gen);
    input_size = shapes.input_size;
    check_trains_on_images("search", a.model, shapes.token_vocab);
  }
  // Open the outputs first: an unwritable destination fails before the search.
  check_distinct_outputs(
      {{"--best", a.best}, {"--plot", a.plot}, {"--json", a.json}, {"--log", o.log_path}});
  std::unique_ptr<io::AtomicFileWriter> best_file, plot_file, json_file;
  if (!a.best.empty()) best_file = std::make_unique<io::AtomicFileWriter>(a.best);
  if (!a.plot.empty()) plot_file = std::make_unique<io::AtomicFileWriter>(a.plot);
  if (!a.json.empty()) json_file = std::make_unique<io::AtomicFileWriter>(a.json);
  const TrainTestData sets =
      load_train_test(a.data, a.data_dir, a.train_samples, input_size, o.seed);
  train::check_sample_size(sets.train, input_size);
  search::validate_options(o, sets.train.size());
  {
    std::error_code ec;
    const std::string dir = a.data == "synthetic" ? std::string("-")
                            : a.data_dir.empty()
                                ? data::default_dir()
                                : std::filesystem::absolute(a.data_dir, ec).string();
    o.setup = "model=" + a.model + " data=" + a.data + " dir=" + dir +
              " train_samples=" + std::to_string(a.train_samples) +
              " weightinit=" + WEIGHTINIT_VERSION;
  }
  std::printf("search %s over %s: strategy %s, %s, seed %llu, %d job(s), %lld training samples\n",
              a.space.c_str(), a.model.c_str(), o.strategy.c_str(),
              o.cv_folds >= 2 ? (std::to_string(o.cv_folds) + "-fold cross-validation").c_str()
                              : ("holdout " + train::format_fixed(o.holdout, 2)).c_str(),
              static_cast<unsigned long long>(o.seed), o.jobs,
              static_cast<long long>(sets.train.size()));
  std::fflush(stdout);
  const std::string spec = a.model;
  const search::ModelFactory factory = [&spec](Generator& gen) {
    return models::build_model(spec, gen).module;
  };
  const search::SearchResult result = search::run_search(
      factory, input_size, space, o, sets.train,
      [](const search::TrialResult& t, const search::CurvePoint& p, bool from_log) {
        std::printf("  trial %3lld @ %6.3f epochs: accuracy %s%s  %s\n",
                    static_cast<long long>(t.index), p.epochs,
                    train::format_fixed(p.accuracy, 4).c_str(), from_log ? " (reused)" : "",
                    t.trial.summary.c_str());
        std::fflush(stdout);
      });

  std::string table = "\nrank  trial  val accuracy        epochs  compute  configuration\n";
  for (std::size_t r = 0; r < result.ranked.size(); ++r) {
    const auto& t = result.ranked[r];
    const auto f = t.final();
    const std::string acc =
        train::format_fixed(f.accuracy, 4) +
        (f.accuracy_std > 0 ? " +- " + train::format_fixed(f.accuracy_std, 4) : "");
    char line[160];
    std::snprintf(line, sizeof line, "%4zu  %5lld  %-18s  %6.3f  %7.3f  ", r + 1,
                  static_cast<long long>(t.index), acc.c_str(), f.epochs, t.epochs_used);
    table += line + t.trial.summary + "\n";
  }
  std::printf("%s", table.c_str());
  std::printf(
      "%lld evaluation(s) (%lld reused from the log or an identical trial), %.3f epochs of "
      "training compute, %.1f s%s\n",
      static_cast<long long>(result.evaluations), static_cast<long long>(result.reused_from_log),
      result.total_epochs, result.seconds, result.out_of_time ? "; stopped by --budget" : "");
  if (result.log_entries_other_setup > 0) {
    std::printf(
        "note: %lld entr%s of %s came from another setup (model, data, seed, validation or "
        "version) and %s not reused\n",
        static_cast<long long>(result.log_entries_other_setup),
        result.log_entries_other_setup == 1 ? "y" : "ies", o.log_path.c_str(),
        result.log_entries_other_setup == 1 ? "was" : "were");
  }
  if (best_file && !result.ranked.empty()) {
    const std::string text = search::best_policy_text(result, a.model);
    best_file->write(text.data(), text.size());
    best_file->commit();
    std::printf("best configuration written to %s (weightinit init %s --policy %s)\n",
                a.best.c_str(), a.model.c_str(), a.best.c_str());
  }
  const search::SearchReport report{a.model, a.space, o, result};
  if (plot_file) {
    const std::string svg = search::search_chart_svg(report);
    plot_file->write(svg.data(), svg.size());
    plot_file->commit();
  }
  if (json_file) {
    const std::string text = search::to_json(report);
    json_file->write(text.data(), text.size());
    json_file->commit();
  }
}

}  // namespace

void add_search_command(CLI::App& app) {
  auto a = std::make_shared<SearchArgs>();
  a->options.jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto* cmd = app.add_subcommand("search",
                                 "search over inits (grid, random, successive halving, "
                                 "Hyperband); the best becomes a policy file");
  cmd->add_option("--space", a->space, "the search space file")->required();
  cmd->add_option("--model", a->model, "model spec, e.g. mlp:784-256-256-10")->required();
  cmd->add_option("--strategy", a->options.strategy,
                  "halving (default), hyperband, random or grid");
  cmd->add_option("--trials", a->options.trials, "trials drawn (random, halving; default 27)");
  cmd->add_option("--eta", a->options.eta, "halving factor (default 3)");
  cmd->add_option("--min-epochs", a->options.min_epochs,
                  "budget of the first halving rung, in epochs (default 1/9)");
  add_seed_option(cmd, a->options.seed, "seed of the whole search");
  add_torch_profile_option(cmd);
  cmd->add_option("--jobs", a->options.jobs, "trials evaluated at once (default: the cores)");
  cmd->add_option("--grid-points", a->options.grid_points, "values per range in a grid (3)");
  cmd->add_option("--cv", a->options.cv_folds, "k-fold cross-validation (k >= 2)");
  cmd->add_option("--holdout", a->options.holdout,
                  "validation fraction of the training set without --cv (default 0.1)");
  cmd->add_option("--budget", a->budget, "stop starting evaluations after 90s / 20m / 1.5h");
  cmd->add_option("--data", a->data, "fashion-mnist (default) or synthetic");
  cmd->add_option("--data-dir", a->data_dir, "Fashion-MNIST directory");
  cmd->add_option("--train-samples", a->train_samples, "use the first N training samples")
      ->check(positive_count("leave it out for the whole training set"));
  cmd->add_option("--log", a->options.log_path,
                  "JSON-lines log, appended; a rerun reuses its evaluations")
      ->check(output_file());
  cmd->add_option("--best", a->best, "write the best configuration as a policy file")
      ->check(output_file());
  cmd->add_option("--plot", a->plot, "write the validation curves of the 10 best as SVG")
      ->check(output_file());
  cmd->add_option("--json", a->json, "write every trial and curve as JSON")->check(output_file());
  cmd->callback([a] { run_search_command(*a); });
}

}  // namespace weightinit::cli
