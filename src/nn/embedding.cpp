// SPDX-License-Identifier: MIT
// nn::Embedding construction, init and lookup.
#include "weightinit/nn/embedding.h"

#include <cmath>

#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn {

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
                     std::optional<std::int64_t> padding_idx, Generator& gen, DType dtype)
    : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {
  if (padding_idx) {
    const std::int64_t p = *padding_idx;
    WEIGHTINIT_CHECK(p < num_embeddings && p >= -num_embeddings, ValueError,
                     "Padding_idx must be within num_embeddings");
    padding_idx_ = p < 0 ? p + num_embeddings : p;
  }
  register_parameter("weight", Tensor::empty({num_embeddings, embedding_dim}, dtype));
  reset_own_parameters(gen);
}

void Embedding::reset_own_parameters(Generator& gen) {
  // torch/nn/modules/sparse.py: init.normal_(weight), then _fill_padding_idx_with_zero().
  init::normal_(weight(), 0.0, 1.0, gen);
  if (padding_idx_) weight().select(0, *padding_idx_).fill_(0.0);
  note_init("weight", padding_idx_ ? "normal(0, 1), padding row 0" : "normal(0, 1)", 1.0);
}

Tensor Embedding::lookup(const std::vector<std::int64_t>& indices, const Shape& index_shape) {
  return functional::embedding(indices, index_shape, weight());
}

Tensor Embedding::forward(const Tensor& indices) {
  std::vector<std::int64_t> idx;
  for (const double v : indices.to_vector<double>()) {
    WEIGHTINIT_CHECK(v == std::floor(v), ValueError, "Embedding indices must be integers, but got ",
                     v);
    idx.push_back(static_cast<std::int64_t>(v));
  }
  return lookup(idx, indices.sizes());
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_);
  if (padding_idx_) s += ", padding_idx=" + std::to_string(*padding_idx_);
  return s;
}

}  // namespace weightinit::nn
