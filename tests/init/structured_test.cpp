// SPDX-License-Identifier: MIT
// Structured inits and the variance-scaling family: exact values against their published
// formulas (Caffe's fillers, Xiao et al. 2018, Zhao et al. 2022, Keras/JAX), and bad input.
#include "weightinit/init/structured.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "weightinit/error.h"
#include "weightinit/init/init.h"
#include "weightinit/init/spec.h"
#include "weightinit/init/variance_scaling.h"

namespace wi = weightinit;
namespace init = weightinit::init;

namespace {

std::vector<double> values(const wi::Tensor& t) { return t.to_vector<double>(); }

/// The message of `fn`'s exception of type E, or a failure.
template <typename E, typename Fn>
std::string error_of(Fn fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return "";
}

}  // namespace

TEST(Identity, ScalesTheDiagonalOrTheDiracCentre) {
  wi::Tensor m = wi::Tensor::empty({2, 3});
  init::identity_(m, 0.5);
  EXPECT_EQ(values(m), (std::vector<double>{0.5, 0, 0, 0, 0.5, 0}));
  wi::Tensor c = wi::Tensor::empty({2, 2, 3});
  init::identity_(c, 2.0);
  EXPECT_EQ(values(c), (std::vector<double>{0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0}));
  wi::Tensor v = wi::Tensor::empty({4});
  EXPECT_THROW(init::identity_(v), wi::ShapeError);
}

TEST(Bilinear, MatchesCaffesFiller) {
  // Caffe BilinearFiller, kernel 4 (factor 2): f = 2, c = 0.75, 1 - |x/f - c| = .25 .75 .75 .25.
  wi::Tensor t = wi::Tensor::empty({2, 1, 4, 4});
  init::bilinear_(t);
  const std::vector<double> w1 = {0.25, 0.75, 0.75, 0.25};
  const auto v = values(t);
  for (int s = 0; s < 2; ++s) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 4; ++x) {
        EXPECT_DOUBLE_EQ(v[static_cast<std::size_t>(s * 16 + y * 4 + x)], w1[y] * w1[x]);
      }
    }
  }
  // Kernel 3 (factor 2, odd): f = 2, c = (4 - 1 - 0) / 4 = 0.75 → 1 - |x/2 - 0.75| = .25 .75 .75.
  wi::Tensor odd = wi::Tensor::empty({1, 1, 3});
  init::bilinear_(odd);
  EXPECT_EQ(values(odd), (std::vector<double>{0.25, 0.75, 0.75}));
  wi::Tensor flat = wi::Tensor::empty({4, 4});
  EXPECT_THROW(init::bilinear_(flat), wi::ShapeError);
}

TEST(PositiveUnitball, EveryUnitIsPositiveAndSumsToOne) {
  wi::Generator gen(3);
  wi::Tensor t = wi::Tensor::empty({5, 2, 3});
  init::positive_unitball_(t, gen);
  const auto v = values(t);
  for (int r = 0; r < 5; ++r) {
    double sum = 0;
    for (int j = 0; j < 6; ++j) {
      EXPECT_GT(v[static_cast<std::size_t>(r * 6 + j)], 0.0);
      sum += v[static_cast<std::size_t>(r * 6 + j)];
    }
    EXPECT_NEAR(sum, 1.0, 1e-6);  // float32 rounding of each term
  }
}

TEST(DeltaOrthogonal, IsZeroOffCentreAndOrthogonalAtTheCentre) {
  wi::Generator gen(9), same(9);
  wi::Tensor t = wi::Tensor::empty({6, 4, 3, 3});
  init::delta_orthogonal_(t, 1.5, gen);
  wi::Tensor q = wi::Tensor::empty({6, 4}, wi::DType::Float64);
  init::orthogonal_(q, 1.5, same);
  const auto v = values(t), qv = values(q);
  for (int o = 0; o < 6; ++o) {
    for (int i = 0; i < 4; ++i) {
      for (int k = 0; k < 9; ++k) {
        const double x = v[static_cast<std::size_t>((o * 4 + i) * 9 + k)];
        if (k == 4) {
          EXPECT_EQ(x, static_cast<double>(static_cast<float>(qv[o * 4 + i])));
        } else {
          EXPECT_EQ(x, 0.0);
        }
      }
    }
  }
  wi::Tensor narrow = wi::Tensor::empty({2, 4, 3});
  EXPECT_EQ(error_of<wi::ShapeError>([&] { init::delta_orthogonal_(narrow, 1.0, gen); }),
            "delta_orthogonal needs out_channels >= in_channels for an orthogonal centre (Xiao "
            "et al. 2018), but the weight is [2, 4, 3]");
}

