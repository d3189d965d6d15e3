// SPDX-License-Identifier: MIT
// Shapes and strides: int64 dimensions, element counts with overflow checks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weightinit {

/// Sizes of a tensor's dimensions, outermost first (PyTorch's `torch.Size`).
using Shape = std::vector<std::int64_t>;

/// Product of `sizes` (1 for a 0-dim shape). Throws ShapeError for a negative size or when the
/// product overflows int64 ("shape [...] has more than 2^63-1 elements").
std::int64_t numel_of(const Shape& sizes);

/// Row-major (C-contiguous) strides in elements: stride[d] = prod(sizes[d+1:]).
Shape contiguous_strides(const Shape& sizes);

/// "[3, 5]" form used in messages.
std::string shape_str(const Shape& sizes);

/// "(3, 5)" form, as Python prints `tuple(t.shape)`; "(3,)" for one dim.
std::string shape_tuple_str(const Shape& sizes);

/// The most dimensions parse_shape accepts (PyTorch's TensorIterator limit, 64 dims, as
/// many of its ops have): a shape written with more is a ValueError, not a printer or memory
/// problem later.
inline constexpr std::size_t kMaxParsedDims = 64;

/// Parses "3,5", "3x5" or "[3, 5]" into a Shape; throws ValueError on bad text, a negative
/// size, or more than kMaxParsedDims dimensions.
Shape parse_shape(const std::string& text);

}  // namespace weightinit
