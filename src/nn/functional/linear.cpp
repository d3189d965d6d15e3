// SPDX-License-Identifier: MIT
// linear: y = x·Wᵀ + b as one gemm over the flattened leading dims, and its backward.
#include <algorithm>
#include <array>

#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

/// Checks x (*, in) against weight (out, in) with PyTorch's messages; returns the folded row
/// count m = Π x.sizes()[:-1].
std::int64_t check_linear_shapes(const Tensor& xc, const Tensor& wc) {
  WEIGHTINIT_CHECK(xc.dim() >= 1, ShapeError,
                   "both arguments to matmul need to be at least 1D, but they are ", xc.dim(),
                   "D and ", wc.dim(), "D");
  WEIGHTINIT_CHECK(
      wc.dim() == 2, ShapeError,
      "linear expects a 2-D weight (out_features, in_features), but got weight of size ",
      shape_str(wc.sizes()));
  const std::int64_t in = xc.size(-1), out = wc.size(0);
  const std::int64_t m = impl::prod(xc.sizes(), 0, xc.sizes().size() - 1);  // folded rows
  WEIGHTINIT_CHECK(wc.size(1) == in, ShapeError, "mat1 and mat2 shapes cannot be multiplied (", m,
                   "x", in, " and ", wc.size(1), "x", out, ")");
  return m;
}

template <class T>
Tensor linear_forward(const Tensor& xc, const Tensor& wc, const Tensor& bc, std::int64_t m) {
  const std::int64_t in = xc.size(-1), out = wc.size(0);
  Shape out_sizes = xc.sizes();
  out_sizes.back() = out;
  Tensor y = Tensor::empty(out_sizes, impl::dtype_of<T>());
  T* yp = y.data_ptr<T>();
  if (bc.defined()) {  // y starts as the broadcast bias; the product is added with beta = 1
    const T* bp = bc.data_ptr<T>();
    for (std::int64_t i = 0; i < m; ++i) {
      for (std::int64_t o = 0; o < out; ++o) yp[i * out + o] = bc.numel() == 1 ? bp[0] : bp[o];
    }
  }
  // y (m × out) = x (m × in) · Wᵀ, W stored (out × in).
  impl::gemm(false, true, m, out, in, T(1), xc.data_ptr<T>(), std::max<std::int64_t>(in, 1),
             wc.data_ptr<T>(), std::max<std::int64_t>(in, 1), bc.defined() ? T(1) : T(0), yp,
             std::max<std::int64_t>(out, 1));
  return y;
}

/// Columns of dy summed together by one task of the bias gradient.
constexpr std::int64_t kBiasBlock = 64;

template <class T>
Grads linear_backward_impl(const Tensor& dyc, const Tensor& xc, const Tensor& wc, bool has_bias,
                           std::int64_t m, bool need_input) {
  const std::int64_t in = xc.size(-1), out = wc.size(0);
  const DType dtype = impl::dtype_of<T>();
  const T* dy = dyc.data_ptr<T>();
  Grads g;
  // dx (m × in) = dy (m × out) · W (out × in).
  if (need_input) {
    g.input = Tensor::empty(xc.sizes(), dtype);
    impl::gemm(false, false, m, in, out, T(1), dy, std::max<std::int64_t>(out, 1), wc.data_ptr<T>(),
               std::max<std::int64_t>(in, 1), T(0), g.input.data_ptr<T>(),
               std::max<std::int64_t>(in, 1));
  }
  // dW (out × in) = dyᵀ (out × m) · x (m × in); dy is stored m × out.
  g.weight = Tensor::empty(wc.sizes(), dtype);
  impl::gemm(true, false, out, in, m, T(1), dy, std::max<std::int64_t>(out, 1), xc.data_ptr<T>(),
             std::max<std::int64_t>(in, 1), T(0), g.weight.data_ptr<T>(),
             std::max<std::int64_t>(in, 1));
  if (has_bias) {
    // db[o] = Σ_i dy[i, o], accumulated in double in row order: each task owns a block of
    // columns, so the sums do not depend on the thread count.
    g.bias = Tensor::empty({out}, dtype);
    T* db = g.bias.data_ptr<T>();
    const std::int64_t blocks = (out + kBiasBlock - 1) / kBiasBlock;
#pragma omp parallel for schedule(static) if (m * out > impl::kParallelGrain)
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t o0 = b * kBiasBlock, width = std::min(kBiasBlock, out - o0);
      std::array<double, kBiasBlock> acc{};
      for (std::int64_t i = 0; i < m; ++i) {
        const T* row = dy + i * out + o0;
        for (std::int64_t o = 0; o < width; ++o) acc[std::size_t(o)] += row[o];
      }
      for (std::int64_t o = 0; o < width; ++o) db[o0 + o] = static_cast<T>(acc[std::size_t(o)]);
    }
  }
  return g;
}

}  // namespace

/// y[m, o] = Σ_k x[m, k]·W[o, k] + b[o], with m over the leading dims of x (folded, as matmul
/// does). x is (*, in), weight (out, in), bias (out), (1) or undefined; y is (*, out).
/// float32 or float64; weight and bias must have x's dtype.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  const Tensor xc = impl::contiguous_float(x, "linear", "input");
  impl::check_same_dtype(weight, xc.dtype(), "linear", "weight");
  const Tensor wc = weight.contiguous();
  const std::int64_t m = check_linear_shapes(xc, wc);
  const std::int64_t out = wc.size(0);
  Tensor bc;
  if (bias.defined()) {
    impl::check_same_dtype(bias, xc.dtype(), "linear", "bias");
    bc = bias.contiguous();
    WEIGHTINIT_CHECK(bc.numel() == out || bc.numel() == 1, ShapeError,
                     "The expanded size of the tensor (", out, ") must match the existing size (",
                     bc.numel(), ") at non-singleton dimension 1.  Target sizes: [", m, ", ", out,
                     "].  Tensor sizes: ", shape_str(bc.sizes()));
  }
  return impl::dispatch_float(xc.dtype(), "linear", [&](auto tag) {
    using T = decltype(tag);
    return linear_forward<T>(xc, wc, bc, m);
  });
}

/// With dy (*, out) folded to (m × out) and x to (m × in): dx = dy·W (x's shape),
/// dW = dyᵀ·x (out × in), db = Σ_m dy (out; only when has_bias). grad_output must have the
/// forward output's shape x.sizes()[:-1] + [out] and x's dtype.
Grads linear_backward(const Tensor& grad_output, const Tensor& x, const Tensor& weight,
                      bool has_bias, bool need_input) {
  const Tensor xc = impl::contiguous_float(x, "linear_backward", "input");
  impl::check_same_dtype(weight, xc.dtype(), "linear_backward", "weight");
  impl::check_same_dtype(grad_output, xc.dtype(), "linear_backward", "grad_output");
  const Tensor wc = weight.contiguous();
  const std::int64_t m = check_linear_shapes(xc, wc);
  Shape out_sizes = xc.sizes();
  out_sizes.back() = wc.size(0);
  WEIGHTINIT_CHECK(grad_output.sizes() == out_sizes, ShapeError,
                   "linear_backward: grad_output must have the output's size ",
                   shape_str(out_sizes), ", but got ", shape_str(grad_output.sizes()));
  const Tensor dyc = grad_output.contiguous();
  return impl::dispatch_float(xc.dtype(), "linear_backward", [&](auto tag) {
    using T = decltype(tag);
    return linear_backward_impl<T>(dyc, xc, wc, has_bias, m, need_input);
  });
}

}  // namespace weightinit::nn::functional