TEST(OrthogonalKeras, IsOrthogonalInTheLastAxisLayout) {
  wi::Generator gen(4), same(4);
  wi::Tensor t = wi::Tensor::empty({3, 3, 8, 16});  // Keras conv kernel (kh, kw, in, out)
  init::orthogonal_keras_(t, 1.0, gen);
  wi::Tensor flat = wi::Tensor::empty({72, 16});
  init::orthogonal_(flat, 1.0, same);
  EXPECT_EQ(values(t), values(flat));
  // Columns of the (72, 16) view are orthonormal.
  const auto v = values(t);
  for (int a = 0; a < 16; ++a) {
    for (int b = 0; b < 16; ++b) {
      double dot = 0;
      for (int r = 0; r < 72; ++r) dot += v[r * 16 + a] * v[r * 16 + b];
      EXPECT_NEAR(dot, a == b ? 1.0 : 0.0, 1e-5);
    }
  }
}

TEST(ZeroHadamard, FollowsAlgorithmOneOfTheZerOPaper) {
  wi::Tensor square = wi::Tensor::empty({3, 3});
  init::zero_hadamard_(square);
  EXPECT_EQ(values(square), (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
  wi::Tensor narrow = wi::Tensor::empty({2, 3});  // P_out < P_in: partial identity
  init::zero_hadamard_(narrow);
  EXPECT_EQ(values(narrow), (std::vector<double>{1, 0, 0, 0, 1, 0}));
  // P_out = 4 > P_in = 2: m = 2, c = 2^(-1/2), H_2 =
  // [[1,1,1,1],[1,-1,1,-1],[1,1,-1,-1],[1,-1,-1,1]].
  wi::Tensor wide = wi::Tensor::empty({4, 2}, wi::DType::Float64);
  init::zero_hadamard_(wide);
  const double c = std::pow(2.0, -0.5);  // 2^(-(m-1)/2), m = 2
  EXPECT_EQ(values(wide), (std::vector<double>{c, c, c, -c, c, c, c, -c}));
  // A conv weight: the same matrix at the kernel centre.
  wi::Tensor conv = wi::Tensor::empty({2, 2, 3});
  init::zero_hadamard_(conv);
  EXPECT_EQ(values(conv), (std::vector<double>{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0}));
}

TEST(VarianceScaling, FansFollowTheAxesAndGroups) {
  EXPECT_EQ(init::axis_fans({128, 64, 3, 3}, {}),
            (std::pair<std::int64_t, std::int64_t>{576, 1152}));
  EXPECT_EQ(init::axis_fans({3, 3, 64, 128}, {-2, -1, 1}),
            (std::pair<std::int64_t, std::int64_t>{576, 1152}));
  EXPECT_EQ(init::axis_fans({32, 1, 3, 3}, {1, 0, 32}),  // depthwise
            (std::pair<std::int64_t, std::int64_t>{9, 9}));
  EXPECT_EQ(init::axis_fans({16, 8, 3}, {0, 1, 1}),  // ConvTranspose1d (in, out, k): swapped
            (std::pair<std::int64_t, std::int64_t>{48, 24}));
  EXPECT_THROW(init::axis_fans({5}, {}), wi::ShapeError);
  EXPECT_EQ(error_of<wi::ShapeError>([] {
              init::axis_fans({4, 4}, {1, 1, 1});
            }),
            "in_axis and out_axis must differ, but both are 1");
  EXPECT_EQ(error_of<wi::ShapeError>([] {
              init::axis_fans({4, 4}, {2, 0, 1});
            }),
            "in_axis 2 is out of range for a tensor with 2 dimensions");
  EXPECT_EQ(error_of<wi::ShapeError>([] {
              init::axis_fans({6, 4}, {1, 0, 4});
            }),
            "groups 4 does not divide the out axis size 6");
  wi::Tensor t = wi::Tensor::empty({4, 4});
  EXPECT_EQ(error_of<wi::ValueError>([&] {
              init::variance_scaling_(t, 0.0, init::ScalingMode::FanIn,
                                      init::ScalingDistribution::Uniform);
            }),
            "Argument `scale` must be positive float. Received: scale=0");
}

TEST(VarianceScaling, SpecsReachEveryArgument) {
  // The spec form equals the direct call, draw for draw.
  wi::Generator g1(12), g2(12);
  wi::Tensor a = wi::Tensor::empty({3, 3, 4, 8}), b = wi::Tensor::empty({3, 3, 4, 8});
  init::Initializer::parse(
      "variance_scaling(scale=2, mode=fan_avg, distribution=untruncated_normal, in_axis=-2, "
      "out_axis=-1)")
      .apply(a, g1);
  init::variance_scaling_(b, 2.0, init::ScalingMode::FanAvg,
                          init::ScalingDistribution::UntruncatedNormal, {-2, -1, 1}, g2);
  EXPECT_EQ(values(a), values(b));
  EXPECT_EQ(init::Initializer::parse("he_normal").canonical(),
            "he_normal(in_axis=1, out_axis=0, groups=1)");
  try {
    (void)init::Initializer::parse("variance_scaling(distribution=gaussian)");
    ADD_FAILURE() << "no SpecError";
  } catch (const init::SpecError& e) {
    EXPECT_EQ(std::string(e.what()),
              "at column 31: invalid distribution 'gaussian' for variance_scaling: expected "
              "truncated_normal, untruncated_normal, uniform");
  }
}
