// SPDX-License-Identifier: MIT
// Trainer: the mini-batch loop (forward, cross-entropy, backward, optimizer step) and evaluate.
#include "weightinit/train/trainer.h"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "weightinit/error.h"
#include "weightinit/train/loss.h"

namespace weightinit::train {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::int64_t numel_of(const Shape& s) {
  std::int64_t n = 1;
  for (const std::int64_t v : s) n *= v;
  return n;
}

/// The batch as (B, input_size...); a view when the batch is contiguous.
Tensor shaped_batch(const Tensor& x, const Shape& input_size) {
  const std::int64_t b = x.size(0);
  Shape sizes{b};
  sizes.insert(sizes.end(), input_size.begin(), input_size.end());
  return x.contiguous().view(sizes);
}

/// Number of rows of `logits` (N, C) whose first maximum is at the label.
std::int64_t count_correct(const Tensor& logits, const std::vector<std::int64_t>& labels) {
  const Tensor l = logits.to(DType::Float64).contiguous();
  const double* p = l.data_ptr<double>();
  const std::int64_t n = l.size(0), c = l.size(1);
  std::int64_t correct = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    const double* row = p + i * c;
    const std::int64_t arg = std::max_element(row, row + c) - row;
    correct += arg == labels[static_cast<std::size_t>(i)] ? 1 : 0;
  }
  return correct;
}

}  // namespace

void check_sample_size(const data::Dataset& data, const Shape& input_size) {
  WEIGHTINIT_CHECK(data.images.defined() && data.images.dim() >= 1, ShapeError,
                   "the dataset has no images tensor of shape (N, ...)");
  const Shape sample(data.images.sizes().begin() + 1, data.images.sizes().end());
  WEIGHTINIT_CHECK(numel_of(sample) == numel_of(input_size), ShapeError,
                   "the model expects samples of size ", shape_str(input_size), " (",
                   numel_of(input_size), " elements), but the dataset's samples have size ",
                   shape_str(sample), " (", numel_of(sample), " elements)");
}

void validate(const TrainConfig& c) {
  WEIGHTINIT_CHECK(c.epochs >= 1, ValueError, "epochs must be at least 1, but got ", c.epochs);
  WEIGHTINIT_CHECK(
      c.batch_size >= 1, ValueError,
      "batch_size should be a positive integer value, but got batch_size=", c.batch_size);
  WEIGHTINIT_CHECK(c.max_steps >= 0, ValueError, "max_steps must be >= 0 (0: no limit), but got ",
                   c.max_steps);
  WEIGHTINIT_CHECK(c.eval_batch_size >= 1, ValueError,
                   "eval_batch_size should be a positive integer value, but got ",
                   c.eval_batch_size);
  WEIGHTINIT_CHECK(c.label_smoothing >= 0.0 && c.label_smoothing <= 1.0, ValueError,
                   "label_smoothing must be between 0.0 and 1.0. Got: ", c.label_smoothing);
  WEIGHTINIT_CHECK(c.optimizer == "sgd" || c.optimizer == "adam" || c.optimizer == "adamw",
                   ValueError, "unknown optimizer '", c.optimizer,
                   "': expected sgd, adam or adamw");
  // The optimizers check their own hyper-parameters with torch's messages; build one over a
  // stand-in parameter to run those checks before any work.
  nn::Parameter probe{Tensor::zeros({1}), Tensor(), true, {}};
  make_optimizer(c, {&probe});
}

std::unique_ptr<Optimizer> make_optimizer(const TrainConfig& c,
                                          std::vector<nn::Parameter*> params) {
  if (c.optimizer == "sgd") {
    return std::make_unique<SGD>(std::move(params), c.lr, c.momentum, 0.0, c.weight_decay,
                                 c.nesterov);
  }
  if (c.optimizer == "adam") {
    return std::make_unique<Adam>(std::move(params), c.lr, std::pair{0.9, 0.999}, 1e-8,
                                  c.weight_decay);
  }
  if (c.optimizer == "adamw") {
    return std::make_unique<AdamW>(std::move(params), c.lr, std::pair{0.9, 0.999}, 1e-8,
                                   c.weight_decay);
  }
  throw ValueError("unknown optimizer '" + c.optimizer + "': expected sgd, adam or adamw");
}

std::vector<double> lr_factors(const std::vector<LrGroup>& groups,
                               const std::vector<std::string>& names) {
  std::vector<double> factors(names.size(), 1.0);
  std::vector<bool> assigned(names.size(), false);
  for (const LrGroup& g : groups) {
    WEIGHTINIT_CHECK(std::isfinite(g.factor) && g.factor > 0.0, ValueError, "--lr-group '", g.glob,
                     "=", g.factor, "': the factor must be positive and finite");
    bool matched = false;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (fnmatch(g.glob.c_str(), names[i].c_str(), 0) != 0) continue;
      matched = true;
      if (assigned[i]) continue;  // an earlier group holds it
      factors[i] = g.factor;
      assigned[i] = true;
    }
    WEIGHTINIT_CHECK(matched, ValueError, "--lr-group '", g.glob, "=", g.factor,
                     "' matches no parameter (they are named like '",
                     names.empty() ? std::string("weight") : names.front(), "')");
  }
  return factors;
}

