// SPDX-License-Identifier: MIT
// Fuzzes the ';'-separated init list of probe / compare / report: it parses or throws
// ValueError (SpecError is one), never anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "weightinit/diag/compare.h"
#include "weightinit/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    (void)weightinit::diag::parse_init_list(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const weightinit::ValueError&) {
  }
  return 0;
}
