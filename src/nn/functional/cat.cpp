// SPDX-License-Identifier: MIT
// torch.cat along one dim (DenseNet's concatenated features).
#include <cstring>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  WEIGHTINIT_CHECK(!tensors.empty(), ValueError,
                   "torch.cat(): expected a non-empty list of Tensors");
  const Tensor& first = tensors.front();
  impl::check_floating(first, "cat", "tensors[0]");
  const std::int64_t d = impl::wrap_dim(dim, first.dim());
  Shape out_sizes = first.sizes();
  out_sizes[d] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    impl::check_same_dtype(t, first.dtype(), "cat", "tensors");
    WEIGHTINIT_CHECK(t.dim() == first.dim(), ShapeError,
                     "Tensors must have same number of dimensions: got ", first.dim(), " and ",
                     t.dim());
    for (std::int64_t k = 0; k < first.dim(); ++k) {
      WEIGHTINIT_CHECK(k == d || t.size(k) == first.size(k), ShapeError,
                       "Sizes of tensors must match except in dimension ", d, ". Expected size ",
                       first.size(k), " but got size ", t.size(k), " for tensor number ", i,
                       " in the list.");
    }
    out_sizes[d] += t.size(d);
  }
  Tensor out = Tensor::empty(out_sizes, first.dtype());
  const std::int64_t outer = impl::prod(out_sizes, 0, static_cast<std::size_t>(d));
  const std::int64_t inner =
      impl::prod(out_sizes, static_cast<std::size_t>(d) + 1, out_sizes.size());
  const std::size_t element = out.element_size();
  auto* dst = static_cast<char*>(out.raw_data());
  const std::int64_t out_row = out_sizes[d] * inner;  // elements per outer index in `out`
  std::int64_t offset = 0;
  for (const Tensor& t : tensors) {
    const Tensor tc = t.contiguous();
    const std::int64_t row = t.size(d) * inner;
    const auto* src = static_cast<const char*>(tc.raw_data());
    for (std::int64_t o = 0; o < outer; ++o) {
      std::memcpy(dst + (o * out_row + offset) * element, src + o * row * element,
                  static_cast<std::size_t>(row) * element);
    }
    offset += row;
  }
  return out;
}

}  // namespace weightinit::nn::functional
