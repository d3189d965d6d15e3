// SPDX-License-Identifier: MIT
// nn::Embedding construction, init, lookup and backward.
#include "weightinit/nn/embedding.h"

#include <cmath>

#include "nn/default_init.h"
#include "nn/functional/common.h"
#include "weightinit/init/init.h"
#include "weightinit/nn/functional.h"
#include "weightinit/tensor/deferred.h"

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
  if (constructors_draw()) reset_own_parameters(gen);  // deferred: shapes only, unless planned
}

std::optional<DefaultInit> Embedding::default_init(const std::string& name) const {
  return detail::embedding_default_init(name, padding_idx_);
}

namespace {
/// The indices held by an int64 tensor, or by a float tensor of integral values.
std::vector<std::int64_t> index_values(const Tensor& indices) {
  WEIGHTINIT_CHECK(indices.defined(), ValueError, "Embedding: indices is an undefined tensor");
  if (indices.dtype() == DType::Int64) return indices.to_vector<std::int64_t>();
  std::vector<std::int64_t> idx;
  idx.reserve(static_cast<std::size_t>(indices.numel()));
  for (const double v : indices.to_vector<double>()) {
    WEIGHTINIT_CHECK(v == std::floor(v), ValueError, "Embedding indices must be integers, but got ",
                     v);
    idx.push_back(static_cast<std::int64_t>(v));
  }
  return idx;
}
}  // namespace

Tensor Embedding::lookup(const std::vector<std::int64_t>& indices, const Shape& index_shape) {
  Tensor y = functional::embedding(indices, index_shape, weight());
  if (grad_enabled()) {
    save_for_backward({Tensor::from_data<std::int64_t>(indices, index_shape)});
  }
  return y;
}

Tensor Embedding::forward(const Tensor& indices) {
  Tensor y = functional::embedding(index_values(indices), indices.sizes(), weight());
  save_for_backward({indices});
  return y;
}

Tensor Embedding::backward(const Tensor& grad_output) {
  const Tensor indices = pop_saved()[0];
  Shape expected = indices.sizes();
  expected.push_back(embedding_dim_);
  WEIGHTINIT_CHECK(grad_output.defined() && grad_output.sizes() == expected, ShapeError,
                   "Embedding: grad_output has size ",
                   grad_output.defined() ? shape_str(grad_output.sizes()) : "undefined",
                   " but the forward output has size ", shape_str(expected), "; they must match");
  functional::impl::check_same_dtype(grad_output, weight().dtype(), "Embedding.backward",
                                     "grad_output");
  Tensor dw = functional::embedding_backward(grad_output, index_values(indices), num_embeddings_);
  if (padding_idx_) dw.select(0, *padding_idx_).fill_(0.0);
  accumulate_grad("weight", dw);
  return Tensor();
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_);
  if (padding_idx_) s += ", padding_idx=" + std::to_string(*padding_idx_);
  return s;
}

}  // namespace weightinit::nn
