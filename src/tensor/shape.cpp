// SPDX-License-Identifier: MIT
// Shape helpers.
#include "weightinit/tensor/shape.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "weightinit/error.h"

namespace weightinit {

std::int64_t numel_of(const Shape& sizes) {
  std::int64_t n = 1;
  for (const std::int64_t s : sizes) {
    WEIGHTINIT_CHECK(s >= 0, ShapeError, "negative dimension ", s, " in shape ", shape_str(sizes));
    std::int64_t product = 0;
    WEIGHTINIT_CHECK(!__builtin_mul_overflow(n, s, &product), ShapeError, "shape ",
                     shape_str(sizes), " has more than 2^63-1 elements");
    n = product;
  }
  return n;
}

Shape contiguous_strides(const Shape& sizes) {
  Shape strides(sizes.size());
  std::int64_t stride = 1;
  for (std::size_t d = sizes.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= sizes[d] > 0 ? sizes[d] : 1;
  }
  return strides;
}

std::string shape_str(const Shape& sizes) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  return s + "]";
}

std::string shape_tuple_str(const Shape& sizes) {
  std::string s = "(";
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  if (sizes.size() == 1) s += ",";
  return s + ")";
}

Shape parse_shape(const std::string& text) {
  Shape sizes;
  std::size_t i = 0;
  const auto skip_space = [&] {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  };
  skip_space();
  const bool bracketed = i < text.size() && (text[i] == '[' || text[i] == '(');
  if (bracketed) ++i;
  skip_space();
  while (i < text.size() && text[i] != ']' && text[i] != ')') {
    WEIGHTINIT_CHECK(sizes.size() < kMaxParsedDims, ValueError, "invalid shape: more than ",
                     kMaxParsedDims, " dimensions (the most a shape may have)");
    std::int64_t value = 0;
    const char* begin = text.data() + i;
    const auto [end, ec] = std::from_chars(begin, text.data() + text.size(), value);
    WEIGHTINIT_CHECK(ec == std::errc() && end != begin, ValueError, "invalid shape '", text,
                     "': expected a non-negative integer at position ", i + 1);
    WEIGHTINIT_CHECK(value >= 0, ValueError, "invalid shape '", text,
                     "': dimension sizes must be non-negative, but found ", value);
    sizes.push_back(value);
    i = static_cast<std::size_t>(end - text.data());
    skip_space();
    if (i < text.size() && (text[i] == ',' || text[i] == 'x' || text[i] == 'X')) {
      ++i;
      skip_space();
    }
  }
  if (bracketed) {
    WEIGHTINIT_CHECK(i < text.size(), ValueError, "invalid shape '", text, "': missing ']'");
    ++i;
    skip_space();
  }
  WEIGHTINIT_CHECK(i == text.size(), ValueError, "invalid shape '", text,
                   "': unexpected character at position ", i + 1);
  numel_of(sizes);  // rejects overflow early
  return sizes;
}

}  // namespace weightinit
