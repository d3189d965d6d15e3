// SPDX-License-Identifier: MIT
// torch.nn.init rules: gains, fans, errors and warnings with PyTorch's wording, zero-element
// tensors, and properties the golden files do not show directly. Bit-exactness against PyTorch
// is in golden_test.cpp and the differential_init_* tests.
#include "weightinit/init/init.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/error_of.h"
#include "weightinit/init/warnings.h"
#include "weightinit/random/sampling.h"

namespace wi = weightinit;
namespace init = weightinit::init;

namespace {

using weightinit::testing::error_of;

/// Collects warnings while alive.
class WarningCapture {
 public:
  WarningCapture() {
    previous_ = wi::set_warning_handler([this](std::string_view m) { messages.emplace_back(m); });
  }
  ~WarningCapture() { wi::set_warning_handler(previous_); }
  std::vector<std::string> messages;

 private:
  wi::WarningHandler previous_;
};

const char* kZeroElement = "Initializing zero-element tensors is a no-op";

}  // namespace

TEST(CalculateGain, MatchesTorchsTable) {
  using init::Nonlinearity;
  for (const char* one : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                          "conv_transpose2d", "conv_transpose3d", "sigmoid"}) {
    EXPECT_EQ(init::calculate_gain(one), 1.0) << one;
  }
  EXPECT_EQ(init::calculate_gain("tanh"), 5.0 / 3);
  EXPECT_EQ(init::calculate_gain("relu"), std::sqrt(2.0));
  EXPECT_EQ(init::calculate_gain("selu"), 0.75);
  EXPECT_EQ(init::calculate_gain("leaky_relu"), std::sqrt(2.0 / (1 + 0.01 * 0.01)));
  EXPECT_EQ(init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04));
  EXPECT_EQ(init::calculate_gain(Nonlinearity::LeakyReLU, 0.0), std::sqrt(2.0));
  EXPECT_EQ(init::calculate_gain("relu", 123.0), std::sqrt(2.0));  // param ignored
  EXPECT_EQ(init::all_nonlinearities().size(), 12u);
  for (const auto nl : init::all_nonlinearities()) {
    EXPECT_EQ(init::parse_nonlinearity(init::nonlinearity_name(nl)), nl);
  }
}

TEST(CalculateGain, UnknownNonlinearityUsesTorchsWording) {
  EXPECT_EQ(error_of([] { init::calculate_gain("swish"); }), "Unsupported nonlinearity swish");
}

TEST(CalculateGain, NegativeSlopeThatIsNotANumber) {
  EXPECT_EQ(init::parse_negative_slope("0.2"), 0.2);
  EXPECT_EQ(init::parse_negative_slope("-3"), -3.0);
  EXPECT_EQ(error_of([] { init::parse_negative_slope("abc"); }),
            "negative_slope abc not a valid number");
  EXPECT_EQ(error_of([] { init::parse_negative_slope("True"); }),
            "negative_slope True not a valid number");
  EXPECT_EQ(error_of([] { init::parse_negative_slope(""); }), "negative_slope  not a valid number");
}

TEST(Fans, ReceptiveFieldOverDimsTwoAndUp) {
  const auto f = init::calculate_fan_in_and_fan_out(wi::Shape{64, 3, 7, 7});
  EXPECT_EQ(f.fan_in, 3 * 49);
  EXPECT_EQ(f.fan_out, 64 * 49);
  EXPECT_EQ(f.receptive_field, 49);
  const auto g = init::calculate_fan_in_and_fan_out(wi::Shape{5, 3});
  EXPECT_EQ(g.fan_in, 3);
  EXPECT_EQ(g.fan_out, 5);
  EXPECT_EQ(init::calculate_correct_fan({10, 6, 3, 3, 3}, init::FanMode::FanOut), 270);
}

TEST(Fans, FewerThanTwoDimsIsAnErrorForEveryFanBasedInit) {
  const std::string msg =
      "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions";
  auto t = wi::Tensor::empty({5});
  wi::Generator g(0);
  EXPECT_EQ(error_of([&] { init::calculate_fan_in_and_fan_out(t); }), msg);
  EXPECT_EQ(error_of([&] { init::xavier_uniform_(t, 1.0, g); }), msg);
  EXPECT_EQ(error_of([&] { init::xavier_normal_(t, 1.0, g); }), msg);
  EXPECT_EQ(error_of([&] {
              init::kaiming_uniform_(t, 0, init::FanMode::FanIn, init::Nonlinearity::ReLU, g);
            }),
            msg);
  EXPECT_EQ(error_of([&] {
              init::kaiming_normal_(t, 0, init::FanMode::FanIn, init::Nonlinearity::ReLU, g);
            }),
            msg);
}

