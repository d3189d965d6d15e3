// SPDX-License-Identifier: MIT
// CLI output: a file written atomically (io::AtomicFileWriter), or standard output.
#include "atomic_file.h"

#include <filesystem>
#include <iostream>

#include "weightinit/error.h"
#include "weightinit/io/atomic_file.h"

namespace weightinit::cli {

void write_file_atomically(const std::string& path, std::string_view data) {
  io::AtomicFileWriter out(path);
  out.write(data.data(), data.size());
  out.commit();
}

void write_output(const std::string& path, std::string_view data) {
  if (!path.empty()) {
    write_file_atomically(path, data);
    return;
  }
  std::cout.write(data.data(), static_cast<std::streamsize>(data.size()));
  std::cout.flush();
  if (!std::cout) throw IoError("cannot write to standard output");
}

void check_distinct_outputs(const std::vector<std::pair<std::string, std::string>>& outputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    for (std::size_t j = i + 1; j < outputs.size(); ++j) {
      const auto& [name_a, path_a] = outputs[i];
      const auto& [name_b, path_b] = outputs[j];
      if (path_a.empty() || path_b.empty()) continue;
      std::error_code ec_a, ec_b;
      const auto a = std::filesystem::weakly_canonical(std::filesystem::absolute(path_a), ec_a);
      const auto b = std::filesystem::weakly_canonical(std::filesystem::absolute(path_b), ec_b);
      const bool same = path_a == path_b || (!ec_a && !ec_b && a == b);
      WEIGHTINIT_CHECK(!same, ValueError, name_a, " and ", name_b, " name the same file '", path_b,
                       "': give two paths");
    }
  }
}

}  // namespace weightinit::cli