Evaluation evaluate(nn::Module& model, const data::Dataset& data, const Shape& input_size,
                    std::int64_t batch_size) {
  WEIGHTINIT_CHECK(
      batch_size >= 1, ValueError,
      "batch_size should be a positive integer value, but got batch_size=", batch_size);
  check_sample_size(data, input_size);
  const bool was_training = model.is_training();
  model.eval();
  nn::NoGradGuard no_grad;
  Evaluation ev;
  double loss_sum = 0.0;
  std::int64_t correct = 0;
  const std::int64_t n = data.size();
  const Tensor images = data.images.contiguous();
  for (std::int64_t start = 0; start < n; start += batch_size) {
    const std::int64_t end = std::min(n, start + batch_size);
    const Tensor x = shaped_batch(images.slice(0, start, end), input_size);
    const std::vector<std::int64_t> y(data.labels.begin() + start, data.labels.begin() + end);
    const Tensor logits = model(x);
    loss_sum += cross_entropy(logits, y).loss * static_cast<double>(end - start);
    correct += count_correct(logits, y);
  }
  model.train(was_training);
  ev.samples = n;
  ev.loss = n == 0 ? 0.0 : loss_sum / static_cast<double>(n);
  ev.accuracy = n == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(n);
  return ev;
}

Trainer::Trainer(nn::Module& model, Shape input_size, TrainConfig config, Generator& gen)
    : model_(model), input_size_(std::move(input_size)), config_(std::move(config)), gen_(gen) {
  validate(config_);
  optimizer_ = make_optimizer(config_, model_.parameters());
  if (!config_.lr_groups.empty()) {
    std::vector<std::string> names;
    for (auto& [name, p] : model_.named_parameters()) names.push_back(name);
    optimizer_->set_lr_factors(lr_factors(config_.lr_groups, names));
  }
}

TrainHistory Trainer::fit(const data::Dataset& train, const data::Dataset* test,
                          TrainObserver* observer, const std::atomic<bool>* stop) {
  check_sample_size(train, input_size_);
  if (test != nullptr) check_sample_size(*test, input_size_);
  data::DataLoader loader(train, config_.batch_size, /*shuffle=*/true, gen_);
  const std::int64_t per_epoch = loader.num_batches();
  std::int64_t total = per_epoch * config_.epochs;
  if (config_.max_steps > 0) total = std::min(total, config_.max_steps);

  TrainHistory history;
  const auto run_start = Clock::now();
  model_.train();
  const bool input_grad_before = model_.input_requires_grad();
  model_.set_input_requires_grad(false);  // the input is data: skip the first layer's dx
  for (std::int64_t epoch = 1; epoch <= config_.epochs && history.steps < total; ++epoch) {
    const auto epoch_start = Clock::now();
    EpochInfo info;
    info.epoch = epoch;
    double loss_sum = 0.0;
    std::int64_t correct = 0, seen = 0;
    while (auto batch = loader.next()) {
      const Tensor x = shaped_batch(batch->x, input_size_);
      const Tensor logits = model_(x);
      const LossResult loss = cross_entropy(logits, batch->y, config_.label_smoothing);
      optimizer_->zero_grad();
      model_.backward(loss.grad_input);
      optimizer_->step();

      correct += count_correct(logits, batch->y);
      seen += static_cast<std::int64_t>(batch->y.size());
      loss_sum += loss.loss;
      ++info.steps;
      ++history.steps;
      history.step_losses.push_back(loss.loss);
      if (observer != nullptr) {
        StepInfo s;
        s.epoch = epoch;
        s.epochs = config_.epochs;
        s.step = info.steps;
        s.steps_per_epoch = per_epoch;
        s.global_step = history.steps;
        s.total_steps = total;
        s.loss = loss.loss;
        s.epoch_loss = loss_sum / static_cast<double>(info.steps);
        const double epoch_seconds = seconds_since(epoch_start);
        s.samples_per_second = epoch_seconds > 0 ? static_cast<double>(seen) / epoch_seconds : 0;
        s.elapsed_seconds = seconds_since(run_start);
        observer->on_step(s);
      }
      const bool stop_now = stop != nullptr && stop->load();
      if (stop_now || history.steps >= total) {
        // Finish the loader's epoch bookkeeping only when the epoch really ended.
        history.interrupted = stop_now && history.steps < total;
        break;
      }
    }
    info.seconds = seconds_since(epoch_start);
    history.train_seconds += info.seconds;
    info.train_loss = info.steps == 0 ? 0.0 : loss_sum / static_cast<double>(info.steps);
    info.train_accuracy =
        seen == 0 ? 0.0 : static_cast<double>(correct) / static_cast<double>(seen);
    if (test != nullptr && !history.interrupted) {
      const Evaluation ev = evaluate(model_, *test, input_size_, config_.eval_batch_size);
      info.evaluated = true;
      info.test_loss = ev.loss;
      info.test_accuracy = ev.accuracy;
    }
    history.epochs.push_back(info);
    if (observer != nullptr) observer->on_epoch(info);
    if (history.interrupted) break;
  }
  model_.set_input_requires_grad(input_grad_before);
  return history;
}

}  // namespace weightinit::train