TEST(Fans, ModeOtherThanFanInOrFanOut) {
  EXPECT_EQ(init::parse_fan_mode("FAN_IN"), init::FanMode::FanIn);
  EXPECT_EQ(error_of([] { init::parse_fan_mode("fan_avg"); }),
            "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']");
}

TEST(Init, ShapeRulesUseTorchsWording) {
  wi::Generator g(0);
  auto t1 = wi::Tensor::empty({4});
  auto t3 = wi::Tensor::empty({4, 2, 3});
  auto t6 = wi::Tensor::empty({2, 2, 1, 1, 1, 1});
  EXPECT_EQ(error_of([&] { init::eye_(t3); }), "Only tensors with 2 dimensions are supported");
  EXPECT_EQ(error_of([&] { init::dirac_(t1); }),
            "Only tensors with 3, 4, or 5 dimensions are supported");
  EXPECT_EQ(error_of([&] { init::dirac_(t6); }),
            "Only tensors with 3, 4, or 5 dimensions are supported");
  EXPECT_EQ(error_of([&] { init::dirac_(t3, 3); }), "dim 0 must be divisible by groups");
  EXPECT_EQ(error_of([&] { init::orthogonal_(t1, 1.0, g); }),
            "Only tensors with 2 or more dimensions are supported");
  EXPECT_EQ(error_of([&] { init::sparse_(t3, 0.5, 0.01, g, g); }),
            "Only tensors with 2 dimensions are supported");
}

TEST(Init, TruncNormalFarMeanWarns) {
  WarningCapture capture;
  wi::Generator g(0);
  auto t = wi::Tensor::empty({10});
  init::trunc_normal_(t, 5.0, 1.0, -2.0, 2.0, g);
  ASSERT_EQ(capture.messages.size(), 1u);
  EXPECT_EQ(capture.messages[0],
            "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of "
            "values may be incorrect.");
  for (const float v : t.to_vector<float>()) {
    EXPECT_GE(v, -2.0f);
    EXPECT_LE(v, 2.0f);
  }
  init::trunc_normal_(t, 0.0, 1.0, -2.0, 2.0, g);
  EXPECT_EQ(capture.messages.size(), 1u);  // no warning when the mean is inside
}

TEST(Init, TruncNormalRejectsNonPositiveStdAndReversedBounds) {
  auto t = wi::Tensor::empty({3});
  wi::Generator g(0);
  EXPECT_EQ(error_of([&] { init::trunc_normal_(t, 0, 0, -2, 2, g); }),
            "trunc_normal_ expects std > 0, but found std 0");
  EXPECT_EQ(error_of([&] { init::trunc_normal_(t, 0, 1, 2, -2, g); }),
            "trunc_normal_ expects a <= b, but found a=2 > b=-2");
}

