// SPDX-License-Identifier: MIT
// The whole command set of the weightinit CLI, for main() and for the argument-layer fuzzer.
#pragma once

#include <string>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace weightinit::cli {

/// Registers every command (sample, gain, fan, list, summary, forward, params, export, init,
/// train, probe, compare, report, search) on `app`, with `--version`.
void add_all_commands(CLI::App& app);

/// CLI11's message for `e`, except for a missing or unknown command, which CLI11 reports as "A
/// subcommand is required": "unknown command 'x': expected sample, gain, ... (see weightinit
/// --help)".
std::string usage_message(const CLI::App& app, const CLI::ParseError& e, int argc, char** argv);

}  // namespace weightinit::cli
