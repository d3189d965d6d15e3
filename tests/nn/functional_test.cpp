// SPDX-License-Identifier: MIT
// torch.nn.functional forward kernels against PyTorch: every golden case of
// tests/golden/functional_cases.json (tools/golden/gen_functional_golden.py), error messages,
// dropout statistics, the im2col chunking against a direct convolution, and dtype checks.
#include "weightinit/nn/functional.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "weightinit/random/sampling.h"

namespace wi = weightinit;
namespace F = weightinit::nn::functional;
using nlohmann::json;

namespace {

// Tolerance: max|ours − torch| ≤ 1e-5 · max|torch|, with an absolute floor of 1e-6 for outputs
// near zero, i.e. error = max|ours − torch| / max(max|torch|, 0.1) ≤ 1e-5. NaN must match NaN and
// ±inf must match exactly.
constexpr double kRelTol = 1e-5;
constexpr double kAbsFloor = 1e-6;

const json& all_cases() {
  static const json cases = [] {
    std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/functional_cases.json");
    return in ? json::parse(in).at("cases") : json::array();
  }();
  return cases;
}

std::vector<std::uint8_t> decode_base64(const std::string& text) {
  static const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::uint8_t> out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char ch : text) {
    if (ch == '=') break;
    acc = (acc << 6) | static_cast<std::uint32_t>(alphabet.find(ch));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((acc >> bits) & 0xFFu));
    }
  }
  return out;
}

/// The tensor a record describes: float32 values in row-major order, then the permutation.
wi::Tensor tensor_of(const json& rec) {
  const std::vector<std::uint8_t> bytes = decode_base64(rec.at("data").get<std::string>());
  std::vector<float> values(bytes.size() / sizeof(float));
  if (!values.empty()) std::memcpy(values.data(), bytes.data(), values.size() * sizeof(float));
  wi::Tensor t = wi::Tensor::from_data<float>(std::span<const float>(values),
                                              rec.at("shape").get<wi::Shape>());
  if (rec.contains("permute")) t = t.permute(rec.at("permute").get<wi::Shape>());
  return t;
}

using Outputs = std::map<std::string, wi::Tensor>;

struct Call {
  const json& args;
  const json& inputs;
  wi::Tensor in(const char* key) const {
    return inputs.contains(key) ? tensor_of(inputs.at(key)) : wi::Tensor();
  }
  wi::Shape shape(const char* key) const { return args.at(key).get<wi::Shape>(); }
  double num(const char* key) const { return args.at(key).get<double>(); }
  std::int64_t integer(const char* key) const { return args.at(key).get<std::int64_t>(); }
  F::ConvOptions conv() const {
    return {shape("stride"), shape("padding"), shape("dilation"), integer("groups")};
  }
  F::PoolOptions pool() const {
    return {shape("kernel"),
            shape("stride"),
            shape("padding"),
            shape("dilation"),
            args.at("ceil_mode").get<bool>(),
            args.at("count_include_pad").get<bool>()};
  }
};

Outputs batch_norm(const Call& c) {
  wi::Tensor mean = c.in("running_mean"), var = c.in("running_var");
  wi::Tensor out =
      F::batch_norm(c.in("x"), mean, var, c.in("weight"), c.in("bias"),
                    c.args.at("training").get<bool>(), c.num("momentum"), c.num("eps"));
  return {{"out", out}, {"running_mean", mean}, {"running_var", var}};
}

