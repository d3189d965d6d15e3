// SPDX-License-Identifier: MIT
// LSUV (Mishkin & Matas 2015): every layer's output variance ends within the tolerance of the
// target, in forward order, deterministically; bad options and layer-less models are errors.
#include "weightinit/recipes/lsuv.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "weightinit/models/mlp.h"
#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/random/sampling.h"

namespace wi = weightinit;

namespace {

/// Population variance of each Linear output of `model` on `x`, in forward order.
std::vector<double> output_variances(wi::nn::Module& model, const wi::Tensor& x) {
  std::vector<double> out;
  std::vector<std::pair<wi::nn::Module*, std::size_t>> hooks;
  for (auto& [name, m] : model.named_modules()) {
    if (m->type_name() != "Linear") continue;
    hooks.emplace_back(m, m->register_forward_hook(
                              [&out](wi::nn::Module&, const wi::Tensor&, const wi::Tensor& y) {
                                const auto v = y.to_vector<double>();
                                double mean = 0, sq = 0;
                                for (const double e : v) mean += e;
                                mean /= static_cast<double>(v.size());
                                for (const double e : v) sq += (e - mean) * (e - mean);
                                out.push_back(sq / static_cast<double>(v.size()));
                              }));
  }
  const wi::nn::NoGradGuard no_grad;
  (void)model(x);
  for (auto& [m, id] : hooks) m->remove_forward_hook(id);
  return out;
}

}  // namespace

TEST(Lsuv, EveryLayerEndsAtUnitVarianceInForwardOrder) {
  wi::Generator gen(0);
  auto model = wi::models::make_mlp({64, 128, 128, 128, 128, 128, 128, 128, 128, 10}, "tanh", gen);
  wi::Generator data(1);
  const wi::Tensor x = wi::randn({256, 64}, wi::DType::Float32, data);
  const auto report = wi::recipes::lsuv_init(*model, x, gen);
  ASSERT_EQ(report.size(), 9u);
  EXPECT_EQ(report.front().name, "0");
  EXPECT_EQ(report.back().name, "16");
  const auto variances = output_variances(*model, x);
  ASSERT_EQ(variances.size(), 9u);
  for (std::size_t i = 0; i < report.size(); ++i) {
    EXPECT_TRUE(report[i].converged) << report[i].name;
    EXPECT_LE(report[i].iterations, 10);
    EXPECT_NEAR(variances[i], 1.0, 0.1) << report[i].name;  // the tolerance
    EXPECT_DOUBLE_EQ(variances[i], report[i].final_variance) << report[i].name;
  }
  // Orthogonal weights alone keep neither tanh's shrinking signal nor the target: LSUV had to
  // rescale at least one layer.
  int rescaled = 0;
  for (const auto& r : report) rescaled += r.iterations;
  EXPECT_GT(rescaled, 0);
}

TEST(Lsuv, IsDeterministicAndHonoursTheOptions) {
  auto run = [](const wi::recipes::LsuvOptions& o) {
    wi::Generator gen(5);
    auto model = wi::models::make_mlp({32, 64, 64, 10}, "relu", gen);
    wi::Generator data(6);
    const wi::Tensor x = wi::randn({128, 32}, wi::DType::Float32, data);
    wi::recipes::lsuv_init(*model, x, gen, o);
    return model->state_dict();
  };
  const auto a = run({}), b = run({});
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].second.to_vector<float>(), b[i].second.to_vector<float>()) << a[i].first;
  }
  wi::recipes::LsuvOptions target2;
  target2.target_variance = 2.0;
  target2.tolerance = 0.05;
  wi::Generator gen(5);
  auto model = wi::models::make_mlp({32, 64, 64, 10}, "relu", gen);
  wi::Generator data(6);
  const wi::Tensor x = wi::randn({128, 32}, wi::DType::Float32, data);
  for (const auto& r : wi::recipes::lsuv_init(*model, x, gen, target2)) {
    EXPECT_NEAR(r.final_variance, 2.0, 0.05) << r.name;
  }
}

TEST(Lsuv, RejectsBadOptionsAndModelsWithoutLayers) {
  wi::Generator gen(0);
  auto model = wi::models::make_mlp({4, 3}, "relu", gen);
  const wi::Tensor x = wi::Tensor::zeros({2, 4});
  wi::recipes::LsuvOptions bad;
  bad.tolerance = 0;
  EXPECT_THROW(wi::recipes::lsuv_init(*model, x, gen, bad), wi::ValueError);
  bad = {};
  bad.max_iterations = -1;
  EXPECT_THROW(wi::recipes::lsuv_init(*model, x, gen, bad), wi::ValueError);
  wi::nn::Sequential empty;
  empty.push_back(std::make_shared<wi::nn::Tanh>());
  try {
    wi::recipes::lsuv_init(empty, x, gen);
    ADD_FAILURE() << "no ValueError";
  } catch (const wi::ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "LSUV needs a model with Linear or Conv layers, and this one has none");
  }
  // A zero batch gives zero output variance: reported unconverged, nothing divided by zero.
  const auto report = wi::recipes::lsuv_init(*model, x, gen);
  ASSERT_EQ(report.size(), 1u);
  EXPECT_FALSE(report[0].converged);
  EXPECT_EQ(report[0].iterations, 0);
}