// Rounding to float32 leaves [a, b] one value 8 away from the mean (mean -93215475, std 1: the
// spacing there is 8), so torch 2.12's rejection sampler accepts a proposal with probability
// ~2^-24 and loops for hours (differential case seed 349740218). weightinit stops with an error.
TEST(Init, TruncNormalRejectionThatCannotProgressStopsWithAnError) {
  auto t = wi::Tensor::empty({1});
  wi::Generator g(567250660);
  ASSERT_EQ(g.torch_version(), wi::TorchVersion::V2_12);
  const std::string message = error_of(
      [&] { init::trunc_normal_(t, -93215475.11752117, 1.0, -93215477.80398203, -93215477.30398203, g); });
  EXPECT_NE(message.find("trunc_normal_: 1048576 rounds in a row of torch 2.12's rejection sampler "
                         "accepted none of the 1 values still outside [a, b]"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("float32): [a, b] holds too few values"), std::string::npos) << message;
  // The same call in float64 has values to accept, and returns them inside [a, b].
  auto d = wi::Tensor::empty({300}, wi::DType::Float64);
  init::trunc_normal_(d, -93215475.11752117, 1.0, -93215477.80398203, -93215477.30398203, g);
  for (const double v : d.to_vector<double>()) {
    EXPECT_GE(v, -93215477.80398203);
    EXPECT_LE(v, -93215477.30398203);
  }
}

// A zero-element tensor: a warning, the tensor unchanged, and no draws.
TEST(Init, ZeroElementTensorIsANoOpWithAWarning) {
  wi::Generator g(3);
  const auto state = g.get_state();
  auto t = wi::Tensor::empty({0, 5});
  auto conv = wi::Tensor::empty({4, 0, 3, 3});
  WarningCapture capture;
  init::uniform_(t, 0, 1, g);
  init::normal_(t, 0, 1, g);
  init::trunc_normal_(t, 0, 1, -2, 2, g);
  init::constant_(t, 1);
  init::eye_(t);
  init::dirac_(conv);
  init::xavier_uniform_(t, 1, g);
  init::xavier_normal_(t, 1, g);
  init::kaiming_uniform_(conv, 0, init::FanMode::FanIn, init::Nonlinearity::LeakyReLU, g);
  init::kaiming_normal_(conv, 0, init::FanMode::FanIn, init::Nonlinearity::LeakyReLU, g);
  init::orthogonal_(t, 1, g);
  init::sparse_(t, 0.5, 0.01, g, g);
  EXPECT_EQ(capture.messages.size(), 12u);
  for (const auto& m : capture.messages) EXPECT_EQ(m, kZeroElement);
  EXPECT_EQ(g.get_state(), state);
}

TEST(Init, DefaultWarningHandlerCanBeReplacedAndRestored) {
  std::vector<std::string> seen;
  auto previous = wi::set_warning_handler([&](std::string_view m) { seen.emplace_back(m); });
  wi::warn("one");
  wi::warn("one");
  EXPECT_EQ(seen.size(), 2u);  // a custom handler sees every call
  wi::set_warning_handler(previous);
  wi::warn("back to default");  // printed once to stderr; must not reach `seen`
  EXPECT_EQ(seen.size(), 2u);
}

TEST(Init, EyeAndDiracPlaceOnes) {
  auto e = wi::Tensor::full({2, 3}, 7.0);
  init::eye_(e);
  EXPECT_EQ(e.to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 1, 0}));
  auto d = wi::Tensor::full({4, 2, 3}, 7.0);
  init::dirac_(d, 2);  // per group: 2 outputs, min(2, 2) identities, centre 1
  std::vector<float> expected(24, 0.0f);
  for (const int idx :
       {0 * 6 + 0 * 3 + 1, 1 * 6 + 1 * 3 + 1, 2 * 6 + 0 * 3 + 1, 3 * 6 + 1 * 3 + 1}) {
    expected[idx] = 1.0f;
  }
  EXPECT_EQ(d.to_vector<float>(), expected);
}

TEST(Init, OrthogonalRowsAreOrthonormalTimesGain) {
  for (const wi::Shape& shape : {wi::Shape{6, 4}, wi::Shape{4, 6}, wi::Shape{8, 2, 3}}) {
    wi::Generator g(17);
    auto t = wi::Tensor::empty(shape, wi::DType::Float64);
    init::orthogonal_(t, 2.0, g);
    const std::int64_t rows = shape[0], cols = t.numel() / rows;
    const auto v = t.to_vector<double>();
    // The smaller side is orthonormal: W Wᵀ = 4 I (rows <= cols) or Wᵀ W = 4 I.
    const bool by_rows = rows <= cols;
    const std::int64_t k = by_rows ? rows : cols, len = by_rows ? cols : rows;
    for (std::int64_t i = 0; i < k; ++i) {
      for (std::int64_t j = 0; j < k; ++j) {
        double dot = 0;
        for (std::int64_t x = 0; x < len; ++x) {
          dot += by_rows ? v[i * cols + x] * v[j * cols + x] : v[x * cols + i] * v[x * cols + j];
        }
        EXPECT_NEAR(dot, i == j ? 4.0 : 0.0, 1e-12) << wi::shape_str(shape);
      }
    }
  }
}

