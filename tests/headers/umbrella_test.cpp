// SPDX-License-Identifier: MIT
// weightinit.h alone is enough to use every layer (this file includes nothing else of ours);
// tests/CMakeLists.txt also compiles each public header on its own.
#include <gtest/gtest.h>
#include <weightinit/weightinit.h>

#include <cmath>

namespace wi = weightinit;

TEST(Umbrella, OneIncludeReachesEveryLayer) {
  wi::Generator gen(0);
  wi::Tensor t = wi::rand({3}, wi::DType::Float32, gen);                  // core
  EXPECT_FLOAT_EQ(static_cast<float>(t.item({0})), 0.4962566f);           // torch.rand(3)[0]
  auto model = wi::models::build_model("mlp:4-3-2:relu", gen).module;     // models, nn
  auto policy = wi::recipes::Policy::parse("Linear.weight: zeros", "p");  // recipes
  const wi::recipes::PolicyReport report = policy.apply(*model, gen);
  EXPECT_EQ(report.parameters.size(), 4u);
  EXPECT_EQ(model->named_parameters()[0].second->data.item({0, 0}), 0.0);
  EXPECT_EQ(wi::io::stored_dtype_name(wi::io::StoredDType::F32), "F32");              // io
  EXPECT_EQ(wi::diag::summary(*model, {4}).total_params, 4 * 3 + 3 + 3 * 2 + 2);      // diag
  const double loss = wi::train::cross_entropy(wi::Tensor::zeros({1, 2}), {0}).loss;  // train
  EXPECT_NEAR(loss, std::log(2.0), 1e-12);
}
