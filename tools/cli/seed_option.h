// SPDX-License-Identifier: MIT
// The --seed option every command shares: torch.manual_seed's range and mapping.
#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace weightinit::cli {

/// A seed as torch.manual_seed takes it: an integer in [-2^63, 2^64-1]. A negative value maps to
/// its two's complement (torch.manual_seed(-1) == torch.manual_seed(2**64 - 1), and
/// torch.initial_seed() reports 18446744073709551615). ValueError otherwise: "invalid seed 'x':
/// expected an integer in [-2^63, 2^64-1]".
std::uint64_t parse_seed(const std::string& text);

/// Adds `--seed` to `cmd`: parsed by parse_seed into `seed` (default 0), never clamped.
CLI::Option* add_seed_option(CLI::App* cmd, std::uint64_t& seed, const std::string& help);

}  // namespace weightinit::cli
