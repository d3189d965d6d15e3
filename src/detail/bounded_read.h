// SPDX-License-Identifier: MIT
// Reading a user's text file (a policy, a search space) with a size limit.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>

#include "weightinit/error.h"

namespace weightinit::detail {

/// The largest policy or search-space file read (16 MiB).
inline constexpr std::size_t kMaxTextFileBytes = std::size_t{16} << 20;

/// The whole of `path` as text. ValueError naming `what` and the path when it is a directory
/// or holds more than `limit` bytes (at most limit + 1 bytes are read, so /dev/zero or a huge
/// file is an error rather than an allocation until std::bad_alloc); IoError when it cannot be
/// read.
inline std::string read_bounded_text_file(const std::string& path, const std::string& what,
                                          std::size_t limit = kMaxTextFileBytes) {
  std::error_code ec;
  WEIGHTINIT_CHECK(!std::filesystem::is_directory(path, ec), ValueError, what, " '", path,
                   "' is a directory, not a file");
  std::ifstream in(path, std::ios::binary);
  WEIGHTINIT_CHECK(in.good(), IoError, "cannot read ", what, " '", path, "'");
  std::string text(limit + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  WEIGHTINIT_CHECK(!in.bad(), IoError, "cannot read ", what, " '", path, "'");
  text.resize(static_cast<std::size_t>(in.gcount()));
  WEIGHTINIT_CHECK(text.size() <= limit, ValueError, what, " '", path, "' is larger than ",
                   limit >> 20, " MiB, the limit for a ", what);
  return text;
}

}  // namespace weightinit::detail
