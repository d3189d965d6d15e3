// SPDX-License-Identifier: MIT
// CLI11 validators shared by the commands.
#include "option_checks.h"

#include <CLI/CLI.hpp>
#include <exception>
#include <string>

namespace weightinit::cli {

CLI::Validator output_file(bool dash_means_stdout) {
  return CLI::Validator(
      [dash_means_stdout](std::string& name) -> std::string {
        if (name.empty()) return "the file name is empty";
        if (name == "-" && !dash_means_stdout)
          return "'-' (standard output) is not supported here: give a file name";
        return {};
      },
      "FILE");
}

CLI::Validator positive_count(const char* hint) {
  return CLI::Validator(
      [hint](std::string& text) -> std::string {
        long long value = 0;
        std::size_t used = 0;
        try {
          value = std::stoll(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size() || value < 1)
          return "must be at least 1, but got '" + text + "' (" + hint + ")";
        return {};
      },
      "N");
}

}  // namespace weightinit::cli
