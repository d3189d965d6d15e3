// SPDX-License-Identifier: MIT
// compare_inits: the same batches for every init, zero init's symmetry, He et al. 2015's deep
// ReLU net (Xavier stalls, Kaiming trains), the smoothed curve and the init list parser.
#include "weightinit/diag/compare.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "support/error_of.h"
#include "weightinit/data/dataset.h"
#include "weightinit/models/mlp.h"

namespace wi = weightinit;
namespace tr = weightinit::train;
namespace dg = weightinit::diag;
using wi::testing::error_of;

namespace {

/// The package's Fashion-MNIST (a missing package fails the test with the install hint).
const wi::data::Dataset& fashion(wi::data::Split split) {
  static std::optional<wi::data::Dataset> train, test;
  auto& slot = split == wi::data::Split::Train ? train : test;
  if (!slot) slot = wi::data::load_fashion_mnist(split, wi::data::default_dir());
  return *slot;
}

/// The first n samples of a dataset.
wi::data::Dataset head(const wi::data::Dataset& d, std::int64_t n) {
  wi::data::Dataset out;
  out.images = d.images.slice(0, 0, n).contiguous();
  out.labels.assign(d.labels.begin(), d.labels.begin() + n);
  return out;
}

/// A factory for make_mlp(sizes, act) that keeps every model it builds.
struct MlpFactory {
  explicit MlpFactory(std::vector<std::int64_t> s, std::string act = "relu")
      : sizes(std::move(s)), activation(std::move(act)) {}
  std::vector<std::int64_t> sizes;
  std::string activation;
  std::vector<std::shared_ptr<wi::nn::Module>> built;
  dg::ModelFactory factory() {
    return [this](wi::Generator& gen) {
      built.push_back(wi::models::make_mlp(sizes, activation, gen));
      return built.back();
    };
  }
};

/// A fingerprint of every batch a model sees: the sum and the first element of its input.
struct BatchSpy {
  std::vector<std::vector<double>> per_run;
  dg::ModelFactory wrap(dg::ModelFactory inner) {
    return [this, inner](wi::Generator& gen) {
      auto model = inner(gen);
      per_run.emplace_back();
      auto* seen = &per_run.back();
      model->register_forward_hook([seen](wi::nn::Module&, const wi::Tensor& x, const wi::Tensor&) {
        const auto v = x.contiguous().to_vector<float>();
        double sum = 0.0;
        for (const float f : v) sum += f;
        seen->push_back(sum);
        seen->push_back(v.empty() ? 0.0 : v.front());
      });
      return model;
    };
  }
};

}  // namespace

TEST(ParseInitList, SplitsOnSemicolonsTrimsAndCanonicalizes) {
  const auto inits = dg::parse_init_list(
      " xavier_uniform ;kaiming_normal(mode=fan_out, nonlinearity=relu);default;zeros");
  ASSERT_EQ(inits.size(), 4u);
  EXPECT_EQ(inits[0].text, "xavier_uniform");
  EXPECT_EQ(inits[0].label, "xavier_uniform(gain=1)");
  EXPECT_EQ(inits[1].label, "kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)");
  EXPECT_EQ(inits[2].label, "default");
  EXPECT_FALSE(inits[2].init.has_value());
  EXPECT_EQ(inits[3].label, "zeros");
  ASSERT_TRUE(inits[3].init.has_value());
}

TEST(ParseInitList, RejectsEmptyItemsAndReportsTheColumnInTheWholeList) {
  EXPECT_EQ(error_of([] { dg::parse_init_list("zeros;;ones"); }),
            "empty init spec in 'zeros;;ones': expected specs separated by ';', like "
            "\"xavier_uniform; kaiming_normal\"");
  EXPECT_NE(error_of([] { dg::parse_init_list("  "); }).find("empty init spec"), std::string::npos);
  try {
    dg::parse_init_list("xavier_uniform; kaiming_norml");
    FAIL() << "no error";
  } catch (const wi::init::SpecError& e) {
    EXPECT_EQ(e.column(), 17u);  // the 'k' of kaiming_norml
    EXPECT_NE(std::string(e.what()).find("at column 17: unknown init 'kaiming_norml' (did you "
                                         "mean 'kaiming_normal'?)"),
              std::string::npos)
        << e.what();
  }
}

