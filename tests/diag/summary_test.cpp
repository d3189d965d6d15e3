// SPDX-License-Identifier: MIT
// summary() against torchsummary's text for the seed MLP and C3D (tests/golden/summary_*.txt,
// from tools/torch_golden.py summaries, which runs torchsummary 1.5.1's code on real torch).
#include "weightinit/diag/summary.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "weightinit/models/c3d.h"
#include "weightinit/models/seed_mlp.h"

namespace wi = weightinit;

namespace {
std::string golden(const std::string& name) {
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/" + name);
  EXPECT_TRUE(in) << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST(Summary, SeedMlpMatchesTorchsummary) {
  wi::manual_seed(0);
  wi::models::SeedMLP model;
  const auto s = wi::diag::summary(model, {3}, 5);
  EXPECT_EQ(s.total_params, 26);
  EXPECT_EQ(s.trainable_params, 26);
  ASSERT_EQ(s.rows.size(), 3u);
  EXPECT_EQ(s.str(), golden("summary_seed_mlp.txt"));
}

TEST(Summary, C3DMatchesTorchsummary) {
  wi::manual_seed(0);
  wi::models::C3D model(101);
  const auto s = wi::diag::summary(model, {3, 16, 112, 112}, 1);
  EXPECT_EQ(s.total_params, 78409573);
  EXPECT_EQ(s.rows.back().output_shape, (wi::Shape{1, 101}));
  EXPECT_EQ(s.str(), golden("summary_c3d.txt"));
}

TEST(Summary, HooksAreRemovedAfterwards) {
  wi::manual_seed(0);
  wi::models::SeedMLP model;
  wi::diag::summary(model, {3}, 5);
  int calls = 0;
  model.linear1->register_forward_hook([&](auto&, const auto&, const auto&) { ++calls; });
  model(wi::Tensor::zeros({1, 3}));
  EXPECT_EQ(calls, 1);  // only the hook registered here
}

// The verbose report names each parameter's init and shows the promised std beside the actual
// one. For C3D's conv weights (kaiming_normal, fan_in = 27·C_in) the sample std of hundreds of
// thousands of values is within 1% of the promise (a fixed seed; the sampling error of a std
// estimate over n values is about 1/√(2n), here under 0.2%).
TEST(Summary, VerboseReportShowsInitAndStatistics) {
  wi::manual_seed(0);
  wi::models::SeedMLP mlp;
  const std::string mlp_report = wi::diag::parameter_report(mlp);
  EXPECT_NE(mlp_report.find("linear1.weight"), std::string::npos);
  EXPECT_NE(mlp_report.find("xavier_normal(gain=1)"), std::string::npos);
  EXPECT_NE(mlp_report.find("kaiming_normal()"), std::string::npos);
  EXPECT_NE(mlp_report.find("uniform(+-1/sqrt(fan_in))"), std::string::npos);

  wi::models::C3D c3d(101);
  for (auto& [name, p] : c3d.named_parameters()) {
    if (name.rfind("conv", 0) != 0 || p->data.dim() != 5 || p->data.numel() < 100000) continue;
    const auto v = p->data.to_vector<double>();
    double sum = 0, sq = 0;
    for (const double x : v) sum += x;
    const double mean = sum / static_cast<double>(v.size());
    for (const double x : v) sq += (x - mean) * (x - mean);
    const double actual = std::sqrt(sq / static_cast<double>(v.size()));
    EXPECT_EQ(p->init.scheme, "kaiming_normal()") << name;
    EXPECT_NEAR(actual, p->init.promised_std, 0.01 * p->init.promised_std) << name;
  }
  EXPECT_NE(wi::diag::parameter_report(c3d).find("fc6.weight"), std::string::npos);
}
