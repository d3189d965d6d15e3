// SPDX-License-Identifier: MIT
// embedding: rows of the weight table gathered by index.
#include <algorithm>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

/// y[i, :] = weight[indices[i], :]; weight is (num_embeddings, dim), y is index_shape + [dim].
Tensor embedding(const std::vector<std::int64_t>& indices, const Shape& index_shape,
                 const Tensor& weight) {
  impl::check_float32(weight, "embedding", "weight");
  WEIGHTINIT_CHECK(weight.dim() == 2, ShapeError, "'weight' must be 2-D");
  const auto count = static_cast<std::int64_t>(indices.size());
  WEIGHTINIT_CHECK(numel_of(index_shape) == count, ShapeError, "embedding: index_shape ",
                   shape_str(index_shape), " holds ", numel_of(index_shape), " indices, but ",
                   count, " were given");
  const std::int64_t rows = weight.size(0), dim = weight.size(1);
  for (const std::int64_t i : indices) {
    WEIGHTINIT_CHECK(i >= 0 && i < rows, IndexError, "index out of range in self");
  }
  const Tensor wc = weight.contiguous();
  Shape out_sizes = index_shape;
  out_sizes.push_back(dim);
  Tensor y = Tensor::empty(out_sizes);
  const float* wp = wc.data_ptr<float>();
  float* yp = y.data_ptr<float>();
#pragma omp parallel for schedule(static) if (count * dim > impl::kParallelGrain)
  for (std::int64_t k = 0; k < count; ++k) {
    const float* row = wp + indices[std::size_t(k)] * dim;
    std::copy(row, row + dim, yp + k * dim);
  }
  return y;
}

}  // namespace weightinit::nn::functional