/// Runs a golden case through weightinit; the keys match the case's "expected".
Outputs run_case(const json& kase) {
  using Fn = std::function<wi::Tensor(const Call&)>;
  static const std::map<std::string, Fn> ops = {
      {"linear", [](const Call& c) { return F::linear(c.in("x"), c.in("weight"), c.in("bias")); }},
      {"conv",
       [](const Call& c) { return F::conv(c.in("x"), c.in("weight"), c.in("bias"), c.conv()); }},
      {"conv_transpose2d",
       [](const Call& c) {
         return F::conv_transpose2d(c.in("x"), c.in("weight"), c.in("bias"), c.conv(),
                                    c.shape("output_padding"));
       }},
      {"max_pool", [](const Call& c) { return F::max_pool(c.in("x"), c.pool()); }},
      {"avg_pool", [](const Call& c) { return F::avg_pool(c.in("x"), c.pool()); }},
      {"adaptive_avg_pool2d",
       [](const Call& c) { return F::adaptive_avg_pool2d(c.in("x"), c.shape("output_size")); }},
      {"layer_norm",
       [](const Call& c) {
         return F::layer_norm(c.in("x"), c.shape("normalized_shape"), c.in("weight"), c.in("bias"),
                              c.num("eps"));
       }},
      {"relu", [](const Call& c) { return F::relu(c.in("x")); }},
      {"leaky_relu",
       [](const Call& c) { return F::leaky_relu(c.in("x"), c.num("negative_slope")); }},
      {"elu", [](const Call& c) { return F::elu(c.in("x"), c.num("alpha")); }},
      {"selu", [](const Call& c) { return F::selu(c.in("x")); }},
      {"gelu", [](const Call& c) { return F::gelu(c.in("x")); }},
      {"tanh", [](const Call& c) { return F::tanh(c.in("x")); }},
      {"sigmoid", [](const Call& c) { return F::sigmoid(c.in("x")); }},
      {"softmax", [](const Call& c) { return F::softmax(c.in("x"), c.integer("dim")); }},
      {"log_softmax", [](const Call& c) { return F::log_softmax(c.in("x"), c.integer("dim")); }},
      {"embedding",
       [](const Call& c) {
         return F::embedding(c.args.at("indices").get<std::vector<std::int64_t>>(),
                             c.shape("index_shape"), c.in("weight"));
       }},
      {"flatten",
       [](const Call& c) {
         return F::flatten(c.in("x"), c.integer("start_dim"), c.integer("end_dim"));
       }},
      {"add", [](const Call& c) { return F::add(c.in("a"), c.in("b")); }},
      {"cat",
       [](const Call& c) {
         std::vector<wi::Tensor> xs;
         for (std::size_t i = 0; c.inputs.contains("x" + std::to_string(i)); ++i) {
           xs.push_back(c.in(("x" + std::to_string(i)).c_str()));
         }
         return F::cat(xs, c.integer("dim"));
       }},
  };
  const Call call{kase.at("args"), kase.at("inputs")};
  const std::string op = kase.at("op").get<std::string>();
  if (op == "batch_norm") return batch_norm(call);
  const auto it = ops.find(op);
  if (it == ops.end()) throw std::runtime_error("unknown op " + op);
  return {{"out", it->second(call)}};
}

/// error = max|ours − want| / max(max|want|, kAbsFloor / kRelTol); +inf on a shape, NaN or inf
/// mismatch.
double error_of(const wi::Tensor& ours, const wi::Tensor& want, std::string& why) {
  if (ours.sizes() != want.sizes()) {
    why = "shape " + wi::shape_str(ours.sizes()) + " != torch's " + wi::shape_str(want.sizes());
    return INFINITY;
  }
  const std::vector<float> a = ours.to_vector<float>(), b = want.to_vector<float>();
  double max_want = 0.0, max_diff = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(b[i]) || std::isinf(b[i])) {
      const bool same = std::isnan(b[i]) ? std::isnan(a[i]) : a[i] == b[i];
      if (same) continue;
      why = "element " + std::to_string(i) + " is " + std::to_string(a[i]) + ", torch " +
            std::to_string(b[i]);
      return INFINITY;
    }
    max_want = std::max(max_want, std::fabs(double(b[i])));
    max_diff = std::max(max_diff, std::fabs(double(a[i]) - double(b[i])));
  }
  return max_diff / std::max(max_want, kAbsFloor / kRelTol);
}

/// Largest error over a case's expected outputs (appends a reason to `why` on failure).
double case_error(const json& kase, std::string& why) {
  const Outputs ours = run_case(kase);
  double worst = 0.0;
  for (const auto& [key, rec] : kase.at("expected").items()) {
    std::string reason;
    const double e = error_of(ours.at(key), tensor_of(rec), reason);
    if (!reason.empty()) why += key + ": " + reason + "; ";
    worst = std::max(worst, e);
  }
  return worst;
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const json& c : all_cases()) names.push_back(c.at("name").get<std::string>());
  return names;
}

class FunctionalGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(FunctionalGolden, MatchesTorch) {
  for (const json& c : all_cases()) {
    if (c.at("name") != GetParam()) continue;
    std::string why;
    const double err = case_error(c, why);
    EXPECT_LE(err, kRelTol) << "case " << GetParam() << " (" << c.at("op").get<std::string>()
                            << "): error " << err << " " << why;
    return;
  }
  FAIL() << "case " << GetParam() << " not found";
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  for (char& ch : s) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Cases, FunctionalGolden, ::testing::ValuesIn(case_names()), test_name);

// Replays every case once more and prints the worst error per op (the numbers in the docs).
TEST(FunctionalGoldenSummary, WorstErrorPerOp) {
  ASSERT_GE(all_cases().size(), 100u) << "tests/golden/functional_cases.json missing or short";
  std::map<std::string, std::pair<double, int>> worst;
  for (const json& c : all_cases()) {
    std::string why;
    auto& [err, count] = worst[c.at("op").get<std::string>()];
    err = std::max(err, case_error(c, why));
    ++count;
  }
  for (const auto& [op, entry] : worst) {
    std::printf("  %-20s %3d cases  max error %.3g\n", op.c_str(), entry.second, entry.first);
    EXPECT_LE(entry.first, kRelTol) << op;
  }
}

}  // namespace

