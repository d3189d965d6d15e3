// SPDX-License-Identifier: MIT
// Exit statuses of the weightinit command and the one-line error report.
#pragma once

#include <iostream>
#include <string>
#include <string_view>

namespace weightinit::cli {

/// Exit statuses (docs/cli.md, "Exit codes").
enum ExitCode : int {
  kExitOk = 0,       ///< success: the output was written
  kExitFailure = 1,  ///< runtime failure: the output could not be written, or an unexpected error
  kExitUsage = 2,  ///< bad usage: unknown command or option, bad spec, shape, dtype, seed or value
};

/// Writes "weightinit: error: <message>" to stderr as exactly one line (line breaks in the
/// message become spaces) and returns `code`.
inline int report_error(std::string_view message, int code) {
  std::string line(message);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "weightinit: error: " << line << '\n' << std::flush;
  return code;
}

}  // namespace weightinit::cli