TEST(SmoothLosses, AveragesWindowsAndCentresTheSteps) {
  const dg::SmoothedCurve c = dg::smooth_losses({1, 2, 3, 4, 5, 6, 7}, 3);
  EXPECT_EQ(c.window, 3);
  EXPECT_EQ(c.loss, (std::vector<double>{2, 5, 7}));
  EXPECT_EQ(c.step, (std::vector<double>{2, 5, 7}));  // steps 1-3, 4-6, 7
  const dg::SmoothedCurve nan = dg::smooth_losses({1, NAN, 3, 4}, 2);
  EXPECT_TRUE(std::isnan(nan.loss[0]));
  EXPECT_EQ(nan.loss[1], 3.5);
  EXPECT_NE(error_of([] { dg::smooth_losses({1}, 0); }), "no error");
}

TEST(CompareInits, EveryInitSeesTheSameBatchesInTheSameOrder) {
  // 96 Gaussian samples, batches of 16: 6 steps per epoch, 2 epochs. zeros draws nothing,
  // orthogonal a whole matrix (and a QR), kaiming one normal per weight: if the loader shared
  // the init's generator, each run would see another order.
  wi::Generator data_gen(11);
  const auto data = wi::data::synthetic_gaussian(96, {20}, 10, data_gen);
  MlpFactory mlp({20, 32, 10});
  BatchSpy spy;
  dg::CompareSettings s;
  s.config.epochs = 2;
  s.config.batch_size = 16;
  s.seed = 5;
  const auto inits = dg::parse_init_list("zeros; orthogonal; kaiming_normal; kaiming_normal");
  const auto runs = dg::compare_inits(spy.wrap(mlp.factory()), {20}, inits, s, data);
  ASSERT_EQ(runs.size(), 4u);
  ASSERT_EQ(spy.per_run.size(), 4u);
  ASSERT_EQ(spy.per_run[0].size(), 2u * 12);
  for (std::size_t k = 1; k < 4; ++k) EXPECT_EQ(spy.per_run[k], spy.per_run[0]) << "run " << k;

  // ... and it is the order of DataLoader(shuffle=True, generator=Generator(seed)).
  wi::Generator order_gen(5);
  wi::data::DataLoader loader(data, 16, true, order_gen);
  std::vector<double> expected;
  for (int epoch = 0; epoch < 2; ++epoch) {
    while (auto b = loader.next()) {
      const auto v = b->x.to_vector<float>();
      double sum = 0.0;
      for (const float f : v) sum += f;
      expected.push_back(sum);
      expected.push_back(v.front());
    }
  }
  EXPECT_EQ(spy.per_run[0], expected);

  // The same init twice: the same run, bit for bit; another init: other losses.
  EXPECT_EQ(runs[2].history.step_losses, runs[3].history.step_losses);
  EXPECT_NE(runs[1].history.step_losses, runs[2].history.step_losses);
  EXPECT_EQ(runs[1].init, "orthogonal(gain=1)");
  EXPECT_EQ(runs[1].layers, 2);
  EXPECT_EQ(runs[0].history.step_losses.size(), 12u);
  EXPECT_EQ(runs[0].steps_per_epoch, 6);
  EXPECT_FALSE(runs[0].initial_evaluated);  // no test set
}

