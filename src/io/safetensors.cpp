// SPDX-License-Identifier: MIT
// The safetensors writer (atomic, optional BF16/F16 rounding) and its validating reader.
#include "weightinit/io/safetensors.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "weightinit/error.h"
#include "weightinit/io/atomic_file.h"

namespace weightinit::io {

static_assert(std::endian::native == std::endian::little,
              "safetensors data is little-endian; big-endian hosts are not supported");

using json = nlohmann::ordered_json;

namespace {

constexpr std::uint64_t kMaxHeader = 100'000'000;  // safetensors' own limit (100 MB)
constexpr std::size_t kChunk = std::size_t{1} << 16;

/// Rounds finite or infinite |value| to a binary format with `exp_bits` exponent and
/// `man_bits` mantissa bits, ties to even; returns the bits without sign.
std::uint16_t round_magnitude(double a, int exp_bits, int man_bits) {
  const int bias = (1 << (exp_bits - 1)) - 1;
  const int emin = 1 - bias;
  const std::uint32_t inf = ((1u << exp_bits) - 1u) << man_bits;
  if (std::isinf(a)) return static_cast<std::uint16_t>(inf);
  if (a == 0.0) return 0;
  const int e = std::max(std::ilogb(a), emin);  // subnormals share the quantum of emin
  // m = a / 2^(e - man_bits) is exact; rint rounds to nearest even (the default mode).
  const double m = std::rint(std::ldexp(a, man_bits - e));
  std::uint64_t mant = static_cast<std::uint64_t>(m);
  if (mant < (std::uint64_t{1} << man_bits)) return static_cast<std::uint16_t>(mant);  // subnormal
  int exponent = e;
  if (mant == (std::uint64_t{1} << (man_bits + 1))) {  // rounded up to the next power of two
    mant >>= 1;
    ++exponent;
  }
  const std::uint64_t biased = static_cast<std::uint64_t>(exponent + bias);
  if (biased >= (1u << exp_bits) - 1u) return static_cast<std::uint16_t>(inf);  // overflow
  const std::uint64_t bits = (biased << man_bits) | (mant - (std::uint64_t{1} << man_bits));
  return static_cast<std::uint16_t>(bits);
}

std::uint16_t sign_bit(float value) {
  return static_cast<std::uint16_t>(std::signbit(value) ? 0x8000u : 0u);
}

[[noreturn]] void bad_file(const std::string& path, const std::string& rule) {
  throw IoError("invalid safetensors file '" + path + "': " + rule);
}

StoredDType parse_stored_dtype(const std::string& name, bool* ok) {
  static const std::pair<const char*, StoredDType> kNames[] = {{"F32", StoredDType::F32},
                                                               {"F64", StoredDType::F64},
                                                               {"I64", StoredDType::I64},
                                                               {"BF16", StoredDType::BF16},
                                                               {"F16", StoredDType::F16}};
  for (const auto& [n, d] : kNames) {
    if (name == n) {
      *ok = true;
      return d;
    }
  }
  *ok = false;
  return StoredDType::F32;
}

// ---------------------------------------------------------------------------------------------
// Writing

struct PlannedTensor {
  const std::string* name;
  Tensor data;  // contiguous
  StoredDType stored;
  std::uint64_t nbytes;
};

std::vector<PlannedTensor> plan(const StateDict& tensors, std::optional<StoredDType> convert) {
  if (convert && *convert != StoredDType::BF16 && *convert != StoredDType::F16 &&
      *convert != StoredDType::F32 && *convert != StoredDType::F64) {
    throw ValueError("save_safetensors: convert_floats_to must be F32, F64, BF16 or F16");
  }
  std::set<std::string> seen;
  std::vector<PlannedTensor> out;
  for (const auto& [name, t] : tensors) {
    WEIGHTINIT_CHECK(t.defined(), ValueError, "save_safetensors: tensor '", name, "' is undefined");
    WEIGHTINIT_CHECK(name != "__metadata__", ValueError,
                     "save_safetensors: '__metadata__' is reserved and cannot name a tensor");
    WEIGHTINIT_CHECK(seen.insert(name).second, ValueError, "save_safetensors: duplicate name '",
                     name, "'");
    StoredDType stored = natural_stored(t.dtype());
    if (convert && is_floating_point(t.dtype())) stored = *convert;
    const auto n = static_cast<std::uint64_t>(t.numel());
    out.push_back({&name, t.contiguous(), stored, n * stored_element_size(stored)});
  }
  return out;
}

std::string header_text(const std::vector<PlannedTensor>& planned,
                        const std::map<std::string, std::string>& metadata) {
  std::vector<SafetensorsEntry> entries;
  for (const auto& p : planned) entries.push_back({*p.name, p.stored, p.data.sizes()});
  const std::string bytes = safetensors_header(entries, metadata);
  return bytes.substr(8);
}

/// Writes the elements of `t` as `stored`, converting floats in chunks when needed.
void write_data(AtomicFileWriter& out, const PlannedTensor& p) {
  const bool same = p.stored == natural_stored(p.data.dtype());
  if (same) {
    out.write(p.data.raw_data(), static_cast<std::size_t>(p.nbytes));
    return;
  }
  const bool bf16 = p.stored == StoredDType::BF16;
  const bool is_f32 = p.data.dtype() == DType::Float32;
  const float* f = is_f32 ? p.data.data_ptr<float>() : nullptr;
  const double* d = is_f32 ? nullptr : p.data.data_ptr<double>();
  const auto n = static_cast<std::size_t>(p.data.numel());
  std::vector<std::uint16_t> chunk;
  chunk.reserve(std::min(n, kChunk));
  for (std::size_t begin = 0; begin < n; begin += kChunk) {
    const std::size_t end = std::min(n, begin + kChunk);
    chunk.clear();
    for (std::size_t i = begin; i < end; ++i) {
      const float v = is_f32 ? f[i] : static_cast<float>(d[i]);
      chunk.push_back(bf16 ? float_to_bf16_bits(v) : float_to_f16_bits(v));
    }
    out.write(chunk.data(), chunk.size() * sizeof(std::uint16_t));
  }
}

/// float32 <-> float64 conversion requested explicitly (convert_floats_to F32 or F64).
PlannedTensor retype(const PlannedTensor& p) {
  if (p.stored == StoredDType::F32 && p.data.dtype() == DType::Float64)
    return {p.name, p.data.to(DType::Float32), p.stored, p.nbytes};
  if (p.stored == StoredDType::F64 && p.data.dtype() == DType::Float32)
    return {p.name, p.data.to(DType::Float64), p.stored, p.nbytes};
  return p;
}

// ---------------------------------------------------------------------------------------------
// Reading

/// True when `s` is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF).
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1Fu;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0Fu;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07u;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

struct Entry {
  std::string name;
  StoredDType stored;
  Shape shape;
  std::uint64_t begin;
  std::uint64_t end;
};

std::uint64_t read_u64_le(const unsigned char* b) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | b[i];
  return v;
}

/// Parses the header JSON, noting a repeated top-level key in `duplicate`.
json parse_header(const std::string& path, const std::string& text) {
  if (!valid_utf8(text)) bad_file(path, "the header is not valid UTF-8");
  std::set<std::string> keys;
  std::string duplicate;
  bool has_duplicate = false;
  const json::parser_callback_t cb = [&](int depth, json::parse_event_t event, json& parsed) {
    if (depth == 1 && event == json::parse_event_t::key && parsed.is_string() &&
        !keys.insert(parsed.get<std::string>()).second && !has_duplicate) {
      has_duplicate = true;
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text, cb);
  } catch (const json::exception& e) {
    bad_file(path, std::string("the header is not valid JSON (") + e.what() + ")");
  }
  if (!header.is_object()) bad_file(path, "the header is not a JSON object");
  if (has_duplicate) bad_file(path, "duplicate name '" + duplicate + "' in the header");
  return header;
}

std::map<std::string, std::string> parse_metadata(const std::string& path, const json& meta) {
  if (!meta.is_object()) bad_file(path, "__metadata__ is not a JSON object");
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : meta.items()) {
    if (!v.is_string()) bad_file(path, "metadata value for key '" + k + "' is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

std::uint64_t checked_nbytes(const std::string& path, const Entry& e) {
  std::uint64_t n = stored_element_size(e.stored);
  for (std::int64_t s : e.shape) {
    const auto u = static_cast<std::uint64_t>(s);
    if (u != 0 && n > std::numeric_limits<std::uint64_t>::max() / u / 2)
      bad_file(path, "tensor '" + e.name + "': the shape is too large");
    n *= u;
  }
  return n;
}

Entry parse_entry(const std::string& path, const std::string& name, const json& v) {
  const std::string where = "tensor '" + name + "': ";
  if (!v.is_object()) bad_file(path, where + "the entry is not a JSON object");
  if (!v.contains("dtype") || !v["dtype"].is_string())
    bad_file(path, where + "\"dtype\" is missing or not a string");
  Entry e{name, StoredDType::F32, {}, 0, 0};
  bool ok = false;
  const std::string dtype = v["dtype"].get<std::string>();
  e.stored = parse_stored_dtype(dtype, &ok);
  if (!ok)
    bad_file(path, where + "unknown dtype '" + dtype + "' (supported: F32, F64, I64, BF16, F16)");
  if (!v.contains("shape") || !v["shape"].is_array())
    bad_file(path, where + "\"shape\" is missing or not an array");
  for (const auto& s : v["shape"]) {
    if (!s.is_number_unsigned() || s.get<std::uint64_t>() > (std::uint64_t{1} << 62))
      bad_file(path, where + "\"shape\" must hold non-negative integers");
    e.shape.push_back(s.get<std::int64_t>());
  }
  const json& off = v.contains("data_offsets") ? v["data_offsets"] : json();
  if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() ||
      !off[1].is_number_unsigned())
    bad_file(path, where + "\"data_offsets\" must be two non-negative integers [begin, end]");
  e.begin = off[0].get<std::uint64_t>();
  e.end = off[1].get<std::uint64_t>();
  if (e.begin > e.end) bad_file(path, where + "data_offsets begin is after end");
  const std::uint64_t need = checked_nbytes(path, e);
  if (e.end - e.begin != need) {
    bad_file(path, where + "shape " + shape_str(e.shape) + " with dtype " + dtype + " needs " +
                       std::to_string(need) + " bytes, but data_offsets [" +
                       std::to_string(e.begin) + ", " + std::to_string(e.end) + "] span " +
                       std::to_string(e.end - e.begin));
  }
  return e;
}

/// The tensors must tile [0, data_size) exactly: in offset order, no gap and no overlap.
void check_coverage(const std::string& path, std::vector<Entry> entries, std::uint64_t data_size) {
  for (const auto& e : entries) {
    if (e.end > data_size) {
      bad_file(path, "tensor '" + e.name + "': data_offsets end " + std::to_string(e.end) +
                         " is beyond the data region (" + std::to_string(data_size) + " bytes)");
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  std::uint64_t pos = 0;
  for (const auto& e : entries) {
    if (e.begin < pos) bad_file(path, "tensor '" + e.name + "' overlaps the previous tensor");
    if (e.begin > pos) {
      bad_file(path, "bytes [" + std::to_string(pos) + ", " + std::to_string(e.begin) +
                         ") of the data region are not covered by any tensor");
    }
    pos = e.end;
  }
  if (pos != data_size) {
    bad_file(path, "bytes [" + std::to_string(pos) + ", " + std::to_string(data_size) +
                       ") of the data region are not covered by any tensor");
  }
}

void read_exact(std::ifstream& in, const std::string& path, void* dst, std::uint64_t offset,
                std::uint64_t size) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(size));
  if (!in)
    throw IoError("cannot read '" + path + "': read failed at byte " + std::to_string(offset));
}

Tensor read_tensor(std::ifstream& in, const std::string& path, const Entry& e,
                   std::uint64_t data_start) {
  const std::uint64_t size = e.end - e.begin;
  if (e.stored != StoredDType::BF16 && e.stored != StoredDType::F16) {
    const DType dtype = e.stored == StoredDType::F32   ? DType::Float32
                        : e.stored == StoredDType::F64 ? DType::Float64
                                                       : DType::Int64;
    Tensor t = Tensor::empty(e.shape, dtype);
    if (size > 0) read_exact(in, path, t.raw_data(), data_start + e.begin, size);
    return t;
  }
  Tensor t = Tensor::empty(e.shape, DType::Float32);
  std::vector<std::uint16_t> bits(static_cast<std::size_t>(t.numel()));
  if (size > 0) read_exact(in, path, bits.data(), data_start + e.begin, size);
  float* dst = t.data_ptr<float>();
  const bool bf16 = e.stored == StoredDType::BF16;
  for (std::size_t i = 0; i < bits.size(); ++i)
    dst[i] = bf16 ? bf16_bits_to_float(bits[i]) : f16_bits_to_float(bits[i]);
  return t;
}

}  // namespace

StoredDType natural_stored(DType dtype) {
  switch (dtype) {
    case DType::Float32:
      return StoredDType::F32;
    case DType::Float64:
      return StoredDType::F64;
    case DType::Int64:
      return StoredDType::I64;
  }
  throw DTypeError("save_safetensors: unsupported dtype");
}

std::string_view stored_dtype_name(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::F32:
      return "F32";
    case StoredDType::F64:
      return "F64";
    case StoredDType::I64:
      return "I64";
    case StoredDType::BF16:
      return "BF16";
    case StoredDType::F16:
      return "F16";
  }
  return "?";
}

