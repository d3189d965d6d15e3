// SPDX-License-Identifier: MIT
// Case replay for the golden and differential tests.
#include "support/case_runner.h"

#include <bit>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>

#include "weightinit/init/init.h"
#include "weightinit/init/timm.h"
#include "weightinit/init/warnings.h"
#include "weightinit/weightinit.h"

namespace weightinit::testing {

namespace {

std::string hex32(std::uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::string hex64(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::uint64_t seed_of(const nlohmann::json& j) {
  if (j.is_number_unsigned()) return j.get<std::uint64_t>();
  return static_cast<std::uint64_t>(j.get<std::int64_t>());  // negative: two's complement
}

/// A tensor of the step's shape, dtype and layout. "transposed" views a contiguous tensor of
/// the reversed shape with its dims reversed; "strided" takes every other element of the last
/// dim of a tensor twice as wide.
Tensor make_tensor(const nlohmann::json& step) {
  const Shape shape = step.at("shape").get<Shape>();
  const DType dtype = parse_dtype(step.value("dtype", std::string("float32")));
  const std::string layout = step.value("layout", std::string("contiguous"));
  if (layout == "contiguous") return Tensor::empty(shape, dtype);
  if (layout == "transposed") {
    const Shape reversed(shape.rbegin(), shape.rend());
    Shape dims(shape.size());
    for (std::size_t i = 0; i < dims.size(); ++i)
      dims[i] = static_cast<std::int64_t>(dims.size() - 1 - i);
    return Tensor::empty(reversed, dtype).permute(dims);
  }
  if (layout == "strided") {
    Shape wide = shape;
    wide.back() *= 2;
    return Tensor::empty(wide, dtype).slice(-1, 0, wide.back(), 2);
  }
  throw ValueError("unknown layout '" + layout + "'");
}

std::string tensor_hex(const Tensor& t) {
  std::string out;
  if (t.dtype() == DType::Float32) {
    for (const float v : t.to_vector<float>()) out += hex32(std::bit_cast<std::uint32_t>(v));
  } else {
    for (const double v : t.to_vector<double>()) out += hex64(std::bit_cast<std::uint64_t>(v));
  }
  return out;
}

/// Calls torch.nn.init's function step["fn"] with keyword arguments step["args"] (PyTorch's
/// names and defaults), its values drawn from `gen` and sparse_'s permutations from `perm_gen`:
/// the default generator, which is where torch draws them even under generator=.
void apply_init(Tensor& t, const nlohmann::json& step, Generator& gen, Generator& perm_gen) {
  const std::string fn = step.at("fn");
  const nlohmann::json args = step.value("args", nlohmann::json::object());
  const auto num = [&](const char* key, double fallback) { return args.value(key, fallback); };
  const auto mode = [&] { return init::parse_fan_mode(args.value("mode", std::string("fan_in"))); };
  const auto nonlinearity = [&] {
    return init::parse_nonlinearity(args.value("nonlinearity", std::string("leaky_relu")));
  };
  if (fn == "uniform_") {
    init::uniform_(t, num("a", 0.0), num("b", 1.0), gen);
  } else if (fn == "normal_") {
    init::normal_(t, num("mean", 0.0), num("std", 1.0), gen);
  } else if (fn == "trunc_normal_") {
    init::trunc_normal_(t, num("mean", 0.0), num("std", 1.0), num("a", -2.0), num("b", 2.0), gen);
  } else if (fn == "constant_") {
    init::constant_(t, args.at("val").get<double>());
  } else if (fn == "ones_") {
    init::ones_(t);
  } else if (fn == "zeros_") {
    init::zeros_(t);
  } else if (fn == "eye_") {
    init::eye_(t);
  } else if (fn == "dirac_") {
    init::dirac_(t, args.value("groups", std::int64_t{1}));
  } else if (fn == "xavier_uniform_") {
    init::xavier_uniform_(t, num("gain", 1.0), gen);
  } else if (fn == "xavier_normal_") {
    init::xavier_normal_(t, num("gain", 1.0), gen);
  } else if (fn == "kaiming_uniform_") {
    init::kaiming_uniform_(t, num("a", 0.0), mode(), nonlinearity(), gen);
  } else if (fn == "kaiming_normal_") {
    init::kaiming_normal_(t, num("a", 0.0), mode(), nonlinearity(), gen);
  } else if (fn == "orthogonal_") {
    init::orthogonal_(t, num("gain", 1.0), gen);
  } else if (fn == "sparse_") {
    init::sparse_(t, args.at("sparsity").get<double>(), num("std", 0.01), gen, perm_gen);
  } else if (fn == "timm:trunc_normal_") {
    init::timm_trunc_normal_(t, num("mean", 0.0), num("std", 1.0), num("a", -2.0), num("b", 2.0),
                             gen);
  } else if (fn == "timm:trunc_normal_tf_") {
    init::trunc_normal_tf_(t, num("mean", 0.0), num("std", 1.0), num("a", -2.0), num("b", 2.0),
                           gen);
  } else if (fn == "timm:variance_scaling_") {
    const std::string d = args.value("distribution", std::string("normal"));
    init::timm_variance_scaling_(
        t, num("scale", 1.0), init::parse_scaling_mode(args.value("mode", std::string("fan_in"))),
        d == "normal"    ? init::ScalingDistribution::UntruncatedNormal
        : d == "uniform" ? init::ScalingDistribution::Uniform
                         : init::ScalingDistribution::TruncatedNormal,
        gen);
  } else if (fn == "timm:lecun_normal_") {
    init::timm_lecun_normal_(t, gen);
  } else {
    throw ValueError("unknown init function '" + fn + "'");
  }
}

std::string run_step(const nlohmann::json& step, Generator& gen) {
  const std::string op = step.at("op");
  if (op == "init") {
    Tensor t = make_tensor(step);
    const WarningHandler previous = set_warning_handler([](std::string_view) {});
    // generator=: the values from a generator of their own (same profile); sparse_'s
    // permutation still from the default one, as torch 2.x's sparse_ does.
    std::optional<Generator> own;
    if (step.contains("generator_seed")) {
      own.emplace(seed_of(step.at("generator_seed")), gen.arith_mode(), gen.torch_version());
    }
    try {
      apply_init(t, step, own ? *own : gen, gen);
    } catch (...) {
      set_warning_handler(previous);
      throw;
    }
    set_warning_handler(previous);
    return tensor_hex(t);
  }
  if (op == "uniform") {
    Tensor t = make_tensor(step);
    uniform_(t, step.value("from", 0.0), step.value("to", 1.0), gen);
    return tensor_hex(t);
  }
  if (op == "normal") {
    Tensor t = make_tensor(step);
    normal_(t, step.value("mean", 0.0), step.value("std", 1.0), gen);
    return tensor_hex(t);
  }
  if (op == "rand" || op == "randn") {
    const Shape shape = step.at("shape").get<Shape>();
    const DType dtype = parse_dtype(step.value("dtype", std::string("float32")));
    return tensor_hex(op == "rand" ? rand(shape, dtype, gen) : randn(shape, dtype, gen));
  }
  std::string out;
  if (op == "randperm") {
    for (const std::int64_t v : randperm(step.at("n").get<std::int64_t>(), gen)) {
      out += hex64(static_cast<std::uint64_t>(v));
    }
  } else if (op == "randint") {
    const Tensor t =
        randint(step.at("low").get<std::int64_t>(), step.at("high").get<std::int64_t>(),
                step.at("shape").get<Shape>(), gen);
    for (const std::int64_t v : t.to_vector<std::int64_t>())
      out += hex64(static_cast<std::uint64_t>(v));
  } else if (op == "state") {
    char buf[3];
    for (const std::uint8_t b : gen.get_state()) {
      std::snprintf(buf, sizeof buf, "%02x", b);
      out += buf;
    }
  } else if (op == "initial_seed") {
    out = hex64(gen.initial_seed());
  } else {
    throw ValueError("unknown step op '" + op + "'");
  }
  return out;
}

/// Width in hex digits of one element of a step's output.
std::size_t element_digits(const nlohmann::json& step) {
  const std::string op = step.at("op");
  if (op == "state") return 2;
  if (op == "randperm" || op == "randint" || op == "initial_seed") return 16;
  return step.value("dtype", std::string("float32")) == "float64" ? 16 : 8;
}

std::string value_text(const std::string& hex, std::size_t digits, const nlohmann::json& step) {
  const std::uint64_t bits = std::stoull(hex, nullptr, 16);
  std::ostringstream os;
  os << "0x" << hex;
  const std::string op = step.at("op");
  if (op == "uniform" || op == "normal" || op == "rand" || op == "randn" || op == "init") {
    os.precision(17);
    if (digits == 8) {
      os << " (" << std::bit_cast<float>(static_cast<std::uint32_t>(bits)) << ")";
    } else {
      os << " (" << std::bit_cast<double>(bits) << ")";
    }
  }
  return os.str();
}

}  // namespace

std::vector<std::string> run_case(const nlohmann::json& test_case) {
  const ArithMode mode = parse_arith_mode(test_case.value("mode", std::string("avx2")));
  const TorchVersion version =
      parse_torch_version(test_case.value("torch_version", std::string("1.13")));
  Generator gen(seed_of(test_case.at("seed")), mode, version);
  std::vector<std::string> outputs;
  for (const auto& step : test_case.at("steps")) outputs.push_back(run_step(step, gen));
  return outputs;
}

std::optional<std::string> check_case(const nlohmann::json& test_case) {
  const auto& steps = test_case.at("steps");
  const auto& expected = test_case.at("expected");
  if (expected.size() != steps.size()) {
    return "case has " + std::to_string(steps.size()) + " steps but " +
           std::to_string(expected.size()) + " expected outputs";
  }
  std::vector<std::string> actual;
  try {
    actual = run_case(test_case);
  } catch (const std::exception& e) {
    return std::string("threw: ") + e.what();
  }
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const std::string want = expected[s].get<std::string>();
    const std::string& got = actual[s];
    if (want == got) continue;
    const std::size_t digits = element_digits(steps[s]);
    std::ostringstream msg;
    msg << "step " << s << " " << steps[s].dump() << ": ";
    if (want.size() != got.size()) {
      msg << "expected " << want.size() / digits << " elements, got " << got.size() / digits;
      return msg.str();
    }
    std::size_t i = 0;
    while (want.compare(i, digits, got, i, digits) == 0) i += digits;
    msg << "element " << i / digits << ": expected "
        << value_text(want.substr(i, digits), digits, steps[s]) << ", got "
        << value_text(got.substr(i, digits), digits, steps[s]);
    return msg.str();
  }
  return std::nullopt;
}

std::string describe_case(const nlohmann::json& test_case) {
  std::ostringstream os;
  os << test_case.value("id", std::string("case")) << " (seed " << test_case.at("seed").dump()
     << ", mode " << test_case.value("mode", std::string("avx2"));
  if (test_case.contains("case_seed")) os << ", case_seed " << test_case["case_seed"].dump();
  os << ")";
  return os.str();
}

}  // namespace weightinit::testing
