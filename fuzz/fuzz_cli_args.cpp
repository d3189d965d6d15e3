// SPDX-License-Identifier: MIT
// Fuzzes the CLI argument layer: the real command set parses argv built from the input (split
// at newlines), with every command's action switched off — the fuzzer checks parsing and
// validation (CLI11 and the option definitions), it never runs a command, writes a file or
// starts a training. Any outcome but success or CLI::Error (and its usage message) is a finding.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "commands.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CLI::App app{"weightinit", "weightinit"};
  weightinit::cli::add_all_commands(app);
  for (CLI::App* sub : app.get_subcommands({})) sub->callback({});
  std::vector<std::string> args{"weightinit"};
  std::string current;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = static_cast<char>(data[i]);
    if (c == '\n') {
      args.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) args.push_back(current);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    (void)weightinit::cli::usage_message(app, e, static_cast<int>(argv.size()), argv.data());
  }
  return 0;
}
