// SPDX-License-Identifier: MIT
// Losses and optimizers against PyTorch 1.13 (tests/golden/train_cases.json), errors, and
// finite-difference checks of every loss gradient.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "weightinit/error.h"
#include "weightinit/train/loss.h"
#include "weightinit/train/optimizer.h"
#include "weightinit/train/trainer.h"

namespace wi = weightinit;
namespace tr = weightinit::train;
using nlohmann::json;

namespace {

const json& golden() {
  static const json doc = [] {
    std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/train_cases.json");
    EXPECT_TRUE(in.good()) << "tests/golden/train_cases.json missing (make golden)";
    return json::parse(in);
  }();
  return doc;
}

// {"shape": [...], "hex": little-endian float32 bytes} -> Tensor.
wi::Tensor tensor_of(const json& j) {
  const std::string hex = j.at("hex").get<std::string>();
  std::vector<float> v(hex.size() / 8);
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t bits = 0;
    for (int b = 0; b < 4; ++b) {
      const auto byte = static_cast<std::uint32_t>(
          std::stoul(hex.substr(i * 8 + static_cast<std::size_t>(b) * 2, 2), nullptr, 16));
      bits |= byte << (8 * b);
    }
    std::memcpy(&v[i], &bits, 4);
  }
  return wi::Tensor::from_data<float>(std::span<const float>(v),
                                      j.at("shape").get<std::vector<std::int64_t>>());
}

// max|ours - torch| / max|torch| (max|torch| floored at 1e-30).
double rel_err(const wi::Tensor& ours, const wi::Tensor& ref) {
  EXPECT_EQ(ours.sizes(), ref.sizes());
  const auto a = ours.to(wi::DType::Float64).to_vector<double>();
  const auto b = ref.to(wi::DType::Float64).to_vector<double>();
  double diff = 0.0, scale = 1e-30;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

std::size_t count_bit_equal(const wi::Tensor& ours, const wi::Tensor& ref) {
  const auto a = ours.to_vector<float>(), b = ref.to_vector<float>();
  std::size_t same = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same += std::memcmp(&a[i], &b[i], 4) == 0;
  return same;
}

tr::LossResult run_loss(const json& c, const wi::Tensor& input) {
  const std::string name = c.at("loss").get<std::string>();
  if (name == "cross_entropy") {
    return tr::cross_entropy(input, c.at("targets").get<std::vector<std::int64_t>>(),
                             c.at("label_smoothing").get<double>());
  }
  if (name == "nll_loss") {
    return tr::nll_loss(input, c.at("targets").get<std::vector<std::int64_t>>());
  }
  if (name == "mse_loss") return tr::mse_loss(input, tensor_of(c.at("target")));
  return tr::binary_cross_entropy_with_logits(input, tensor_of(c.at("target")));
}

std::unique_ptr<tr::Optimizer> make_optimizer(const std::string& name, const json& cfg,
                                              std::vector<wi::nn::Parameter*> ps) {
  auto get = [&](const char* key, double def) { return cfg.value(key, def); };
  std::pair<double, double> betas{0.9, 0.999};
  if (cfg.contains("betas")) betas = {cfg["betas"][0].get<double>(), cfg["betas"][1].get<double>()};
  if (name == "SGD") {
    return std::make_unique<tr::SGD>(ps, get("lr", 0.0), get("momentum", 0.0),
                                     get("dampening", 0.0), get("weight_decay", 0.0),
                                     cfg.value("nesterov", false));
  }
  if (name == "Adam") {
    return std::make_unique<tr::Adam>(ps, get("lr", 1e-3), betas, get("eps", 1e-8),
                                      get("weight_decay", 0.0), cfg.value("amsgrad", false));
  }
  return std::make_unique<tr::AdamW>(ps, get("lr", 1e-3), betas, get("eps", 1e-8),
                                     get("weight_decay", 1e-2), cfg.value("amsgrad", false));
}

template <class F>
void expect_throw_msg(F&& f, const std::string& msg) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected: " << msg;
  } catch (const wi::Error& e) {
    EXPECT_EQ(std::string(e.what()), msg);
  }
}

}  // namespace