TEST(CompareInits, ZeroInitKeepsEveryHiddenUnitIdentical) {
  // Zero weights and biases: every hidden unit computes the same function and gets the same
  // gradient, so they stay identical forever (the symmetry random init exists to break).
  // ReLU(0) = 0 even stops the signal: nothing but the output bias learns, and the model
  // predicts one class (accuracy ~0.1). With sigmoid (sigmoid(0) = 0.5) the units do learn,
  // but all alike: the rows of the first weight stay equal and non-zero.
  const auto train = head(fashion(wi::data::Split::Train), 2048);
  const auto test = head(fashion(wi::data::Split::Test), 1000);
  dg::CompareSettings s;
  s.config.epochs = 2;
  s.config.batch_size = 64;
  s.bias_init = wi::init::Initializer::parse("zeros");
  for (const std::string act : {"relu", "sigmoid"}) {
    MlpFactory mlp({784, 32, 32, 10}, act);
    const auto runs =
        dg::compare_inits(mlp.factory(), {784}, dg::parse_init_list("zeros"), s, train, &test);
    ASSERT_EQ(runs.size(), 1u);
    wi::Tensor w;
    for (const auto& [name, param] : mlp.built[0]->named_parameters()) {
      if (name == "0.weight") w = param->data;  // (32, 784)
    }
    ASSERT_EQ(w.dim(), 2);
    const wi::Tensor row0 = w.select(0, 0).contiguous();
    // Equal up to float rounding: BLAS computes the units' gradients in different SIMD lanes
    // and blocks, so the last bits may differ (a random init differs at full scale).
    const auto row = row0.to_vector<float>();
    double norm = 0.0, largest = 0.0;
    for (const float v : row) {
      norm += static_cast<double>(v) * v;
      largest = std::max(largest, std::abs(static_cast<double>(v)));
    }
    for (std::int64_t j = 1; j < w.size(0); ++j) {
      const auto other = w.select(0, j).contiguous().to_vector<float>();
      double diff = 0.0;
      for (std::size_t i = 0; i < row.size(); ++i) {
        diff = std::max(diff, std::abs(static_cast<double>(other[i]) - row[i]));
      }
      ASSERT_LE(diff, 1e-4 * largest) << act << ": hidden unit " << j << " differs from unit 0";
    }
    if (act == "relu") {
      EXPECT_EQ(norm, 0.0);
      EXPECT_LE(runs[0].history.epochs.back().test_accuracy, 0.2);
      EXPECT_EQ(runs[0].verdict, "stalled");
    } else {
      EXPECT_GT(norm, 0.0) << "sigmoid units should have learned (alike)";
    }
  }
}

TEST(CompareInits, DeepReluNetStallsUnderXavierAndTrainsUnderKaiming) {
  // He et al. 2015, Fig. 3, scaled down: 20 ReLU layers of width 64. Xavier's Var(w) = 1/fan
  // halves the signal's second moment at every ReLU (2^-20 after 20 layers): the loss stays at
  // chance, ln 10 = 2.3026. Kaiming's 2/fan keeps it, and SGD trains. 8192 samples, batches of
  // 64, lr 0.02: 128 steps per epoch, 3 epochs, ~1 s. Measured (seed 0, 2000 test samples):
  // Xavier 2.302 / 0.10 after every epoch; Kaiming train loss ~0.69, test accuracy ~0.74
  // (seeds 1-3: 0.68-0.83 / 0.68-0.77).
  const auto train = head(fashion(wi::data::Split::Train), 8192);
  const auto test = head(fashion(wi::data::Split::Test), 2000);
  std::vector<std::int64_t> sizes{784};
  for (int i = 0; i < 20; ++i) sizes.push_back(64);
  sizes.push_back(10);
  MlpFactory mlp(sizes);
  dg::CompareSettings s;
  s.config.epochs = 3;
  s.config.batch_size = 64;
  s.config.lr = 0.02;
  const auto runs = dg::compare_inits(
      mlp.factory(), {784}, dg::parse_init_list("xavier_uniform; kaiming_normal"), s, train, &test);
  ASSERT_EQ(runs.size(), 2u);
  const dg::CompareRun& xavier = runs[0];
  const dg::CompareRun& kaiming = runs[1];
  EXPECT_NEAR(xavier.chance_loss, std::log(10.0), 1e-12);
  EXPECT_EQ(xavier.layers, 21);
  EXPECT_EQ(xavier.verdict, "stalled") << "early loss " << xavier.early_loss;
  EXPECT_GT(xavier.history.epochs.back().train_loss, 2.25);
  EXPECT_LT(xavier.history.epochs.back().test_accuracy, 0.2);
  EXPECT_EQ(kaiming.verdict, "ok") << "early loss " << kaiming.early_loss;
  EXPECT_LT(kaiming.history.epochs.back().train_loss, 1.0);
  EXPECT_GT(kaiming.history.epochs.back().test_accuracy, 0.6);
  // 128 steps per epoch at ~50 points per epoch: windows of 3 steps, 384 / 3 points.
  EXPECT_EQ(kaiming.smoothed.window, 3);
  EXPECT_EQ(kaiming.smoothed.loss.size(), 128u);
  EXPECT_EQ(kaiming.smoothed.step.front(), 2.0);
  EXPECT_TRUE(kaiming.initial_evaluated);
  EXPECT_LT(kaiming.initial.accuracy, 0.2);
}

