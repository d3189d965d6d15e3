// SPDX-License-Identifier: MIT
// Exit statuses of the weightinit command and the one-line error report.
#pragma once

#include <cstddef>
#include <iostream>
#include <string>
#include <string_view>

namespace weightinit::cli {

/// Exit statuses (docs/cli.md, "Exit codes").
enum ExitCode : int {
  kExitOk = 0,       ///< success: the output was written
  kExitFailure = 1,  ///< runtime failure: the output could not be written, or an unexpected error
  kExitUsage = 2,  ///< bad usage: unknown command or option, bad spec, shape, dtype, seed or value
  kExitInterrupted = 130,  ///< Ctrl-C (SIGINT, 128 + 2): finished work is kept (--resume)
};

/// `message` as one printable line: line breaks become spaces, other control bytes and bytes
/// that are not UTF-8 become \xNN, and past `max_bytes` it is cut ("... (N more bytes)"), so
/// a user's 120 KB name or binary garbage echoed in a message stays readable.
std::string printable_line(std::string_view message, std::size_t max_bytes = 2000);

/// Writes "weightinit: error: <message>" to stderr as exactly one printable_line and returns
/// `code`.
inline int report_error(std::string_view message, int code) {
  std::cerr << "weightinit: error: " << printable_line(message) << '\n' << std::flush;
  return code;
}

}  // namespace weightinit::cli
