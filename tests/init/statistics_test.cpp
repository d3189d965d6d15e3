// SPDX-License-Identifier: MIT
// Statistical tests of every random init scheme under both generator families (issue #12):
// mean and variance against the exact formula, and a Kolmogorov-Smirnov test against the CDF
// at 10^6 samples, over several shapes, gains and modes.
//
// Thresholds (fixed seeds, so every run gives the same verdict):
//   mean:     |m - mu| <= 5 sigma / sqrt(n)
//   variance: |s^2 - sigma^2| <= 5 sigma^2 sqrt((kurtosis - 1) / n)  (kurtosis 3 normal,
//             1.8 uniform, the exact truncated value for trunc_normal)
//   KS:       p >= 1e-3, p from the asymptotic Kolmogorov distribution of sqrt(n) D.
// A correct sampler fails one of these with probability about 1e-3 per check; the seeds below
// are fixed, so the suite never flakes, and a wrong scale (even 1% in std at 10^6 samples)
// fails by many sigma.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include "weightinit/init/init.h"
#include "weightinit/init/spec.h"
#include "weightinit/random/generator.h"

namespace wi = weightinit;

namespace {

constexpr double kPi = std::numbers::pi;

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }
double normal_pdf(double z) { return std::exp(-0.5 * z * z) / std::sqrt(2 * kPi); }

/// P(K > x) for the Kolmogorov distribution: 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 x^2).
double kolmogorov_survival(double x) {
  if (x < 0.2) return 1.0;
  double sum = 0.0;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * x * x);
    sum += (k % 2 == 1 ? term : -term);
    if (term < 1e-16) break;
  }
  return std::clamp(2.0 * sum, 0.0, 1.0);
}

/// A distribution: its CDF, mean, variance and kurtosis (E[(x-mu)^4] / sigma^4).
struct Distribution {
  std::function<double(double)> cdf;
  double mean, variance, kurtosis;
  std::string name;
};

Distribution uniform(double a, double b) {
  return {[=](double x) { return std::clamp((x - a) / (b - a), 0.0, 1.0); }, (a + b) / 2,
          (b - a) * (b - a) / 12, 1.8, "U(" + std::to_string(a) + ", " + std::to_string(b) + ")"};
}

Distribution normal(double mean, double std) {
  return {[=](double x) { return normal_cdf((x - mean) / std); }, mean, std * std, 3.0,
          "N(" + std::to_string(mean) + ", " + std::to_string(std) + "^2)"};
}

/// N(mean, std^2) truncated to [a, b]: moments from the standard formulas (Johnson, Kotz &
/// Balakrishnan), kurtosis by numerical integration (Simpson, 20000 panels).
Distribution truncated_normal(double mean, double std, double a, double b) {
  const double alpha = (a - mean) / std, beta = (b - mean) / std;
  const double z = normal_cdf(beta) - normal_cdf(alpha);
  const double pa = normal_pdf(alpha), pb = normal_pdf(beta);
  const double mu = mean + std * (pa - pb) / z;
  const double var =
      std * std * (1 + (alpha * pa - beta * pb) / z - ((pa - pb) / z) * ((pa - pb) / z));
  const int panels = 20000;
  const double h = (b - a) / panels;
  double m4 = 0.0;
  for (int i = 0; i <= panels; ++i) {
    const double x = a + i * h;
    const double w = (i == 0 || i == panels) ? 1 : (i % 2 == 1 ? 4 : 2);
    m4 += w * std::pow(x - mu, 4) * normal_pdf((x - mean) / std) / (std * z);
  }
  m4 *= h / 3;
  return {[=](double x) {
            if (x <= a) return 0.0;
            if (x >= b) return 1.0;
            return (normal_cdf((x - mean) / std) - normal_cdf(alpha)) / z;
          },
          mu, var, m4 / (var * var),
          "TN(" + std::to_string(mean) + ", " + std::to_string(std) + ", [" + std::to_string(a) +
              ", " + std::to_string(b) + "])"};
}

