// SPDX-License-Identifier: MIT
// Comparing inits by training: the same architecture trained once per init, on the same data in
// the same batch order, with loss curves and a verdict per run (`weightinit compare`).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weightinit/data/dataset.h"
#include "weightinit/init/spec.h"
#include "weightinit/nn/module.h"
#include "weightinit/train/trainer.h"

namespace weightinit::diag {

/// One entry of an init list: its canonical label, the text as written (for short table rows
/// and legends), and the parsed initializer (empty for "default": the constructors' init).
struct InitChoice {
  std::string label;  ///< the spec's canonical text ("xavier_uniform(gain=1)") or "default"
  std::string text;   ///< as written, without the surrounding blanks ("xavier_uniform")
  std::optional<init::Initializer> init;
  /// "lsuv": LSUV (init/lsuv.h, default options) on one batch — the probe's batch, or the
  /// first `batch_size` training samples for a comparison — instead of a spec.
  bool lsuv = false;
  /// "policy:NAME": the built-in policy NAME (with its options, `policy:cifar-resnet(
  /// zero_init_residual=true)`) applied to the whole model after its constructors, from the
  /// same generator, instead of a spec; empty otherwise.
  std::string policy;
};

/// Parses an init list separated by ';' (the specs themselves contain commas):
///   "xavier_uniform; kaiming_normal(mode=fan_out, nonlinearity=relu); default; lsuv;
///    policy:cifar-resnet(zero_init_residual=true)"
/// Blanks around each item are ignored. Throws ValueError for an empty list or item ("empty init
/// spec in 'a;;b': expected specs separated by ';', like \"xavier_uniform; kaiming_normal\"")
/// and SpecError for a bad spec, with column() counted from the start of the whole list;
/// ValueError for `policy:NAME` naming no built-in policy (its options are checked when it is
/// applied to the model).
std::vector<InitChoice> parse_init_list(std::string_view text);

/// Settings shared by every run of a comparison.
struct CompareSettings {
  train::TrainConfig config;  ///< optimizer, epochs, batch size, ... (validated)
  std::uint64_t seed = 0;     ///< seeds both the model generator and the data generator of each run
  /// Applied to the biases of every Linear/Conv layer after the weights (for "default" too);
  /// empty: the constructors' biases.
  std::optional<init::Initializer> bias_init;
  /// Target number of points per epoch of the smoothed loss curve (see SmoothedCurve).
  std::int64_t points_per_epoch = 50;
  /// End a run right after the first step whose loss is not finite (its later steps would all
  /// be NaN); the partial epoch is recorded but not evaluated.
  bool stop_on_divergence = true;
  /// Evaluate each model on `test` once before training (CompareRun::initial): the epoch-0
  /// point of the accuracy curves.
  bool evaluate_at_init = true;
};

/// The step losses averaged over consecutive windows of `window` steps:
///   window = max(1, round(steps_per_epoch / points_per_epoch)),
///   loss[i] = mean(step_losses[i·window .. (i+1)·window − 1]) (the last window may be short),
///   step[i] = the mean 1-based step number of the window (its centre).
/// A window that holds a non-finite loss has a non-finite mean (a gap in the plot).
struct SmoothedCurve {
  std::int64_t window = 1;
  std::vector<double> step;
  std::vector<double> loss;
};

/// Averages `step_losses` as SmoothedCurve describes (window >= 1).
SmoothedCurve smooth_losses(const std::vector<double>& step_losses, std::int64_t window);

/// One training run of a comparison.
struct CompareRun {
  std::string init;  ///< InitChoice::label
  std::string text;  ///< InitChoice::text
  int layers = 0;    ///< Linear/Conv layers the init was applied to (0 for "default")
  /// Test loss and accuracy before the first step (when a test set was given and
  /// evaluate_at_init); `initial_evaluated` says whether it was.
  train::Evaluation initial;
  bool initial_evaluated = false;
  train::TrainHistory history;  ///< step losses and per-epoch train/test loss and accuracy
  std::int64_t steps_per_epoch = 0;
  SmoothedCurve smoothed;
  /// Chance level ln(C), C = 1 + the largest training label (ln 10 ≈ 2.3026 for Fashion-MNIST):
  /// the cross-entropy of a uniform prediction.
  double chance_loss = 0.0;
  /// Mean loss over the last 10% (at least one) of the first epoch's steps, as many as ran.
  double early_loss = 0.0;
  /// Some step loss was not finite (NaN or ±inf); diverged_step is the first such (1-based).
  bool diverged = false;
  std::int64_t diverged_step = 0;
  /// early_loss > 0.95 · chance_loss: after a whole epoch the model still predicts at chance
  /// level (He et al. 2015, Fig. 3: a 30-layer ReLU net under Xavier init "does not converge").
  bool stalled = false;
  /// "diverged" when diverged, else "stalled" when stalled, else "ok".
  std::string verdict;
};

/// Builds a fresh model of the compared architecture, drawing its parameters from `gen` (for
/// example `[&](Generator& g) { return models::build_model(spec, g).module; }`).
using ModelFactory = std::function<std::shared_ptr<nn::Module>(Generator& gen)>;

/// Receives the progress of a comparison; the default methods do nothing.
class CompareObserver {
 public:
  virtual ~CompareObserver() = default;
  /// Called before run `index` (0-based) trains; returns the observer of its steps and epochs,
  /// or nullptr. The pointer must stay valid until end_run(index).
  virtual train::TrainObserver* begin_run(std::size_t /*index*/, const InitChoice& /*init*/,
                                          int /*layers*/) {
    return nullptr;
  }
  /// Called when run `index` has ended (finished, diverged or interrupted).
  virtual void end_run(std::size_t /*index*/, const CompareRun& /*run*/) {}
};

/// Trains the same architecture once per init, in order. Each run does
///   Generator model_gen(seed); model = make_model(model_gen);
///   recipes::init_weight_layers(model, init, bias_init, model_gen)   // skipped for "default"
///   Generator data_gen(seed); train::Trainer(model, input_size, config, data_gen).fit(train, test)
/// so every run sees the same batches in the same order, however many numbers its init drew
/// (zeros draws none, orthogonal draws a whole matrix), and two runs with the same init are
/// identical bit for bit. This differs from `weightinit train`, which like a PyTorch script
/// draws the model, the init and the batch order from one generator, so there a different init
/// shifts the batch order too.
///
/// `stop`, when given, is polled after every step: once true the current run ends after its
/// step (history.interrupted) and no further run starts; the runs so far are returned.
/// Throws ValueError for an empty `inits`, a bad config or points_per_epoch < 1, and ShapeError
/// when the samples do not match `input_size`, before any training.
std::vector<CompareRun> compare_inits(const ModelFactory& make_model, const Shape& input_size,
                                      const std::vector<InitChoice>& inits,
                                      const CompareSettings& settings, const data::Dataset& train,
                                      const data::Dataset* test = nullptr,
                                      CompareObserver* observer = nullptr,
                                      const std::atomic<bool>* stop = nullptr);

}  // namespace weightinit::diag
