// SPDX-License-Identifier: MIT
// compare_inits: one train::Trainer run per init, every run on the same batches in the same order.
#include "weightinit/diag/compare.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "weightinit/recipes/layers.h"
#include "weightinit/recipes/lsuv.h"
#include "weightinit/recipes/policy.h"

namespace weightinit::diag {

namespace {

/// Forwards steps and epochs to the caller's observer, and raises the run's own stop flag when
/// the caller's flag is set or (optionally) when a step's loss is not finite. The train::Trainer
/// calls on_step before it polls the flag, so either ends the run right after that step.
class RunObserver : public train::TrainObserver {
 public:
  RunObserver(train::TrainObserver* inner, const std::atomic<bool>* stop, bool stop_on_divergence)
      : inner_(inner), stop_(stop), stop_on_divergence_(stop_on_divergence) {}

  void on_step(const train::StepInfo& info) override {
    if (inner_ != nullptr) inner_->on_step(info);
    if (!std::isfinite(info.loss) && diverged_step_ == 0) diverged_step_ = info.global_step;
    if (stop_ != nullptr && stop_->load()) {
      interrupted_ = true;
      flag_.store(true);
    }
    if (stop_on_divergence_ && diverged_step_ != 0) flag_.store(true);
  }
  void on_epoch(const train::EpochInfo& info) override {
    if (inner_ != nullptr) inner_->on_epoch(info);
  }

  const std::atomic<bool>* flag() const { return &flag_; }
  bool interrupted() const { return interrupted_; }

 private:
  train::TrainObserver* inner_;
  const std::atomic<bool>* stop_;
  bool stop_on_divergence_;
  std::atomic<bool> flag_{false};
  bool interrupted_ = false;
  std::int64_t diverged_step_ = 0;
};

std::string trimmed(std::string_view s, std::size_t& offset) {
  const auto b = s.find_first_not_of(" \t\n\r");
  if (b == std::string_view::npos) return "";
  const auto e = s.find_last_not_of(" \t\n\r");
  offset += b;
  return std::string(s.substr(b, e - b + 1));
}

/// Applies `bias_init` to the bias of every Linear/Conv layer (for the "default" weights).
void init_biases(nn::Module& model, const init::Initializer& bias_init, Generator& gen) {
  for (nn::Module* m : model.modules()) {
    if (!m->is_weight_layer() || !m->has_parameter("bias")) continue;
    bias_init.apply(m->parameter("bias").data, gen);
    m->note_init("bias", bias_init.canonical(), std::nan(""));
  }
}

}  // namespace

namespace {

/// "policy:NAME[(OPTIONS)]": NAME must be a built-in policy.
InitChoice policy_choice(const std::string& item) {
  const std::string policy = item.substr(std::string_view("policy:").size());
  const std::string name = policy.substr(0, policy.find('('));
  std::string names;
  bool known = false;
  for (const auto& info : recipes::builtin_policies()) {
    known = known || info.name == name;
    names += (names.empty() ? "" : ", ") + info.name;
  }
  WEIGHTINIT_CHECK(known, ValueError, "unknown policy '", name, "' in init '", item,
                   "': policy:NAME takes a built-in policy (", names, ")");
  InitChoice choice{item, item, std::nullopt, false, ""};
  choice.policy = policy;
  return choice;
}

}  // namespace

std::vector<InitChoice> parse_init_list(std::string_view text) {
  std::vector<InitChoice> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t semi = text.find(';', start);
    const std::string_view raw =
        text.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start);
    std::size_t offset = start;
    const std::string item = trimmed(raw, offset);
    WEIGHTINIT_CHECK(!item.empty(), ValueError, "empty init spec in '", text,
                     "': expected specs separated by ';', like \"xavier_uniform; kaiming_normal\"");
    if (item == "default") {
      out.push_back({"default", item, std::nullopt, false, ""});
    } else if (item == "lsuv") {
      out.push_back({"lsuv", item, std::nullopt, true, ""});
    } else if (item.rfind("policy:", 0) == 0) {
      out.push_back(policy_choice(item));
    } else {
      try {
        init::Initializer parsed = init::Initializer::parse(item);
        out.push_back({parsed.canonical(), item, std::move(parsed), false, ""});
      } catch (const init::SpecError& e) {
        throw init::SpecError(e.reason(), offset + e.column());  // column in the whole list
      }
    }
    if (semi == std::string_view::npos) return out;
    start = semi + 1;
  }
}

SmoothedCurve smooth_losses(const std::vector<double>& step_losses, std::int64_t window) {
  WEIGHTINIT_CHECK(window >= 1, ValueError, "smoothing window must be at least 1, but got ",
                   window);
  SmoothedCurve curve;
  curve.window = window;
  const auto n = static_cast<std::int64_t>(step_losses.size());
  for (std::int64_t first = 0; first < n; first += window) {
    const std::int64_t last = std::min(n, first + window);  // exclusive
    double sum = 0.0;
    for (std::int64_t i = first; i < last; ++i) sum += step_losses[static_cast<std::size_t>(i)];
    curve.loss.push_back(sum / static_cast<double>(last - first));
    // Steps are 1-based: the window covers first+1 .. last.
    curve.step.push_back(static_cast<double>(first + 1 + last) / 2.0);
  }
  return curve;
}

