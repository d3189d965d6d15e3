// SPDX-License-Identifier: MIT
// Hyperparameter search over initialization: grid, random, successive halving and Hyperband
// (Li et al. 2017), validated on a holdout or by k-fold cross-validation, resumable from a
// JSON-lines log, trials in parallel.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weightinit/data/dataset.h"
#include "weightinit/nn/module.h"
#include "weightinit/search/space.h"

namespace weightinit::search {

/// The most trials a search runs (grid_trials' default limit): more is a ValueError, not an
/// allocation until memory runs out.
inline constexpr std::int64_t kMaxTrials = 10000;

/// How to search.
struct SearchOptions {
  /// grid: every combination (ranges at grid_points values); random: `trials` draws, each
  /// trained for its full @epochs; halving: successive halving over `trials` draws — every
  /// trial gets min_epochs, the best 1/eta go on with eta times the budget, until the full
  /// @epochs is reached (a last survivor gets it directly); hyperband: Li et al.'s brackets of
  /// successive halving, from aggressive (many trials, min_epochs) to random search (few trials,
  /// full budget).
  std::string strategy = "halving";
  std::int64_t trials = 27;
  int eta = 3;
  double min_epochs = 1.0 / 9.0;  ///< halving / hyperband: the first rung's budget, in epochs
  std::uint64_t seed = 0;         ///< trial draws, model and data order: the whole search
  int jobs = 1;                   ///< trials evaluated at once (threads)
  int grid_points = 3;
  /// cv_folds >= 2: k-fold cross-validation on the training set (contiguous folds), metric =
  /// mean ± std over the folds. Otherwise the last `holdout` fraction of the training set is
  /// the validation set.
  int cv_folds = 0;
  double holdout = 0.1;
  /// Stop starting evaluations after this many seconds (0: no limit); what ran is reported.
  double time_budget_seconds = 0.0;
  /// JSON-lines log: every evaluation is appended as it ends (one line, flushed); a rerun with
  /// the same log, space, model, data and seed reuses logged evaluations instead of training.
  std::string log_path;
  /// What else changes a result, as text: the model spec, the data source and its directory,
  /// the tool's version (the CLI fills it). It is part of every log key, with a digest of the
  /// training data, the generator's arithmetic mode and torch version, so a log written for
  /// another model or data is never reused; such entries are counted in
  /// SearchResult::log_entries_other_setup.
  std::string setup;
};

/// Validation of a trial at one budget.
struct CurvePoint {
  double epochs = 0.0;    ///< budget of this evaluation (per fold)
  double accuracy = 0.0;  ///< mean over folds
  double accuracy_std = 0.0;
  double loss = 0.0;  ///< mean validation cross-entropy
};

/// One trial: its configuration and every evaluation it had.
struct TrialResult {
  std::int64_t index = 0;
  std::string key;  ///< identifies (trial, settings) in the log
  TrialConfig trial;
  std::vector<CurvePoint> curve;
  /// Training compute spent on it (all folds and rungs), in epochs; 0 for a reused result.
  double epochs_used = 0.0;
  CurvePoint final() const { return curve.empty() ? CurvePoint{} : curve.back(); }
};

/// The outcome: trials ranked by their last validation accuracy (the deepest budget first,
/// then accuracy), and the compute spent.
struct SearchResult {
  std::vector<TrialResult> ranked;
  double total_epochs = 0.0;         ///< training compute of the search, in epochs of data
  std::int64_t evaluations = 0;      ///< (trial, budget) evaluations done or reused
  std::int64_t reused_from_log = 0;  ///< of those, read back from the log
  /// Log entries written by another setup (model, data, versions, seed, folds): never reused.
  std::int64_t log_entries_other_setup = 0;
  bool out_of_time = false;  ///< the time budget stopped it early
  double seconds = 0.0;
};

/// Builds a fresh model, drawing its constructors' values from `gen`.
using ModelFactory = std::function<std::shared_ptr<nn::Module>(Generator& gen)>;

/// Called after each evaluation (from the worker threads, one call at a time).
using SearchProgress =
    std::function<void(const TrialResult& trial, const CurvePoint& point, bool from_log)>;

/// Throws ValueError (the messages of run_search) when `options` cannot be run on a training
/// set of `train_samples` samples.
void validate_options(const SearchOptions& options, std::int64_t train_samples);

/// Runs a search. Each evaluation of (trial, budget): for each fold, Generator(seed) builds the
/// model, the trial's policy is applied with it, and a Trainer with Generator(seed + 1) for the
/// batch order trains max_steps = round(budget · steps per epoch) steps on the training part,
/// then the validation part is evaluated. Rungs of halving retrain from scratch (no
/// checkpoints; the compute counts it). Deterministic for a given seed, whatever `jobs`.
/// Throws ValueError for a bad option (eta < 2, trials < 1, min_epochs <= 0, holdout outside
/// (0, 1), cv_folds 1 or more than the samples, unknown strategy) before any training, and
/// IoError for an unwritable log.
SearchResult run_search(const ModelFactory& make_model, const Shape& input_size,
                        const SearchSpace& space, const SearchOptions& options,
                        const data::Dataset& train, const SearchProgress& progress = nullptr);

/// The best trial's policy, ready for `weightinit init --policy`: a comment header with the
/// validation result and the training settings, then the rules.
std::string best_policy_text(const SearchResult& result, const std::string& model);

}  // namespace weightinit::search
