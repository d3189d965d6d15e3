// SPDX-License-Identifier: MIT
// Element-wise sum of two tensors of one shape (a residual connection's `out += identity`).
#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

Tensor add(const Tensor& a, const Tensor& b) {
  const Tensor ac = impl::contiguous_float(a, "add", "input");
  const Tensor bc = impl::contiguous_float(b, "add", "other");
  impl::check_same_dtype(bc, ac.dtype(), "add", "other");
  WEIGHTINIT_CHECK(ac.sizes() == bc.sizes(), ShapeError, "The size of tensor a (",
                   shape_str(ac.sizes()), ") must match the size of tensor b (",
                   shape_str(bc.sizes()), ")");
  return impl::dispatch_float(ac.dtype(), "add", [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::empty(ac.sizes(), ac.dtype());
    const T* ap = ac.data_ptr<T>();
    const T* bp = bc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const std::int64_t n = ac.numel();
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i) yp[i] = ap[i] + bp[i];
    return y;
  });
}

}  // namespace weightinit::nn::functional
