// SPDX-License-Identifier: MIT
// Search strategies (grid, random, successive halving, Hyperband), k-fold / holdout
// validation, the JSON-lines log and parallel evaluation.
#include "weightinit/search/search.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "weightinit/error.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/threads.h"
#include "weightinit/train/trainer.h"

namespace weightinit::search {

namespace {

/// Rows [begin, end) of `d`, and the rest (the training part of a fold).
data::Dataset rows(const data::Dataset& d, std::int64_t begin, std::int64_t end, bool inside) {
  const std::int64_t n = d.size();
  const std::int64_t count = inside ? end - begin : n - (end - begin);
  Shape shape = d.images.sizes();
  shape[0] = count;
  data::Dataset out;
  out.images = Tensor::empty(shape, d.images.dtype());
  const Tensor src = d.images.contiguous();
  const std::size_t row_bytes =
      static_cast<std::size_t>(src.numel() / std::max<std::int64_t>(n, 1)) *
      (src.dtype() == DType::Float32 ? sizeof(float) : sizeof(double));
  auto* dst = static_cast<unsigned char*>(out.images.raw_data());
  const auto* from = static_cast<const unsigned char*>(src.raw_data());
  std::int64_t k = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const bool in = i >= begin && i < end;
    if (in != inside) continue;
    std::memcpy(dst + static_cast<std::size_t>(k) * row_bytes,
                from + static_cast<std::size_t>(i) * row_bytes, row_bytes);
    out.labels.push_back(d.labels[static_cast<std::size_t>(i)]);
    ++k;
  }
  return out;
}

struct Fold {
  data::Dataset train, validation;
};

std::vector<Fold> make_folds(const data::Dataset& d, const SearchOptions& o) {
  std::vector<Fold> folds;
  const std::int64_t n = d.size();
  if (o.cv_folds >= 2) {
    for (int f = 0; f < o.cv_folds; ++f) {
      const std::int64_t b = n * f / o.cv_folds, e = n * (f + 1) / o.cv_folds;
      folds.push_back({rows(d, b, e, false), rows(d, b, e, true)});
    }
  } else {
    const auto held = static_cast<std::int64_t>(std::llround(static_cast<double>(n) * o.holdout));
    folds.push_back({rows(d, 0, n - held, true), rows(d, n - held, n, true)});
  }
  return folds;
}

/// FNV-1a 64 of `text`, as 16 hex digits.
std::string hash_hex(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325u;
  for (const char c : text) {
    h ^= static_cast<std::uint8_t>(c);
    h *= 0x100000001b3u;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string config_text(const train::TrainConfig& c) {
  std::ostringstream s;
  s.precision(17);
  s << "optimizer=" << c.optimizer << " lr=" << c.lr << " batch=" << c.batch_size
    << " epochs=" << c.epochs << " momentum=" << c.momentum << " wd=" << c.weight_decay;
  return s.str();
}

/// A (trial, budget) evaluation to run.
struct Job {
  std::size_t trial;  // index into the trial table
  double budget;      // epochs
};

class Runner {
 public:
  Runner(const ModelFactory& make_model, const Shape& input, const SearchOptions& options,
         const data::Dataset& train, const SearchProgress& progress)
      : make_model_(make_model),
        input_(input),
        options_(options),
        folds_(make_folds(train, options)),
        progress_(progress),
        start_(std::chrono::steady_clock::now()) {
    // Everything besides the trial that changes a result: the caller's setup (model, data
    // source), the training data itself, the generator's arithmetic, seed and validation.
    std::uint64_t data = 0xcbf29ce484222325u;
    const auto mix = [&data](const void* bytes, std::size_t n) {
      const auto* b = static_cast<const unsigned char*>(bytes);
      for (std::size_t i = 0; i < n; ++i) data = (data ^ b[i]) * 0x100000001b3u;
    };
    const Tensor images = train.images.contiguous();
    mix(images.raw_data(), static_cast<std::size_t>(images.numel()) * images.element_size());
    mix(train.labels.data(), train.labels.size() * sizeof(train.labels[0]));
    const Generator& gen = default_generator();
    setup_ = hash_hex(
        options.setup + "\ndata=" + std::to_string(data) +
        " arith=" + std::string(arith_mode_name(gen.arith_mode())) +
        " torch=" + std::string(torch_version_name(gen.torch_version())) +
        " seed=" + std::to_string(options.seed) + " folds=" + std::to_string(options.cv_folds) +
        " holdout=" + std::to_string(options.holdout) + " n=" + std::to_string(train.size()));
    context_ = "setup=" + setup_;
    read_log();
    if (!options.log_path.empty()) {
      log_.open(options.log_path, std::ios::app);
      WEIGHTINIT_CHECK(log_.good(), IoError, "cannot write the search log '", options.log_path,
                       "': ", std::strerror(errno));
    }
  }

  std::vector<TrialResult> trials;  // every trial drawn so far
  SearchResult totals;

  std::size_t add_trial(std::int64_t index, TrialConfig config) {
    TrialResult r;
    r.index = index;
    r.trial = std::move(config);
    r.key = hash_hex(context_ + "\n" + r.trial.policy_text + config_text(r.trial.config));
    trials.push_back(std::move(r));
    return trials.size() - 1;
  }

  /// Runs the jobs (in parallel); returns false when the time budget stopped it. A (trial,
  /// budget) whose configuration was evaluated before — in the log, earlier in this search, or
  /// as an identical draw in this batch — is reused, not trained again, and costs no compute.
  bool run(const std::vector<Job>& jobs) {
    std::vector<std::string> keys;
    for (const Job& job : jobs)
      keys.push_back(trials[job.trial].key + "@" + std::to_string(job.budget));
    // The first job of each key not known yet trains; the others copy its result.
    std::vector<std::size_t> to_train;
    std::map<std::string, std::size_t> first_of;
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      if (logged_.count(keys[j]) == 0 && first_of.emplace(keys[j], j).second) to_train.push_back(j);
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> timed_out{false};
    auto worker = [&] {
      for (;;) {
        const std::size_t k = next.fetch_add(1);
        if (k >= to_train.size()) return;
        if (out_of_time()) {
          timed_out = true;
          return;
        }
        const std::size_t j = to_train[k];
        const CurvePoint p = evaluate(trials[jobs[j].trial].trial, jobs[j].budget);
        const std::lock_guard<std::mutex> lock(mutex_);
        fresh_[keys[j]] = p;
        record(jobs[j], keys[j], p, false);
      }
    };
    const int n = std::max(1, std::min<int>(options_.jobs, static_cast<int>(to_train.size())));
    std::vector<std::thread> pool;
    for (int i = 1; i < n; ++i) pool.emplace_back(worker);
    worker();
    for (auto& th : pool) th.join();
    // Everything else: results known before this batch, or trained in it under another trial.
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      const bool trained_here = first_of.count(keys[j]) && first_of[keys[j]] == j;
      if (trained_here) continue;
      const auto f = fresh_.find(keys[j]);
      const auto l = logged_.find(keys[j]);
      if (f != fresh_.end()) {
        record(jobs[j], keys[j], f->second, true);
      } else if (l != logged_.end()) {
        record(jobs[j], keys[j], l->second, true);
      }
    }
    for (const auto& [key, p] : fresh_) logged_[key] = p;
    fresh_.clear();
    // Curves in budget order whatever the completion order.
    for (auto& t : trials) {
      std::sort(t.curve.begin(), t.curve.end(),
                [](const CurvePoint& a, const CurvePoint& b) { return a.epochs < b.epochs; });
    }
    if (timed_out) totals.out_of_time = true;
    return !timed_out;
  }

  double elapsed() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  /// Adds an evaluation to its trial and the totals (reused ones cost no compute).
  void record(const Job& job, const std::string& key, const CurvePoint& p, bool reused) {
    TrialResult& tr = trials[job.trial];
    tr.curve.push_back(p);
    ++totals.evaluations;
    if (reused) {
      ++totals.reused_from_log;
    } else {
      const double cost = job.budget * static_cast<double>(folds_.size());
      tr.epochs_used += cost;
      totals.total_epochs += cost;
      if (log_.is_open()) append_log(key, tr, p);
    }
    if (progress_) progress_(tr, p, reused);
  }

  bool out_of_time() const {
    return options_.time_budget_seconds > 0 && elapsed() >= options_.time_budget_seconds;
  }

  CurvePoint evaluate(const TrialConfig& trial, double budget) const {
    CurvePoint p;
    p.epochs = budget;
    std::vector<double> acc, loss;
    const recipes::Policy policy = recipes::Policy::parse(trial.policy_text, "trial");
    for (const Fold& fold : folds_) {
      Generator gen(options_.seed);
      const std::shared_ptr<nn::Module> model = make_model_(gen);
      (void)policy.apply(*model, gen);
      train::TrainConfig c = trial.config;
      const std::int64_t per_epoch = (fold.train.size() + c.batch_size - 1) / c.batch_size;
      c.max_steps =
          std::max<std::int64_t>(1, std::llround(budget * static_cast<double>(per_epoch)));
      c.epochs = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(budget)));
      Generator data_gen(options_.seed + 1);
      train::Trainer trainer(*model, input_, c, data_gen);
      (void)trainer.fit(fold.train);
      const train::Evaluation e =
          train::evaluate(*model, fold.validation, input_, c.eval_batch_size);
      acc.push_back(e.accuracy);
      loss.push_back(e.loss);
    }
    double mean = 0, lmean = 0;
    for (std::size_t i = 0; i < acc.size(); ++i) {
      mean += acc[i];
      lmean += loss[i];
    }
    mean /= static_cast<double>(acc.size());
    lmean /= static_cast<double>(acc.size());
    double sq = 0;
    for (const double a : acc) sq += (a - mean) * (a - mean);
    p.accuracy = mean;
    p.accuracy_std = acc.size() > 1 ? std::sqrt(sq / static_cast<double>(acc.size() - 1)) : 0.0;
    p.loss = lmean;
    return p;
  }

