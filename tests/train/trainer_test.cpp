// SPDX-License-Identifier: MIT
// The Trainer loop (stop flag, max_steps, determinism, learning), evaluate, config validation
// and the progress text.
#include "weightinit/train/trainer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>

#include "support/error_of.h"
#include "weightinit/data/dataset.h"
#include "weightinit/models/mlp.h"
#include "weightinit/models/small_cnn.h"
#include "weightinit/random/sampling.h"
#include "weightinit/train/progress.h"

namespace wi = weightinit;
namespace tr = weightinit::train;

namespace {

/// 96 Gaussian samples of 20 features with random labels: learnable only by memorising, which
/// an MLP with 64 hidden units does.
wi::data::Dataset toy_data() {
  wi::Generator gen(11);
  return wi::data::synthetic_gaussian(96, {20}, 10, gen);
}

tr::TrainHistory fit(const tr::TrainConfig& config, const std::atomic<bool>* stop = nullptr,
                     std::uint64_t seed = 3) {
  wi::Generator gen(seed);
  auto model = wi::models::make_mlp({20, 64, 10}, "relu", gen);
  const auto data = toy_data();
  tr::Trainer trainer(*model, {20}, config, gen);
  return trainer.fit(data, &data, nullptr, stop);
}

struct Recorder : tr::TrainObserver {
  int steps = 0, epochs = 0;
  tr::StepInfo last;
  void on_step(const tr::StepInfo& info) override {
    ++steps;
    last = info;
  }
  void on_epoch(const tr::EpochInfo&) override { ++epochs; }
};

}  // namespace

TEST(Trainer, MemorisesASmallDatasetWithAdam) {
  tr::TrainConfig c;
  c.optimizer = "adam";
  c.lr = 0.01;
  c.epochs = 60;
  c.batch_size = 32;
  const tr::TrainHistory h = fit(c);
  ASSERT_EQ(h.epochs.size(), 60u);
  EXPECT_EQ(h.steps, 180);
  // Random labels start at ~ln(10) = 2.3; 180 Adam steps fit 96 points almost perfectly.
  EXPECT_GT(h.epochs.front().train_loss, 1.5);
  EXPECT_LT(h.epochs.back().train_loss, 0.2);
  EXPECT_TRUE(h.epochs.back().evaluated);
  EXPECT_GT(h.epochs.back().test_accuracy, 0.95);  // "test" is the training set here
  EXPECT_FALSE(h.interrupted);
}

TEST(Trainer, IsDeterministicForAGeneratorState) {
  tr::TrainConfig c;
  c.epochs = 3;
  c.batch_size = 16;
  c.momentum = 0.9;
  const auto a = fit(c), b = fit(c), other = fit(c, nullptr, 4);
  EXPECT_EQ(a.step_losses, b.step_losses);
  EXPECT_NE(a.step_losses, other.step_losses);
}

TEST(Trainer, StopFlagEndsTheRunAfterTheCurrentStep) {
  tr::TrainConfig c;
  c.epochs = 5;
  c.batch_size = 16;
  std::atomic<bool> stop{true};
  const tr::TrainHistory h = fit(c, &stop);
  EXPECT_TRUE(h.interrupted);
  EXPECT_EQ(h.steps, 1);
  ASSERT_EQ(h.epochs.size(), 1u);
  EXPECT_EQ(h.epochs[0].steps, 1);
  EXPECT_FALSE(h.epochs[0].evaluated);
}

TEST(Trainer, MaxStepsStopsMidEpochAndStillEvaluates) {
  tr::TrainConfig c;
  c.epochs = 5;
  c.batch_size = 16;  // 6 steps per epoch
  c.max_steps = 8;
  const tr::TrainHistory h = fit(c);
  EXPECT_FALSE(h.interrupted);
  EXPECT_EQ(h.steps, 8);
  ASSERT_EQ(h.epochs.size(), 2u);
  EXPECT_EQ(h.epochs[1].steps, 2);
  EXPECT_TRUE(h.epochs[1].evaluated);
}

TEST(Trainer, ObserverSeesEveryStepWithPlannedTotals) {
  wi::Generator gen(5);
  auto model = wi::models::make_mlp({20, 8, 10}, "tanh", gen);
  const auto data = toy_data();
  tr::TrainConfig c;
  c.epochs = 2;
  c.batch_size = 40;  // 3 batches per epoch, the last one short (16)
  tr::Trainer trainer(*model, {20}, c, gen);
  Recorder rec;
  trainer.fit(data, nullptr, &rec);
  EXPECT_EQ(rec.steps, 6);
  EXPECT_EQ(rec.epochs, 2);
  EXPECT_EQ(rec.last.global_step, 6);
  EXPECT_EQ(rec.last.total_steps, 6);
  EXPECT_EQ(rec.last.steps_per_epoch, 3);
  EXPECT_EQ(rec.last.step, 3);
  EXPECT_GT(rec.last.samples_per_second, 0.0);
}

TEST(Trainer, EvaluateRestoresTheModeAndRecordsNothing) {
  wi::Generator gen(5);
  auto model = wi::models::make_mlp({20, 8, 10}, "relu", gen);
  model->train();
  const tr::Evaluation ev = tr::evaluate(*model, toy_data(), {20}, 7);
  EXPECT_TRUE(model->is_training());
  EXPECT_EQ(ev.samples, 96);
  EXPECT_GE(ev.accuracy, 0.0);
  EXPECT_LE(ev.accuracy, 1.0);
  EXPECT_GT(ev.loss, 0.0);
  for (wi::nn::Module* m : model->modules()) EXPECT_EQ(m->pending_backward(), 0u);
}