std::size_t stored_element_size(StoredDType dtype) {
  switch (dtype) {
    case StoredDType::F64:
    case StoredDType::I64:
      return 8;
    case StoredDType::F32:
      return 4;
    case StoredDType::BF16:
    case StoredDType::F16:
      return 2;
  }
  return 0;
}

std::uint16_t float_to_bf16_bits(float value) {
  if (std::isnan(value)) return 0x7FC0;  // c10::BFloat16's canonical NaN
  // bfloat16 is float32's top half: add half an ulp of it (minus one, plus the kept lsb, for
  // ties to even) and truncate. A carry into the exponent is the correct rounding, up to inf;
  // subnormals round the same way. c10::BFloat16's round_to_nearest_even, bit for bit (the
  // general round_magnitude gives the same for all 2^32 inputs, checked when this was written).
  const auto bits = std::bit_cast<std::uint32_t>(value);
  return static_cast<std::uint16_t>((bits + 0x7FFFu + ((bits >> 16) & 1u)) >> 16);
}

std::uint16_t float_to_f16_bits(float value) {
  if (std::isnan(value)) return static_cast<std::uint16_t>(sign_bit(value) | 0x7E00u);
  return static_cast<std::uint16_t>(sign_bit(value) | round_magnitude(std::fabs(value), 5, 10));
}

