// SPDX-License-Identifier: MIT
// Element-wise sum and product of two tensors of one shape (a residual connection's
// `out += identity`; SwiGLU's gate · up).
#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// y = f(a, b) element-wise for tensors of one size and dtype (no broadcasting).
template <class F>
Tensor binary(const Tensor& a, const Tensor& b, const char* op, F f) {
  const Tensor ac = impl::contiguous_float(a, op, "input");
  const Tensor bc = impl::contiguous_float(b, op, "other");
  impl::check_same_dtype(bc, ac.dtype(), op, "other");
  WEIGHTINIT_CHECK(ac.sizes() == bc.sizes(), ShapeError, "The size of tensor a (",
                   shape_str(ac.sizes()), ") must match the size of tensor b (",
                   shape_str(bc.sizes()), ")");
  return impl::dispatch_float(ac.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    Tensor y = Tensor::empty(ac.sizes(), ac.dtype());
    const T* ap = ac.data_ptr<T>();
    const T* bp = bc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
    const std::int64_t n = ac.numel();
#pragma omp parallel for schedule(static) if (n > impl::kParallelGrain)
    for (std::int64_t i = 0; i < n; ++i) yp[i] = f(ap[i], bp[i]);
    return y;
  });
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) {
  return binary(a, b, "add", [](auto x, auto y) { return x + y; });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  return binary(a, b, "mul", [](auto x, auto y) { return x * y; });
}

}  // namespace weightinit::nn::functional
