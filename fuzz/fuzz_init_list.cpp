// SPDX-License-Identifier: MIT
// Fuzzes the ';'-separated init list of probe / compare / report: it parses or throws
// ValueError (SpecError is one), never anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "weightinit/error.h"
#include "weightinit/train/compare.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)weightinit::train::parse_init_list(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const weightinit::ValueError&) {
  }
  return 0;
}
