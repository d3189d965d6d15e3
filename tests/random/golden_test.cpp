// SPDX-License-Identifier: MIT
// Golden vectors from real PyTorch (tools/torch_golden.py golden), compared bit for bit.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "support/case_runner.h"

namespace {

nlohmann::json load(const std::string& name) {
  std::ifstream in(std::string(WEIGHTINIT_GOLDEN_DIR) + "/" + name);
  EXPECT_TRUE(in) << "missing golden file " << name;
  return nlohmann::json::parse(in);
}

class GoldenSampling : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenSampling, EveryCaseMatchesPyTorchBitForBit) {
  const nlohmann::json doc = load(GetParam());
  ASSERT_GE(doc.at("cases").size(), 10u);
  // orthogonal_'s QR depends on OpenBLAS's kernel set, chosen per CPU when OpenBLAS loads; the
  // files record the one they were made with and ctest sets it (tests/CMakeLists.txt). The
  // live differential tests compare against PyTorch under whatever this machine picks.
  const std::string coretype = doc.value("openblas_coretype", "");
  const char* env = std::getenv("OPENBLAS_CORETYPE");
  ASSERT_TRUE(coretype.empty() || (env != nullptr && coretype == env))
      << GetParam() << " was generated with OPENBLAS_CORETYPE=" << coretype
      << "; run this test with that variable set (ctest does)";
  for (const auto& test_case : doc.at("cases")) {
    const auto failure = weightinit::testing::check_case(test_case);
    EXPECT_FALSE(failure.has_value())
        << weightinit::testing::describe_case(test_case) << ": " << failure.value_or("");
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, GoldenSampling,
                         ::testing::Values("sampling_avx2.json", "sampling_default.json"),
                         [](const auto& param_info) {
                           return param_info.param.substr(9, param_info.param.size() - 14);
                         });

// The checker must notice a single flipped bit (guards against a runner that compares nothing).
TEST(GoldenSampling, ACorruptedExpectationIsReported) {
  nlohmann::json doc = load("sampling_avx2.json");
  nlohmann::json test_case = doc.at("cases").at(0);
  std::string first = test_case["expected"][0];
  first[7] = first[7] == '0' ? '1' : '0';
  test_case["expected"][0] = first;
  const auto failure = weightinit::testing::check_case(test_case);
  ASSERT_TRUE(failure.has_value());
  EXPECT_NE(failure->find("element 0"), std::string::npos) << *failure;
}

}  // namespace
