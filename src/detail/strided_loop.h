// SPDX-License-Identifier: MIT
// Element loops over strided views (private to the library).
#pragma once

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "weightinit/tensor/shape.h"

namespace weightinit::detail {

/// Calls fn(offset) for every element of the view (sizes, strides, base offset), with the
/// dimensions visited in the order given by `order` (outermost first).
template <class Fn>
void for_each_offset(const Shape& sizes, const Shape& strides, std::int64_t base,
                     const std::vector<std::size_t>& order, Fn&& fn) {
  for (const std::int64_t s : sizes) {
    if (s == 0) return;
  }
  const std::size_t nd = order.size();
  if (nd == 0) {
    fn(base);
    return;
  }
  std::vector<std::int64_t> index(nd, 0);
  const std::int64_t inner_size = sizes[order[nd - 1]];
  const std::int64_t inner_stride = strides[order[nd - 1]];
  std::int64_t offset = base;
  while (true) {
    for (std::int64_t i = 0; i < inner_size; ++i) fn(offset + i * inner_stride);
    // advance the outer odometer
    std::size_t k = nd - 1;
    while (k-- > 0) {
      const std::size_t d = order[k];
      offset += strides[d];
      if (++index[k] < sizes[d]) break;
      offset -= strides[d] * sizes[d];
      index[k] = 0;
    }
    if (k == static_cast<std::size_t>(-1)) return;
  }
}

/// Logical (row-major index) order: dims 0, 1, ..., dim-1.
inline std::vector<std::size_t> logical_order(const Shape& sizes) {
  std::vector<std::size_t> order(sizes.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  return order;
}

/// Memory order, as PyTorch's TensorIterator visits a single tensor: dims sorted by stride,
/// largest outermost (size-1 dims dropped). For a permuted or sliced view this is the order of
/// the elements in storage.
inline std::vector<std::size_t> memory_order(const Shape& sizes, const Shape& strides) {
  std::vector<std::size_t> order;
  for (std::size_t d = 0; d < sizes.size(); ++d) {
    if (sizes[d] != 1) order.push_back(d);
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return strides[a] > strides[b]; });
  return order;
}

}  // namespace weightinit::detail
