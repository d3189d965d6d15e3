// SPDX-License-Identifier: MIT
// --seed: one parser for every command, with torch.manual_seed's range.
#include "seed_option.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <system_error>

#include "weightinit/error.h"

namespace weightinit::cli {

std::uint64_t parse_seed(const std::string& text) {
  const char* last = text.data() + text.size();
  std::uint64_t seed = 0;
  std::from_chars_result r{text.data(), std::errc::invalid_argument};
  if (!text.empty() && text[0] == '-') {
    std::int64_t negative = 0;
    r = std::from_chars(text.data(), last, negative);
    seed = static_cast<std::uint64_t>(negative);
  } else if (!text.empty()) {
    r = std::from_chars(text.data() + (text[0] == '+' ? 1 : 0), last, seed);
  }
  if (r.ec != std::errc() || r.ptr != last) {
    throw ValueError("invalid seed '" + text + "': expected an integer in [-2^63, 2^64-1]");
  }
  return seed;
}

CLI::Option* add_seed_option(CLI::App* cmd, std::uint64_t& seed, const std::string& help) {
  seed = 0;
  return cmd
      ->add_option_function<std::string>(
          "--seed", [&seed](const std::string& text) { seed = parse_seed(text); },
          help + "; an integer in [-2^63, 2^64-1] as torch.manual_seed takes it (default 0)")
      ->type_name("SEED");
}

}  // namespace weightinit::cli
