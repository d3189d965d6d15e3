// SPDX-License-Identifier: MIT
// The training loop: mini-batch SGD/Adam/AdamW on a classification dataset, with per-step and
// per-epoch reports, evaluation, and a cooperative stop flag (Ctrl-C).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weightinit/data/dataset.h"
#include "weightinit/nn/module.h"
#include "weightinit/train/optimizer.h"

namespace weightinit::train {

/// Parameters whose qualified name matches `glob` (fnmatch(3), `*` also crosses dots) train at
/// lr × factor: a torch parameter group with its own lr.
struct LrGroup {
  std::string glob;
  double factor = 1.0;
};

/// Settings of a training run (the arguments of a typical PyTorch training script).
struct TrainConfig {
  std::int64_t epochs = 1;
  std::int64_t batch_size = 128;
  std::string optimizer = "sgd";  ///< sgd, adam or adamw
  double lr = 0.1;
  double momentum = 0.0;      ///< SGD only
  double weight_decay = 0.0;  ///< SGD/Adam: L2 term; AdamW: decoupled decay
  bool nesterov = false;      ///< SGD only
  double label_smoothing = 0.0;
  std::int64_t max_steps = 0;  ///< stop after this many steps in all (0: no limit)
  std::int64_t eval_batch_size = 1000;
  /// Learning-rate groups, first match wins; parameters no group matches train at lr. Fixup's
  /// recipe is {{"*bias*", 0.1}, {"*scale*", 0.1}}.
  std::vector<LrGroup> lr_groups;
};

/// Throws ValueError for epochs < 1, batch_size < 1, max_steps < 0, eval_batch_size < 1, an
/// unknown optimizer ("unknown optimizer 'sgdd': expected sgd, adam or adamw"), or a value the
/// optimizer rejects (its own message, e.g. "Invalid learning rate: -0.1").
void validate(const TrainConfig& config);

/// Each named parameter's learning-rate factor under `groups` (first matching glob, else 1).
/// ValueError for a group that matches no parameter ("--lr-group '*bais*=0.1' matches no
/// parameter (they are named like 'layer1.0.conv1.weight')") or a factor that is not positive
/// and finite.
std::vector<double> lr_factors(const std::vector<LrGroup>& groups,
                               const std::vector<std::string>& names);

/// The optimizer `config` names, over `params`: SGD(lr, momentum, 0, weight_decay, nesterov),
/// Adam(lr, (0.9, 0.999), 1e-8, weight_decay) or AdamW(lr, ..., weight_decay).
std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& config,
                                          std::vector<nn::Parameter*> params);

/// Throws ShapeError unless a sample of `data` (images without the batch dim) has as many
/// elements as `input_size`: "the model expects samples of size [100] (100 elements), but the
/// dataset's samples have size [1, 28, 28] (784 elements)".
void check_sample_size(const data::Dataset& data, const Shape& input_size);

/// Loss and accuracy of a model over a dataset.
struct Evaluation {
  double loss = 0.0;      ///< mean cross-entropy (no label smoothing)
  double accuracy = 0.0;  ///< fraction of samples whose argmax logit is the label
  std::int64_t samples = 0;
};

/// Runs `model` in eval mode without recording for backward (NoGradGuard) over `data` in
/// order, in batches of `batch_size`, each reshaped to (B, input_size...); restores the
/// model's previous mode. Throws ShapeError when a sample's element count differs from
/// input_size's.
Evaluation evaluate(nn::Module& model, const data::Dataset& data, const Shape& input_size,
                    std::int64_t batch_size = 1000);

/// Progress of one optimizer step, for observers.
struct StepInfo {
  std::int64_t epoch = 0;            ///< 1-based
  std::int64_t epochs = 0;           ///< planned epochs
  std::int64_t step = 0;             ///< 1-based, within the epoch
  std::int64_t steps_per_epoch = 0;  ///< batches per epoch
  std::int64_t global_step = 0;      ///< 1-based, over the run
  std::int64_t total_steps = 0;      ///< planned steps of the run (max_steps applied)
  double loss = 0.0;                 ///< this batch's loss
  double epoch_loss = 0.0;           ///< mean loss of the epoch's batches so far
  double samples_per_second = 0.0;   ///< over the epoch so far
  double elapsed_seconds = 0.0;      ///< since the run started
};

/// Summary of one finished (or interrupted) epoch.
struct EpochInfo {
  std::int64_t epoch = 0;
  std::int64_t steps = 0;       ///< steps run in this epoch
  double train_loss = 0.0;      ///< mean batch loss over the epoch
  double train_accuracy = 0.0;  ///< running accuracy of the training batches
  bool evaluated = false;       ///< whether test_loss/test_accuracy are set
  double test_loss = 0.0;
  double test_accuracy = 0.0;
  double seconds = 0.0;  ///< training time of the epoch (evaluation excluded)
};

/// Receives progress; the default methods do nothing.
class TrainObserver {
 public:
  virtual ~TrainObserver() = default;
  virtual void on_step(const StepInfo& /*info*/) {}
  virtual void on_epoch(const EpochInfo& /*info*/) {}
};

/// What a run did: the loss of every step, a summary per epoch, and whether it was stopped.
struct TrainHistory {
  std::vector<double> step_losses;
  std::vector<EpochInfo> epochs;
  bool interrupted = false;    ///< the stop flag ended the run early
  std::int64_t steps = 0;      ///< optimizer steps taken
  double train_seconds = 0.0;  ///< time in training steps (evaluation excluded)
};

/// Trains a classifier with mini-batches, like the usual PyTorch loop:
///   for each epoch: for (x, y) in DataLoader(train, batch_size, shuffle=True, generator=gen):
///     loss = cross_entropy(model(x), y, label_smoothing); zero_grad(); backward(); step()
/// then evaluates on `test` (when given). The loader draws from `gen` as torch's does, so with
/// the same generator state the batch order is PyTorch's. Deterministic for a given generator
/// state and thread count. The model is put in training mode for the steps.
class Trainer {
 public:
  /// input_size: the model's sample shape without the batch dim; batches are reshaped to it
  /// (a (B, 1, 28, 28) batch becomes (B, 784) for an MLP). Validates the config.
  Trainer(nn::Module& model, Shape input_size, TrainConfig config, Generator& gen);

  /// Runs the configured epochs (or max_steps). `stop`, when given, is polled after every step:
  /// once true the run ends after that step, records the partial epoch (not evaluated) and
  /// sets `interrupted`. Throws ShapeError when the samples do not match input_size.
  TrainHistory fit(const data::Dataset& train, const data::Dataset* test = nullptr,
                   TrainObserver* observer = nullptr, const std::atomic<bool>* stop = nullptr);

  Optimizer& optimizer() { return *optimizer_; }

 private:
  nn::Module& model_;
  Shape input_size_;
  TrainConfig config_;
  Generator& gen_;
  std::unique_ptr<Optimizer> optimizer_;
};

}  // namespace weightinit::train