// Loss values and input gradients agree with torch within 1e-5 relative (max|diff| / max|torch|):
// we accumulate in double where torch accumulates in float32, so ~1e-7 differences are expected.
TEST(TrainGolden, LossesMatchTorch) {
  double worst_value = 0.0, worst_grad = 0.0;
  for (const json& c : golden().at("losses")) {
    SCOPED_TRACE(c.at("loss").get<std::string>());
    const tr::LossResult r = run_loss(c, tensor_of(c.at("input")));
    const double ref = c.at("value").get<double>();
    const double ev = std::abs(r.loss - ref) / std::max(std::abs(ref), 1e-30);
    const double eg = rel_err(r.grad_input, tensor_of(c.at("grad")));
    EXPECT_LE(ev, 1e-5) << r.loss << " vs " << ref;
    EXPECT_LE(eg, 1e-5);
    worst_value = std::max(worst_value, ev);
    worst_grad = std::max(worst_grad, eg);
  }
  std::printf("losses: max rel error value %.3g, gradient %.3g\n", worst_value, worst_grad);
}

// Optimizer trajectories agree with torch within 1e-6 relative (max|diff| / max|torch|) after
// step 1 and after step 10; the number of bit-identical elements is printed (not asserted).
TEST(TrainGolden, OptimizersMatchTorch) {
  double worst = 0.0;
  std::size_t same = 0, total = 0;
  for (const json& c : golden().at("optimizers")) {
    const std::string name = c.at("optimizer").get<std::string>();
    SCOPED_TRACE(name + " " + c.at("config").dump());
    std::vector<wi::nn::Parameter> params;
    for (const json& t : c.at("initial")) params.push_back({tensor_of(t), {}, true, {}});
    std::vector<wi::nn::Parameter*> ptrs;
    for (auto& p : params) ptrs.push_back(&p);
    auto opt = make_optimizer(name, c.at("config"), ptrs);
    const json& grads = c.at("grads");
    for (std::size_t s = 0; s < grads.size(); ++s) {
      for (std::size_t k = 0; k < params.size(); ++k) params[k].grad = tensor_of(grads[s][k]);
      opt->step();
      if (s == 0 || s == 9) {
        const json& ref = c.at(s == 0 ? "after_1" : "after_10");
        for (std::size_t k = 0; k < params.size(); ++k) {
          const wi::Tensor r = tensor_of(ref[k]);
          const double e = rel_err(params[k].data, r);
          EXPECT_LE(e, 1e-6) << "step " << s + 1 << " tensor " << k;
          worst = std::max(worst, e);
          same += count_bit_equal(params[k].data, r);
          total += static_cast<std::size_t>(r.numel());
        }
      }
      opt->zero_grad();
    }
  }
  std::printf("optimizers: max rel error %.3g, bit-identical %zu / %zu\n", worst, same, total);
}

// Central differences in double on the float32 input: x_i +- h with h = 1e-3, the loss evaluated
// by the same function (values accumulated in double, inputs exactly representable as x_i is a
// float and the perturbed value is converted back to float32 and the actual step recomputed).
// Tolerance: |analytic - numeric| <= 1e-4 * max(1, |numeric|) — truncation error is O(h^2)
// times the third derivative (~1e-6 here), plus float32 rounding of the gradient (~6e-8).
TEST(TrainGradients, FiniteDifferences) {
  for (const json& c : golden().at("losses")) {
    SCOPED_TRACE(c.at("loss").get<std::string>());
    const wi::Tensor x = tensor_of(c.at("input"));
    const tr::LossResult r = run_loss(c, x);
    const auto g = r.grad_input.to_vector<float>();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      wi::Tensor xp = x.clone(), xm = x.clone();
      float* pp = xp.data_ptr<float>();
      float* pm = xm.data_ptr<float>();
      const float x0 = pp[i];
      pp[i] = static_cast<float>(static_cast<double>(x0) + 1e-3);
      pm[i] = static_cast<float>(static_cast<double>(x0) - 1e-3);
      const double step = static_cast<double>(pp[i]) - static_cast<double>(pm[i]);
      const double num = (run_loss(c, xp).loss - run_loss(c, xm).loss) / step;
      EXPECT_NEAR(g[static_cast<std::size_t>(i)], num, 1e-4 * std::max(1.0, std::abs(num)))
          << "element " << i;
    }
  }
}

