// SPDX-License-Identifier: MIT
// CLI11 validators the commands share: file outputs (-o, --out, --plot, --json, --best, --log)
// and counts that must be positive (--train-samples).
#pragma once

namespace CLI {
class Validator;
}  // namespace CLI

namespace weightinit::cli {

/// Refuses an empty file name ("the file name is empty", where it used to mean standard
/// output) and, unless `dash_means_stdout`, the name "-" ("'-' (standard output) is not
/// supported here: give a file name"), which would otherwise create a file named "-".
CLI::Validator output_file(bool dash_means_stdout = false);

/// Refuses a count below 1 or that is not an integer: "must be at least 1 (HINT)", e.g.
/// --train-samples 0, which used to mean "all".
CLI::Validator positive_count(const char* hint);

}  // namespace weightinit::cli