namespace {

wi::Tensor randn(const wi::Shape& s) {
  static wi::Generator gen(7);
  return wi::randn(s, wi::DType::Float32, gen);
}

/// Expects `fn` to throw exactly `E` with exactly `message`.
template <class E, class Fn>
void expect_error(Fn fn, const std::string& message) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected: " << message;
  } catch (const E& e) {
    EXPECT_EQ(std::string(e.what()), message);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type, message: " << e.what();
  }
}

F::ConvOptions conv_opts(wi::Shape stride = {1}, wi::Shape padding = {0}, wi::Shape dilation = {1},
                         std::int64_t groups = 1) {
  return {std::move(stride), std::move(padding), std::move(dilation), groups};
}

F::PoolOptions pool_opts(wi::Shape kernel, wi::Shape stride = {}, wi::Shape padding = {0},
                         wi::Shape dilation = {1}) {
  F::PoolOptions o;
  o.kernel = std::move(kernel);
  o.stride = std::move(stride);
  o.padding = std::move(padding);
  o.dilation = std::move(dilation);
  return o;
}

// Messages are PyTorch 1.13's (checked against torch by hand when written).
TEST(FunctionalErrors, Conv) {
  const wi::Tensor x = randn({2, 4, 8, 8}), none;
  expect_error<wi::ShapeError>(
      [&] {
        F::conv(x, randn({5, 3, 3, 3}), none, conv_opts());
      },
      "Given groups=1, weight of size [5, 3, 3, 3], expected "
      "input[2, 4, 8, 8] to have 3 channels, but got 4 channels instead");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv(x, randn({6, 1, 3, 3}), none, conv_opts({1}, {0}, {1}, 3));
      },
      "Given groups=3, weight of size [6, 1, 3, 3], expected input[2, 4, 8, 8] to have 3 "
      "channels, but got 4 channels instead");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv(x, randn({5, 2, 3, 3}), none, conv_opts({1}, {0}, {1}, 2));
      },
      "Given groups=2, expected weight to be divisible by 2 at dimension 0, but got weight of "
      "size [[5, 2, 3, 3]] instead");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv(x, randn({1, 4, 3, 3}), none, conv_opts({1}, {0}, {1}, 2));
      },
      "Given groups=2, expected weight to be at least 2 at dimension 0, but got weight of size "
      "[1, 4, 3, 3] instead");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv(x, randn({5, 4, 3, 3}), randn({4}), conv_opts());
      },
      "Given weight of size [5, 4, 3, 3], expected bias to be "
      "1-dimensional with 5 elements, but got bias of size [4] instead");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv(x, randn({5, 4, 9, 3}), none, conv_opts());
      },
      "Calculated padded input size per channel: (8 x 8). Kernel size: "
      "(9 x 3). Kernel size can't be greater than actual input size");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv(randn({3, 4}), randn({5, 4, 3, 3}), none, conv_opts());
      },
      "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [3, 4]");
}

TEST(FunctionalErrors, ConvOptions) {
  const wi::Tensor x = randn({2, 4, 8, 8}), none;
  expect_error<wi::ValueError>(
      [&] {
        F::conv(x, randn({5, 4, 3, 3}), none, conv_opts({1, 1, 1}));
      },
      "expected stride to be a single integer value or a list of 2 values to match the "
      "convolution dimensions, but got stride=[1, 1, 1]");
  expect_error<wi::ValueError>(
      [&] {
        F::conv(x, randn({5, 4, 3, 3}), none, conv_opts({0}));
      },
      "non-positive stride is not supported");
  expect_error<wi::ValueError>(
      [&] {
        F::conv(x, randn({5, 4, 3, 3}), none, conv_opts({1}, {-1}));
      },
      "negative padding is not supported");
  expect_error<wi::ValueError>(
      [&] {
        F::conv(x, randn({5, 4, 3, 3}), none, conv_opts({1}, {0}, {0}));
      },
      "non-positive dilation is not supported");
  expect_error<wi::ValueError>(
      [&] {
        F::conv(x, randn({5, 4, 3, 3}), none, conv_opts({1}, {0}, {1}, 0));
      },
      "non-positive groups is not supported");
}

