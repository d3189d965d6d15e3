// SPDX-License-Identifier: MIT
// The weightinit command line, run as a process: every command's output and exit code, output
// formats that agree bit for bit with the library, errors, and atomic -o files.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.h"
#include "process_group.h"
#include "random/mkl_runtime.h"
#include "weightinit/init/fan.h"
#include "weightinit/init/init.h"
#include "weightinit/init/spec.h"
#include "weightinit/recipes/policy.h"
#include "weightinit/weightinit.h"

extern char** environ;

namespace wi = weightinit;
namespace init = weightinit::init;
namespace fs = std::filesystem;

namespace {

/// The bytes of a tensor's elements in row-major order.
std::string bytes_of(const wi::Tensor& t) {
  const wi::Tensor c = t.contiguous();
  std::string bytes(static_cast<std::size_t>(c.numel()) * c.element_size(), '\0');
  if (!bytes.empty()) std::memcpy(bytes.data(), c.raw_data(), bytes.size());
  return bytes;
}

std::string g17(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// What the CLI computes: torch.manual_seed(seed) in `mode`, then the init call on empty(shape).
wi::Tensor library(const std::function<void(wi::Tensor&, wi::Generator&)>& fill,
                   const wi::Shape& shape, wi::DType dtype, std::uint64_t seed, wi::ArithMode mode,
                   wi::TorchVersion version = wi::default_torch_version()) {
  wi::Generator gen(seed, mode, version);
  wi::Tensor t = wi::Tensor::empty(shape, dtype);
  fill(t, gen);
  return t;
}

/// A JSON value as the CLI writes it: a number, or "nan" / "inf" / "-inf".
double json_value(const nlohmann::json& v) {
  if (v.is_number()) return v.get<double>();
  const std::string s = v.get<std::string>();
  if (s == "nan") return std::nan("");
  if (s == "inf") return HUGE_VAL;
  if (s == "-inf") return -HUGE_VAL;
  ADD_FAILURE() << "unexpected JSON value " << v.dump();
  return 0;
}

/// The tensor a JSON document describes, with its values converted to its dtype.
wi::Tensor tensor_from_json(const std::string& text) {
  const auto doc = nlohmann::json::parse(text);
  const wi::Shape shape = doc.at("shape").get<wi::Shape>();
  const wi::DType dtype = wi::parse_dtype(doc.at("dtype").get<std::string>());
  std::vector<double> values;
  for (const auto& v : doc.at("values")) values.push_back(json_value(v));
  if (dtype == wi::DType::Float64) return wi::Tensor::from_data<double>(values, shape);
  std::vector<float> floats(values.begin(), values.end());
  return wi::Tensor::from_data<float>(floats, shape);
}

struct SampleCase {
  std::string spec;
  std::string shape_text;
  wi::Shape shape;
  std::function<void(wi::Tensor&, wi::Generator&)> fill;
};

std::vector<SampleCase> sample_cases() {
  using init::FanMode;
  using init::Nonlinearity;
  return {
      {"uniform(-1, 1)",
       "4,5",
       {4, 5},
       [](wi::Tensor& t, wi::Generator& g) { init::uniform_(t, -1, 1, g); }},
      {"normal(0, 0.02)",
       "3x5",
       {3, 5},
       [](wi::Tensor& t, wi::Generator& g) { init::normal_(t, 0, 0.02, g); }},
      {"normal", "7", {7}, [](wi::Tensor& t, wi::Generator& g) { init::normal_(t, 0, 1, g); }},
      {"trunc_normal(std=0.02)",
       "[20]",
       {20},
       [](wi::Tensor& t, wi::Generator& g) { init::trunc_normal_(t, 0, 0.02, -2, 2, g); }},
      {"xavier_uniform",
       "6,4",
       {6, 4},
       [](wi::Tensor& t, wi::Generator& g) { init::xavier_uniform_(t, 1, g); }},
      {"kaiming_normal(mode=fan_out, nonlinearity=relu)",
       "8,3,3,3",
       {8, 3, 3, 3},
       [](wi::Tensor& t, wi::Generator& g) {
         init::kaiming_normal_(t, 0, FanMode::FanOut, Nonlinearity::ReLU, g);
       }},
      {"kaiming_uniform_(a=2.23606797749979)",
       "5,3",
       {5, 3},
       [](wi::Tensor& t, wi::Generator& g) {
         init::kaiming_uniform_(t, 2.23606797749979, FanMode::FanIn, Nonlinearity::LeakyReLU, g);
       }},
      {"orthogonal",
       "3,5",
       {3, 5},
       [](wi::Tensor& t, wi::Generator& g) { init::orthogonal_(t, 1, g); }},
      {"sparse(0.5)",
       "6,3",
       {6, 3},
       [](wi::Tensor& t, wi::Generator& g) { init::sparse_(t, 0.5, 0.01, g, g); }},
      {"dirac(groups=2)",
       "4,2,3",
       {4, 2, 3},
       [](wi::Tensor& t, wi::Generator&) { init::dirac_(t, 2); }},
      {"eye", "2,3", {2, 3}, [](wi::Tensor& t, wi::Generator&) { init::eye_(t); }},
  };
}

std::vector<std::string> sample_args(const SampleCase& c, const std::string& dtype,
                                     const std::string& mode, const std::string& format) {
  return {"sample",  c.spec, "--shape", c.shape_text, "--seed",   "42",
          "--dtype", dtype,  "--arith", mode,         "--format", format};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// sample

TEST_F(Cli, SampleUniformPrintsWhatTorchPrints) {
  // torch.manual_seed(0); torch.empty(3).uniform_()
  const Result r = run({"sample", "uniform", "--shape", "3", "--seed", "0"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "tensor([0.4963, 0.7682, 0.0885])\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(Cli, SampleTextIsTheLibrarysReprInEveryDtypeAndMode) {
  for (const auto& [dtype_name, dtype] :
       {std::pair{"float32", wi::DType::Float32}, std::pair{"float64", wi::DType::Float64}}) {
    for (const auto& [mode_name, mode] :
         {std::pair{"avx2", wi::ArithMode::Avx2}, std::pair{"default", wi::ArithMode::Default}}) {
      for (const SampleCase& c : sample_cases()) {
        SCOPED_TRACE(c.spec + " " + dtype_name + " " + mode_name);
        const Result r = run(sample_args(c, dtype_name, mode_name, "text"));
        EXPECT_EQ(r.code, 0);
        // A 2.x profile's orthogonal_ says so when it cannot reach MKL's QR, torch's.
        const bool qr_warning = c.spec.rfind("orthogonal", 0) == 0 &&
                                wi::default_torch_version() != wi::TorchVersion::V1_13 &&
                                wi::detail::mkl_runtime() == nullptr;
        EXPECT_EQ(r.err, qr_warning ? "weightinit: warning: orthogonal_: PyTorch 2.x's QR is "
                                      "MKL's, whose runtime (libmkl_rt.so.2 from PyPI's "
                                      "mkl==2024.2.0; WEIGHTINIT_MKL_RT names its path) was not "
                                      "found: the linked LAPACK is used, within 512 eps of "
                                      "torch's values (docs/rng.md)\n"
                                    : "");
        EXPECT_EQ(r.out, wi::format_tensor(library(c.fill, c.shape, dtype, 42, mode)) + "\n");
      }
    }
  }
}

TEST_F(Cli, SampleJsonValuesAreTheExactBitsAndAgreeWithText) {
  for (const auto& [dtype_name, dtype] :
       {std::pair{"float32", wi::DType::Float32}, std::pair{"float64", wi::DType::Float64}}) {
    for (const SampleCase& c : sample_cases()) {
      SCOPED_TRACE(c.spec + " " + dtype_name);
      const Result json = run(sample_args(c, dtype_name, "avx2", "json"));
      ASSERT_EQ(json.code, 0) << json.err;
      const wi::Tensor parsed = tensor_from_json(json.out);
      const wi::Tensor expected = library(c.fill, c.shape, dtype, 42, wi::ArithMode::Avx2);
      EXPECT_EQ(parsed.sizes(), c.shape);
      EXPECT_EQ(parsed.dtype(), dtype);
      EXPECT_EQ(bytes_of(parsed), bytes_of(expected));
      const Result text = run(sample_args(c, dtype_name, "avx2", "text"));
      EXPECT_EQ(text.out, wi::format_tensor(parsed) + "\n");
    }
  }
}

TEST_F(Cli, SampleJsonLayout) {
  const Result r = run({"sample", "constant(0.5)", "--shape", "2,1", "--format", "json"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.out, "{\"shape\":[2,1],\"dtype\":\"float32\",\"values\":[0.5,0.5]}\n");
  const Result d =
      run({"sample", "constant(0.1)", "--shape", "1", "--format", "json", "--dtype", "float64"});
  EXPECT_EQ(d.out, "{\"shape\":[1],\"dtype\":\"float64\",\"values\":[0.10000000000000001]}\n");
  const Result e = run({"sample", "zeros", "--shape", "0,3", "--format", "json"});
  EXPECT_EQ(e.code, 0);
  EXPECT_EQ(e.out, "{\"shape\":[0,3],\"dtype\":\"float32\",\"values\":[]}\n");
}

TEST_F(Cli, SampleJsonWritesNanAndInfinityAsStrings) {
  const Result nan = run({"sample", "constant(nan)", "--shape", "2", "--format", "json"});
  EXPECT_EQ(nan.out, "{\"shape\":[2],\"dtype\":\"float32\",\"values\":[\"nan\",\"nan\"]}\n");
  const Result inf =
      run({"sample", "constant(-inf)", "--shape", "1", "--format", "json", "--dtype", "float64"});
  EXPECT_EQ(inf.out, "{\"shape\":[1],\"dtype\":\"float64\",\"values\":[\"-inf\"]}\n");
  const Result pinf = run({"sample", "constant(inf)", "--shape", "1", "--format", "json"});
  EXPECT_EQ(pinf.out, "{\"shape\":[1],\"dtype\":\"float32\",\"values\":[\"inf\"]}\n");
  EXPECT_TRUE(std::isnan(tensor_from_json(nan.out).item({0})));
}

TEST_F(Cli, SampleRawBytesAreLittleEndianAndEqualTheJsonValues) {
  for (const auto& [dtype_name, dtype] :
       {std::pair{"float32", wi::DType::Float32}, std::pair{"float64", wi::DType::Float64}}) {
    for (const SampleCase& c : sample_cases()) {
      SCOPED_TRACE(c.spec + " " + dtype_name);
      const fs::path file = dir_ / "out.bin";
      auto args = sample_args(c, dtype_name, "default", "raw");
      args.insert(args.end(), {"-o", file.string()});
      const Result r = run(args);
      ASSERT_EQ(r.code, 0) << r.err;
      EXPECT_EQ(r.out, "");
      const std::string raw = read_file(file);
      EXPECT_EQ(raw, bytes_of(library(c.fill, c.shape, dtype, 42, wi::ArithMode::Default)));
      const Result json = run(sample_args(c, dtype_name, "default", "json"));
      EXPECT_EQ(raw, bytes_of(tensor_from_json(json.out)));
    }
  }
  static_assert(std::endian::native == std::endian::little, "the raw check assumes a LE host");
}

TEST_F(Cli, SampleRawRefusesStandardOutput) {
  expect_error(run({"sample", "normal", "--shape", "3", "--format", "raw"}), 2,
               "--format raw needs -o FILE (binary data is not written to standard output)");
}

TEST_F(Cli, OutputFileGetsExactlyWhatStdoutWouldShow) {
  for (const std::string format : {"text", "json"}) {
    const fs::path file = dir_ / ("out." + format);
    std::ofstream(file) << "old content that is longer than the new content ..............\n"
                        << std::string(10000, 'x');
    const std::vector<std::string> args{"sample", "normal(0, 0.5)", "--shape", "4,4", "--seed",
                                        "5",      "--format",       format};
    auto to_file = args;
    to_file.insert(to_file.end(), {"-o", file.string()});
    const Result written = run(to_file);
    EXPECT_EQ(written.code, 0) << written.err;
    EXPECT_EQ(written.out, "");
    EXPECT_EQ(written.err, "");
    EXPECT_EQ(read_file(file), run(args).out);
  }
  EXPECT_EQ(files().size(), 2u);  // no temporary file is left behind
}

TEST_F(Cli, OutputFileInTheCurrentDirectoryByRelativeName) {
  const fs::path previous = fs::current_path();
  fs::current_path(dir_);
  const Result r = run({"sample", "ones", "--shape", "2", "--output", "rel.txt"});
  fs::current_path(previous);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_file(dir_ / "rel.txt"), "tensor([1., 1.])\n");
}

TEST_F(Cli, SeedsRangeOverTorchsInt64AndUint64) {
  const auto sample = [&](const std::string& seed) {
    return run({"sample", "normal", "--shape", "5", "--seed", seed});
  };
  EXPECT_EQ(sample("-1").out, sample("18446744073709551615").out);
  EXPECT_EQ(sample("-9223372036854775808").out, sample("9223372036854775808").out);
  EXPECT_EQ(sample("+7").out, sample("7").out);
  EXPECT_EQ(sample("-1").code, 0);
  const wi::Tensor expected =
      library([](wi::Tensor& t, wi::Generator& g) { init::normal_(t, 0, 1, g); }, {5},
              wi::DType::Float32, 18446744073709551615ull, wi::default_arith_mode());
  EXPECT_EQ(sample("-1").out, wi::format_tensor(expected) + "\n");
  for (const std::string bad : {"18446744073709551616", "-9223372036854775809", "1.5", "x", ""}) {
    expect_error(sample(bad), 2,
                 "invalid seed '" + bad + "': expected an integer in [-2^63, 2^64-1]");
  }
}

TEST_F(Cli, TorchVersionSelectsTheGeneratorPreset) {
  for (const auto& [name, version] :
       {std::pair{"1.13", wi::TorchVersion::V1_13}, std::pair{"2.0", wi::TorchVersion::V2_0},
        std::pair{"2.12", wi::TorchVersion::V2_12}}) {
    const auto fill = [](wi::Tensor& t, wi::Generator& g) { init::normal_(t, 0, 1, g); };
    const Result r = run({"sample", "normal", "--shape", "5", "--dtype", "float64",
                          "--torch-version", name, "--arith", "default", "--format", "json"});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(bytes_of(tensor_from_json(r.out)),
              bytes_of(library(fill, {5}, wi::DType::Float64, 0, wi::ArithMode::Default, version)));
  }
}

// ---------------------------------------------------------------------------------------------
// gain, fan, list

TEST_F(Cli, GainPrintsCalculateGainWithFullPrecision) {
  EXPECT_EQ(run({"gain", "leaky_relu", "0.2"}).out,
            g17(init::calculate_gain("leaky_relu", 0.2)) + "\n");
  EXPECT_EQ(run({"gain", "leaky_relu", "0.2"}).out, "1.3867504905630728\n");
  EXPECT_EQ(run({"gain", "leaky_relu"}).out, g17(init::calculate_gain("leaky_relu")) + "\n");
  EXPECT_EQ(run({"gain", "leaky_relu", "-0.2"}).out,
            g17(init::calculate_gain("leaky_relu", -0.2)) + "\n");
  for (const auto n : init::all_nonlinearities()) {
    const std::string name(init::nonlinearity_name(n));
    const Result r = run({"gain", name});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, g17(init::calculate_gain(n)) + "\n") << name;
  }
  EXPECT_EQ(run({"gain", "relu"}).out, "1.4142135623730951\n");
  EXPECT_EQ(run({"gain", "tanh", "3"}).out, "1.6666666666666667\n");  // ignored, as in torch
}

TEST_F(Cli, GainErrors) {
  expect_error(run({"gain", "rleu"}), 2, "Unsupported nonlinearity rleu");
  expect_error(run({"gain", "leaky_relu", "abc"}), 2, "negative_slope abc not a valid number");
  expect_error(run({"gain", "relu", "abc"}), 2, "invalid PARAM 'abc': expected a number");
  expect_error(run({"gain"}), 2);
}

TEST_F(Cli, FanPrintsTheLibrarysFans) {
  for (const std::string shape : {"64,3,7,7", "5,3", "[16, 8, 3]", "0,4"}) {
    const init::Fans f = init::calculate_fan_in_and_fan_out(wi::parse_shape(shape));
    const Result r = run({"fan", shape});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out, "fan_in=" + std::to_string(f.fan_in) +
                         " fan_out=" + std::to_string(f.fan_out) +
                         " receptive_field=" + std::to_string(f.receptive_field) + "\n");
  }
  EXPECT_EQ(run({"fan", "64,3,7,7"}).out, "fan_in=147 fan_out=3136 receptive_field=49\n");
}

TEST_F(Cli, FanErrors) {
  expect_error(run({"fan", "3"}), 2,
               "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  expect_error(run({"fan", "3,b"}), 2,
               "invalid shape '3,b': expected a non-negative integer at position 3");
}

TEST_F(Cli, ListShowsEverySchemeWithItsParametersFormulaPaperAndTorchName) {
  const Result r = run({"list"});
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.err, "");
  for (const init::Scheme& s : init::schemes()) {
    std::string signature = s.name;
    for (std::size_t i = 0; i < s.params.size(); ++i) {
      const auto& p = s.params[i];
      signature += (i ? ", " : "(") + p.name + (p.default_text.empty() ? "" : "=" + p.default_text);
    }
    if (!s.params.empty()) signature += ")";
    EXPECT_NE(("\n" + r.out).find("\n" + signature + "\n"), std::string::npos) << signature;
    EXPECT_NE(r.out.find("  formula: " + s.formula + "\n"), std::string::npos) << s.name;
    EXPECT_NE(r.out.find("  torch:   " + s.torch_equivalent + "\n"), std::string::npos) << s.name;
    if (!s.paper.empty()) {
      EXPECT_NE(r.out.find(s.paper), std::string::npos) << s.name;
    }
  }
  EXPECT_EQ(r.out.rfind("uniform(a=0, b=1)\n", 0), 0u);
  EXPECT_NE(r.out.find("\nsparse(sparsity, std=0.01)\n"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Usage errors: one line on stderr, exit 2, no output file

TEST_F(Cli, BadSpecNamesTheColumnAndSuggestsAName) {
  expect_error(run({"sample", "kaiming_norml", "--shape", "3,5"}), 2,
               "at column 1: unknown init 'kaiming_norml' (did you mean 'kaiming_normal'?)");
  expect_error(run({"sample", "normal(stdd=1)", "--shape", "3"}), 2,
               "at column 8: unknown argument 'stdd' for normal (did you mean 'std'?)");
  expect_error(run({"sample", "kaiming_normal(mode=fan_middle)", "--shape", "3,5"}), 2);
  expect_error(run({"sample", "normal(0, 1", "--shape", "3"}), 2,
               "at column 12: expected ',' or ')', but found end of spec");
}

TEST_F(Cli, BadOptionValues) {
  const auto sample = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"sample", "normal", "--shape", "3"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  expect_error(run({"sample", "normal", "--shape", "3,a"}), 2,
               "invalid shape '3,a': expected a non-negative integer at position 3");
  expect_error(run({"sample", "normal", "--shape", "-3"}), 2);
  expect_error(sample({"--dtype", "int8"}), 2);
  expect_error(sample({"--dtype", "int64"}), 2,
               "unsupported dtype 'int64' for sample: expected float32 or float64");
  expect_error(sample({"--format", "csv"}), 2, "unknown format 'csv': expected text, json or raw");
  expect_error(sample({"--arith", "sse"}), 2);
  expect_error(sample({"--torch-version", "0.4"}), 2);
  expect_error(sample({"--bogus"}), 2);
  expect_error(run({"sample", "normal"}), 2);        // --shape is required
  expect_error(run({"sample", "--shape", "3"}), 2);  // SPEC is required
}

TEST_F(Cli, LibraryRuleViolationsAreUsageErrors) {
  expect_error(run({"sample", "eye", "--shape", "2,2,2"}), 2,
               "Only tensors with 2 dimensions are supported");
  expect_error(run({"sample", "normal(0, -1)", "--shape", "3"}), 2,
               "normal expects std >= 0.0, but found std -1");
}

TEST_F(Cli, CommandErrors) {
  const std::string commands =
      "sample, gain, fan, list, summary, forward, params, export, init, train, probe, compare, "
      "report or search (see weightinit --help)";
  expect_error(run({"frobnicate"}), 2, "unknown command 'frobnicate': expected " + commands);
  expect_error(run({}), 2, "a command is required: " + commands);
  expect_error(run({"--frobnicate"}), 2,
               "unknown option '--frobnicate': expected a command first: " + commands);
  expect_error(run({"list", "extra"}), 2);
}

TEST_F(Cli, HelpAndVersionExitZero) {
  const Result version = run({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out.rfind("weightinit ", 0), 0u);
  const Result help = run({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* command : {"sample", "gain", "fan", "list"}) {
    EXPECT_NE(help.out.find(command), std::string::npos) << command;
  }
  EXPECT_EQ(run({"sample", "--help"}).code, 0);
}

TEST_F(Cli, NoOutputFileIsCreatedOnAnError) {
  const std::string file = (dir_ / "out.txt").string();
  expect_error(run({"sample", "kaiming_norml", "--shape", "3", "-o", file}), 2);
  expect_error(run({"sample", "eye", "--shape", "3,3,3", "-o", file}), 2);
  expect_error(run({"sample", "normal", "--shape", "3", "--dtype", "x", "-o", file}), 2);
  EXPECT_TRUE(files().empty());
}

TEST_F(Cli, UnwritableOutputIsARuntimeFailureAndLeavesNothing) {
  const Result r =
      run({"sample", "uniform", "--shape", "3", "--format", "raw", "-o", "/nonexistent/dir/x.bin"});
  expect_error(r, 1);
  EXPECT_NE(r.err.find("'/nonexistent/dir/x.bin'"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists("/nonexistent/dir/x.bin"));

  // Renaming over a directory fails after the temporary file is written: it must be removed.
  fs::create_directory(dir_ / "a_directory");
  expect_error(run({"sample", "uniform", "--shape", "3", "-o", (dir_ / "a_directory").string()}),
               1);
  EXPECT_EQ(files(), std::vector<std::string>{"a_directory"});
  EXPECT_TRUE(fs::is_empty(dir_ / "a_directory"));
}

namespace {
std::string golden_text(const std::string& name) {
  return read_file(std::string(WEIGHTINIT_GOLDEN_DIR) + "/" + name);
}
}  // namespace

// `summary` prints torchsummary's table (tests/golden/summary_*.txt, made by torchsummary's code
// on real torch); seed document 004 shows the same seed-MLP table.
TEST_F(Cli, SummaryPrintsTorchsummarysTable) {
  const Result mlp = run({"summary", "seed-mlp", "--batch", "5"});
  EXPECT_EQ(mlp.code, 0) << mlp.err;
  EXPECT_EQ(mlp.out, golden_text("summary_seed_mlp.txt"));
  const Result c3d = run({"summary", "c3d:101", "--input", "3,16,112,112", "--batch", "1"});
  EXPECT_EQ(c3d.code, 0) << c3d.err;
  EXPECT_EQ(c3d.out, golden_text("summary_c3d.txt"));
  // torchvision's models run (issue #20): the same table as torchsummary on torchvision's.
  // He et al. 2016's CIFAR ResNet-20 (tools/golden/cifar_resnet_ref.py): LambdaLayer rows for
  // the option-A shortcuts, no rows for the F.relu calls or the empty Sequential shortcuts.
  for (const std::string model :
       {"resnet50", "vgg11_bn", "densenet121", "mobilenet_v2", "cifar-resnet20"}) {
    const Result r = run({"summary", model});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, golden_text("summary_" + model + ".txt")) << model;
  }
}

// `forward resnet18` is `torch.manual_seed(0); m = torchvision.models.resnet18().eval();
// m(torch.rand(1, 3, 224, 224))`: the printed values within 1e-4 of the largest of torch's
// (tests/golden/model_forward.json; the print rounds to 4 decimals).
TEST_F(Cli, ForwardOfATorchvisionModelIncludesItsInitLoop) {
  const Result r = run({"forward", "resnet18"});
  ASSERT_EQ(r.code, 0) << r.err;
  ASSERT_EQ(r.out.rfind("input [1, 3, 224, 224] -> output [1, 1000]\n", 0), 0u) << r.out;
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/model_forward.json");
  const auto want = nlohmann::json::parse(in).at("resnet18").at("output");
  std::string values = r.out.substr(r.out.find("tensor([") + 8);
  std::replace(values.begin(), values.end(), ',', ' ');
  std::istringstream parse(values);
  double largest = 0;
  for (int i = 0; i < 10; ++i) largest = std::max(largest, std::abs(want[i].get<double>()));
  for (int i = 0; i < 10; ++i) {
    double got = 0;
    ASSERT_TRUE(parse >> got) << r.out;
    EXPECT_NEAR(got, want[i].get<double>(), 5e-5 + 1e-4 * largest) << "value " << i;
  }
}

// `params` prints named_parameters() as `print(name, parameter)` does after manual_seed.
TEST_F(Cli, ParamsPrintsNamedParametersLikePyTorch) {
  const Result r = run({"params", "seed-mlp", "--seed", "0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, golden_text("params_seed_mlp.txt"));
}

// Seed document 000: C3D on rand(1, 3, 16, 112, 112) gives torch.Size([1, 101]).
TEST_F(Cli, ForwardC3DGivesOneRowOf101Classes) {
  const Result r = run({"forward", "c3d:101", "--seed", "0"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("input [1, 3, 16, 112, 112] -> output [1, 101]\n", 0), 0u) << r.out;
  const Result mlp = run({"forward", "mlp:4-[8x2]-3:tanh", "--batch", "2"});
  EXPECT_EQ(mlp.code, 0) << mlp.err;
  EXPECT_EQ(mlp.out.rfind("input [2, 4] -> output [2, 3]\n", 0), 0u) << mlp.out;
  // GPT-2 takes token ids (torch.randint(vocab, (batch, length))) and gives logits.
  const Result gpt = run({"forward", "gpt2:d=64,layers=2,heads=4,vocab=100,positions=32", "--input",
                          "8", "--batch", "2"});
  EXPECT_EQ(gpt.code, 0) << gpt.err;
  EXPECT_EQ(gpt.out.rfind("input [2, 8] -> output [2, 8, 100]\n", 0), 0u) << gpt.out;
  const Result llama =
      run({"forward", "llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100", "--input", "5"});
  EXPECT_EQ(llama.code, 0) << llama.err;
  EXPECT_EQ(llama.out.rfind("input [1, 5] -> output [1, 5, 100]\n", 0), 0u) << llama.out;
}

// torchinfo's table (checked text for text against torchinfo by torch2_torchinfo_summary).
TEST_F(Cli, SummaryTorchinfoStyleHasTheModelRowDepthIndicesAndMultAdds) {
  const Result r = run({"summary", "seed-mlp", "--style", "torchinfo", "--batch", "5"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(
      r.out.find("Layer (type:depth-idx)                   Output Shape              Param #"),
      std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nModel                                    [5, 2]                    --\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("├─Linear: 1-3                            [5, 2]                    6\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Total mult-adds (Units.MEGABYTES): 0.00\n"), std::string::npos) << r.out;
  expect_error_with(run({"summary", "seed-mlp", "--style", "keras"}), 2, "--style");
  expect_error(run({"summary", "seed-mlp", "--style", "torchinfo", "--verbose"}), 2,
               "--verbose goes with the torchsummary style");
}

TEST_F(Cli, UnknownModelSuggestsTheClosestAndListModelsShowsThemAll) {
  expect_error(run({"summary", "resnet5"}), 2,
               "unknown model 'resnet5' (did you mean 'resnet50'?): weightinit list --models "
               "shows the known models");
  expect_error(run({"summary", "transformer"}), 2,
               "unknown model 'transformer': weightinit list --models shows the known models");
  const Result list = run({"list", "--models"});
  EXPECT_EQ(list.code, 0) << list.err;
  EXPECT_NE(list.out.find("resnet18|34|50|101|152"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("c3d[:NUM_CLASSES]"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("cifar-resnet20|32|44|56|110|1202"), std::string::npos) << list.out;
  expect_error(run({"summary", "cifar-resnet21"}), 2,
               "invalid model spec 'cifar-resnet21': a CIFAR ResNet's depth is 6n + 2 with n >= "
               "1 blocks per stage (8, 14, 20, 32, 44, 56, 110, 1202, ...), but got depth 21");
  expect_error(run({"params", "mlp:784-x-10"}), 2,
               "invalid model spec 'mlp:784-x-10': expected a positive integer, but got 'x'");
  expect_error(run({"forward", "mlp:4-3:swish"}), 2,
               "unknown activation 'swish': expected relu, leaky_relu, elu, selu, gelu, tanh, "
               "sigmoid or linear");
}

// ---------------------------------------------------------------------------------------------
// `export MODEL -o FILE`: the state dict as safetensors (docs/safetensors.md).
#include "weightinit/io/safetensors.h"
#include "weightinit/models/registry.h"

namespace {

/// The model built in-process as the CLI builds it: manual_seed(seed), then build_model.
wi::nn::StateDict built_state(const std::string& spec, std::uint64_t seed) {
  wi::manual_seed(seed);
  static std::vector<std::shared_ptr<wi::nn::Module>> keep;  // state_dict() shares storage
  keep.push_back(wi::models::build_model(spec, wi::default_generator()).module);
  return keep.back()->state_dict();
}

}  // namespace

TEST_F(Cli, ExportWritesTheModelsStateDictBitForBit) {
  const std::string file = (dir_ / "mlp.safetensors").string();
  const Result r = run({"export", "mlp:784-256-10", "--seed", "3", "-o", file});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  const wi::io::SafetensorsFile f = wi::io::load_safetensors(file);
  const wi::nn::StateDict want = built_state("mlp:784-256-10", 3);
  ASSERT_EQ(f.tensors.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(f.tensors[i].first, want[i].first);
    EXPECT_EQ(f.tensors[i].second.sizes(), want[i].second.sizes());
    EXPECT_EQ(bytes_of(f.tensors[i].second), bytes_of(want[i].second)) << want[i].first;
    EXPECT_EQ(f.stored[i], wi::io::StoredDType::F32);
  }
  EXPECT_EQ(f.metadata.at("seed"), "3");
  EXPECT_EQ(f.metadata.at("model"), "mlp:784-256-10");
  EXPECT_EQ(f.metadata.at("generator"), "torch-mt19937");
  EXPECT_EQ(f.metadata.at("policy"), "torch-default");
  EXPECT_FALSE(f.metadata.at("weightinit_version").empty());
  EXPECT_EQ(files(), std::vector<std::string>{"mlp.safetensors"});
}

TEST_F(Cli, ExportConvertsToBf16AndF16) {
  const wi::nn::StateDict want = built_state("seed-mlp", 0);
  for (const std::string dtype : {"bf16", "f16"}) {
    const std::string file = (dir_ / ("seed_" + dtype + ".safetensors")).string();
    const Result r = run({"export", "seed-mlp", "--dtype", dtype, "-o", file});
    ASSERT_EQ(r.code, 0) << r.err;
    const wi::io::SafetensorsFile f = wi::io::load_safetensors(file);
    ASSERT_EQ(f.tensors.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      const std::vector<float> got = f.tensors[i].second.to_vector<float>();
      const std::vector<float> src = want[i].second.to_vector<float>();
      ASSERT_EQ(got.size(), src.size());
      for (std::size_t k = 0; k < src.size(); ++k) {
        const float rounded = dtype == "bf16"
                                  ? wi::io::bf16_bits_to_float(wi::io::float_to_bf16_bits(src[k]))
                                  : wi::io::f16_bits_to_float(wi::io::float_to_f16_bits(src[k]));
        EXPECT_EQ(got[k], rounded) << want[i].first << "[" << k << "]";
      }
    }
  }
}

TEST_F(Cli, ExportOfABadModelOrDtypeExitsTwoAndWritesNothing) {
  const std::string file = (dir_ / "x.safetensors").string();
  const Result r = run({"export", "resnet5", "-o", file});
  expect_error(r, 2);
  EXPECT_NE(r.err.find("unknown model 'resnet5'"), std::string::npos) << r.err;
  expect_error(run({"export", "seed-mlp", "--dtype", "f8", "-o", file}), 2);
  expect_error(run({"export", "seed-mlp"}), 2);  // -o is required
  EXPECT_TRUE(files().empty());
  expect_error(run({"export", "seed-mlp", "-o", "/nonexistent/dir/x.safetensors"}), 1);
}

// ---------------------------------------------------------------------------------------------
// weightinit train

TEST_F(Cli, TrainRunsPrintsProgressAndWritesTheLog) {
  const std::string log = (dir_ / "run.json").string();
  const Result r = run({"train", "--model", "mlp:784-32-10", "--init", "kaiming_normal",
                        "--train-samples", "1024", "--epochs", "2", "--batch", "64", "--threads",
                        "1", "--progress", "lines", "--log", log});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("test accuracy 0."), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("epoch 1/2 step 16/16 loss "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("epoch 2/2 done in "), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(read_file(log));
  EXPECT_EQ(j["step_loss"].size(), 32u);
  ASSERT_EQ(j["epochs"].size(), 2u);
  EXPECT_FALSE(j["interrupted"].get<bool>());
  EXPECT_EQ(j["init"], "kaiming_normal(a=0, mode=fan_in, nonlinearity=leaky_relu)");
  // 2 epochs over 1024 real images: a working backward pass gets well above chance (0.1);
  // PyTorch reaches ~0.70 with these settings.
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.6);
  EXPECT_LT(j["epochs"][1]["train_loss"].get<double>(), j["epochs"][0]["train_loss"].get<double>());
}

// A (1, 32, 32) model trains on Fashion-MNIST padded by 2 pixels on each side (docs/cli.md):
// the smallest CIFAR ResNet on 384 images learns (the mean loss of the last 4 steps below the
// first 4's); a 3-channel one still gets the size error.
TEST_F(Cli, TrainPadsFashionMnistForThirtyTwoByThirtyTwoModels) {
  const std::string log = (dir_ / "run.json").string();
  const Result r = run({"train", "--model", "cifar-resnet8:in_channels=1", "--train-samples", "384",
                        "--epochs", "2", "--batch", "32", "--lr", "0.05", "--momentum", "0.9",
                        "--threads", "1", "--progress", "none", "--log", log});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("384 train / 10000 test samples"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(log));
  const auto losses = j["step_loss"].get<std::vector<double>>();
  ASSERT_EQ(losses.size(), 24u);
  double first = 0, last = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    first += losses[i];
    last += losses[losses.size() - 1 - i];
  }
  EXPECT_LT(last, 0.8 * first) << j["step_loss"];
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.2);  // 0.31 here; chance is 0.1
  const Result rgb =
      run({"train", "--model", "cifar-resnet8", "--train-samples", "64", "--progress", "none"});
  expect_error(rgb, 2,
               "the model expects samples of size [3, 32, 32] (3072 elements), but the dataset's "
               "samples have size [1, 28, 28] (784 elements)");
  // probe takes the same padded images (a 28x28 batch would be a size error).
  const Result probe = run({"probe", "--model", "cifar-resnet8:in_channels=1,norm=fixup", "--inits",
                            "default", "--batch", "16", "--threads", "1"});
  ASSERT_EQ(probe.code, 0) << probe.err;
  EXPECT_NE(probe.out.find("summary (batch of 16, fashion-mnist)"), std::string::npos) << probe.out;
}

TEST_F(Cli, TrainIsDeterministicForASeedAndThreadCount) {
  for (const std::string threads : {"1", "2"}) {
    std::vector<nlohmann::json> runs;
    for (int i = 0; i < 2; ++i) {
      const std::string log = (dir_ / ("run" + std::to_string(i) + ".json")).string();
      const Result r = run({"train", "--model", "cnn:4-8-16", "--init", "xavier_uniform",
                            "--train-samples", "512", "--batch", "32", "--seed", "7", "--threads",
                            threads, "--progress", "none", "--log", log});
      ASSERT_EQ(r.code, 0) << r.err;
      runs.push_back(nlohmann::json::parse(read_file(log)));
    }
    EXPECT_EQ(runs[0]["step_loss"], runs[1]["step_loss"]) << threads << " thread(s)";
    EXPECT_EQ(runs[0]["test_accuracy"], runs[1]["test_accuracy"]);
  }
}

TEST_F(Cli, TrainRejectsBadSettingsWithExitTwoAndWritesNoLog) {
  const std::string log = (dir_ / "run.json").string();
  const std::vector<std::string> base{"train", "--progress", "none", "--log", log};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = base;
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  expect_error(with({"--model", "mlp:784-10", "--epochs", "0"}), 2,
               "epochs must be at least 1, but got 0");
  expect_error(with({"--model", "mlp:784-10", "--lr", "-0.1"}), 2, "Invalid learning rate: -0.1");
  expect_error(with({"--model", "mlp:784-10", "--optimizer", "sgdd"}), 2,
               "unknown optimizer 'sgdd': expected sgd, adam or adamw");
  expect_error(with({"--model", "mlp:784-10", "--batch", "0"}), 2,
               "batch_size should be a positive integer value, but got batch_size=0");
  const Result bad_init = with({"--model", "mlp:784-10", "--init", "kaiming_norml"});
  expect_error(bad_init, 2);
  EXPECT_NE(bad_init.err.find("did you mean 'kaiming_normal'"), std::string::npos);
  const Result bad_model = with({"--model", "resnet9"});
  expect_error(bad_model, 2);
  EXPECT_NE(bad_model.err.find("unknown model 'resnet9'"), std::string::npos);
  // The model wants 100 inputs, Fashion-MNIST has 784 pixels.
  const Result mismatch = with({"--model", "mlp:100-10", "--train-samples", "64"});
  expect_error(mismatch, 2);
  EXPECT_NE(mismatch.err.find("the model expects samples of size [100] (100 elements), but the "
                              "dataset's samples have size [1, 28, 28] (784 elements)"),
            std::string::npos)
      << mismatch.err;
  expect_error(run({"train", "--model", "mlp:784-10", "--progress", "fancy"}), 2,
               "unknown --progress 'fancy': expected auto, bar, lines or none");
  expect_error(run({"train", "--epochs", "1"}), 2);  // --model is required
  const Result bad_group = with({"--model", "mlp:784-10", "--lr-group", "*bias*"});
  expect_error(bad_group, 2);
  EXPECT_NE(bad_group.err.find("'*bias*': expected GLOB=FACTOR with a positive factor"),
            std::string::npos)
      << bad_group.err;
  const std::string gpt = "gpt2:d=64,layers=2,heads=4,vocab=100,positions=32";
  const Result tokens = with({"--model", gpt});
  expect_error(tokens, 2);
  EXPECT_NE(tokens.err.find("train trains on Fashion-MNIST images, but " + gpt +
                            " takes token ids (training on text is not supported); weightinit "
                            "probe --model " +
                            gpt + " runs it on random ids"),
            std::string::npos)
      << tokens.err;
  expect_error_with(run({"compare", "--model", gpt, "--inits", "default"}), 2,
                    "compare trains on Fashion-MNIST images, but " + gpt + " takes token ids");
  const Result no_match = with({"--model", "mlp:784-10", "--lr-group", "*scale*=0.1"});
  expect_error(no_match, 2);
  EXPECT_NE(no_match.err.find("--lr-group '*scale*=0.1' matches no parameter (they are named "
                              "like '0.weight')"),
            std::string::npos)
      << no_match.err;
  EXPECT_TRUE(files().empty()) << "a failed run left a file";
}

TEST_F(Cli, TrainReportsMissingDataAndUnwritableLogWithExitOne) {
  const Result no_data =
      run({"train", "--model", "mlp:784-10", "--data-dir", (dir_ / "nowhere").string()});
  expect_error(no_data, 1);
  EXPECT_NE(no_data.err.find((dir_ / "nowhere").string()), std::string::npos) << no_data.err;
  const Result no_log =
      run({"train", "--model", "mlp:784-10", "--log", (dir_ / "no" / "run.json").string()});
  expect_error(no_log, 1);
  EXPECT_NE(no_log.err.find((dir_ / "no" / "run.json").string()), std::string::npos);
  EXPECT_TRUE(files().empty());
}

TEST_F(Cli, CtrlCStopsTrainingAfterTheStepAndStillWritesTheLog) {
  const std::string log = (dir_ / "run.json").string();
  const pid_t pid = start({"train", "--model", "mlp:784-64-10", "--epochs", "20", "--batch", "8",
                           "--threads", "1", "--progress", "lines", "--log", log});
  ASSERT_GT(pid, 0);
  // Wait until training is under way (a progress line), then press Ctrl-C.
  bool started = false;
  for (int i = 0; i < 600 && !started; ++i) {
    started = read_file(dir_ / "io" / "stderr").find(" step 50/") != std::string::npos;
    if (!started) ::usleep(50 * 1000);
  }
  ASSERT_TRUE(started) << read_file(dir_ / "io" / "stderr");
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  const Result r = finish(pid);
  EXPECT_EQ(r.code, 130) << r.err;
  EXPECT_NE(r.out.find("interrupted after "), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("stopping after the current step"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(read_file(log));
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_GE(j["step_loss"].size(), 50u);
  EXPECT_EQ(j["steps"].get<std::size_t>(), j["step_loss"].size());
  EXPECT_TRUE(j["test_accuracy"].is_null());
  EXPECT_EQ(files(), std::vector<std::string>{"run.json"});
}

// ---------------------------------------------------------------------------------------------
// weightinit init

TEST_F(Cli, InitAppliesAPolicyFileAfterTheConstructorsBitForBit) {
  const std::string policy = (dir_ / "p.policy").string(), out = (dir_ / "m.safetensors").string();
  std::ofstream(policy) << "# per-layer inits\n"
                           "Linear.weight & 0.*: kaiming_normal(mode=fan_out, nonlinearity=relu)\n"
                           "Linear.weight: normal(std=sqrt(1 / fan_in))\n"
                           "bias: zeros\n";
  const Result r = run({"init", "mlp:784-64-10", "--policy", policy, "--seed", "5", "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(
      r.out.find("mlp:784-64-10: 4 tensors (50890 values) initialized with " + policy + ", seed 5"),
      std::string::npos)
      << r.out;
  // The same by hand: manual_seed(5), the constructors, then the rules in parameter order.
  wi::manual_seed(5);
  const auto built = wi::models::build_model("mlp:784-64-10", wi::default_generator());
  wi::nn::StateDict want = built.module->state_dict();
  wi::init::kaiming_normal_(want[0].second, 0.0, wi::init::FanMode::FanOut,
                            wi::init::Nonlinearity::ReLU, wi::default_generator());
  wi::init::zeros_(want[1].second);
  wi::init::normal_(want[2].second, 0.0, std::sqrt(1.0 / 64.0), wi::default_generator());
  wi::init::zeros_(want[3].second);
  const wi::io::SafetensorsFile f = wi::io::load_safetensors(out);
  ASSERT_EQ(f.tensors.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(f.tensors[i].first, want[i].first);
    EXPECT_EQ(bytes_of(f.tensors[i].second), bytes_of(want[i].second)) << want[i].first;
  }
  EXPECT_EQ(f.metadata.at("policy"), policy);
  EXPECT_EQ(f.metadata.at("seed"), "5");
  EXPECT_EQ(f.metadata.at("generator"), "torch-mt19937");
  EXPECT_NE(f.metadata.at("policy_rules").find("bias: zeros"), std::string::npos);
  EXPECT_EQ(files().size(), 2u);
}

TEST_F(Cli, InitWithABuiltinPolicyExplainsEveryParameterAndWarns) {
  const std::string out = (dir_ / "c.safetensors").string();
  const Result r =
      run({"init", "cnn:4-8-16", "--policy", "torchvision-densenet", "--explain", "-o", out});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("0.weight                                     Conv2d         line 1   "
                       "kaiming_normal(a=0, mode=fan_in, nonlinearity=leaky_relu)"),
            std::string::npos)
      << r.out;
  // Conv2d biases: torchvision's DenseNet has none, so no rule touches them.
  EXPECT_EQ(r.err,
            "weightinit: warning: parameter '0.bias' (Conv2d) is matched by no rule: it keeps its "
            "constructor's init\n"
            "weightinit: warning: parameter '3.bias' (Conv2d) is matched by no rule: it keeps its "
            "constructor's init\n");
  EXPECT_EQ(wi::io::load_safetensors(out).metadata.at("policy"), "builtin:torchvision-densenet");
}

TEST_F(Cli, InitRejectsBadPoliciesWithExitTwoAndWritesNothing) {
  const std::string out = (dir_ / "x.safetensors").string();
  const std::string policy = (dir_ / "bad.policy").string();
  std::ofstream(policy) << "Linear.weight: xavier_uniform\nbias: kaiming_norml\n";
  expect_error(run({"init", "mlp:8-4", "--policy", policy, "-o", out}), 2,
               policy + ":2:7: unknown init 'kaiming_norml' (did you mean 'kaiming_normal'?)");
  std::ofstream(policy) << "Conv2D.weight: ones\n*: default\n";
  expect_error(run({"init", "mlp:8-4", "--policy", policy, "-o", out}), 2,
               policy + ":1:1: unknown module type 'Conv2D' (did you mean 'Conv2d'?)");
  std::ofstream(policy) << "Conv2d.weight: ones\n*: default\n";
  expect_error_with(run({"init", "mlp:8-4", "--policy", policy, "--strict", "-o", out}), 2,
                    "--strict: 1 warning(s) are errors: " + policy +
                        ":1:1: rule 'Conv2d.weight: ones' matches no parameter");
  expect_error_with(run({"init", "mlp:8-4", "--policy", "torchvision-resnt", "-o", out}), 2,
                    "unknown policy 'torchvision-resnt': not a file");
  expect_error_with(
      run({"init", "mlp:8-4", "--policy", "torch-default", "--set", "depth", "-o", out}), 2,
      "--set 'depth': expected NAME=VALUE");
  std::filesystem::remove(policy);
  EXPECT_TRUE(files().empty());
  expect_error(run({"init", "mlp:8-4", "--policy", "torch-default", "-o",
                    (dir_ / "no" / "x.safetensors").string()}),
               1);
  EXPECT_TRUE(files().empty());
}

TEST_F(Cli, ListPoliciesNamesEveryBuiltinWithItsSource) {
  const Result r = run({"list", "--policies"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const auto& p : wi::recipes::builtin_policies()) {
    EXPECT_NE(r.out.find(p.name), std::string::npos) << p.name;
    EXPECT_NE(r.out.find(p.source), std::string::npos) << p.name;
  }
  EXPECT_NE(r.out.find("Conv2d.weight: kaiming_normal(mode=fan_out, nonlinearity=relu)"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// weightinit probe

TEST_F(Cli, ProbePrintsTablesAndWritesPlotsAndJson) {
  const std::string plot = (dir_ / "probe.svg").string(), grads = (dir_ / "grads.svg").string();
  const std::string json = (dir_ / "probe.json").string();
  const Result r =
      run({"probe", "--model", "mlp:784-[64x20]-10:relu", "--inits",
           "zeros; xavier_uniform ;kaiming_normal(mode=fan_in, nonlinearity=relu)", "--batch", "64",
           "--threads", "1", "--plot", plot, "--grad-plot", grads, "--json", json});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("init zeros: loss 2.3026"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("summary (batch of 64, fashion-mnist)"), std::string::npos);
  EXPECT_NE(r.out.find("verdict vanishing"), std::string::npos);
  EXPECT_NE(r.out.find("verdict ok"), std::string::npos);
  const auto j = nlohmann::json::parse(read_file(json));
  ASSERT_EQ(j["inits"].size(), 3u);
  EXPECT_EQ(j["inits"][0]["verdict"], "vanishing");  // zeros
  EXPECT_EQ(j["inits"][1]["verdict"], "vanishing");  // Xavier in 20 ReLU layers: ~2^-10
  EXPECT_EQ(j["inits"][2]["verdict"], "ok");         // Kaiming
  EXPECT_EQ(j["inits"][2]["layers"].size(), 21u);
  for (const auto& f : {plot, grads}) {
    const std::string svg = read_file(f);
    std::size_t lines = 0;
    for (auto at = svg.find("<polyline"); at != std::string::npos;
         at = svg.find("<polyline", at + 1))
      ++lines;
    EXPECT_GE(lines, 2u) << f;  // zeros has no positive std: it is listed, not drawn
    EXPECT_NE(svg.find("kaiming_normal"), std::string::npos);
  }
}

TEST_F(Cli, ProbeRejectsBadInputWithExitTwoAndWritesNothing) {
  const std::string json = (dir_ / "probe.json").string();
  expect_error(
      run({"probe", "--model", "mlp:784-10", "--inits", "zeros;;xavier_uniform", "--json", json}),
      2,
      "empty init spec in 'zeros;;xavier_uniform': expected specs separated by "
      "';', like \"xavier_uniform; kaiming_normal\"");
  const Result bad = run({"probe", "--model", "mlp:784-10", "--inits", "xavier_unifrom"});
  expect_error(bad, 2);
  EXPECT_NE(bad.err.find("did you mean 'xavier_uniform'"), std::string::npos);
  expect_error(run({"probe", "--model", "mlp:784-10", "--inits", "zeros", "--batch", "0"}), 2,
               "--batch must be at least 1, but got 0");
  expect_error(run({"probe", "--model", "vgg99", "--inits", "zeros"}), 2);
  EXPECT_TRUE(files().empty());
  expect_error(run({"probe", "--model", "mlp:784-10", "--inits", "zeros", "--data", "synthetic",
                    "--json", (dir_ / "no" / "p.json").string()}),
               1);
  EXPECT_TRUE(files().empty());
}

// ---------------------------------------------------------------------------------------------
// weightinit compare

namespace {

/// How often `needle` occurs in `text`.
std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_F(Cli, CompareTrainsEveryInitPrintsTheTableAndWritesJsonAndPlot) {
  const std::string json = (dir_ / "compare.json").string(), plot = (dir_ / "curves.svg").string();
  // Zero weights and biases: no signal, no gradient for the hidden layer; it stays at chance.
  std::vector<std::string> args{
      "compare",     "--model", "mlp:784-32-10", "--inits", "zeros; kaiming_normal",
      "--bias-init", "zeros"};
  args.insert(args.end(), {"--train-samples", "1024", "--epochs", "2", "--batch", "64"});
  args.insert(args.end(), {"--threads", "1", "--progress", "lines", "--json", json});
  args.insert(args.end(), {"--plot", plot});
  const Result r = run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("every init trains on the same batches in the same order"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("init            train loss  acc@init     acc@1     acc@2  verdict\n"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\nzeros               2.30"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0.1000  stalled\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nkaiming_normal "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("  ok\n"), std::string::npos) << r.out;
  // Progress lines carry the init's name.
  EXPECT_NE(r.err.find("[zeros] epoch 1/2 step 16/16 loss "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[kaiming_normal] epoch 2/2 done in "), std::string::npos) << r.err;

  const auto j = nlohmann::json::parse(read_file(json));
  EXPECT_EQ(j["command"], "compare");
  EXPECT_EQ(j["data"]["train_samples"], 1024);
  EXPECT_EQ(j["config"]["epochs"], 2);
  EXPECT_FALSE(j["interrupted"].get<bool>());
  ASSERT_EQ(j["runs"].size(), 2u);
  for (const auto& run : j["runs"]) {
    EXPECT_EQ(run["step_loss"].size(), 32u);
    EXPECT_EQ(run["steps_per_epoch"], 16);
    EXPECT_EQ(run["smoothed"]["window"], 1);  // 16 steps per epoch: every step is a point
    EXPECT_EQ(run["smoothed"]["loss"].size(), 32u);
    EXPECT_EQ(run["smoothed"]["step"].size(), 32u);
    ASSERT_EQ(run["epochs"].size(), 2u);
    EXPECT_TRUE(run["epochs"][1].contains("test_accuracy"));
    EXPECT_TRUE(run["initial"].contains("test_accuracy"));
    EXPECT_FALSE(run["diverged"].get<bool>());
  }
  EXPECT_EQ(j["runs"][0]["init"], "zeros");
  EXPECT_EQ(j["runs"][0]["verdict"], "stalled");
  EXPECT_LE(j["runs"][0]["test_accuracy"].get<double>(), 0.2);
  EXPECT_EQ(j["runs"][1]["canonical"], "kaiming_normal(a=0, mode=fan_in, nonlinearity=leaky_relu)");
  EXPECT_EQ(j["runs"][1]["verdict"], "ok");
  EXPECT_GT(j["runs"][1]["test_accuracy"].get<double>(), 0.6);

  // One SVG, two charts (nested <svg>), one line per init in each.
  const std::string svg = read_file(plot);
  ASSERT_EQ(count_of(svg, "<svg"), 3u) << svg.substr(0, 400);
  const std::size_t second = svg.find("<svg", svg.find("<svg", 1) + 1);
  const std::string loss_chart = svg.substr(0, second), accuracy_chart = svg.substr(second);
  EXPECT_NE(loss_chart.find("Training loss"), std::string::npos);
  EXPECT_NE(accuracy_chart.find("Test accuracy"), std::string::npos);
  for (const std::string* chart : {&loss_chart, &accuracy_chart}) {
    EXPECT_EQ(count_of(*chart, "<polyline"), 2u);
    EXPECT_NE(chart->find(">zeros</text>"), std::string::npos);
    EXPECT_NE(chart->find(">kaiming_normal</text>"), std::string::npos);
  }
  EXPECT_EQ(svg.find("<script"), std::string::npos);
}

TEST_F(Cli, CompareRejectsBadInputWithExitTwoAndWritesNothing) {
  const std::string json = (dir_ / "c.json").string(), plot = (dir_ / "c.svg").string();
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"compare", "--progress", "none", "--json", json, "--plot", plot};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  const std::string hint =
      "': expected specs separated by ';', like \"xavier_uniform; "
      "kaiming_normal\"";
  expect_error(with({"--model", "mlp:784-10", "--inits", ""}), 2,
               "--inits: empty init spec in '" + hint);
  expect_error(with({"--model", "mlp:784-10", "--inits", "zeros;;ones"}), 2,
               "--inits: empty init spec in 'zeros;;ones" + hint);
  expect_error(with({"--model", "mlp:784-10", "--inits", "xavier_uniform; kaiming_norml"}), 2,
               "--inits: at column 17: unknown init 'kaiming_norml' (did you mean "
               "'kaiming_normal'?)");
  const Result bad_model = with({"--model", "resnet9", "--inits", "zeros"});
  expect_error(bad_model, 2);
  EXPECT_NE(bad_model.err.find("unknown model 'resnet9'"), std::string::npos) << bad_model.err;
  expect_error(with({"--model", "mlp:784-10", "--inits", "zeros", "--epochs", "0"}), 2,
               "epochs must be at least 1, but got 0");
  expect_error(with({"--model", "mlp:784-10", "--inits", "zeros", "--lr", "-1"}), 2,
               "Invalid learning rate: -1.0");
  expect_error(with({"--model", "mlp:784-10", "--inits", "zeros", "--bias-init", "zero"}), 2);
  const Result mismatch =
      with({"--model", "mlp:100-10", "--inits", "zeros", "--train-samples", "64"});
  expect_error(mismatch, 2);
  EXPECT_NE(mismatch.err.find("the model expects samples of size [100]"), std::string::npos);
  expect_error(run({"compare", "--model", "mlp:784-10", "--inits", "zeros", "--progress", "fancy"}),
               2, "unknown --progress 'fancy': expected auto, bar, lines or none");
  expect_error(run({"compare", "--model", "mlp:784-10"}), 2);  // --inits is required
  expect_error(
      run({"compare", "--model", "mlp:784-10", "--inits", "zeros", "--json", json, "--plot", json}),
      2, "--plot and --json name the same file '" + json + "': give two paths");
  EXPECT_TRUE(files().empty()) << "a failed run left a file";
}

TEST_F(Cli, CompareReportsUnwritableOutputWithExitOneAndLeavesNoFile) {
  const std::string plot = (dir_ / "c.svg").string();
  const std::string json = (dir_ / "no" / "c.json").string();
  const Result r = run({"compare", "--model", "mlp:784-10", "--inits", "zeros", "--data",
                        "synthetic", "--plot", plot, "--json", json});
  expect_error(r, 1);
  EXPECT_NE(r.err.find(json), std::string::npos) << r.err;
  EXPECT_TRUE(files().empty());  // not even the plot, which could have been written
}

TEST_F(Cli, CtrlCStopsCompareAfterTheStepAndWritesWhatExists) {
  const std::string json = (dir_ / "c.json").string(), plot = (dir_ / "c.svg").string();
  const pid_t pid =
      start({"compare", "--model", "mlp:784-64-10", "--inits", "kaiming_normal; xavier_uniform",
             "--epochs", "20", "--batch", "8", "--threads", "1", "--progress", "lines", "--json",
             json, "--plot", plot});
  ASSERT_GT(pid, 0);
  bool started = false;
  for (int i = 0; i < 600 && !started; ++i) {
    started = read_file(dir_ / "io" / "stderr").find("[kaiming_normal] epoch 1/20 step 50/") !=
              std::string::npos;
    if (!started) ::usleep(50 * 1000);
  }
  ASSERT_TRUE(started) << read_file(dir_ / "io" / "stderr");
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  const Result r = finish(pid);
  EXPECT_EQ(r.code, 130) << r.err;
  EXPECT_NE(r.out.find("interrupted: 1 of 2 run(s) started"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("stopping after the current step"), std::string::npos) << r.err;
  const auto j = nlohmann::json::parse(read_file(json));
  EXPECT_TRUE(j["interrupted"].get<bool>());
  ASSERT_EQ(j["runs"].size(), 1u);  // xavier_uniform never started
  EXPECT_TRUE(j["runs"][0]["interrupted"].get<bool>());
  EXPECT_GE(j["runs"][0]["step_loss"].size(), 50u);
  EXPECT_TRUE(j["runs"][0]["test_accuracy"].is_null());
  EXPECT_EQ(count_of(read_file(plot), "<svg"), 3u);
  EXPECT_EQ(files().size(), 2u);  // the two outputs, no temporary file left
}

// ---------------------------------------------------------------------------------------------
// weightinit init --out DIR: streamed shards, Ctrl-C, --resume

TEST(CliProcessGroup, ABuildWithoutMpiRefusesSeveralMpirunRanks) {
  // main() installs the MPI group when built with MPI; without it, mpirun's environment with
  // K > 1 ranks must stop the run instead of letting K single processes race.
  ASSERT_EQ(::setenv("OMPI_COMM_WORLD_SIZE", "3", 1), 0);
  try {
    weightinit::cli::process_group();
    ADD_FAILURE() << "no error";
  } catch (const wi::ValueError& e) {
    EXPECT_EQ(std::string(e.what()),
              "started by mpirun with 3 ranks, but this weightinit was built without MPI "
              "(configure with -DWEIGHTINIT_MPI=ON and libopenmpi-dev installed)");
  }
  ASSERT_EQ(::setenv("OMPI_COMM_WORLD_SIZE", "1", 1), 0);
  EXPECT_EQ(weightinit::cli::process_group().size(), 1);
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
  EXPECT_EQ(weightinit::cli::process_group().rank(), 0);
}

TEST_F(Cli, SummaryShapesOfASevenBillionParameterModel) {
  const Result r = run({"summary", "llama:7b", "--shapes"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("model.layers.31.mlp.down_proj (Linear)"), std::string::npos);
  EXPECT_NE(r.out.find("weight: [4096, 11008]"), std::string::npos);
  EXPECT_NE(r.out.find("Total params: 6,738,415,616\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Params size: 26.954 GB (float32), 13.477 GB (bf16/f16)"),
            std::string::npos);
  expect_error(run({"summary", "llama:7b", "--shapes", "--verbose"}), 2,
               "--verbose reads the values, which --shapes does not build");
}

TEST_F(Cli, InitOutWithTheTorchGeneratorHoldsTheTensorsOfOutputFile) {
  // The torch family streamed: each chunk from its planned word of PyTorch's stream, so the
  // shards hold exactly -o FILE's tensors (which the oracle tests compare with PyTorch).
  const std::string model = "llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=1000";
  const std::string file = (dir_ / "one.safetensors").string();
  const std::vector<std::string> common = {"init",   model, "--policy", "llama",
                                           "--seed", "77",  "--dtype",  "bf16"};
  std::vector<std::string> single = common, streamed = common;
  single.insert(single.end(), {"-o", file});
  streamed.insert(streamed.end(), {"--out", (dir_ / "shards").string(), "--chunk-size", "4KiB",
                                   "--shard-size", "100KB", "--progress", "none"});
  ASSERT_EQ(run(single).code, 0);
  const Result r = run(streamed);
  ASSERT_EQ(r.code, 0) << r.err;
  std::map<std::string, wi::Tensor> expected;
  for (const auto& [name, t] : wi::io::load_safetensors(file).tensors) expected[name] = t;
  std::size_t seen = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "shards")) {
    if (e.path().extension() != ".safetensors") continue;
    for (const auto& [name, t] : wi::io::load_safetensors(e.path().string()).tensors) {
      ++seen;
      const wi::Tensor& want = expected.at(name);
      ASSERT_EQ(t.sizes(), want.sizes()) << name;
      EXPECT_EQ(std::memcmp(t.raw_data(), want.raw_data(),
                            static_cast<std::size_t>(t.numel()) * t.element_size()),
                0)
          << name;
    }
  }
  EXPECT_EQ(seen, expected.size());
  EXPECT_EQ(r.err.find("computed in one piece"), std::string::npos) << "all streamed: " << r.err;
}

TEST_F(Cli, InitOutStreamsShardsAndResumesAfterCtrlC) {
  const std::string model = "llama:d=512,layers=8,heads=8,kv_heads=4,ffn=1376,vocab=32000";
  const auto args = [&](const std::string& out) {
    return std::vector<std::string>{
        "init",         model,    "--policy",   "llama", "--rng",        "philox",
        "--dtype",      "bf16",   "--out",      out,     "--shard-size", "20MB",
        "--chunk-size", "256KiB", "--progress", "lines", "--threads",    "1"};
  };
  const fs::path clean = dir_ / "clean", cut = dir_ / "cut";
  const Result whole = run(args(clean.string()));
  ASSERT_EQ(whole.code, 0) << whole.err;
  EXPECT_NE(whole.out.find("in 5 files in"), std::string::npos) << whole.out;
  EXPECT_NE(whole.err.find("100% "), std::string::npos) << whole.err;
  EXPECT_TRUE(fs::exists(clean / "model.safetensors.index.json"));

  const pid_t pid = start(args(cut.string()));
  ASSERT_GT(pid, 0);
  bool started = false;  // wait for the first shard's data, then interrupt
  for (int i = 0; i < 400 && !started; ++i) {
    started = fs::exists(cut / "model-00001-of-00005.safetensors.partial.done");
    if (!started) ::usleep(5 * 1000);
  }
  ASSERT_EQ(::kill(pid, SIGINT), 0);
  const Result r = finish(pid);
  if (r.code == 0) GTEST_SKIP() << "the write finished before the interrupt";
  EXPECT_EQ(r.code, 130) << r.err;
  EXPECT_NE(r.err.find("run again with --resume"), std::string::npos) << r.err;
  // Every final name holds a whole shard, identical to the clean run's.
  for (const auto& e : fs::directory_iterator(cut)) {
    const std::string name = e.path().filename();
    if (name.find(".partial") != std::string::npos) continue;
    EXPECT_EQ(read_file(e.path()), read_file(clean / name)) << name;
  }
  std::vector<std::string> again = args(cut.string());
  again.push_back("--resume");
  const Result resumed = run(again);
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("kept from the earlier run"), std::string::npos) << resumed.out;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(clean)) {
    ++n;
    EXPECT_EQ(read_file(e.path()), read_file(cut / e.path().filename())) << e.path();
  }
  EXPECT_EQ(n, 8u);  // 5 shards + the index + config.json and generation_config.json (LLaMA)
  EXPECT_NE(read_file(clean / "config.json").find("\"model_type\": \"llama\""), std::string::npos);
  for (const auto& e : fs::directory_iterator(cut)) {
    EXPECT_EQ(e.path().string().find(".partial"), std::string::npos) << e.path();
  }
}

// ---------------------------------------------------------------------------------------------
// weightinit report (rendering in a browser: tests/report/check_report_chromium.py)

TEST_F(Cli, ReportGathersSavedProbeAndCompareDocumentsIntoOnePage) {
  const std::string probe = (dir_ / "p.json").string(), compare = (dir_ / "c.json").string();
  const std::string page = (dir_ / "r.html").string();
  ASSERT_EQ(run({"probe", "--model", "mlp:32-[64x5]-10:tanh", "--data", "synthetic", "--inits",
                 "default; normal(std=1)", "--batch", "16", "--json", probe})
                .code,
            0);
  ASSERT_EQ(
      run({"compare", "--model", "mlp:32-16-10", "--data", "synthetic", "--train-samples", "256",
           "--inits", "zeros; kaiming_normal", "--progress", "none", "--json", compare})
          .code,
      0);
  const Result r = run({"report", "--input", probe, "--input", compare, "--out", page});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("report: 2 section(s) written to " + page), std::string::npos) << r.out;
  const std::string html = read_file(page);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count_of(html, "<section class=\"probe\" id=\"probe-1\">"), 1u);
  EXPECT_EQ(count_of(html, "<section class=\"compare\" id=\"compare-1\">"), 1u);
  EXPECT_EQ(count_of(html, "<figure class=\"chart\""), 3u);
  EXPECT_EQ(count_of(html, "<svg"), 5u);  // two probe charts, a compare pair in an outer svg
  EXPECT_EQ(count_of(html, "<script"), 0u);
  // The verdicts of the documents are in the tables, with their classes.
  const auto pj = nlohmann::json::parse(read_file(probe));
  const std::string saturated = pj["inits"][1]["verdict"].get<std::string>();
  EXPECT_EQ(saturated, "saturated");
  EXPECT_NE(html.find("<td class=\"verdict v-saturated\">saturated</td>"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"verdict v-stalled\">stalled</td>"), std::string::npos);
  // The same command gives the same bytes.
  ASSERT_EQ(run({"report", "--input", probe, "--input", compare, "--out", page}).code, 0);
  EXPECT_EQ(read_file(page), html);
}

TEST_F(Cli, ReportEscapesTextFromItsInputs) {
  const std::string doc = (dir_ / "p.json").string(), page = (dir_ / "r.html").string();
  ASSERT_EQ(run({"probe", "--model", "mlp:8-4-10", "--data", "synthetic", "--inits", "zeros",
                 "--batch", "4", "--json", doc})
                .code,
            0);
  auto j = nlohmann::json::parse(read_file(doc));
  j["model"] = "<b>x</b>&";
  j["inits"][0]["init"] = "<script>alert(1)</script>";
  std::ofstream(doc) << j.dump();
  ASSERT_EQ(run({"report", "--input", doc, "--out", page}).code, 0);
  const std::string html = read_file(page);
  EXPECT_EQ(count_of(html, "<script"), 0u);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;x&lt;/b&gt;&amp;"), std::string::npos);
}

TEST_F(Cli, ReportRunsProbeAndCompareForAModel) {
  const std::string page = (dir_ / "r.html").string();
  const Result r = run({"report", "--model", "mlp:32-[16x3]-10:relu", "--inits",
                        "xavier_uniform; kaiming_normal", "--data", "synthetic", "--train-samples",
                        "128", "--epochs", "2", "--progress", "none", "--out", page});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("== [1/2] probe mlp:32-[16x3]-10:relu"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("== [2/2] compare mlp:32-[16x3]-10:relu"), std::string::npos) << r.out;
  const std::string html = read_file(page);
  EXPECT_EQ(count_of(html, "<figure class=\"chart\""), 3u);
  EXPECT_NE(html.find("acc after epoch 2"), std::string::npos);
  EXPECT_NE(html.find("--model &#39;mlp:32-[16x3]-10:relu&#39;"), std::string::npos) << html;
  EXPECT_EQ(files(), std::vector<std::string>{"r.html"});
}

TEST_F(Cli, ReportRejectsBadInputWithExitTwoAndWritesNothing) {
  const std::string page = (dir_ / "r.html").string();
  expect_error(run({"report", "--model", "mlp:8-2", "--out", page}), 2,
               "--model needs --inits: give both to probe and train one model under several "
               "inits");
  expect_error_with(run({"report", "--inits", "zeros", "--out", page}), 2, "--inits needs --model");
  expect_error(run({"report", "--input", (dir_ / "missing.json").string(), "--out", page}), 2);
  const std::string not_json = (dir_ / "bad.json").string();
  std::ofstream(not_json) << "{\"command\": ";
  expect_error_with(run({"report", "--input", not_json, "--out", page}), 2,
                    "--input '" + not_json + "' is not valid JSON");
  const std::string other = (dir_ / "other.json").string();
  std::ofstream(other) << "{\"command\": \"train\"}";
  expect_error_with(run({"report", "--input", other, "--out", page}), 2,
                    "is not a probe or compare document (its \"command\" is 'train')");
  expect_error_with(
      run({"report", "--model", "mlp:8-2", "--inits", "xavier_unifrom", "--out", page}), 2,
      "did you mean 'xavier_uniform'");
  expect_error(run({"report", "--model", "vgg99", "--inits", "zeros", "--out", page}), 2);
  expect_error(run({"report", "--input", other}), 2);  // --out is required
  std::filesystem::remove(not_json);
  std::filesystem::remove(other);
  EXPECT_TRUE(files().empty());
  expect_error(run({"report", "--model", "mlp:8-2", "--inits", "zeros", "--data", "synthetic",
                    "--out", (dir_ / "no" / "r.html").string()}),
               1);
  EXPECT_TRUE(files().empty());
}

// ---------------------------------------------------------------------------------------------
// Crash safety: kill -9 in the middle of a safetensors write

TEST_F(Cli, KillNineDuringASafetensorsWriteLeavesTheOldFileOrNothing) {
  // C3D's 313 MB take long enough to write that the kill lands while the temporary file grows.
  const std::string target = (dir_ / "c3d.safetensors").string();
  const std::string old_content = "the previous file";
  auto temp_file_size = [&]() -> std::uintmax_t {
    for (const auto& e : fs::directory_iterator(dir_)) {
      if (e.path().filename().string().rfind(".c3d.safetensors.tmp.", 0) == 0) {
        std::error_code ec;
        const auto size = fs::file_size(e.path(), ec);
        return ec ? 0 : size;
      }
    }
    return 0;
  };
  for (const bool had_file : {true, false}) {
    bool killed_mid_write = false;
    for (int attempt = 0; attempt < 5 && !killed_mid_write; ++attempt) {
      for (const auto& e : fs::directory_iterator(dir_)) {
        if (e.path().filename() != "io") fs::remove(e.path());
      }
      if (had_file) std::ofstream(target) << old_content;
      const pid_t pid = start({"init", "c3d", "--policy", "torch-default", "-o", target});
      ASSERT_GT(pid, 0);
      // Wait until at least 1 MB of the temporary file is written, then SIGKILL.
      for (int i = 0; i < 20000 && temp_file_size() < (1u << 20); ++i) ::usleep(500);
      ASSERT_EQ(::kill(pid, SIGKILL), 0);
      int status = 0;
      ::waitpid(pid, &status, 0);
      killed_mid_write = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
      // Whatever the moment, the final name holds the old file (or nothing) or the whole new
      // one; never a partial file.
      if (!fs::exists(target)) {
        EXPECT_FALSE(had_file) << "the old file is gone";
      } else if (read_file(target) != old_content) {
        const wi::io::SafetensorsFile f = wi::io::load_safetensors(target);  // complete
        EXPECT_EQ(f.tensors.size(), 22u);
        killed_mid_write = false;  // the write had finished: try again
      }
    }
    EXPECT_TRUE(killed_mid_write) << "never killed the process during its write";
  }
}

// ---------------------------------------------------------------------------------------------
// The table of bad inputs in docs/errors.md ("The command line: bad input"): one row each, with
// the exact message, the exit code and what is left on disk.

TEST_F(Cli, BadInputTable) {
  struct Row {
    std::vector<std::string> args;
    int code;
    std::string message;  // the whole error line, without "weightinit: error: "
  };
  const std::string out = (dir_ / "out.txt").string();
  const std::string policy = (dir_ / "bad.policy").string();
  const std::string json = (dir_ / "bad.json").string();
  const std::vector<Row> rows = {
      {{"sample", "normal(std=nan)", "--shape", "3", "-o", out},
       2,
       "normal expects std >= 0.0, but found std nan"},
      {{"sample", "normal(std=inf)", "--shape", "3", "-o", out},
       2,
       "normal expects a finite std, but found std inf"},
      {{"sample", "normal(std=-1)", "--shape", "3", "-o", out},
       2,
       "normal expects std >= 0.0, but found std -1"},
      {{"sample", "normal(mean=nan)", "--shape", "3", "-o", out},
       2,
       "normal expects a finite mean, but found mean nan"},
      {{"sample", "trunc_normal(std=inf)", "--shape", "3", "-o", out},
       2,
       "trunc_normal_ expects a finite mean and std, but found mean 0 and std inf"},
      {{"sample", "uniform(a=2, b=1)", "--shape", "3", "-o", out},
       2,
       "uniform_ expects to return a [from, to) range, but found from=2 > to=1"},
      {{"sample", "trunc_normal(a=2, b=-2)", "--shape", "3", "-o", out},
       2,
       "trunc_normal_ expects a <= b, but found a=2 > b=-2"},
      {{"sample", "xavier_uniform", "--shape", "5", "-o", out},
       2,
       "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"},
      {{"sample", "normal", "--shape", "4294967296,4294967296", "-o", out},
       2,
       "shape [4294967296, 4294967296] has more than 2^63-1 elements"},
      {{"sample", "kaiming_nrmal", "--shape", "3", "-o", out},
       2,
       "at column 1: unknown init 'kaiming_nrmal' (did you mean 'kaiming_normal'?)"},
      {{"init", "mlp:8-4", "--policy", "torchvision-resnt", "-o", out},
       2,
       "builtin:torchvision-resnt: unknown policy 'torchvision-resnt': not a file (did you mean "
       "'torchvision-resnet'?); the built-in policies are torch-default, torchvision-resnet, "
       "torchvision-vgg, "
       "torchvision-densenet, torchvision-mobilenet, torchvision-vit, torchvision-swin, "
       "resnext-fb, densenet-lua, wrn-msra, c3d, keras-default, torchvision-efficientnet, "
       "torchvision-regnet, torchvision-convnext, gpt2, llama, hf, mup, fixup, cifar-resnet"},
      {{"init", "mlp:8-4", "--policy", "torch-default", "--out", out, "--chunk-size", "1KiB"},
       2,
       "chunk size must be at least 4 KiB, but got 1024 bytes"},
      {{"init", "mlp:8-4", "--policy", "torch-default", "--rng", "philox", "--out", out,
        "--shard-size", "2XB"},
       2,
       "invalid size '2XB': expected a positive number with an optional unit B, KB, MB, GB, TB "
       "(powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), like 2GB"},
      {{"init", "mlp:8-4", "--policy", "torch-default", "--rng", "philox", "--out", out, "-o", out},
       2,
       "give either -o FILE or --out DIR, not both"},
      {{"init", "mlp:8-4", "--policy", "torch-default"},
       2,
       "give -o FILE (one safetensors file) or --out DIR (sharded, streamed)"},
      {{"init", "mlp:8-4", "--policy", policy, "-o", out},
       2,
       policy + ":1:1: expected 'selector: init spec', like 'Conv2d.weight: "
                "kaiming_normal(mode=fan_out)', but the line has no ':'"},
      {{"report", "--input", json, "-o", out},
       2,
       "--input '" + json +
           "' is not valid JSON: expected the output of weightinit probe --json or compare "
           "--json"},
      {{"sample", "normal", "--shape", "3", "-o", (dir_ / "missing" / "o.txt").string()},
       1,
       "cannot write '" + (dir_ / "missing" / "o.txt").string() +
           "' (creating a temporary file in '" + (dir_ / "missing").string() +
           "'): No such file or directory"},
      {{"sample", "normal", "--shape", "100000", "--format", "raw", "-o", "/dev/full"},
       1,
       "cannot write '/dev/full': No space left on device"},
  };
  for (const Row& row : rows) {
    std::ofstream(policy) << "Conv2d.weight kaiming\n";
    std::ofstream(json) << "{\"command\": ";
    std::string command;
    for (const auto& a : row.args) command += a + " ";
    SCOPED_TRACE(command);
    expect_error(run(row.args), row.code, row.message);
    fs::remove(policy);
    fs::remove(json);
    EXPECT_TRUE(files().empty()) << "a failed command left a file";
  }
  // A zero-element tensor: a warning (torch's), exit 0, and the empty tensor is written.
  const Result empty = run({"sample", "kaiming_normal", "--shape", "0,5", "-o", out});
  EXPECT_EQ(empty.code, 0);
  EXPECT_EQ(empty.err, "weightinit: warning: Initializing zero-element tensors is a no-op\n");
  EXPECT_EQ(read_file(out), "tensor([], size=(0, 5))\n");
}

TEST_F(Cli, AFullFileSystemLeavesTheOldFileAndNoTemporary) {
  // RLIMIT_FSIZE makes every write past 64 KiB fail (EFBIG), as a full disk fails (ENOSPC):
  // the error names the file, exit code 1, the old file is intact and no temporary is left.
  const std::string target = (dir_ / "model.safetensors").string();
  std::ofstream(target) << "old";
  struct rlimit saved {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // inherited by the child
  struct rlimit small = saved;
  small.rlim_cur = 64 * 1024;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const Result r = run({"init", "mlp:784-256-10", "--policy", "torch-default", "-o", target});
  ::setrlimit(RLIMIT_FSIZE, &saved);
  std::signal(SIGXFSZ, old_handler);
  expect_error(r, 1, "cannot write '" + target + "': File too large");
  EXPECT_EQ(read_file(target), "old");
  EXPECT_EQ(files(), std::vector<std::string>{"model.safetensors"});
}

// -o FILE streams into a temporary beside FILE and renames it; a symbolic link keeps pointing
// where it did (its target is replaced), and a device is written in place.
TEST_F(Cli, InitOutputFollowsSymlinksAndWritesDevicesInPlace) {
  const fs::path real = dir_ / "real.safetensors", link = dir_ / "link.safetensors";
  std::ofstream(real) << "old";
  fs::create_symlink(real, link);
  const Result r = run({"init", "mlp:8-4", "--policy", "torch-default", "-o", link.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(wi::io::load_safetensors(real.string()).tensors.size(), 2u);
  std::vector<std::string> names = files();  // no temporary left
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"link.safetensors", "real.safetensors"}));
  const Result null = run({"init", "mlp:8-4", "--policy", "torch-default", "-o", "/dev/null"});
  EXPECT_EQ(null.code, 0) << null.err;
}

// ---------------------------------------------------------------------------------------------
// weightinit search

TEST_F(Cli, SearchRanksTrialsWritesTheBestAsAPolicyAndResumesFromItsLog) {
  const std::string space = (dir_ / "space.txt").string(), best = (dir_ / "best.policy").string();
  const std::string log = (dir_ / "search.jsonl").string(), json = (dir_ / "s.json").string();
  std::ofstream(space) << "Linear.weight: xavier_uniform | orthogonal(gain=U(0.5, 2)) | "
                          "normal(std=logU(0.001, 1))\nbias: zeros | constant(val=0.01)\n"
                          "@epochs: 3\n@batch: 32\n";
  const std::vector<std::string> args = {"search",
                                         "--space",
                                         space,
                                         "--model",
                                         "mlp:64-32-10",
                                         "--data",
                                         "synthetic",
                                         "--train-samples",
                                         "512",
                                         "--trials",
                                         "9",
                                         "--min-epochs",
                                         "0.34",
                                         "--jobs",
                                         "2",
                                         "--log",
                                         log,
                                         "--best",
                                         best,
                                         "--json",
                                         json};
  const Result r = run(args);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("rank  trial  val accuracy"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(read_file(json));
  ASSERT_EQ(j["ranked"].size(), 9u);
  EXPECT_EQ(j["ranked"][0]["curve"].back()["epochs"].get<double>(), 3.0);  // full budget
  // The best policy is what init accepts, and it is the top trial's rules.
  const std::string policy = read_file(best);
  EXPECT_NE(policy.find(j["ranked"][0]["policy"].get<std::string>()), std::string::npos);
  const Result init = run({"init", "mlp:64-32-10", "--policy", best, "--strict", "-o",
                           (dir_ / "m.safetensors").string()});
  EXPECT_EQ(init.code, 0) << init.err;
  // A rerun trains nothing: every evaluation comes from the log.
  const Result again = run(args);
  ASSERT_EQ(again.code, 0) << again.err;
  const auto evaluations = j["evaluations"].get<long long>();
  EXPECT_NE(again.out.find(std::to_string(evaluations) + " evaluation(s) (" +
                           std::to_string(evaluations) + " reused"),
            std::string::npos)
      << again.out;
  EXPECT_NE(again.out.find(", 0.000 epochs of training compute"), std::string::npos);
}

TEST_F(Cli, SearchRejectsBadInputWithExitTwoAndWritesNothing) {
  const std::string space = (dir_ / "space.txt").string(), best = (dir_ / "best.policy").string();
  auto search = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"search", "--space",   space,    "--model", "mlp:64-10",
                                     "--data", "synthetic", "--best", best};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  };
  std::ofstream(space) << "Linear.weight: xavier_uniform | kaiming_norml\n";
  expect_error(search({}), 2,
               space + ":1:33: unknown init 'kaiming_norml' (did you mean 'kaiming_normal'?)");
  std::ofstream(space) << "Linear.weight: xavier_uniform\n";
  expect_error(search({"--budget", "soon"}), 2,
               "--budget 'soon': expected a positive duration like 90s, 20m or 1.5h");
  expect_error(search({"--strategy", "bayes"}), 2,
               "unknown strategy 'bayes': expected grid, random, halving or hyperband");
  fs::remove(space);
  expect_error(search({}), 1, "cannot read search space '" + space + "'");
  EXPECT_TRUE(files().empty());
}
