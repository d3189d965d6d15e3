// SPDX-License-Identifier: MIT
// Shapes and strides: int64 dimensions, element counts with overflow checks.
#pragma once

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

/// Parses "3,5", "3x5" or "[3, 5]" into a Shape; throws ValueError on bad text or a negative size.
Shape parse_shape(const std::string& text);

}  // namespace weightinit
