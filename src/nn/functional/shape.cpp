// SPDX-License-Identifier: MIT
// flatten: merges a run of dims into one (a view of the contiguous data).
#include "nn/functional/common.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

/// Sizes x[:start] + [Π x[start..end]] + x[end+1:], as torch.flatten; a 0-dim x becomes [1].
/// Shape-only, so any dtype is accepted. The result shares storage with x when x is contiguous
/// (as torch's view), otherwise it is a contiguous copy.
Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  WEIGHTINIT_CHECK(x.defined(), ValueError, "flatten: input is an undefined tensor");
  const std::int64_t nd = x.dim();
  const std::int64_t start = impl::wrap_dim(start_dim, nd), end = impl::wrap_dim(end_dim, nd);
  WEIGHTINIT_CHECK(start <= end, ValueError,
                   "flatten() has invalid args: start_dim cannot come after end_dim");
  const Tensor xc = x.contiguous();
  if (nd == 0) return xc.view({1});
  const Shape& s = xc.sizes();
  const auto us = static_cast<std::size_t>(start), ue = static_cast<std::size_t>(end);
  Shape sizes(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(us));
  sizes.push_back(impl::prod(s, us, ue + 1));
  sizes.insert(sizes.end(), s.begin() + static_cast<std::ptrdiff_t>(ue) + 1, s.end());
  return xc.view(sizes);
}

}  // namespace weightinit::nn::functional
