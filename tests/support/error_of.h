// SPDX-License-Identifier: MIT
// error_of(fn): the message of the weightinit::Error that fn throws (tests only).
#pragma once

#include <string>

#include "weightinit/error.h"

namespace weightinit::testing {

/// what() of the weightinit::Error `fn` throws, or "no error" when it returns normally.
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace weightinit::testing
