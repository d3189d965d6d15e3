// SPDX-License-Identifier: MIT
// Tensor printing against PyTorch's repr() (tests/golden/print_cases.json) and by hand.
#include "weightinit/tensor/print.h"

#include <gtest/gtest.h>

#include <bit>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "weightinit/tensor/tensor.h"

namespace weightinit {
namespace {

using nlohmann::json;

const std::string kCasesPath = std::string(WEIGHTINIT_GOLDEN_DIR) + "/print_cases.json";

/// The golden file, or an empty object when it cannot be read (HasAllCases then fails).
json load_cases() {
  std::ifstream in(kCasesPath);
  return in ? json::parse(in) : json::object();
}

/// Rebuilds a golden case's contiguous tensor from its hex bit patterns.
Tensor tensor_from_bits(const json& c) {
  const Shape shape = c.at("shape").get<Shape>();
  const auto bits = c.at("bits").get<std::vector<std::string>>();
  if (c.at("dtype") == "float64") {
    std::vector<double> values;
    for (const std::string& b : bits) {
      values.push_back(std::bit_cast<double>(std::stoull(b, nullptr, 16)));
    }
    return Tensor::from_data<double>(values, shape);
  }
  std::vector<float> values;
  for (const std::string& b : bits) {
    values.push_back(std::bit_cast<float>(static_cast<std::uint32_t>(std::stoul(b, nullptr, 16))));
  }
  return Tensor::from_data<float>(values, shape);
}

/// The case's print options: PyTorch's defaults overridden by the recorded ones.
PrintOptions options_of(const json& c) {
  PrintOptions options;
  if (!c.contains("options")) return options;
  const json& o = c.at("options");
  if (o.contains("precision")) options.precision = o.at("precision").get<int>();
  if (o.contains("threshold")) options.threshold = o.at("threshold").get<std::int64_t>();
  if (o.contains("edgeitems")) options.edgeitems = o.at("edgeitems").get<int>();
  if (o.contains("linewidth")) options.linewidth = o.at("linewidth").get<int>();
  if (o.contains("sci_mode") && !o.at("sci_mode").is_null()) {
    options.sci_mode = o.at("sci_mode").get<bool>();
  }
  return options;
}

/// The golden cases, loaded once; each becomes its own test (and ctest) named after the case.
const json& golden_cases() {
  static const json cases = [] {
    json doc = load_cases();
    return doc.contains("cases") ? doc.at("cases") : json::array();
  }();
  return cases;
}

std::vector<std::size_t> case_indices() {
  std::vector<std::size_t> indices(golden_cases().size());
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = i;
  return indices;
}

/// Test names allow only letters, digits and '_'.
std::string test_name(const testing::TestParamInfo<std::size_t>& info) {
  std::string name = golden_cases().at(info.param).at("name").get<std::string>();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

class PrintGolden : public testing::TestWithParam<std::size_t> {};

TEST_P(PrintGolden, MatchesTorchRepr) {
  const json& c = golden_cases().at(GetParam());
  const std::string name = c.at("name").get<std::string>();
  Tensor t = tensor_from_bits(c);
  if (c.contains("transpose")) {
    t = t.transpose(c.at("transpose").at(0).get<std::int64_t>(),
                    c.at("transpose").at(1).get<std::int64_t>());
    ASSERT_FALSE(t.is_contiguous()) << name;
  }
  const bool requires_grad = c.value("requires_grad", false);
  EXPECT_EQ(format_tensor(t, options_of(c), requires_grad), c.at("repr").get<std::string>())
      << "case " << name;
}

INSTANTIATE_TEST_SUITE_P(TorchRepr, PrintGolden, testing::ValuesIn(case_indices()), test_name);

TEST(PrintGoldenFile, HasAllCases) {
  // Guards against a missing or truncated file silently running no cases.
  EXPECT_GE(golden_cases().size(), 100u) << "missing or truncated " << kCasesPath;
}

Tensor floats(std::vector<float> values, const Shape& shape) {
  return Tensor::from_data<float>(values, shape);
}

TEST(PrintByHand, IntegerValuedVector) {
  EXPECT_EQ(format_tensor(floats({1.f, 2.f}, {2}), PrintOptions{}), "tensor([1., 2.])");
}

TEST(PrintByHand, ZeroDimFixed) {
  EXPECT_EQ(format_tensor(Tensor::full({}, 0.5), PrintOptions{}), "tensor(0.5000)");
}

TEST(PrintByHand, NegativeZeroKeepsItsSign) {
  EXPECT_EQ(format_tensor(floats({-0.f, 1.f}, {2}), PrintOptions{}), "tensor([-0., 1.])");
}

TEST(PrintByHand, NanHasNoSign) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(format_tensor(floats({-nan, 1.5f}, {2}), PrintOptions{}), "tensor([   nan, 1.5000])");
}

TEST(PrintByHand, EmptyAndFloat64Suffixes) {
  const PrintOptions options;
  EXPECT_EQ(format_tensor(Tensor::zeros({0}), options), "tensor([])");
  EXPECT_EQ(format_tensor(Tensor::zeros({0, 3}), options), "tensor([], size=(0, 3))");
  EXPECT_EQ(format_tensor(Tensor::zeros({2}, DType::Float64), options),
            "tensor([0., 0.], dtype=torch.float64)");
  EXPECT_EQ(format_tensor(Tensor::full({}, 0.25), options, /*requires_grad=*/true),
            "tensor(0.2500, requires_grad=True)");
}

TEST(PrintByHand, UndefinedTensor) {
  EXPECT_EQ(format_tensor(Tensor(), PrintOptions{}), "[ Tensor (undefined) ]");
}

TEST(PrintByHand, NegativePrecisionIsRejected) {
  PrintOptions options;
  options.precision = -1;
  EXPECT_THROW(format_tensor(floats({1.5f}, {1}), options), ValueError);
}

TEST(PrintOptionsTest, DefaultsMatchTorch) {
  const PrintOptions defaults;
  EXPECT_EQ(defaults.precision, 4);
  EXPECT_EQ(defaults.threshold, 1000);
  EXPECT_EQ(defaults.edgeitems, 3);
  EXPECT_EQ(defaults.linewidth, 80);
  EXPECT_FALSE(defaults.sci_mode.has_value());
}

TEST(PrintOptionsTest, GlobalOptionsRoundTripAndDriveStr) {
  const PrintOptions saved = print_options();
  PrintOptions options;
  options.precision = 2;
  options.threshold = 5;
  options.edgeitems = 1;
  options.linewidth = 40;
  options.sci_mode = true;
  set_printoptions(options);
  EXPECT_EQ(print_options().precision, 2);
  EXPECT_EQ(print_options().threshold, 5);
  EXPECT_EQ(print_options().edgeitems, 1);
  EXPECT_EQ(print_options().linewidth, 40);
  EXPECT_EQ(print_options().sci_mode, std::optional<bool>(true));

  const Tensor t = floats({0.5f, 1.5f}, {2});
  EXPECT_EQ(t.str(), "tensor([5.00e-01, 1.50e+00])");
  std::ostringstream os;
  os << t;
  EXPECT_EQ(os.str(), t.str());

  set_printoptions(PrintOptions{});
  EXPECT_EQ(t.str(), "tensor([0.5000, 1.5000])");
  set_printoptions(saved);
}

}  // namespace
}  // namespace weightinit
