// SPDX-License-Identifier: MIT
// Fuzzes the safetensors reader: every byte string is either a valid file or rejected with
// IoError. The input goes through a file (the reader's interface) in a private temporary dir.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "weightinit/error.h"
#include "weightinit/io/safetensors.h"

namespace {
std::string scratch_file() {
  static const std::string path = [] {
    char dir[] = "/tmp/weightinit_fuzz_XXXXXX";
    if (::mkdtemp(dir) == nullptr) std::abort();
    return std::string(dir) + "/input.safetensors";
  }();
  return path;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch_file();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    (void)weightinit::io::load_safetensors(path);
  } catch (const weightinit::IoError&) {
  }
  return 0;
}
