// SPDX-License-Identifier: MIT
// The IDX file format (MNIST, Fashion-MNIST): a strict reader for plain and gzipped files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weightinit/tensor/shape.h"

namespace weightinit::data {

/// Directory where Debian's `dataset-fashion-mnist` package installs its four IDX files.
inline constexpr const char* kFashionMnistPackageDir = "/usr/share/datasets/fashion-mnist";

/// An IDX array of unsigned bytes (type code 0x08): `dims` outermost first and the
/// `numel_of(dims)` data bytes in row-major order.
struct IdxArray {
  /// Sizes of the dimensions, as stored (big-endian uint32 each) in the header.
  Shape dims;
  /// The payload, exactly numel_of(dims) bytes.
  std::vector<std::uint8_t> data;
};

/// Reads an IDX file. A file that starts with the gzip magic (1f 8b) is inflated with zlib;
/// a path ending in ".gz" must be gzip. Then: bytes 0-1 must be 0, byte 2 is the type code
/// (only 0x08, unsigned byte, is accepted), byte 3 the number of dims (1..8), then one
/// big-endian uint32 per dim, then exactly prod(dims) data bytes.
///
/// Throws IoError naming the path and the broken rule: the file is missing or unreadable
/// (with "install it with: apt-get install dataset-fashion-mnist" when the path lies under
/// kFashionMnistPackageDir), the gzip stream is corrupt or truncated, the magic is wrong, the
/// type is not 0x08, or the data size differs from the product of the dims.
IdxArray read_idx(const std::string& path);

/// The error text for a missing file or directory: "<what> not found: <path>", plus
/// "; install it with: apt-get install dataset-fashion-mnist" when the path lies under
/// kFashionMnistPackageDir.
std::string missing_file_message(const std::string& what, const std::string& path);

}  // namespace weightinit::data