TEST(FunctionalErrors, ConvTranspose) {
  const wi::Tensor x = randn({2, 4, 8, 8}), none;
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_transpose2d(x, randn({3, 5, 3, 3}), none, conv_opts());
      },
      "Given transposed=1, weight of size [3, 5, 3, 3], expected input[2, 4, 8, 8] to have 3 "
      "channels, but got 4 channels instead");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_transpose2d(x, randn({4, 5, 3, 3}), randn({4}), conv_opts());
      },
      "Given transposed=1, weight of size [4, 5, 3, 3], expected bias to be 1-dimensional with 5 "
      "elements, but got bias of size [4] instead");
  expect_error<wi::ValueError>(
      [&] {
        F::conv_transpose2d(x, randn({4, 5, 3, 3}), none, conv_opts(), {1});
      },
      "output padding must be smaller than either stride or dilation, but got "
      "output_padding_height: 1 output_padding_width: 1 stride_height: 1 stride_width: 1 "
      "dilation_height: 1 dilation_width: 1");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_transpose2d(randn({1, 4, 1, 1}), randn({4, 5, 1, 1}), none, conv_opts({1}, {1}));
      },
      "Given input size per channel: (1 x 1). Calculated output size per channel: (-1 x -1). "
      "Output size is too small");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_transpose2d(randn({1, 4, 8, 8, 8}), randn({4, 5, 3, 3}), none, conv_opts());
      },
      "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: "
      "[1, 4, 8, 8, 8]");
  expect_error<wi::ShapeError>(
      [&] {
        F::conv_transpose2d(x, randn({4, 5, 3, 3}), none, conv_opts({1}, {0}, {1}, 3));
      },
      "Given groups=3, expected weight to be divisible by 3 at dimension 0, but got weight of "
      "size [[4, 5, 3, 3]] instead");
}

TEST(FunctionalErrors, MaxPool) {
  const wi::Tensor x4 = randn({2, 4, 8, 8});
  expect_error<wi::ValueError>([&] { F::max_pool(x4, pool_opts({2}, {}, {2})); },
                               "pad should be at most half of kernel size, but got pad=2 and "
                               "kernel_size=2");
  expect_error<wi::ShapeError>(
      [&] {
        F::max_pool(randn({1, 1, 2, 2}), pool_opts({3}));
      },
      "Given input size: (1x2x2). Calculated output size: (1x0x0). "
      "Output size is too small");
  expect_error<wi::ValueError>([&] { F::max_pool(x4, pool_opts({2}, {2}, {0}, {0})); },
                               "dilation should be greater than zero, but got dilationH: 0 "
                               "dilationW: 0");
  expect_error<wi::ValueError>([&] { F::max_pool(x4, pool_opts({0}, {1})); },
                               "kernel size should be greater than zero, but got kH: 0 kW: 0");
  expect_error<wi::ValueError>([&] { F::max_pool(x4, pool_opts({0})); },
                               "stride should not be zero");
  expect_error<wi::ValueError>([&] { F::max_pool(x4, pool_opts({2}, {2}, {-1})); },
                               "pad must be non-negative, but got pad: -1");
  expect_error<wi::ValueError>(
      [&] {
        F::max_pool(x4, pool_opts({2, 2}, {2, 2, 2}));
      },
      "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints");
  expect_error<wi::ValueError>(
      [&] {
        F::max_pool(x4, pool_opts({2, 2}, {}, {0, 0, 0}));
      },
      "max_pool2d: padding must be either be a single int, or a tuple of two ints");
  expect_error<wi::ShapeError>(
      [&] {
        F::max_pool(randn({1, 1, 4, 4, 4}), pool_opts({2, 2}));
      },
      "non-empty 3D or 4D (batch mode) tensor expected for input");
  expect_error<wi::ShapeError>(
      [&] {
        F::max_pool(randn({1, 0, 4, 4}), pool_opts({2}));
      },
      "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
      "size for input, but got:[1, 0, 4, 4]");
}

TEST(FunctionalErrors, MaxPool1dAnd3d) {
  expect_error<wi::ValueError>(
      [&] {
        F::max_pool(randn({2, 3, 8}), pool_opts({2}, {}, {2}));
      },
      "max_pool1d() padding should be at most half of kernel size, but "
      "got padding=2 and kernel_size=2");
  expect_error<wi::ShapeError>(
      [&] {
        F::max_pool(randn({1, 1, 1}), pool_opts({3}, {}, {0}, {2}));
      },
      "max_pool1d() Invalid computed output size: -1");
  expect_error<wi::ShapeError>(
      [&] {
        F::max_pool(randn({1, 2, 1, 4, 4}), pool_opts({2}));
      },
      "Given input size: (2x1x4x4). Calculated output size: (2x0x2x2). "
      "Output size is too small");
  expect_error<wi::ShapeError>(
      [&] {
        F::max_pool(randn({1, 0, 4, 4, 4}), pool_opts({2}));
      },
      "max_pool3d_with_indices_out_cpu_template(): Expected input's non-batch dimensions to have "
      "positive length, but input has a shape of [1, 0, 4, 4, 4] and non-batch dimension 0 has "
      "length zero!");
}

