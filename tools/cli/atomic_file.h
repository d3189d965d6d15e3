// SPDX-License-Identifier: MIT
// Writing command output: atomically to a file, or to standard output.
#pragma once

#include <string>
#include <string_view>

namespace weightinit::cli {

/// Writes `data` to `path` atomically: into a temporary file in the same directory, which is
/// fsync'ed and then renamed over `path`. Readers see either the old file or the whole new one.
/// Throws IoError naming the path and the system's reason; on any failure the temporary file is
/// removed and `path` is left as it was (no half-written output).
void write_file_atomically(const std::string& path, std::string_view data);

/// Writes `data` to `path` with write_file_atomically, or to standard output when `path` is
/// empty (throws IoError when standard output cannot be written).
void write_output(const std::string& path, std::string_view data);

}  // namespace weightinit::cli
