// SPDX-License-Identifier: MIT
// functional::causal_attention: its backward against float64 central differences, the causal
// mask, and bad input. (Its forward against torch: tests/models/zoo_forward_test.cpp, GPT-2.)
#include <gtest/gtest.h>

#include "support/gradcheck.h"
#include "weightinit/error.h"
#include "weightinit/nn/functional.h"

namespace wi = weightinit;
namespace F = weightinit::nn::functional;
using wi::testing::check_grad;
using wi::testing::randn64;

TEST(GradAttention, CausalAttentionMatchesCentralDifferences) {
  for (const wi::Shape& shape : {wi::Shape{1, 1, 2, 3}, wi::Shape{2, 3, 5, 4}}) {
    wi::Tensor q = randn64(shape, 1), k = randn64(shape, 2), v = randn64(shape, 3);
    const wi::Tensor upstream = randn64(shape, 4);
    const F::AttentionGrads g = F::causal_attention_backward(upstream, q, k, v);
    const auto f = [&] { return F::causal_attention(q, k, v); };
    const std::string what = "causal_attention " + wi::shape_str(shape);
    check_grad(f, upstream, q, g.q, what + " dq");
    check_grad(f, upstream, k, g.k, what + " dk");
    check_grad(f, upstream, v, g.v, what + " dv");
  }
}

// Position i sees positions 0..i only: changing the last key and value leaves every earlier
// output as it was, and position 0's output is its own value.
TEST(GradAttention, CausalAttentionSeesOnlyEarlierPositions) {
  const wi::Tensor q = randn64({1, 2, 4, 3}, 5), k = randn64({1, 2, 4, 3}, 6);
  wi::Tensor v = randn64({1, 2, 4, 3}, 7);
  const wi::Tensor before = F::causal_attention(q, k, v);
  wi::Tensor k2 = k.clone(), v2 = v.clone();
  k2.select(2, 3).fill_(5.0);
  v2.select(2, 3).fill_(-7.0);
  const wi::Tensor after = F::causal_attention(q, k2, v2);
  for (std::int64_t h = 0; h < 2; ++h) {
    for (std::int64_t i = 0; i < 3; ++i) {
      EXPECT_EQ(before.select(1, h).select(1, i).to_vector<double>(),
                after.select(1, h).select(1, i).to_vector<double>())
          << "head " << h << " position " << i;
    }
    EXPECT_EQ(before.select(1, h).select(1, 0).to_vector<double>(),
              v.select(1, h).select(1, 0).to_vector<double>());
  }
}

TEST(GradAttention, BadInputIsAShapeOrDtypeError) {
  const wi::Tensor q = randn64({1, 2, 4, 3}, 1);
  EXPECT_THROW(F::causal_attention(q, randn64({1, 2, 5, 3}, 2), q), wi::ShapeError);
  EXPECT_THROW(
      F::causal_attention(randn64({2, 4, 3}, 3), randn64({2, 4, 3}, 3), randn64({2, 4, 3}, 3)),
      wi::ShapeError);
  EXPECT_THROW(F::causal_attention(q, q.to(wi::DType::Float32), q), wi::DTypeError);
  EXPECT_THROW(F::causal_attention_backward(randn64({1, 2, 4, 2}, 4), q, q, q), wi::ShapeError);
}