TEST(Init, SparseZeroesCeilSparsityRowsPerColumnFromThePermutationGenerator) {
  wi::Generator values(1), perms(2), perms_replay(2);
  auto t = wi::Tensor::empty({10, 4});
  init::sparse_(t, 0.25, 1.0, values, perms);  // ceil(2.5) = 3 zeros per column
  for (std::int64_t c = 0; c < 4; ++c) {
    const auto perm = wi::randperm(10, perms_replay);
    for (std::int64_t r = 0; r < 10; ++r) {
      const bool zeroed = std::find(perm.begin(), perm.begin() + 3, r) != perm.begin() + 3;
      EXPECT_EQ(t.item({r, c}) == 0.0, zeroed) << r << "," << c;
    }
  }
  EXPECT_EQ(perms.get_state(), perms_replay.get_state());
}

TEST(Init, XavierAndKaimingBoundsFollowTheFormulas) {
  const auto max_abs = [](const wi::Tensor& t) {
    double m = 0;
    for (const float v : t.to_vector<float>()) m = std::max(m, std::abs(double{v}));
    return m;
  };
  wi::Generator g(5);
  auto t = wi::Tensor::empty({50, 30});
  init::xavier_uniform_(t, 2.0, g);
  const double xavier_bound = 2.0 * std::sqrt(6.0 / 80.0);
  EXPECT_LE(max_abs(t), xavier_bound);
  EXPECT_GT(max_abs(t), 0.99 * xavier_bound);  // 1500 draws reach within 1% of the edge
  init::kaiming_uniform_(t, 0, init::FanMode::FanOut, init::Nonlinearity::ReLU, g);
  const double kaiming_bound = std::sqrt(2.0) * std::sqrt(3.0 / 50.0);
  EXPECT_LE(max_abs(t), kaiming_bound);
  EXPECT_GT(max_abs(t), 0.99 * kaiming_bound);
}

namespace {
/// Mean and variance of N(mean, std²) truncated to [a, b] (Johnson, Kotz & Balakrishnan 1994).
std::pair<double, double> truncated_moments(double mean, double std, double a, double b) {
  const auto pdf = [](double x) { return std::exp(-0.5 * x * x) / std::sqrt(2 * M_PI); };
  const auto cdf = [](double x) { return 0.5 * (1 + std::erf(x / std::sqrt(2.0))); };
  const double alpha = (a - mean) / std, beta = (b - mean) / std;
  const double z = cdf(beta) - cdf(alpha);
  const double r = (pdf(alpha) - pdf(beta)) / z;
  const double var = std * std * (1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - r * r);
  return {mean + std * r, var};
}
}  // namespace

// Fixed seeds, 10^6 samples: the sample mean within 5 standard errors of the exact truncated
// mean, the variance within 2%, every value inside [a, b]. Covers the inverse-CDF sampler and
// both branches of the 2.12 rejection sampler (acceptance mass above and below 0.3).
TEST(Init, TruncNormalMatchesTheTruncatedMoments) {
  struct Case {
    wi::TorchVersion version;
    double mean, std, a, b;
  };
  for (const Case c : {Case{wi::TorchVersion::V1_13, 0.0, 1.0, -2.0, 2.0},
                       Case{wi::TorchVersion::V1_13, 0.5, 2.0, -1.0, 4.0},
                       Case{wi::TorchVersion::V2_12, 0.0, 1.0, -1.0, 2.0},
                       Case{wi::TorchVersion::V2_12, 0.0, 1.0, 1.5, 3.0}}) {
    wi::Generator g(77, wi::ArithMode::Avx2, c.version);
    auto t = wi::Tensor::empty({1000000});
    init::trunc_normal_(t, c.mean, c.std, c.a, c.b, g);
    const auto v = t.to_vector<double>();
    double sum = 0, sq = 0;
    for (const double x : v) {
      ASSERT_GE(x, c.a);
      ASSERT_LE(x, c.b);
      sum += x;
    }
    const double mean = sum / static_cast<double>(v.size());
    for (const double x : v) sq += (x - mean) * (x - mean);
    const double var = sq / static_cast<double>(v.size() - 1);
    const auto [want_mean, want_var] = truncated_moments(c.mean, c.std, c.a, c.b);
    EXPECT_NEAR(mean, want_mean, 5 * std::sqrt(want_var / 1e6))
        << wi::torch_version_name(c.version);
    EXPECT_NEAR(var, want_var, 0.02 * want_var) << wi::torch_version_name(c.version);
  }
}