TEST(FunctionalErrors, AvgAndAdaptivePool) {
  expect_error<wi::ShapeError>(
      [&] {
        F::avg_pool(randn({1, 2, 1, 4, 4}), pool_opts({2, 2, 2}, {}, {1}));
      },
      "input image (T: 1 H: 4 W: 4) smaller than kernel size (kT: 2 kH: 2 kW: 2)");
  expect_error<wi::ValueError>(
      [&] {
        F::avg_pool(randn({1, 2, 4, 4, 4}), pool_opts({2, 2, 2}, {1, 1}));
      },
      "avg_pool3d: stride must be omitted, a single int, or a tuple of three ints");
  expect_error<wi::ValueError>(
      [&] {
        F::avg_pool(randn({1, 2, 4, 4}), pool_opts({2, 2}, {}, {0, 0, 0}));
      },
      "avg_pool2d: padding must either be a single int, or a tuple of two ints");
  expect_error<wi::ShapeError>(
      [&] {
        F::avg_pool(randn({1, 1, 2, 2}), pool_opts({3}));
      },
      "Given input size: (1x2x2). Calculated output size: (1x0x0). "
      "Output size is too small");
  expect_error<wi::ShapeError>(
      [&] {
        F::adaptive_avg_pool2d(randn({2, 4}), {2, 2});
      },
      "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got [2, 4]");
  expect_error<wi::ValueError>(
      [&] {
        F::adaptive_avg_pool2d(randn({1, 2, 4, 4}), {2, 2, 2});
      },
      "adaptive_avg_pool2d: output_size must be 2");
  expect_error<wi::ValueError>(
      [&] {
        F::adaptive_avg_pool2d(randn({1, 2, 4, 4}), {-1, 2});
      },
      "adaptive_avg_pool2d: elements of output_size must be greater than "
      "or equal to 0 but received {-1, 2}");
  expect_error<wi::ShapeError>(
      [&] {
        F::adaptive_avg_pool2d(randn({1, 2, 0, 4}), {2, 2});
      },
      "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but "
      "input has sizes [1, 2, 0, 4] with dimension 2 being empty");
}

TEST(FunctionalErrors, Normalization) {
  wi::Tensor rm = wi::Tensor::zeros({3}), rv = wi::Tensor::full({3}, 1.0), none;
  wi::Tensor rm4 = wi::Tensor::zeros({4});
  expect_error<wi::ValueError>(
      [&] {
        F::batch_norm(randn({1, 3}), rm, rv, none, none, true, 0.1, 1e-5);
      },
      "Expected more than 1 value per channel when training, got input size [1, 3]");
  expect_error<wi::ShapeError>(
      [&] {
        F::batch_norm(randn({2, 3}), rm4, rv, none, none, true, 0.1, 1e-5);
      },
      "running_mean should contain 3 elements not 4");
  expect_error<wi::ShapeError>(
      [&] {
        F::batch_norm(randn({2, 3}), rm, rv, randn({4}), none, true, 0.1, 1e-5);
      },
      "weight should contain 3 elements not 4");
  wi::Tensor undefined_mean, undefined_var;
  expect_error<wi::ValueError>(
      [&] {
        F::batch_norm(randn({2, 3}), undefined_mean, undefined_var, none, none, false, 0.1, 1e-5);
      },
      "running_mean must be defined in evaluation mode");
  expect_error<wi::ShapeError>(
      [&] {
        F::layer_norm(randn({2, 3, 4}), {3}, none, none, 1e-5);
      },
      "Given normalized_shape=[3], expected input with shape [*, 3], but "
      "got input of size[2, 3, 4]");
  expect_error<wi::ShapeError>(
      [&] {
        F::layer_norm(randn({2, 3, 4}), {4}, randn({3}), none, 1e-5);
      },
      "Expected weight to be of same shape as normalized_shape, but got weight of shape [3] and "
      "normalized_shape = [4]");
  expect_error<wi::ValueError>(
      [&] {
        F::layer_norm(randn({2, 3, 4}), {}, none, none, 1e-5);
      },
      "Expected normalized_shape to be at least 1-dimensional, i.e., "
      "containing at least one element, but got normalized_shape = []");
}