TEST(Trainer, RejectsBadConfigsAndShapes) {
  tr::TrainConfig c;
  c.epochs = 0;
  EXPECT_EQ(wi::testing::error_of([&] { tr::validate(c); }),
            "epochs must be at least 1, but got 0");
  c = {};
  c.optimizer = "rmsprop";
  EXPECT_EQ(wi::testing::error_of([&] { tr::validate(c); }),
            "unknown optimizer 'rmsprop': expected sgd, adam or adamw");
  c = {};
  c.lr = -1;
  EXPECT_EQ(wi::testing::error_of([&] { tr::validate(c); }), "Invalid learning rate: -1.0");
  c = {};
  c.max_steps = -2;
  EXPECT_EQ(wi::testing::error_of([&] { tr::validate(c); }),
            "max_steps must be >= 0 (0: no limit), but got -2");
  wi::Generator gen(5);
  auto model = wi::models::make_mlp({30, 10}, "relu", gen);
  tr::Trainer trainer(*model, {30}, tr::TrainConfig{}, gen);
  const auto data = toy_data();
  EXPECT_EQ(wi::testing::error_of([&] { trainer.fit(data); }),
            "the model expects samples of size [30] (30 elements), but the dataset's samples "
            "have size [20] (20 elements)");
}

TEST(Progress, FormatsDurationsBarsAndLines) {
  EXPECT_EQ(tr::format_duration(65.9), "1:05");
  EXPECT_EQ(tr::format_duration(3723), "1:02:03");
  EXPECT_EQ(tr::format_duration(NAN), "--:--");
  tr::StepInfo s;
  s.epoch = 1;
  s.epochs = 3;
  s.step = 234;
  s.steps_per_epoch = 468;
  s.global_step = 234;
  s.total_steps = 1404;
  s.epoch_loss = 0.51234;
  s.samples_per_second = 12345;
  s.elapsed_seconds = 2.34;  // 0.01 s per step, 1170 steps to go
  EXPECT_EQ(tr::format_progress_bar(s, 10),
            "epoch 1/3 [#####>    ] 234/468 loss 0.5123 | 12.3k samples/s | ETA 0:11");
  EXPECT_EQ(tr::format_progress_line(s),
            "epoch 1/3 step 234/468 loss 0.5123 samples/s 12345 elapsed 0:02 ETA 0:11");
  tr::EpochInfo e;
  e.epoch = 2;
  e.seconds = 4.25;
  e.train_loss = 0.54;
  e.train_accuracy = 0.8;
  EXPECT_EQ(tr::format_epoch_line(e, 3), "epoch 2/3 done in 4.2 s: train loss 0.5400 acc 0.8000");
  e.evaluated = true;
  e.test_loss = 0.47;
  e.test_accuracy = 0.83;
  EXPECT_EQ(tr::format_epoch_line(e, 3),
            "epoch 2/3 done in 4.2 s: train loss 0.5400 acc 0.8000 | test loss 0.4700 acc 0.8300");
}

// With the input marked as data, the first layer skips dx; the parameter grads are unchanged.
TEST(Trainer, InputThatNeedsNoGradSkipsTheFirstLayersInputGradient) {
  wi::Generator gen(8);
  auto model = wi::models::make_mlp({20, 16, 10}, "relu", gen);
  wi::Generator data_gen(9);
  const wi::Tensor x = wi::randn({4, 20}, wi::DType::Float32, data_gen);
  const wi::Tensor dy = wi::randn({4, 10}, wi::DType::Float32, data_gen);
  (*model)(x);
  const wi::Tensor dx = model->backward(dy);
  ASSERT_TRUE(dx.defined());
  std::vector<std::vector<float>> grads;
  for (wi::nn::Parameter* p : model->parameters()) grads.push_back(p->grad.to_vector<float>());
  model->zero_grad();
  model->set_input_requires_grad(false);
  EXPECT_FALSE(model->children()[0]->input_requires_grad());
  EXPECT_TRUE(model->children()[2]->input_requires_grad());  // after the first Linear
  (*model)(x);
  EXPECT_FALSE(model->backward(dy).defined());
  std::size_t k = 0;
  for (wi::nn::Parameter* p : model->parameters())
    EXPECT_EQ(p->grad.to_vector<float>(), grads[k++]);
}

// The same for convolutions (the small CNN starts with a Conv2d).
TEST(Trainer, ConvInputThatNeedsNoGradSkipsItsInputGradient) {
  wi::Generator gen(8);
  auto model = wi::models::make_small_cnn(2, 3, 4, 10, 1, gen);
  wi::Generator data_gen(9);
  const wi::Tensor x = wi::randn({2, 1, 28, 28}, wi::DType::Float32, data_gen);
  const wi::Tensor dy = wi::randn({2, 10}, wi::DType::Float32, data_gen);
  (*model)(x);
  ASSERT_TRUE(model->backward(dy).defined());
  std::vector<std::vector<float>> grads;
  for (wi::nn::Parameter* p : model->parameters()) grads.push_back(p->grad.to_vector<float>());
  model->zero_grad();
  model->set_input_requires_grad(false);
  (*model)(x);
  EXPECT_FALSE(model->backward(dy).defined());
  std::size_t k = 0;
  for (wi::nn::Parameter* p : model->parameters())
    EXPECT_EQ(p->grad.to_vector<float>(), grads[k++]);
}