/// Checks `values` against `d`; `what` names the case in failures.
void check_sample(std::vector<double> values, const Distribution& d, const std::string& what) {
  const double n = static_cast<double>(values.size());
  double sum = 0.0;
  for (const double v : values) sum += v;
  const double mean = sum / n;
  double sq = 0.0;
  for (const double v : values) sq += (v - mean) * (v - mean);
  const double var = sq / (n - 1);
  const double sigma = std::sqrt(d.variance);
  EXPECT_LE(std::abs(mean - d.mean), 5 * sigma / std::sqrt(n))
      << what << ": mean " << mean << ", expected " << d.mean << " (" << d.name << ")";
  EXPECT_LE(std::abs(var - d.variance), 5 * d.variance * std::sqrt((d.kurtosis - 1) / n))
      << what << ": variance " << var << ", expected " << d.variance << " (" << d.name << ")";
  std::sort(values.begin(), values.end());
  double dmax = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const double f = d.cdf(values[i]);
    dmax = std::max({dmax, f - static_cast<double>(i) / n, static_cast<double>(i + 1) / n - f});
  }
  const double p = kolmogorov_survival(std::sqrt(n) * dmax);
  EXPECT_GE(p, 1e-3) << what << ": KS D = " << dmax << ", p = " << p << " (" << d.name << ")";
}

/// A generator of `family` with seed `seed` (Philox: stream "weight").
wi::Generator make_generator(wi::RngFamily family, std::uint64_t seed) {
  if (family == wi::RngFamily::Torch) return wi::Generator(seed);
  wi::Generator g = wi::Generator::philox(seed);
  g.set_stream("weight");
  return g;
}

const char* family_name(wi::RngFamily f) { return f == wi::RngFamily::Torch ? "torch" : "philox"; }

struct SchemeCase {
  std::string spec;
  wi::Shape shape;
  Distribution expected;
};

/// Fans of `shape` as torch computes them.
std::pair<double, double> fans(const wi::Shape& s) {
  double k = 1;
  for (std::size_t i = 2; i < s.size(); ++i) k *= static_cast<double>(s[i]);
  return {static_cast<double>(s[1]) * k, static_cast<double>(s[0]) * k};
}