TEST(FunctionalErrors, LinearSoftmaxEmbeddingFlattenDropout) {
  const wi::Tensor none;
  expect_error<wi::ShapeError>(
      [&] {
        F::linear(randn({2, 3}), randn({5, 4}), none);
      },
      "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  expect_error<wi::ShapeError>(
      [&] {
        F::linear(randn({2, 2, 3}), randn({5, 4}), none);
      },
      "mat1 and mat2 shapes cannot be multiplied (4x3 and 4x5)");
  expect_error<wi::ShapeError>(
      [&] {
        F::linear(randn({3}), randn({5, 4}), none);
      },
      "mat1 and mat2 shapes cannot be multiplied (1x3 and 4x5)");
  expect_error<wi::ShapeError>(
      [&] {
        F::linear(randn({2, 4}), randn({5, 4}), randn({3}));
      },
      "The expanded size of the tensor (5) must match the existing size (3) at non-singleton "
      "dimension 1.  Target sizes: [2, 5].  Tensor sizes: [3]");
  expect_error<wi::IndexError>(
      [&] {
        F::softmax(randn({2, 3}), 2);
      },
      "Dimension out of range (expected to be in range of [-2, 1], but "
      "got 2)");
  expect_error<wi::IndexError>(
      [&] {
        F::embedding({5}, {1}, randn({5, 3}));
      },
      "index out of range in self");
  expect_error<wi::IndexError>(
      [&] {
        F::embedding({-1}, {1}, randn({5, 3}));
      },
      "index out of range in self");
  expect_error<wi::ShapeError>([&] { F::embedding({0}, {1}, randn({5})); }, "'weight' must be 2-D");
  expect_error<wi::ValueError>(
      [&] {
        F::flatten(randn({2, 3, 4}), 2, 1);
      },
      "flatten() has invalid args: start_dim cannot come after end_dim");
  expect_error<wi::IndexError>(
      [&] {
        F::flatten(randn({2, 3, 4}), 3);
      },
      "Dimension out of range (expected to be in range of [-3, 2], but "
      "got 3)");
  expect_error<wi::ValueError>(
      [&] {
        F::dropout(randn({2, 3}), 1.5, true);
      },
      "dropout probability has to be between 0 and 1, but got 1.5");
  expect_error<wi::ShapeError>(
      [&] {
        F::add(randn({2, 3}), randn({3, 2}));
      },
      "The size of tensor a ([2, 3]) must match the size of tensor b "
      "([3, 2])");
  expect_error<wi::ShapeError>(
      [&] {
        F::cat({randn({2, 3, 4}), randn({2, 5, 3})}, 1);
      },
      "Sizes of tensors must match except in dimension 1. Expected size 4 but got size 3 for "
      "tensor number 1 in the list.");
  expect_error<wi::ShapeError>(
      [&] {
        F::cat({randn({2, 3}), randn({2})}, 0);
      },
      "Tensors must have same number of dimensions: got 2 and 1");
  expect_error<wi::ValueError>([&] { F::cat({}, 0); },
                               "torch.cat(): expected a non-empty list of Tensors");
  expect_error<wi::IndexError>(
      [&] {
        F::cat({randn({2, 3})}, 2);
      },
      "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
}

// The kernels take float32 or float64; integer tensors and mixed dtypes are DTypeErrors.
TEST(FunctionalDtype, RejectsIntegerAndMixedDtypes) {
  const wi::Tensor d = wi::Tensor::zeros({2, 3, 4, 4}, wi::DType::Float64);
  const wi::Tensor f = wi::Tensor::zeros({2, 3, 4, 4}), none;
  const wi::Tensor i64 = wi::Tensor::zeros({2, 3, 4, 4}, wi::DType::Int64);
  wi::Tensor rm = wi::Tensor::zeros({3}), rv = wi::Tensor::full({3}, 1.0);
  EXPECT_THROW(F::relu(i64), wi::DTypeError);
  expect_error<wi::DTypeError>(
      [&] {
        F::conv(f, wi::Tensor::zeros({2, 3, 3, 3}, wi::DType::Float64), none, conv_opts());
      },
      "conv: expected scalar type Float but found Double (weight)");
  EXPECT_THROW(F::linear(d, wi::Tensor::zeros({3, 4}), none), wi::DTypeError);
  EXPECT_THROW(F::max_pool(i64, pool_opts({2})), wi::DTypeError);
  EXPECT_THROW(F::avg_pool(i64, pool_opts({2})), wi::DTypeError);
  EXPECT_THROW(F::adaptive_avg_pool2d(i64, {1, 1}), wi::DTypeError);
  EXPECT_THROW(F::batch_norm(d, rm, rv, none, none, true, 0.1, 1e-5), wi::DTypeError);
  EXPECT_THROW(F::layer_norm(d, {4}, wi::Tensor::full({4}, 1.0), none, 1e-5), wi::DTypeError);
  EXPECT_THROW(F::softmax(wi::Tensor::zeros({3}, wi::DType::Int64), 0), wi::DTypeError);
  EXPECT_THROW(F::dropout(i64, 0.5, true), wi::DTypeError);
  EXPECT_THROW(F::gelu(wi::Tensor()), wi::ValueError);  // undefined
}

// The same op in float64 gives the float32 result to float32 precision.
TEST(FunctionalDtype, Float64AgreesWithFloat32) {
  wi::Generator gen(21);
  const wi::Tensor x = wi::randn({2, 3, 6, 6}, wi::DType::Float32, gen);
  const wi::Tensor w = wi::randn({4, 3, 3, 3}, wi::DType::Float32, gen);
  const wi::Tensor y32 = F::relu(F::conv(x, w, wi::Tensor(), conv_opts()));
  const wi::Tensor y64 = F::relu(
      F::conv(x.to(wi::DType::Float64), w.to(wi::DType::Float64), wi::Tensor(), conv_opts()));
  ASSERT_EQ(y64.dtype(), wi::DType::Float64);
  const auto a = y32.to_vector<float>();
  const auto b = y64.to_vector<double>();
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-5) << k;
}