TEST(TrainLoss, ErrorsUseTorchsWording) {
  const wi::Tensor x = wi::Tensor::zeros({3, 4});
  expect_throw_msg([&] { tr::cross_entropy(x, {0, 5, 1}); }, "Target 5 is out of bounds.");
  expect_throw_msg([&] { tr::nll_loss(x, {0, -1, 1}); }, "Target -1 is out of bounds.");
  expect_throw_msg(
      [&] {
        tr::cross_entropy(x, {0, 1});
      },
      "Expected input batch_size (3) to match target batch_size (2).");
  expect_throw_msg(
      [&] {
        tr::cross_entropy(x, {0, 1, 2}, 1.5);
      },
      "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
  expect_throw_msg(
      [&] {
        tr::mse_loss(x, wi::Tensor::zeros({4, 3}));
      },
      "Target size (torch.Size([4, 3])) must be the same as input size "
      "(torch.Size([3, 4]))");
  EXPECT_THROW(tr::binary_cross_entropy_with_logits(x, wi::Tensor::zeros({12})), wi::ShapeError);
  EXPECT_THROW(tr::cross_entropy(wi::Tensor::zeros({12}), {0}), wi::ShapeError);
  EXPECT_THROW(tr::cross_entropy(x, {0, 7, 1}), wi::IndexError);
}

TEST(TrainLoss, BceWithLogitsIsStableForHugeLogits) {
  const float xs[] = {1000.0f, -1000.0f, 88.0f, -88.0f};
  const float ys[] = {1.0f, 0.0f, 0.0f, 1.0f};
  const auto r = tr::binary_cross_entropy_with_logits(
      wi::Tensor::from_data<float>(std::span<const float>(xs), {4}),
      wi::Tensor::from_data<float>(std::span<const float>(ys), {4}));
  EXPECT_NEAR(r.loss, (0.0 + 0.0 + 88.0 + 88.0) / 4.0, 1e-9);
  const auto g = r.grad_input.to_vector<float>();
  EXPECT_FLOAT_EQ(g[0], 0.0f);
  EXPECT_FLOAT_EQ(g[2], 0.25f);
  EXPECT_FLOAT_EQ(g[3], -0.25f);
}

TEST(TrainOptim, ErrorsUseTorchsWording) {
  wi::nn::Parameter p{wi::Tensor::zeros({2}), {}, true, {}};
  std::vector<wi::nn::Parameter*> ps{&p};
  expect_throw_msg([&] { tr::SGD(ps, -0.1); }, "Invalid learning rate: -0.1");
  expect_throw_msg([&] { tr::SGD(ps, 0.1, -0.5); }, "Invalid momentum value: -0.5");
  expect_throw_msg([&] { tr::SGD(ps, 0.1, 0.0, 0.0, -1.0); }, "Invalid weight_decay value: -1.0");
  expect_throw_msg([&] { tr::SGD(ps, 0.1, 0.0, 0.0, 0.0, true); },
                   "Nesterov momentum requires a momentum and zero dampening");
  expect_throw_msg([&] { tr::SGD(ps, 0.1, 0.9, 0.1, 0.0, true); },
                   "Nesterov momentum requires a momentum and zero dampening");
  expect_throw_msg([&] { tr::Adam(ps, -1e-3); }, "Invalid learning rate: -0.001");
  expect_throw_msg(
      [&] {
        tr::Adam(ps, 1e-3, {0.9, 0.999}, -1e-8);
      },
      "Invalid epsilon value: -1e-08");
  expect_throw_msg(
      [&] {
        tr::Adam(ps, 1e-3, {1.0, 0.999});
      },
      "Invalid beta parameter at index 0: 1.0");
  expect_throw_msg(
      [&] {
        tr::AdamW(ps, 1e-3, {0.9, -0.1});
      },
      "Invalid beta parameter at index 1: -0.1");
  expect_throw_msg(
      [&] {
        tr::AdamW(ps, 1e-3, {0.9, 0.999}, 1e-8, -0.01);
      },
      "Invalid weight_decay value: -0.01");
}

TEST(TrainOptim, SkipsParametersWithoutGradAndZeroGradClears) {
  wi::nn::Parameter a{wi::Tensor::full({3}, 1.0), {}, true, {}};
  wi::nn::Parameter b{wi::Tensor::full({2}, 2.0), wi::Tensor::full({2}, 1.0), true, {}};
  tr::SGD opt({&a, &b}, 0.5, 0.9);
  opt.step();
  EXPECT_EQ(a.data.to_vector<float>(), std::vector<float>(3, 1.0f));
  EXPECT_EQ(b.data.to_vector<float>(), std::vector<float>(2, 1.5f));
  opt.zero_grad();
  EXPECT_FALSE(a.grad.defined());
  EXPECT_FALSE(b.grad.defined());
  opt.step();  // no grads: nothing moves
  EXPECT_EQ(b.data.to_vector<float>(), std::vector<float>(2, 1.5f));
}

TEST(TrainOptim, UpdatesNonContiguousParameterInPlace) {
  wi::Tensor base = wi::Tensor::zeros({2, 3});
  wi::nn::Parameter p{base.t(), wi::Tensor::full({3, 2}, 1.0), true, {}};
  tr::SGD opt({&p}, 0.25);
  opt.step();
  EXPECT_EQ(base.to_vector<float>(), std::vector<float>(6, -0.25f));
}

// Learning-rate factors act as torch's parameter groups with their own lr: one optimizer with
// factors {0.1, 1} moves each parameter exactly as a separate optimizer at lr·factor does,
// momentum (SGD) and moments (Adam) included, over three steps.
TEST(TrainOptim, LrFactorsActAsParameterGroupsWithTheirOwnLr) {
  const auto param = [](double v) {
    return wi::nn::Parameter{wi::Tensor::full({4}, v), wi::Tensor::full({4}, 0.3), true, {}};
  };
  for (const bool adam : {false, true}) {
    wi::nn::Parameter a = param(1.0), b = param(2.0), a2 = param(1.0), b2 = param(2.0);
    const auto make = [&](std::vector<wi::nn::Parameter*> ps,
                          double lr) -> std::unique_ptr<tr::Optimizer> {
      if (adam) return std::make_unique<tr::Adam>(std::move(ps), lr);
      return std::make_unique<tr::SGD>(std::move(ps), lr, 0.9);
    };
    const double lr = adam ? 1e-2 : 0.1;
    auto grouped = make({&a, &b}, lr);
    grouped->set_lr_factors({0.1, 1.0});
    auto alone_a = make({&a2}, lr * 0.1), alone_b = make({&b2}, lr);
    for (int step = 0; step < 3; ++step) {
      grouped->step();
      alone_a->step();
      alone_b->step();
    }
    EXPECT_EQ(a.data.to_vector<float>(), a2.data.to_vector<float>()) << (adam ? "Adam" : "SGD");
    EXPECT_EQ(b.data.to_vector<float>(), b2.data.to_vector<float>()) << (adam ? "Adam" : "SGD");
    EXPECT_NE(a.data.to_vector<float>(), b.data.to_vector<float>());
    EXPECT_DOUBLE_EQ(grouped->lr_of(0), lr * 0.1);
  }
  wi::nn::Parameter p = param(1.0);
  tr::SGD opt({&p}, 0.1);
  expect_throw_msg(
      [&] {
        opt.set_lr_factors({1.0, 2.0});
      },
      "set_lr_factors: 2 factors for 1 parameters");
  expect_throw_msg([&] { opt.set_lr_factors({0.0}); },
                   "a learning-rate factor must be positive and finite, but got 0.0");
}

// lr_factors: first matching glob wins, '*' crosses dots, the rest keep 1; a group that
// matches nothing is an error naming it and a real parameter name.
TEST(TrainOptim, LrGroupsMatchParameterNamesByGlob) {
  const std::vector<std::string> names = {"conv1.weight", "layer1.0.bias1a", "layer1.0.scale",
                                          "layer1.0.conv1.weight", "fc.bias"};
  const std::vector<double> f =
      tr::lr_factors({{"*bias*", 0.1}, {"*scale*", 0.5}, {"fc.*", 3.0}}, names);
  EXPECT_EQ(f, (std::vector<double>{1.0, 0.1, 0.5, 1.0, 0.1}));
  expect_throw_msg(
      [&] {
        tr::lr_factors({{"*bais*", 0.1}}, names);
      },
      "--lr-group '*bais*=0.1' matches no parameter (they are named like "
      "'conv1.weight')");
  expect_throw_msg(
      [&] {
        tr::lr_factors({{"*bias*", -1.0}}, names);
      },
      "--lr-group '*bias*=-1': the factor must be positive and finite");
}