float bf16_bits_to_float(std::uint16_t bits) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(bits) << 16);
}

float f16_bits_to_float(std::uint16_t bits) {
  const std::uint32_t sign = (static_cast<std::uint32_t>(bits) & 0x8000u) << 16;
  const std::uint32_t exp = (bits >> 10) & 0x1Fu;
  const std::uint32_t man = bits & 0x3FFu;
  if (exp == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (man << 13));
  const float mag = exp == 0
                        ? std::ldexp(static_cast<float>(man), -24)
                        : std::ldexp(static_cast<float>(man | 0x400u), static_cast<int>(exp) - 25);
  return sign != 0 ? -mag : mag;
}

std::string safetensors_header(const std::vector<SafetensorsEntry>& entries,
                               const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) {
    json meta = json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  std::uint64_t offset = 0;
  for (const auto& e : entries) {
    WEIGHTINIT_CHECK(e.name != "__metadata__" && !header.contains(e.name), ValueError,
                     "safetensors_header: duplicate or reserved name '", e.name, "'");
    json shape = json::array();
    for (std::int64_t d : e.shape) shape.push_back(d);
    const std::uint64_t nbytes =
        static_cast<std::uint64_t>(numel_of(e.shape)) * stored_element_size(e.dtype);
    header[e.name] = {{"dtype", std::string(stored_dtype_name(e.dtype))},
                      {"shape", shape},
                      {"data_offsets", {offset, offset + nbytes}}};
    offset += nbytes;
  }
  std::string text = header.dump(-1, ' ', false, json::error_handler_t::strict);
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[static_cast<std::size_t>(i)] = static_cast<char>(text.size() >> (8 * i));
  return out + text;
}