// Dropout with a fixed seed: 200000 elements, p = 0.3. The zeroed fraction is Binomial/n with
// σ = √(p(1−p)/n) ≈ 0.001; the bound 0.005 is 5σ. Survivors are exactly x·float(1/(1−p)).
TEST(FunctionalDropout, StatisticsWithFixedSeed) {
  const std::int64_t n = 200000;
  const double p = 0.3;
  const wi::Tensor x = wi::Tensor::full({n / 400, 400}, 2.0);
  wi::Generator gen(1234);
  const wi::Tensor y = F::dropout(x, p, true, gen);
  const float kept = 2.0f * static_cast<float>(1.0 / (1.0 - p));
  std::int64_t zeros = 0;
  for (const float v : y.to_vector<float>()) {
    if (v == 0.0f) {
      ++zeros;
    } else {
      ASSERT_EQ(v, kept);
    }
  }
  EXPECT_NEAR(static_cast<double>(zeros) / static_cast<double>(n), p, 0.005);
  // One uniform per element: the generator is where rand(n) would leave it.
  wi::Generator ref(1234);
  wi::rand({n}, wi::DType::Float32, ref);
  EXPECT_EQ(gen.get_state(), ref.get_state());
  // Same seed, same mask.
  wi::Generator again(1234);
  EXPECT_EQ(F::dropout(x, p, true, again).to_vector<float>(), y.to_vector<float>());
}

TEST(FunctionalDropout, EvalIdentityAndEdgeProbabilities) {
  const wi::Tensor x = randn({4, 5});
  wi::Generator gen(9);
  const auto state = gen.get_state();
  EXPECT_TRUE(F::dropout(x, 0.5, false, gen).shares_storage_with(x));  // eval: x itself
  EXPECT_TRUE(F::dropout(x, 0.0, true, gen).shares_storage_with(x));   // p = 0: x itself
  const wi::Tensor zero = F::dropout(x, 1.0, true, gen);
  for (const float v : zero.to_vector<float>()) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(gen.get_state(), state);  // none of these draws
  // A non-contiguous input gives the same result as its contiguous copy.
  wi::Generator g1(5), g2(5);
  const wi::Tensor xt = randn({6, 7}).t();
  EXPECT_EQ(F::dropout(xt, 0.4, true, g1).to_vector<float>(),
            F::dropout(xt.contiguous(), 0.4, true, g2).to_vector<float>());
}

/// Direct convolution in double (the definition) for one sample, (C, D, H, W) → (O, OD, OH, OW),
/// stride 1, padding `pad` on every spatial dim.
std::vector<double> direct_conv3d(const wi::Tensor& x, const wi::Tensor& w, std::int64_t pad) {
  const wi::Shape xs = x.sizes(), ws = w.sizes();
  const std::vector<float> xv = x.to_vector<float>(), wv = w.to_vector<float>();
  const std::int64_t c = xs[1], d = xs[2], h = xs[3], wd = xs[4], o = ws[0], k = ws[2];
  const std::int64_t od = d + 2 * pad - k + 1, oh = h + 2 * pad - k + 1, ow = wd + 2 * pad - k + 1;
  std::vector<double> out(static_cast<std::size_t>(o * od * oh * ow), 0.0);
  for (std::int64_t oc = 0; oc < o; ++oc)
    for (std::int64_t z = 0; z < od; ++z)
      for (std::int64_t y = 0; y < oh; ++y)
        for (std::int64_t xx = 0; xx < ow; ++xx) {
          double s = 0.0;
          for (std::int64_t ic = 0; ic < c; ++ic)
            for (std::int64_t a = 0; a < k; ++a)
              for (std::int64_t b = 0; b < k; ++b)
                for (std::int64_t e = 0; e < k; ++e) {
                  const std::int64_t iz = z + a - pad, iy = y + b - pad, ix = xx + e - pad;
                  if (iz < 0 || iz >= d || iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                  s += double(xv[std::size_t(((ic * d + iz) * h + iy) * wd + ix)]) *
                       double(wv[std::size_t((((oc * c + ic) * k + a) * k + b) * k + e)]);
                }
          out[std::size_t(((oc * od + z) * oh + y) * ow + xx)] = s;
        }
  return out;
}

// A conv3d whose im2col matrix (432 × 10240 floats) exceeds the 4 Mi-float chunk budget, so the
// output rows are lowered and multiplied in several chunks; checked against the definition.
TEST(FunctionalConv, ChunkedIm2colMatchesDirectConvolution) {
  const wi::Tensor x = randn({1, 16, 8, 40, 32}), w = randn({2, 16, 3, 3, 3});
  const wi::Tensor y = F::conv(x, w, wi::Tensor(), conv_opts({1}, {1}));
  ASSERT_EQ(y.sizes(), (wi::Shape{1, 2, 8, 40, 32}));
  const std::vector<double> want = direct_conv3d(x, w, 1);
  const std::vector<float> got = y.to_vector<float>();
  double max_want = 0.0, max_diff = 0.0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    max_want = std::max(max_want, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(want[i] - double(got[i])));
  }
  EXPECT_LE(max_diff / max_want, kRelTol);
}