std::vector<SchemeCase> scheme_cases() {
  const wi::Shape linear{1000, 1000}, conv{64, 32, 7, 7}, wide{250, 4000};  // ~1e6 each
  std::vector<SchemeCase> cases;
  cases.push_back({"uniform(a=-0.5, b=2)", linear, uniform(-0.5, 2)});
  cases.push_back({"normal(mean=0.5, std=0.02)", conv, normal(0.5, 0.02)});
  cases.push_back(
      {"trunc_normal(std=0.02, a=-0.04, b=0.04)", linear, truncated_normal(0, 0.02, -0.04, 0.04)});
  cases.push_back({"trunc_normal(mean=1, std=2, a=-1, b=4)", wide, truncated_normal(1, 2, -1, 4)});
  for (const auto& [shape, gain] :
       {std::pair{linear, 1.0}, std::pair{conv, std::sqrt(2.0)}, std::pair{wide, 5.0 / 3.0}}) {
    const auto [fan_in, fan_out] = fans(shape);
    const std::string g = std::to_string(gain);
    const double bound = gain * std::sqrt(6.0 / (fan_in + fan_out));
    cases.push_back({"xavier_uniform(gain=" + g + ")", shape, uniform(-bound, bound)});
    cases.push_back({"xavier_normal(gain=" + g + ")", shape,
                     normal(0, gain * std::sqrt(2.0 / (fan_in + fan_out)))});
  }
  for (const auto& shape : {linear, conv, wide}) {
    const auto [fan_in, fan_out] = fans(shape);
    // kaiming: gain sqrt(2) for relu, sqrt(2 / (1 + a^2)) for leaky_relu(a).
    const double relu = std::sqrt(2.0), leaky = std::sqrt(2.0 / (1 + 0.2 * 0.2));
    cases.push_back({"kaiming_uniform(mode=fan_in, nonlinearity=relu)", shape,
                     uniform(-relu * std::sqrt(3 / fan_in), relu * std::sqrt(3 / fan_in))});
    cases.push_back({"kaiming_normal(mode=fan_out, nonlinearity=relu)", shape,
                     normal(0, relu / std::sqrt(fan_out))});
    cases.push_back({"kaiming_normal(a=0.2, mode=fan_in, nonlinearity=leaky_relu)", shape,
                     normal(0, leaky / std::sqrt(fan_in))});
  }
  // The Keras/JAX family: variance = scale / n; "normal" is truncated at ±2σ with σ corrected
  // by 0.87962566103423978 so the sample variance is exactly `variance` (checked below).
  for (const auto& shape : {linear, conv}) {
    const auto [fan_in, fan_out] = fans(shape);
    const double avg = (fan_in + fan_out) / 2;
    auto keras_normal = [](double variance) {
      const double sigma = std::sqrt(variance) / 0.87962566103423978;
      return truncated_normal(0, sigma, -2 * sigma, 2 * sigma);
    };
    auto keras_uniform = [](double variance) {
      return uniform(-std::sqrt(3 * variance), std::sqrt(3 * variance));
    };
    cases.push_back({"lecun_uniform", shape, keras_uniform(1 / fan_in)});
    cases.push_back({"lecun_normal", shape, keras_normal(1 / fan_in)});
    cases.push_back({"glorot_uniform", shape, keras_uniform(1 / avg)});
    cases.push_back({"glorot_normal", shape, keras_normal(1 / avg)});
    cases.push_back({"he_uniform", shape, keras_uniform(2 / fan_in)});
    cases.push_back({"he_normal", shape, keras_normal(2 / fan_in)});
    cases.push_back({"variance_scaling(scale=0.5, mode=fan_out, distribution=untruncated_normal)",
                     shape, normal(0, std::sqrt(0.5 / fan_out))});
    cases.push_back({"variance_scaling(scale=3, mode=fan_avg, distribution=uniform)", shape,
                     keras_uniform(3 / avg)});
  }
  // Layer-aware fans: JAX axes on a Keras-layout kernel (3, 3, 64, 128): fan_in = 3·3·64;
  // a depthwise conv (C, 1, 3, 3) with groups C: fan_out = C / C · 9 = 9 (torch: C · 9).
  cases.push_back({"he_uniform(in_axis=-2, out_axis=-1)",
                   {3, 3, 64, 128},
                   uniform(-std::sqrt(6.0 / 576), std::sqrt(6.0 / 576))});
  cases.push_back(
      {"variance_scaling(scale=2, mode=fan_out, distribution=untruncated_normal, "
       "groups=65536)",
       {65536, 1, 3, 3},
       normal(0, std::sqrt(2.0 / 9))});
  cases.push_back({"keras_truncated_normal(mean=0.1, stddev=0.05)", linear,
                   truncated_normal(0.1, 0.05, 0.0, 0.2)});
  cases.push_back({"trunc_normal_tf(mean=1, std=0.02, a=-1, b=3)", linear,
                   truncated_normal(1, 0.02, 1 - 0.02, 1 + 3 * 0.02)});
  // torch's Linear/Conv default: kaiming_uniform(a=sqrt(5)) = U(±1/sqrt(fan_in)).
  const double fan_in = fans(conv).first;
  cases.push_back({"kaiming_uniform(a=2.23606797749979)", conv,
                   uniform(-1 / std::sqrt(fan_in), 1 / std::sqrt(fan_in))});
  return cases;
}

class Statistics : public ::testing::TestWithParam<wi::RngFamily> {};

}  // namespace

TEST(KerasTruncatedNormal, TheStdCorrectionMakesTheVarianceExact) {
  // N(0, σ²) cut at ±2σ has variance 0.87962566103423978² σ² (to 1e-15 relative).
  const Distribution d = truncated_normal(0, 1, -2, 2);
  EXPECT_NEAR(std::sqrt(d.variance), 0.87962566103423978, 1e-15);
}

TEST_P(Statistics, EveryRandomSchemeMatchesItsDistribution) {
  std::uint64_t seed = 1000;
  for (const SchemeCase& c : scheme_cases()) {
    wi::Generator gen = make_generator(GetParam(), ++seed);
    wi::Tensor t = wi::Tensor::empty(c.shape);
    wi::init::Initializer::parse(c.spec).apply(t, gen, gen);
    check_sample(t.to_vector<double>(), c.expected,
                 std::string(family_name(GetParam())) + " " + c.spec + " " +
                     wi::shape_str(c.shape) + " seed " + std::to_string(seed));
  }
}

