// SPDX-License-Identifier: MIT
// nn::ReZero (Bachlechner et al. 2020): identity at init, gradients against finite differences
// (float64, tolerance stated below), the policy name and bad input.
#include "weightinit/nn/rezero.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "weightinit/models/mlp.h"
#include "weightinit/models/registry.h"
#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/linear.h"
#include "weightinit/random/sampling.h"
#include "weightinit/recipes/policy.h"

namespace wi = weightinit;

namespace {

std::shared_ptr<wi::nn::ReZero> block(wi::Generator& gen, wi::DType dtype = wi::DType::Float64) {
  auto branch = std::make_shared<wi::nn::Sequential>();
  branch->push_back(std::make_shared<wi::nn::Linear>(6, 6, true, gen, dtype));
  branch->push_back(std::make_shared<wi::nn::Tanh>());
  return std::make_shared<wi::nn::ReZero>(branch, dtype);
}

double loss_of(wi::nn::Module& m, const wi::Tensor& x, const wi::Tensor& w) {
  // L = Σ w·y, so dL/dy = w.
  const wi::nn::NoGradGuard no_grad;
  const auto y = m(x).to_vector<double>();
  const auto wv = w.to_vector<double>();
  double l = 0;
  for (std::size_t i = 0; i < y.size(); ++i) l += wv[i] * y[i];
  return l;
}

TEST(ReZero, IsTheIdentityAtInit) {
  wi::Generator gen(3);
  auto m = block(gen, wi::DType::Float32);
  EXPECT_EQ(m->parameter("alpha").data.item(), 0.0);
  const wi::Tensor x = wi::randn({4, 6}, wi::DType::Float32, gen);
  const wi::Tensor y = (*m)(x);
  EXPECT_EQ(std::memcmp(x.raw_data(), y.contiguous().raw_data(), 24 * sizeof(float)), 0);
  std::vector<std::string> names;
  for (auto& [n, p] : m->named_parameters()) names.push_back(n);
  EXPECT_EQ(names, (std::vector<std::string>{"alpha", "branch.0.weight", "branch.0.bias"}));
  m->clear_saved();
}

TEST(ReZero, GradientsMatchFiniteDifferences) {
  // Central differences with h = 1e-6 in float64: |analytic − numeric| <= 1e-7·(1 + |g|).
  wi::Generator gen(11);
  auto m = block(gen);
  m->parameter("alpha").data.fill_(0.7);
  const wi::Tensor x = wi::randn({3, 6}, wi::DType::Float64, gen);
  const wi::Tensor w = wi::randn({3, 6}, wi::DType::Float64, gen);
  (*m)(x);
  const wi::Tensor dx = m->backward(w);
  const double h = 1e-6, tol = 1e-7;
  const auto numeric = [&](wi::Tensor& t, std::int64_t i) {
    double* p = t.data_ptr<double>();
    const double keep = p[i];
    p[i] = keep + h;
    const double up = loss_of(*m, x, w);
    p[i] = keep - h;
    const double down = loss_of(*m, x, w);
    p[i] = keep;
    return (up - down) / (2 * h);
  };
  wi::Tensor& alpha = m->parameter("alpha").data;
  const double da = m->parameter("alpha").grad.item();
  EXPECT_NEAR(da, numeric(alpha, 0), tol * (1 + std::abs(da)));
  wi::Tensor& weight = m->branch().parameters()[0]->data;
  const auto dw = m->branch().parameters()[0]->grad.to_vector<double>();
  for (std::int64_t i : {0, 7, 20, 35}) {
    EXPECT_NEAR(dw[static_cast<std::size_t>(i)], numeric(weight, i),
                tol * (1 + std::abs(dw[static_cast<std::size_t>(i)])))
        << "weight " << i;
  }
  wi::Tensor xv = x;
  const auto dxv = dx.to_vector<double>();
  for (std::int64_t i : {0, 5, 11, 17}) {
    EXPECT_NEAR(dxv[static_cast<std::size_t>(i)], numeric(xv, i),
                tol * (1 + std::abs(dxv[static_cast<std::size_t>(i)])))
        << "input " << i;
  }
}

TEST(ReZero, AtAlphaZeroOnlyAlphaLearns) {
  wi::Generator gen(5);
  auto m = block(gen);
  const wi::Tensor x = wi::randn({2, 6}, wi::DType::Float64, gen);
  const wi::Tensor dy = wi::randn({2, 6}, wi::DType::Float64, gen);
  (*m)(x);
  const wi::Tensor dx = m->backward(dy);
  EXPECT_EQ(dx.to_vector<double>(), dy.to_vector<double>());  // dx = dy exactly
  for (double g : m->branch().parameters()[0]->grad.to_vector<double>()) EXPECT_EQ(g, 0.0);
  EXPECT_NE(m->parameter("alpha").grad.item(), 0.0);
}

TEST(ReZero, PolicyNamesItAndPhiloxDefaultKeepsAlphaZero) {
  wi::Generator gen(0);
  auto model = wi::models::build_model("mlp:8-[16x3]-4:tanh:rezero", gen).module;
  const auto policy = wi::recipes::Policy::parse(
      "ReZero.alpha: constant(val=0.25)\nLinear.weight: xavier_uniform\nbias: zeros\n", "test");
  wi::Generator philox = wi::Generator::philox(1);
  const auto report = policy.apply(*model, philox);
  EXPECT_TRUE(report.warnings.empty());
  EXPECT_FALSE(model->has_parameter("alpha")) << "only the blocks have an alpha";
  std::int64_t alphas = 0;
  for (auto& [name, p] : model->named_parameters()) {
    if (name.find("alpha") == std::string::npos) continue;
    ++alphas;
    EXPECT_EQ(p->data.item(), 0.25) << name;
  }
  EXPECT_EQ(alphas, 2);  // 16->16 twice
  const auto keep = wi::recipes::Policy::parse("*: default\n", "test");
  keep.apply(*model, philox);
  for (auto& [name, p] : model->named_parameters()) {
    if (name.find("alpha") != std::string::npos) {
      EXPECT_EQ(p->data.item(), 0.0) << name;
    }
  }
}

TEST(ReZero, BadInput) {
  wi::Generator gen(0);
  EXPECT_THROW(wi::nn::ReZero(nullptr), wi::ValueError);
  auto widen = std::make_shared<wi::nn::ReZero>(std::make_shared<wi::nn::Linear>(4, 5, true, gen));
  EXPECT_THROW((*widen)(wi::randn({2, 4}, wi::DType::Float32, gen)), wi::ShapeError);
  EXPECT_THROW(wi::models::build_model("mlp:8-16-4:rezero", gen), wi::ValueError);
  EXPECT_THROW(wi::models::build_model("mlp:8-16-32-4:tanh:rezero", gen), wi::ValueError);
}

}  // namespace