// A transposed conv whose column matrix (144 × 32768 floats per 512 input rows) is split too;
// checked against the scatter definition y[o, i·s + k] += x[c, i]·w[c, o, k].
TEST(FunctionalConv, ChunkedTransposedMatchesScatterDefinition) {
  const wi::Tensor x = randn({1, 2, 600, 64}), w = randn({2, 16, 3, 3});
  const wi::Tensor y = F::conv_transpose2d(x, w, wi::Tensor(), conv_opts({1}));
  ASSERT_EQ(y.sizes(), (wi::Shape{1, 16, 602, 66}));
  const std::vector<float> xv = x.to_vector<float>(), wv = w.to_vector<float>();
  std::vector<double> want(static_cast<std::size_t>(16 * 602 * 66), 0.0);
  for (std::int64_t c = 0; c < 2; ++c)
    for (std::int64_t i = 0; i < 600; ++i)
      for (std::int64_t j = 0; j < 64; ++j)
        for (std::int64_t o = 0; o < 16; ++o)
          for (std::int64_t a = 0; a < 3; ++a)
            for (std::int64_t b = 0; b < 3; ++b)
              want[std::size_t((o * 602 + i + a) * 66 + j + b)] +=
                  double(xv[std::size_t((c * 600 + i) * 64 + j)]) *
                  double(wv[std::size_t(((c * 16 + o) * 3 + a) * 3 + b)]);
  const std::vector<float> got = y.to_vector<float>();
  double max_want = 0.0, max_diff = 0.0;
  for (std::size_t i = 0; i < want.size(); ++i) {
    max_want = std::max(max_want, std::fabs(want[i]));
    max_diff = std::max(max_diff, std::fabs(want[i] - double(got[i])));
  }
  EXPECT_LE(max_diff / max_want, kRelTol);
}

}  // namespace

namespace {

/// op(x) sliced at [i, i+1) along dim 0 equals op(x[i:i+1]) bit for bit, for every i: the whole
/// input is above kParallelGrain (OpenMP path), each slice below it (serial path).
void expect_parallel_matches_serial(const wi::Tensor& x,
                                    const std::function<wi::Tensor(const wi::Tensor&)>& op,
                                    const char* what) {
  const wi::Tensor whole = op(x);
  for (std::int64_t i = 0; i < x.size(0); ++i) {
    const wi::Tensor part = op(x.slice(0, i, i + 1));
    ASSERT_EQ(part.to_vector<float>(), whole.slice(0, i, i + 1).to_vector<float>())
        << what << ", slice " << i;
  }
}

TEST(FunctionalThreads, ParallelPathsMatchSerialSlices) {
  const wi::Tensor x = randn({16, 8, 32, 32});  // 131072 elements; a slice has 8192
  const wi::Tensor none;
  const F::PoolOptions pool = pool_opts({3}, {2}, {1});
  expect_parallel_matches_serial(
      x, [&](const wi::Tensor& t) { return F::max_pool(t, pool); }, "max_pool");
  expect_parallel_matches_serial(
      x, [&](const wi::Tensor& t) { return F::avg_pool(t, pool); }, "avg_pool");
  expect_parallel_matches_serial(
      x,
      [](const wi::Tensor& t) {
        return F::adaptive_avg_pool2d(t, {5, 3});
      },
      "adaptive");
  expect_parallel_matches_serial(
      x, [](const wi::Tensor& t) { return F::gelu(t); }, "gelu");
  expect_parallel_matches_serial(
      x, [](const wi::Tensor& t) { return F::softmax(t, -1); }, "softmax dim -1");
  expect_parallel_matches_serial(
      x, [](const wi::Tensor& t) { return F::log_softmax(t, 1); }, "log_softmax dim 1");
  expect_parallel_matches_serial(
      x,
      [&](const wi::Tensor& t) {
        return F::layer_norm(t, {32, 32}, none, none, 1e-5);
      },
      "layer_norm");
  wi::Tensor mean = randn({8}), var = wi::Tensor::full({8}, 2.0);
  expect_parallel_matches_serial(
      x,
      [&](const wi::Tensor& t) {
        return F::batch_norm(t, mean, var, none, none, false, 0.1, 1e-5);
      },
      "batch_norm eval");
  const wi::Tensor small = randn({64, 2, 16, 16}), w = randn({2, 1, 3, 3});
  expect_parallel_matches_serial(
      small, [&](const wi::Tensor& t) { return F::conv(t, w, none, conv_opts({1}, {1}, {1}, 2)); },
      "depthwise conv");
}

}  // namespace