namespace {

/// The run's smoothed curve and verdict: "diverged" at its first non-finite loss, "stalled" when
/// the mean of the last tenth of the first epoch is above 95% of the chance loss, else "ok".
void judge_run(CompareRun& run, std::int64_t per_epoch, std::int64_t window, double chance) {
  run.steps_per_epoch = per_epoch;
  run.smoothed = smooth_losses(run.history.step_losses, window);
  run.chance_loss = chance;
  const auto& losses = run.history.step_losses;
  for (std::size_t i = 0; i < losses.size(); ++i) {
    if (!std::isfinite(losses[i])) {
      run.diverged = true;
      run.diverged_step = static_cast<std::int64_t>(i) + 1;
      break;
    }
  }
  const std::int64_t first_epoch =
      std::min<std::int64_t>(per_epoch, static_cast<std::int64_t>(losses.size()));
  if (first_epoch > 0) {
    const std::int64_t tail = std::max<std::int64_t>(1, first_epoch / 10);
    double sum = 0.0;
    for (std::int64_t i = first_epoch - tail; i < first_epoch; ++i) {
      sum += losses[static_cast<std::size_t>(i)];
    }
    run.early_loss = sum / static_cast<double>(tail);
    // NaN compares false: a diverged run is "diverged", not "stalled".
    run.stalled = run.early_loss > 0.95 * chance;
  }
  run.verdict = run.diverged ? "diverged" : run.stalled ? "stalled" : "ok";
}

}  // namespace

std::vector<CompareRun> compare_inits(const ModelFactory& make_model, const Shape& input_size,
                                      const std::vector<InitChoice>& inits,
                                      const CompareSettings& settings, const data::Dataset& train,
                                      const data::Dataset* test, CompareObserver* observer,
                                      const std::atomic<bool>* stop) {
  WEIGHTINIT_CHECK(!inits.empty(), ValueError, "compare_inits needs at least one init");
  WEIGHTINIT_CHECK(settings.points_per_epoch >= 1, ValueError,
                   "points_per_epoch must be at least 1, but got ", settings.points_per_epoch);
  train::validate(settings.config);
  train::check_sample_size(train, input_size);
  if (test != nullptr) train::check_sample_size(*test, input_size);

  std::int64_t classes = 2;
  for (const std::int64_t label : train.labels) classes = std::max(classes, label + 1);
  const double chance = std::log(static_cast<double>(classes));
  const std::int64_t batch = settings.config.batch_size;
  const std::int64_t per_epoch = (train.size() + batch - 1) / batch;
  const std::int64_t window =
      std::max<std::int64_t>(1, std::llround(static_cast<double>(per_epoch) /
                                             static_cast<double>(settings.points_per_epoch)));

  std::vector<CompareRun> runs;
  for (std::size_t k = 0; k < inits.size(); ++k) {
    if (stop != nullptr && stop->load()) break;
    // The model and its init draw from one generator, the batch order from another, both
    // seeded alike: the data order does not depend on how many numbers the init drew.
    Generator model_gen(settings.seed);
    const std::shared_ptr<nn::Module> model = make_model(model_gen);
    WEIGHTINIT_CHECK(model != nullptr, ValueError, "the model factory returned no model");
    CompareRun run;
    run.init = inits[k].label;
    run.text = inits[k].text;
    if (inits[k].lsuv) {
      const std::int64_t n = std::min<std::int64_t>(batch, train.size());
      Shape shape{n};
      shape.insert(shape.end(), input_size.begin(), input_size.end());
      const Tensor x = train.images.slice(0, 0, n).contiguous().view(shape);
      run.layers = static_cast<int>(recipes::lsuv_init(*model, x, model_gen).size());
    } else if (inits[k].init) {
      run.layers = recipes::init_weight_layers(
          *model, *inits[k].init, settings.bias_init ? &*settings.bias_init : nullptr, model_gen);
    } else if (!inits[k].policy.empty()) {
      recipes::Policy::builtin(inits[k].policy, *model).apply(*model, model_gen);
    } else if (settings.bias_init) {
      init_biases(*model, *settings.bias_init, model_gen);
    }
    if (test != nullptr && settings.evaluate_at_init) {
      run.initial = train::evaluate(*model, *test, input_size, settings.config.eval_batch_size);
      run.initial_evaluated = true;
    }
    Generator data_gen(settings.seed);
    train::Trainer trainer(*model, input_size, settings.config, data_gen);
    train::TrainObserver* inner =
        observer != nullptr ? observer->begin_run(k, inits[k], run.layers) : nullptr;
    RunObserver watch(inner, stop, settings.stop_on_divergence);
    run.history = trainer.fit(train, test, &watch, watch.flag());
    run.history.interrupted = watch.interrupted();

    judge_run(run, per_epoch, window, chance);
    if (observer != nullptr) observer->end_run(k, run);
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace weightinit::diag
