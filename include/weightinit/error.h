// SPDX-License-Identifier: MIT
// The exception hierarchy of weightinit and the WEIGHTINIT_CHECK macro.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace weightinit {

/// Base class of every exception weightinit throws. The library never calls exit().
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An argument value breaks a rule (std < 0, from > to, unknown name). PyTorch's
/// ValueError and most of its RuntimeError argument checks map here.
class ValueError : public Error {
 public:
  using Error::Error;
};

/// A shape or dimension is not valid for the operation (too few dims, numel overflow).
class ShapeError : public Error {
 public:
  using Error::Error;
};

/// An index is outside a tensor's range.
class IndexError : public Error {
 public:
  using Error::Error;
};

/// The tensor's dtype is not supported by the operation.
class DTypeError : public Error {
 public:
  using Error::Error;
};

/// A file could not be read or written, or its content is malformed.
class IoError : public Error {
 public:
  using Error::Error;
};

namespace detail {
/// Concatenates the streamable arguments into one message, as TORCH_CHECK does.
template <class... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

}  // namespace weightinit

/// Throws `ErrorType(concat(message parts...))` unless `cond` holds.
/// Example: WEIGHTINIT_CHECK(std >= 0, ValueError, "normal expects std >= 0.0, but found std ",
/// std);
#define WEIGHTINIT_CHECK(cond, ErrorType, ...)                                  \
  do {                                                                          \
    if (!(cond)) {                                                              \
      throw ::weightinit::ErrorType(::weightinit::detail::concat(__VA_ARGS__)); \
    }                                                                           \
  } while (false)
