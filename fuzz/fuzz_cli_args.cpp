// SPDX-License-Identifier: MIT
// Fuzzes the CLI argument layer: the real command set parses argv built from the input (split
// at newlines). A parse-complete callback on the root app — which CLI11 runs after every option
// is parsed and validated and before any command's action — stops there, so the fuzzer checks
// parsing and validation (CLI11 and the option definitions) and never runs a command, writes a
// file or starts a training. (The commands' actions are left in place: they own the storage
// their options write into.) Any outcome but that stop, a CLI::ParseError or a
// weightinit::Error from an option's own parser (--seed) is a finding.
#include <CLI/CLI.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "commands.h"
#include "weightinit/error.h"

namespace {
/// Thrown by the root app's parse-complete callback: the arguments parsed and validated.
struct Parsed {};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  CLI::App app{"weightinit", "weightinit"};
  weightinit::cli::add_all_commands(app);
  app.parse_complete_callback([] { throw Parsed{}; });
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
  } catch (const Parsed&) {
  } catch (const CLI::ParseError& e) {
    (void)weightinit::cli::usage_message(app, e, static_cast<int>(argv.size()), argv.data());
  } catch (const weightinit::Error&) {  // a value an option's parser refused (--seed)
  }
  return 0;
}
