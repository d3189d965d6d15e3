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
  std::optional<DefaultInit> default_init(const std::string& name) const override;

  /// Rows for `indices` (shape `index_shape`); the result is index_shape + [embedding_dim].
  /// In grad mode, records the indices (as an int64 tensor) for backward.
  Tensor lookup(const std::vector<std::int64_t>& indices, const Shape& index_shape);
  /// Indices given as an int64 tensor, or a float tensor of integral values (for Sequential
  /// use). In grad mode, records the index tensor (no copy) for backward.
  Tensor forward(const Tensor& indices) override;
  /// weight.grad += dW with dW[r, :] = Σ_{k : index k = r} dy[k, :] (the padding_idx row gets
  /// no gradient, as PyTorch); returns an undefined tensor (indices have no gradient).
  Tensor backward(const Tensor& grad_output) override;

  Tensor& weight() { return parameter("weight").data; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }

 private:
  std::int64_t num_embeddings_, embedding_dim_;
  std::optional<std::int64_t> padding_idx_;
};

}  // namespace weightinit::nn