TEST(CompareInits, DivergenceEndsTheRunAndIsReported) {
  wi::Generator data_gen(3);
  const auto data = wi::data::synthetic_gaussian(256, {20}, 10, data_gen);
  MlpFactory mlp({20, 64, 64, 10});
  dg::CompareSettings s;
  s.config.epochs = 5;
  s.config.batch_size = 32;
  s.config.lr = 1e3;  // far too large: the loss overflows within a few steps
  const auto runs =
      dg::compare_inits(mlp.factory(), {20}, dg::parse_init_list("normal(0, 10)"), s, data, &data);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].diverged);
  EXPECT_EQ(runs[0].verdict, "diverged");
  EXPECT_EQ(runs[0].diverged_step, static_cast<std::int64_t>(runs[0].history.step_losses.size()));
  EXPECT_FALSE(std::isfinite(runs[0].history.step_losses.back()));
  EXPECT_FALSE(runs[0].history.interrupted);
  EXPECT_LT(runs[0].history.steps, 5 * 8);
}

TEST(CompareInits, StopFlagEndsTheCurrentRunAndStartsNoOther) {
  wi::Generator data_gen(3);
  const auto data = wi::data::synthetic_gaussian(256, {20}, 10, data_gen);
  MlpFactory mlp({20, 16, 10});
  struct StopAfter : dg::CompareObserver, tr::TrainObserver {
    std::atomic<bool> flag{false};
    int steps = 0;
    tr::TrainObserver* begin_run(std::size_t, const dg::InitChoice&, int) override { return this; }
    void on_step(const tr::StepInfo&) override {
      if (++steps == 3) flag.store(true);
    }
  } stopper;
  dg::CompareSettings s;
  s.config.batch_size = 32;
  const auto runs = dg::compare_inits(mlp.factory(), {20}, dg::parse_init_list("zeros; ones"), s,
                                      data, &data, &stopper, &stopper.flag);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_TRUE(runs[0].history.interrupted);
  EXPECT_EQ(runs[0].history.steps, 3);
  EXPECT_EQ(mlp.built.size(), 1u);
}

TEST(CompareInits, RejectsBadInputBeforeTraining) {
  wi::Generator data_gen(3);
  const auto data = wi::data::synthetic_gaussian(32, {20}, 10, data_gen);
  MlpFactory mlp({20, 10});
  dg::CompareSettings s;
  EXPECT_EQ(error_of([&] { dg::compare_inits(mlp.factory(), {20}, {}, s, data); }),
            "compare_inits needs at least one init");
  s.config.epochs = 0;
  EXPECT_EQ(error_of([&] {
              dg::compare_inits(mlp.factory(), {20}, dg::parse_init_list("zeros"), s, data);
            }),
            "epochs must be at least 1, but got 0");
  s.config.epochs = 1;
  EXPECT_NE(error_of([&] {
              dg::compare_inits(mlp.factory(), {30}, dg::parse_init_list("zeros"), s, data);
            }).find("the model expects samples of size [30]"),
            std::string::npos);
  EXPECT_TRUE(mlp.built.empty());
}