void save_safetensors(const std::string& path, const StateDict& tensors,
                      const std::map<std::string, std::string>& metadata,
                      std::optional<StoredDType> convert_floats_to) {
  std::vector<PlannedTensor> planned = plan(tensors, convert_floats_to);
  const std::string header = header_text(planned, metadata);
  AtomicFileWriter out(path);
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(header.size() >> (8 * i));
  out.write(len, sizeof len);
  out.write(header.data(), header.size());
  for (auto& p : planned) write_data(out, retype(p));
  out.commit();
}

SafetensorsFile load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("cannot read '" + path + "': " + std::strerror(errno));
  in.seekg(0, std::ios::end);
  const auto file_size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  if (file_size < 8)
    bad_file(path, "the file is shorter than 8 bytes (" + std::to_string(file_size) + ")");
  unsigned char len[8];
  read_exact(in, path, len, 0, 8);
  const std::uint64_t n = read_u64_le(len);
  if (n > kMaxHeader)
    bad_file(path, "header length " + std::to_string(n) + " exceeds the limit of 100 MB");
  if (n > file_size - 8) {
    bad_file(path, "header length " + std::to_string(n) + " is larger than the file (" +
                       std::to_string(file_size - 8) + " bytes after the length)");
  }
  std::string text(static_cast<std::size_t>(n), '\0');
  if (n > 0) read_exact(in, path, text.data(), 8, n);
  const json header = parse_header(path, text);
  SafetensorsFile file;
  std::vector<Entry> entries;
  for (const auto& [name, v] : header.items()) {
    if (name == "__metadata__") {
      file.metadata = parse_metadata(path, v);
    } else {
      entries.push_back(parse_entry(path, name, v));
    }
  }
  check_coverage(path, entries, file_size - 8 - n);
  for (const auto& e : entries) {
    file.tensors.emplace_back(e.name, read_tensor(in, path, e, 8 + n));
    file.stored.push_back(e.stored);
  }
  return file;
}

}  // namespace weightinit::io
