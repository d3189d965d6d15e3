// SPDX-License-Identifier: MIT
// Fuzzes the init-spec parser: any text either parses (and its canonical form parses again to
// the same canonical form) or throws SpecError.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "weightinit/init/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto init = weightinit::init::Initializer::parse(text);
    const std::string canonical = init.canonical();
    if (weightinit::init::Initializer::parse(canonical).canonical() != canonical) std::abort();
  } catch (const weightinit::init::SpecError&) {
  }
  return 0;
}
