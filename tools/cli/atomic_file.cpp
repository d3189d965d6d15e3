// SPDX-License-Identifier: MIT
// CLI output: a file written atomically (io::AtomicFileWriter), or standard output.
#include "atomic_file.h"

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

}  // namespace weightinit::cli
