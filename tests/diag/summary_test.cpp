// SPDX-License-Identifier: MIT
// summary() against torchsummary's text for the seed MLP and C3D (tests/golden/summary_*.txt,
// from tools/torch_golden.py summaries, which runs torchsummary 1.5.1's code on real torch).
#include "weightinit/diag/summary.h"

#include <gtest/gtest.h>

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
