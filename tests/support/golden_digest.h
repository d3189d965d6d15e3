// SPDX-License-Identifier: MIT
// Test support: reading a golden JSON file and hashing tensors as the generators in tools/
// hash them (SHA-256 of the little-endian, row-major bytes).
#pragma once

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "weightinit/tensor/tensor.h"

namespace weightinit::testing {

/// tests/golden/NAME (WEIGHTINIT_GOLDEN_DIR), parsed.
inline nlohmann::json read_golden_json(const std::string& name) {
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/" + name);
  return nlohmann::json::parse(in);
}

/// SHA-256 of the tensor's bytes in row-major order, as lowercase hex (hashlib's hexdigest).
inline std::string sha256_hex(const Tensor& t) {
  const Tensor c = t.contiguous();
  const std::size_t bytes = static_cast<std::size_t>(c.numel()) * element_size(c.dtype());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(c.raw_data(), bytes, digest, &len, EVP_sha256(), nullptr);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", digest[i]);
    hex += buf;
  }
  return hex;
}

/// The dtype as the golden files name it (torch's str without "torch.").
inline std::string dtype_text(DType d) {
  return d == DType::Float32 ? "float32" : d == DType::Float64 ? "float64" : "int64";
}

}  // namespace weightinit::testing