TEST_P(Statistics, Float64FillsMatchTheirDistributionsToo) {
  wi::Generator gen = make_generator(GetParam(), 7);
  wi::Tensor u = wi::Tensor::empty({1000000}, wi::DType::Float64);
  wi::init::uniform_(u, -1, 3, gen);
  check_sample(u.to_vector<double>(), uniform(-1, 3),
               std::string(family_name(GetParam())) + " uniform f64");
  wi::Tensor n = wi::Tensor::empty({1000000}, wi::DType::Float64);
  wi::init::normal_(n, -2, 0.5, gen);
  check_sample(n.to_vector<double>(), normal(-2, 0.5),
               std::string(family_name(GetParam())) + " normal f64");
}

TEST_P(Statistics, SparseZeroesItsShareOfEachColumnAndDrawsTheRestFromTheNormal) {
  wi::Generator gen = make_generator(GetParam(), 11);
  const std::int64_t rows = 1000, cols = 1250;
  wi::Tensor t = wi::Tensor::empty({rows, cols});
  wi::init::sparse_(t, 0.3, 0.05, gen, gen);
  const auto v = t.to_vector<double>();
  const auto zeros_per_column = static_cast<std::int64_t>(std::ceil(0.3 * rows));
  // Each column gets exactly ceil(sparsity * rows) zeros from its permutation. The normal draw
  // itself is exactly 0 with probability ~2^-24 per element (u1 = 1 in Box-Muller, as in
  // torch), so a few extra zeros over 1.25e6 draws are allowed, and counted: at most 4.
  std::vector<double> nonzero;
  std::int64_t extra = 0;
  for (std::int64_t c = 0; c < cols; ++c) {
    std::int64_t zeros = 0;
    for (std::int64_t r = 0; r < rows; ++r) {
      const double x = v[static_cast<std::size_t>(r * cols + c)];
      if (x == 0.0) {
        ++zeros;
      } else {
        nonzero.push_back(x);
      }
    }
    ASSERT_GE(zeros, zeros_per_column) << family_name(GetParam()) << " column " << c;
    extra += zeros - zeros_per_column;
  }
  EXPECT_LE(extra, 4) << family_name(GetParam());
  check_sample(nonzero, normal(0, 0.05), std::string(family_name(GetParam())) + " sparse");
}

TEST_P(Statistics, OrthogonalRowsAreOrthonormalTimesTheGain) {
  for (const auto& [shape, gain] :
       {std::pair{wi::Shape{256, 256}, 1.0}, std::pair{wi::Shape{64, 512}, 2.0},
        std::pair{wi::Shape{300, 40}, 0.5}, std::pair{wi::Shape{32, 8, 3, 3}, 1.0}}) {
    wi::Generator gen = make_generator(GetParam(), 5);
    wi::Tensor t = wi::Tensor::empty(shape);
    wi::init::orthogonal_(t, gain, gen);
    const std::int64_t rows = shape[0], cols = t.numel() / rows;
    const auto v = t.to_vector<double>();
    // W W^T = gain^2 I when rows <= cols, W^T W = gain^2 I otherwise (tolerance 1e-5: float32).
    const bool by_rows = rows <= cols;
    const std::int64_t k = by_rows ? rows : cols, len = by_rows ? cols : rows;
    double worst = 0.0;
    for (std::int64_t i = 0; i < k; ++i) {
      for (std::int64_t j = 0; j < k; ++j) {
        double dot = 0.0;
        for (std::int64_t l = 0; l < len; ++l) {
          const auto a = static_cast<std::size_t>(by_rows ? i * cols + l : l * cols + i);
          const auto b = static_cast<std::size_t>(by_rows ? j * cols + l : l * cols + j);
          dot += v[a] * v[b];
        }
        worst = std::max(worst, std::abs(dot - (i == j ? gain * gain : 0.0)));
      }
    }
    EXPECT_LE(worst, 1e-5 * gain * gain) << family_name(GetParam()) << " " << wi::shape_str(shape);
  }
}

INSTANTIATE_TEST_SUITE_P(BothFamilies, Statistics,
                         ::testing::Values(wi::RngFamily::Torch, wi::RngFamily::Philox),
                         [](const auto& info) { return std::string(family_name(info.param)); });
