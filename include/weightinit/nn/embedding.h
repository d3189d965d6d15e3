// SPDX-License-Identifier: MIT
// nn::Embedding with PyTorch's constructor init.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "weightinit/nn/module.h"

namespace weightinit::nn {

/// A lookup table, like `torch.nn.Embedding(num_embeddings, embedding_dim, padding_idx)`.
/// weight (num_embeddings, embedding_dim) is drawn from N(0, 1) (torch's normal_, bit-exact), then
/// the padding_idx row (negative wraps) is zeroed.
class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
            std::optional<std::int64_t> padding_idx = std::nullopt,
            Generator& gen = default_generator(), DType dtype = DType::Float32);

  std::string type_name() const override { return "Embedding"; }
  std::string extra_repr() const override;
  void reset_own_parameters(Generator& gen) override;

  /// Rows for `indices` (shape `index_shape`); the result is index_shape + [embedding_dim].
  Tensor lookup(const std::vector<std::int64_t>& indices, const Shape& index_shape);
  /// Indices given as a float tensor of integral values (for Sequential use).
  Tensor forward(const Tensor& indices) override;

  Tensor& weight() { return parameter("weight").data; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

 private:
  std::int64_t num_embeddings_, embedding_dim_;
  std::optional<std::int64_t> padding_idx_;
};

}  // namespace weightinit::nn
