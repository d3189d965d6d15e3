// SPDX-License-Identifier: MIT
// read_idx: reads a whole IDX file, inflates it with zlib when gzipped, and validates it.
#include "weightinit/data/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>

#include "weightinit/error.h"

namespace weightinit::data {

namespace {

constexpr const char* kInstallHint = "install it with: apt-get install dataset-fashion-mnist";

bool under_package_dir(const std::string& path) {
  const std::string dir = std::string(kFashionMnistPackageDir) + "/";
  const std::string abs = std::filesystem::absolute(path).lexically_normal().string();
  return abs.rfind(dir, 0) == 0 || abs == kFashionMnistPackageDir;
}

[[noreturn]] void fail(const std::string& path, const std::string& rule) {
  throw IoError("IDX file " + path + ": " + rule);
}

std::vector<std::uint8_t> read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw IoError(missing_file_message("IDX file", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(path, std::string("cannot open: ") + std::strerror(errno));
  }
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  if (in.bad()) {
    fail(path, "read error");
  }
  return bytes;
}

// Inflates one or more concatenated gzip members; any zlib error or a stream that ends before
// its trailer is an IoError.
std::vector<std::uint8_t> gunzip(const std::string& path, const std::vector<std::uint8_t>& in) {
  std::vector<std::uint8_t> out;
  out.reserve(in.size() * 4);
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
    fail(path, "zlib inflateInit2 failed");
  }
  zs.next_in = const_cast<Bytef*>(in.data());
  std::size_t consumed = 0;
  std::vector<std::uint8_t> chunk(std::size_t{1} << 20);
  int rc = Z_OK;
  while (true) {
    const std::size_t left = in.size() - consumed;
    zs.avail_in = static_cast<uInt>(std::min<std::size_t>(left, UINT_MAX));
    zs.next_in = const_cast<Bytef*>(in.data() + consumed);
    zs.next_out = chunk.data();
    zs.avail_out = static_cast<uInt>(chunk.size());
    const uInt before_in = zs.avail_in;
    rc = inflate(&zs, Z_NO_FLUSH);
    consumed += before_in - zs.avail_in;
    out.insert(out.end(), chunk.data(), chunk.data() + (chunk.size() - zs.avail_out));
    if (rc == Z_STREAM_END) {
      if (consumed == in.size()) {
        break;
      }
      if (in[consumed] != 0x1f) {  // trailing garbage after the last member
        inflateEnd(&zs);
        fail(path, "gzip error: trailing bytes after the gzip stream");
      }
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && consumed == in.size()) {
      inflateEnd(&zs);
      fail(path, "gzip error: truncated gzip stream (unexpected end of file)");
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      std::string msg = zs.msg != nullptr ? zs.msg : "code " + std::to_string(rc);
      inflateEnd(&zs);
      fail(path, "gzip error: " + msg);
    }
    if (rc == Z_OK && zs.avail_out != 0 && consumed == in.size()) {
      inflateEnd(&zs);
      fail(path, "gzip error: truncated gzip stream (unexpected end of file)");
    }
  }
  inflateEnd(&zs);
  return out;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string missing_file_message(const std::string& what, const std::string& path) {
  std::string msg = what + " not found: " + path;
  if (under_package_dir(path)) {
    msg += std::string("; ") + kInstallHint;
  }
  return msg;
}

IdxArray read_idx(const std::string& path) {
  std::vector<std::uint8_t> bytes = read_file(path);
  const bool gzip_magic = bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
  if (ends_with(path, ".gz") && !gzip_magic) {
    fail(path, "not a gzip file (a .gz file must start with the bytes 1f 8b)");
  }
  if (gzip_magic) {
    bytes = gunzip(path, bytes);
  }
  if (bytes.size() < 4) {
    fail(path, "truncated header: " + std::to_string(bytes.size()) +
                   " bytes, an IDX file starts with a 4-byte magic");
  }
  if (bytes[0] != 0 || bytes[1] != 0) {
    fail(path, "bad magic: the first two bytes must be 0 (an IDX magic is 00 00 <type> <ndim>)");
  }
  if (bytes[2] != 0x08) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "0x%02X", static_cast<unsigned>(bytes[2]));
    fail(path, std::string("unsupported IDX type ") + buf + " (only 0x08, unsigned byte, is read)");
  }
  const std::size_t ndim = bytes[3];
  if (ndim < 1 || ndim > 8) {
    fail(path, "bad magic: number of dims " + std::to_string(ndim) + " is not in 1..8");
  }
  const std::size_t header = 4 + 4 * ndim;
  if (bytes.size() < header) {
    fail(path, "truncated header: " + std::to_string(ndim) + " dims need " +
                   std::to_string(header) + " header bytes, the file has " +
                   std::to_string(bytes.size()));
  }
  IdxArray out;
  std::uint64_t expected = 1;
  for (std::size_t d = 0; d < ndim; ++d) {
    const std::uint8_t* p = bytes.data() + 4 + 4 * d;
    const std::uint32_t v = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
                            (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    out.dims.push_back(static_cast<std::int64_t>(v));
    if (v != 0 && expected > std::numeric_limits<std::uint64_t>::max() / v) {
      fail(path, "dims " + shape_str(out.dims) + " overflow");
    }
    expected *= v;
  }
  const std::uint64_t actual = bytes.size() - header;
  if (actual != expected) {
    fail(path, "data size mismatch: dims " + shape_str(out.dims) + " need " +
                   std::to_string(expected) +
                   " data bytes (the product of the dims), the file has " + std::to_string(actual));
  }
  out.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return out;
}

}  // namespace weightinit::data
