// SPDX-License-Identifier: MIT
// embedding: rows of the weight table gathered by index, and the scatter-add of its backward.
#include <algorithm>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// Throws IndexError unless every index is in [0, rows).
void check_indices(const std::vector<std::int64_t>& indices, std::int64_t rows) {
  for (const std::int64_t i : indices) {
    WEIGHTINIT_CHECK(i >= 0 && i < rows, IndexError, "index out of range in self");
  }
}

/// Columns of dW handled by one task of embedding_backward.
constexpr std::int64_t kColumnBlock = 64;

}  // namespace

/// y[i, :] = weight[indices[i], :]; weight is (num_embeddings, dim) float32 or float64, y is
/// index_shape + [dim] of weight's dtype.
Tensor embedding(const std::vector<std::int64_t>& indices, const Shape& index_shape,
                 const Tensor& weight) {
  impl::check_floating(weight, "embedding", "weight");
  WEIGHTINIT_CHECK(weight.dim() == 2, ShapeError, "'weight' must be 2-D");
  const auto count = static_cast<std::int64_t>(indices.size());
  WEIGHTINIT_CHECK(numel_of(index_shape) == count, ShapeError, "embedding: index_shape ",
                   shape_str(index_shape), " holds ", numel_of(index_shape), " indices, but ",
                   count, " were given");
  const std::int64_t rows = weight.size(0), dim = weight.size(1);
  check_indices(indices, rows);
  const Tensor wc = weight.contiguous();
  Shape out_sizes = index_shape;
  out_sizes.push_back(dim);
  return impl::dispatch_float(wc.dtype(), "embedding", [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::empty(out_sizes, wc.dtype());
    const T* wp = wc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
#pragma omp parallel for schedule(static) if (count * dim > impl::kParallelGrain)
    for (std::int64_t k = 0; k < count; ++k) {
      const T* row = wp + indices[std::size_t(k)] * dim;
      std::copy(row, row + dim, yp + k * dim);
    }
    return y;
  });
}

/// dW[r, :] = Σ_{k : indices[k] = r} dy[k, :], with dy (index_shape..., dim) viewed as
/// (count, dim); dW is (num_embeddings, dim) of dy's dtype. Each task owns a block of columns and
/// adds the rows in index order, so the sums do not depend on the thread count.
Tensor embedding_backward(const Tensor& grad_output, const std::vector<std::int64_t>& indices,
                          std::int64_t num_embeddings) {
  const Tensor dyc = impl::contiguous_float(grad_output, "embedding_backward", "grad_output");
  const auto count = static_cast<std::int64_t>(indices.size());
  WEIGHTINIT_CHECK(dyc.dim() >= 1, ShapeError,
                   "embedding_backward: grad_output must have at least 1 dim (index_shape + "
                   "[embedding_dim]), but got size ",
                   shape_str(dyc.sizes()));
  const std::int64_t dim = dyc.size(-1);
  const std::int64_t rows = impl::prod(dyc.sizes(), 0, dyc.sizes().size() - 1);
  WEIGHTINIT_CHECK(rows == count, ShapeError, "embedding_backward: grad_output of size ",
                   shape_str(dyc.sizes()), " holds ", rows, " rows, but ", count,
                   " indices were given; it must be index_shape + [embedding_dim]");
  WEIGHTINIT_CHECK(num_embeddings >= 0, ValueError,
                   "embedding_backward: num_embeddings must be >= 0, but got ", num_embeddings);
  check_indices(indices, num_embeddings);
  return impl::dispatch_float(dyc.dtype(), "embedding_backward", [&](auto tag) {
    using T = decltype(tag);
    Tensor dw = Tensor::zeros({num_embeddings, dim}, dyc.dtype());
    const T* dy = dyc.data_ptr<T>();
    T* dwp = dw.data_ptr<T>();
    const std::int64_t blocks = (dim + kColumnBlock - 1) / kColumnBlock;
#pragma omp parallel for schedule(static) if (count * dim > impl::kParallelGrain)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t c0 = b * kColumnBlock, c1 = std::min(dim, c0 + kColumnBlock);
      for (std::int64_t k = 0; k < count; ++k) {
        T* dst = dwp + indices[std::size_t(k)] * dim;
        const T* src = dy + k * dim;
        for (std::int64_t c = c0; c < c1; ++c) dst[c] += src[c];
      }
    }
    return dw;
  });
}

}  // namespace weightinit::nn::functional