  void read_log() {
    if (options_.log_path.empty()) return;
    std::ifstream in(options_.log_path);
    std::string line;
    while (std::getline(in, line)) {
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("key")) continue;  // a torn line
      if (!j.contains("setup") || j.at("setup") != setup_) {
        ++totals.log_entries_other_setup;  // its key cannot match: another model, data, ...
        continue;
      }
      try {
        CurvePoint p;
        p.epochs = j.at("epochs").get<double>();
        p.accuracy = j.at("accuracy").get<double>();
        p.accuracy_std = j.at("accuracy_std").get<double>();
        p.loss = j.at("loss").is_number() ? j.at("loss").get<double>() : NAN;
        logged_[j.at("key").get<std::string>()] = p;
      } catch (const nlohmann::json::exception&) {
      }
    }
  }

  void append_log(const std::string& key, const TrialResult& t, const CurvePoint& p) {
    nlohmann::json j = {{"key", key},
                        {"setup", setup_},
                        {"trial", t.index},
                        {"summary", t.trial.summary},
                        {"epochs", p.epochs},
                        {"accuracy", p.accuracy},
                        {"accuracy_std", p.accuracy_std},
                        {"loss", std::isfinite(p.loss) ? nlohmann::json(p.loss) : nlohmann::json()},
                        {"folds", folds_.size()}};
    log_ << j.dump() << "\n";
    log_.flush();
  }

  const ModelFactory& make_model_;
  Shape input_;
  SearchOptions options_;
  std::vector<Fold> folds_;
  SearchProgress progress_;
  std::chrono::steady_clock::time_point start_;
  std::string setup_;  // digest of everything but the trial (see SearchOptions::setup)
  std::string context_;
  std::map<std::string, CurvePoint> logged_;  // the log, then every evaluation so far
  std::map<std::string, CurvePoint> fresh_;   // trained in the current batch
  std::ofstream log_;
  std::mutex mutex_;
};

