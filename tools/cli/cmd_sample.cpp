// SPDX-License-Identifier: MIT
// `weightinit sample`: fill a tensor by an init spec and write it as text, JSON or raw bytes.
#include "cmd_sample.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "atomic_file.h"
#include "option_checks.h"
#include "seed_option.h"
#include "torch_profile_option.h"
#include "weightinit/init/spec.h"
#include "weightinit/threads.h"
#include "weightinit/weightinit.h"

namespace weightinit::cli {

namespace {

struct SampleOptions {
  std::string spec;
  std::string shape;
  std::uint64_t seed = 0;
  std::string dtype = "float32";
  std::string arith;          // empty: default_arith_mode()
  std::string rng = "torch";  // or philox
  std::string stream;         // philox stream name
  int threads = 0;
  std::string torch_version;  // empty: default_torch_version()
  std::string format = "text";
  std::string output;  // empty: standard output
};

enum class Format { Text, Json, Raw };

Format parse_format(const std::string& name) {
  if (name == "text") return Format::Text;
  if (name == "json") return Format::Json;
  if (name == "raw") return Format::Raw;
  throw ValueError("unknown format '" + name + "': expected text, json or raw");
}

/// One value as a JSON token that parses back to the same bits: 9 significant digits for
/// float32, 17 for float64; NaN and infinities as the strings "nan", "inf", "-inf".
std::string json_number(double value, int digits) {
  if (std::isnan(value)) return "\"nan\"";
  if (std::isinf(value)) return value > 0 ? "\"inf\"" : "\"-inf\"";
  char buf[40];
  const auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, digits);
  return std::string(buf, r.ptr);
}

template <class T>
std::string json_values(const Tensor& t) {
  const int digits = sizeof(T) == 4 ? 9 : 17;
  std::string out = "[";
  bool first = true;
  for (const T v : t.to_vector<T>()) {
    if (!first) out += ',';
    first = false;
    out += json_number(static_cast<double>(v), digits);
  }
  return out + "]";
}

std::string to_json(const Tensor& t) {
  std::string shape = "[";
  for (std::size_t i = 0; i < t.sizes().size(); ++i) {
    shape += (i ? "," : "") + std::to_string(t.sizes()[i]);
  }
  const std::string values =
      t.dtype() == DType::Float32 ? json_values<float>(t) : json_values<double>(t);
  return "{\"shape\":" + shape + "],\"dtype\":\"" + std::string(dtype_name(t.dtype())) +
         "\",\"values\":" + values + "}\n";
}

/// The elements in row-major order as little-endian IEEE-754 bytes.
std::string to_raw(const Tensor& t) {
  const Tensor c = t.contiguous();
  const std::size_t size = c.element_size();
  std::string bytes(static_cast<std::size_t>(c.numel()) * size, '\0');
  if (!bytes.empty()) std::memcpy(bytes.data(), c.raw_data(), bytes.size());
  if constexpr (std::endian::native == std::endian::big) {
    for (std::size_t i = 0; i < bytes.size(); i += size) {
      std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                   bytes.begin() + static_cast<std::ptrdiff_t>(i + size));
    }
  }
  return bytes;
}

std::string render(const Tensor& t, Format format) {
  switch (format) {
    case Format::Text:
      return format_tensor(t) + "\n";
    case Format::Json:
      return to_json(t);
    case Format::Raw:
      return to_raw(t);
  }
  return {};
}

/// torch.manual_seed(seed), in the chosen arithmetic mode and torch version. The default
/// generator serves every draw, sparse's randperm included, as in torch without generator=.
Generator& seeded_generator(const SampleOptions& o) {
  const std::uint64_t seed = o.seed;
  const ArithMode mode = o.arith.empty() ? default_arith_mode() : parse_arith_mode(o.arith);
  const TorchVersion version =
      o.torch_version.empty() ? default_torch_version() : parse_torch_version(o.torch_version);
  Generator& gen = manual_seed(seed);
  gen.set_arith_mode(mode);
  gen.set_torch_version(version);
  return gen;
}

void run_sample(const SampleOptions& o) {
  const init::Initializer spec = init::Initializer::parse(o.spec);
  const Shape shape = parse_shape(o.shape);
  // Only the float dtypes: parse_dtype's own message would offer int64 too.
  WEIGHTINIT_CHECK(o.dtype == "float32" || o.dtype == "float64", ValueError, "unsupported dtype '",
                   o.dtype, "' for sample: expected float32 or float64");
  const DType dtype = parse_dtype(o.dtype);
  const Format format = parse_format(o.format);
  const std::string output = o.output == "-" ? std::string() : o.output;  // "-": standard output
  if (format == Format::Raw && output.empty()) {
    throw ValueError("--format raw needs -o FILE (binary data is not written to standard output)");
  }
  if (o.threads != 0) set_num_threads(o.threads);
  const RngFamily family = parse_rng_family(o.rng);
  WEIGHTINIT_CHECK(family == RngFamily::Philox || o.stream.empty(), ValueError,
                   "--stream needs --rng philox (the torch generator has one stream)");
  Generator philox = Generator::philox(o.seed);
  philox.set_stream(o.stream);
  Generator& gen = family == RngFamily::Philox ? philox : seeded_generator(o);
  Tensor t = Tensor::empty(shape, dtype);
  spec.apply(t, gen, gen);
  if (format == Format::Raw && std::endian::native == std::endian::little && t.is_contiguous()) {
    // The tensor's own bytes are the raw format: write them without a copy (a 1e8-element
    // fill would otherwise fault in and copy another 400 MB).
    write_output(output, std::string_view(static_cast<const char*>(t.raw_data()),
                                          static_cast<std::size_t>(t.numel()) * t.element_size()));
    return;
  }
  write_output(output, render(t, format));
}

}  // namespace

void add_sample_command(CLI::App& app) {
  auto o = std::make_shared<SampleOptions>();
  CLI::App* cmd = app.add_subcommand(
      "sample",
      "Fill a tensor by an init spec, like torch.manual_seed(seed); init(torch.empty(shape))");
  cmd->add_option("SPEC", o->spec,
                  "init spec, e.g. 'kaiming_normal(mode=fan_out, nonlinearity=relu)'")
      ->required();
  cmd->add_option("--shape", o->shape, "tensor shape: 3,5 or 3x5 or [3, 5]")->required();
  add_seed_option(cmd, o->seed, "torch.manual_seed before the fill");
  add_torch_profile_option(cmd);
  cmd->add_option("--dtype", o->dtype, "float32 or float64")->capture_default_str();
  cmd->add_option("--arith", o->arith,
                  "PyTorch's CPU arithmetic: avx2 (also avx512) or default; overrides the torch "
                  "profile's");
  cmd->add_option(
      "--torch-version", o->torch_version,
      "PyTorch release to match: 1.13, 2.0 .. 2.11, 2.12 and later; overrides the torch "
      "profile's");
  cmd->add_option("--rng", o->rng,
                  "torch (PyTorch's MT19937, bit-identical; default) or philox (counter-based "
                  "stream (seed, --stream): the same values for any thread count)");
  cmd->add_option("--stream", o->stream, "Philox stream name, e.g. a parameter's name");
  cmd->add_option("--threads", o->threads, "threads for Philox fills (default: all)");
  cmd->add_option("--format", o->format, "text (PyTorch repr), json or raw")->capture_default_str();
  cmd->add_option("-o,--output", o->output,
                  "write to FILE (atomically) instead of standard output ('-': standard output)")
      ->check(output_file(true));
  cmd->callback([o] { run_sample(*o); });
}

}  // namespace weightinit::cli
