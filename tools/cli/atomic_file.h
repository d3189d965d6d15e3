// SPDX-License-Identifier: MIT
// Writing command output: atomically to a file, or to standard output.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace weightinit::cli {

/// Writes `data` to `path` atomically: into a temporary file in the same directory, which is
/// fsync'ed and then renamed over `path`. Readers see either the old file or the whole new one.
/// Throws IoError naming the path and the system's reason; on any failure the temporary file is
/// removed and `path` is left as it was (no half-written output).
void write_file_atomically(const std::string& path, std::string_view data);

/// Writes `data` to `path` with write_file_atomically, or to standard output when `path` is
/// empty (throws IoError when standard output cannot be written).
void write_output(const std::string& path, std::string_view data);

/// Throws ValueError when two of the given output options (name, path; an empty path is an
/// option not given) name the same file, also when spelled differently (x.svg and ./x.svg):
/// "--plot and --json name the same file 'x.svg': give two paths". One would overwrite the other.
void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& outputs);

}  // namespace weightinit::cli