/// Successive halving of `members` (indices into runner.trials) from budget r0.
void successive_halving(Runner& runner, std::vector<std::size_t> members, double r0, int eta) {
  double budget = r0;
  for (;;) {
    std::vector<Job> jobs;
    for (const std::size_t m : members) {
      jobs.push_back(
          {m, std::min(budget, static_cast<double>(runner.trials[m].trial.config.epochs))});
    }
    if (!runner.run(jobs)) return;
    double cap = 0;
    for (const std::size_t m : members) {
      cap = std::max(cap, static_cast<double>(runner.trials[m].trial.config.epochs));
    }
    if (budget >= cap) return;
    if (members.size() <= 1) {  // the winner trains with the full budget, comparable to random
      budget = cap;
      continue;
    }
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      return runner.trials[a].final().accuracy > runner.trials[b].final().accuracy;
    });
    members.resize(std::max<std::size_t>(1, members.size() / static_cast<std::size_t>(eta)));
    budget = std::min(budget * eta, cap);
    if (budget > cap * (1 - 1e-6)) budget = cap;  // 0.111111 · 27 is the full budget too
  }
}

}  // namespace

void validate_options(const SearchOptions& o, std::int64_t train_samples) {
  const std::string& s = o.strategy;
  WEIGHTINIT_CHECK(s == "grid" || s == "random" || s == "halving" || s == "hyperband", ValueError,
                   "unknown strategy '", s, "': expected grid, random, halving or hyperband");
  WEIGHTINIT_CHECK(o.trials >= 1 && o.trials <= kMaxTrials, ValueError,
                   "trials must be between 1 and ", kMaxTrials, " (the grid's limit too), but got ",
                   o.trials);
  WEIGHTINIT_CHECK(o.eta >= 2, ValueError, "eta must be at least 2, but got ", o.eta);
  WEIGHTINIT_CHECK(o.min_epochs > 0, ValueError, "min_epochs must be > 0, but got ", o.min_epochs);
  WEIGHTINIT_CHECK(o.jobs >= 1, ValueError, "jobs must be at least 1, but got ", o.jobs);
  WEIGHTINIT_CHECK(o.cv_folds == 0 || (o.cv_folds >= 2 && o.cv_folds <= train_samples), ValueError,
                   "cv folds must be 0 (holdout) or between 2 and the ", train_samples,
                   " samples, but got ", o.cv_folds);
  WEIGHTINIT_CHECK(o.cv_folds >= 2 || (o.holdout > 0 && o.holdout < 1), ValueError,
                   "holdout must be in (0, 1), but got ", o.holdout);
}

