// SPDX-License-Identifier: MIT
// The pieces GPT-2 and LLaMA share.
#include "models/transformer_parts.h"

#include "weightinit/error.h"
#include "weightinit/nn/functional.h"

namespace weightinit::models::detail {

Tensor split_heads(const Tensor& x, std::int64_t heads) {
  const std::int64_t b = x.size(0), t = x.size(1), c = x.size(2);
  return x.contiguous().view({b, t, heads, c / heads}).permute({0, 2, 1, 3}).contiguous();
}

Tensor merge_heads(const Tensor& x) {
  const std::int64_t b = x.size(0), h = x.size(1), t = x.size(2), d = x.size(3);
  return x.permute({0, 2, 1, 3}).contiguous().view({b, t, h * d});
}

Tensor PreNormBlock::forward(const Tensor& input) {
  const Tensor x = nn::functional::add(input, (*child(names_[1]))((*child(names_[0]))(input)));
  return nn::functional::add(x, (*child(names_[3]))((*child(names_[2]))(x)));
}

Tensor PreNormBlock::backward(const Tensor& grad_output) {
  const Tensor g = nn::functional::add(
      grad_output, child(names_[2])->backward(child(names_[3])->backward(grad_output)));
  return nn::functional::add(g, child(names_[0])->backward(child(names_[1])->backward(g)));
}

}  // namespace weightinit::models::detail