SearchResult run_search(const ModelFactory& make_model, const Shape& input_size,
                        const SearchSpace& space, const SearchOptions& o,
                        const data::Dataset& train, const SearchProgress& progress) {
  validate_options(o, train.size());
  const std::string& s = o.strategy;
  for (const auto& c : setting_corners(space)) train::validate(c);
  if (o.jobs > 1) set_num_threads(1);  // parallel trials, each on one thread

  Runner runner(make_model, input_size, o, train, progress);
  if (s == "grid") {
    std::vector<Job> jobs;
    std::int64_t i = 0;
    for (auto& t : grid_trials(space, o.grid_points)) {
      const double epochs = static_cast<double>(t.config.epochs);
      jobs.push_back({runner.add_trial(i++, std::move(t)), epochs});
    }
    runner.run(jobs);
  } else if (s == "random") {
    std::vector<Job> jobs;
    for (std::int64_t i = 0; i < o.trials; ++i) {
      TrialConfig t = sample_trial(space, o.seed, i);
      const double epochs = static_cast<double>(t.config.epochs);
      jobs.push_back({runner.add_trial(i, std::move(t)), epochs});
    }
    runner.run(jobs);
  } else if (s == "halving") {
    std::vector<std::size_t> members;
    for (std::int64_t i = 0; i < o.trials; ++i) {
      members.push_back(runner.add_trial(i, sample_trial(space, o.seed, i)));
    }
    successive_halving(runner, members, o.min_epochs, o.eta);
  } else {  // hyperband (Li et al. 2017, Algorithm 1), R = the largest @epochs
    double R = 0;
    for (const auto& c : setting_corners(space)) R = std::max(R, static_cast<double>(c.epochs));
    const int s_max =
        static_cast<int>(std::floor(std::log(R / o.min_epochs) / std::log(o.eta) + 1e-9));
    std::int64_t next = 0;
    for (int b = s_max; b >= 0 && !runner.totals.out_of_time; --b) {
      const auto n = static_cast<std::int64_t>(
          std::ceil(static_cast<double>(s_max + 1) / (b + 1) * std::pow(o.eta, b)));
      std::vector<std::size_t> members;
      for (std::int64_t k = 0; k < n; ++k, ++next) {
        members.push_back(runner.add_trial(next, sample_trial(space, o.seed, next)));
      }
      successive_halving(runner, members, R * std::pow(o.eta, -b), o.eta);
    }
  }
  SearchResult result = runner.totals;
  result.seconds = runner.elapsed();
  for (auto& t : runner.trials) {
    if (!t.curve.empty()) result.ranked.push_back(std::move(t));
  }
  std::stable_sort(result.ranked.begin(), result.ranked.end(),
                   [](const TrialResult& a, const TrialResult& b) {
                     if (a.final().epochs != b.final().epochs)
                       return a.final().epochs > b.final().epochs;
                     return a.final().accuracy > b.final().accuracy;
                   });
  return result;
}

std::string best_policy_text(const SearchResult& result, const std::string& model) {
  WEIGHTINIT_CHECK(!result.ranked.empty(), ValueError, "the search evaluated no trial");
  const TrialResult& best = result.ranked.front();
  std::ostringstream s;
  s.precision(6);
  s << "# weightinit search: the best of " << result.ranked.size() << " trials for " << model
    << "\n# validation accuracy " << best.final().accuracy;
  if (best.final().accuracy_std > 0) s << " +- " << best.final().accuracy_std;
  s << " after " << best.final().epochs
    << " epoch(s)\n# training: " << config_text(best.trial.config) << "\n"
    << best.trial.policy_text;
  return s.str();
}

}  // namespace weightinit::search
