// SPDX-License-Identifier: MIT
// The matrix products split over OpenMP threads by hand (nn/functional/common.cpp): every shape,
// transpose and stride gives the float64 reference's result within float32 rounding, whatever
// the thread count, and OpenBLAS's own pool runs one thread during a product only.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "nn/functional/common.h"
#include "parallel/blas_threads.h"
#include "weightinit/error.h"

namespace {

using weightinit::nn::functional::impl::sgemm;

struct Case {
  std::int64_t m, n, k;
  bool trans_a, trans_b;
};

/// op(A) is m×k, op(B) k×n, all stored row-major with 3 spare columns (lda > minimal).
struct Operands {
  std::int64_t lda, ldb, ldc;
  std::vector<float> a, b, c;
};

Operands make_operands(const Case& t, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Operands o;
  o.lda = (t.trans_a ? t.m : t.k) + 3;
  o.ldb = (t.trans_b ? t.k : t.n) + 3;
  o.ldc = t.n + 3;
  o.a.resize(static_cast<std::size_t>((t.trans_a ? t.k : t.m) * o.lda));
  o.b.resize(static_cast<std::size_t>((t.trans_b ? t.n : t.k) * o.ldb));
  o.c.resize(static_cast<std::size_t>(t.m * o.ldc));
  for (auto* v : {&o.a, &o.b, &o.c}) {
    for (float& x : *v) x = u(rng);
  }
  return o;
}

float at_a(const Case& t, const Operands& o, std::int64_t i, std::int64_t p) {
  return t.trans_a ? o.a[static_cast<std::size_t>(p * o.lda + i)]
                   : o.a[static_cast<std::size_t>(i * o.lda + p)];
}
float at_b(const Case& t, const Operands& o, std::int64_t p, std::int64_t j) {
  return t.trans_b ? o.b[static_cast<std::size_t>(j * o.ldb + p)]
                   : o.b[static_cast<std::size_t>(p * o.ldb + j)];
}

std::vector<float> run(const Case& t, const Operands& o, float alpha, float beta, int threads) {
  omp_set_num_threads(threads);
  std::vector<float> c = o.c;
  sgemm(t.trans_a, t.trans_b, t.m, t.n, t.k, alpha, o.a.data(), o.lda, o.b.data(), o.ldb, beta,
        c.data(), o.ldc);
  return c;
}

int openblas_threads() {
  using Get = int (*)();
  auto* get = reinterpret_cast<Get>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  return get == nullptr ? 1 : get();
}

class GemmSplitTest : public ::testing::Test {
 protected:
  void TearDown() override { omp_set_num_threads(saved_); }
  int saved_ = omp_get_max_threads();
};

TEST_F(GemmSplitTest, EveryThreadCountMatchesTheFloat64ReferenceWithinFloat32Rounding) {
  // Tolerance: a k-term float32 sum errs by at most k·u·sum|terms| (u = 2^-24 ≈ 6e-8); we
  // allow 1e-6·k·sum|alpha·a·b| + 1e-6 (the beta·c term and the final rounding).
  const std::vector<Case> cases = {
      {64, 128, 1568, false, true},  {64, 1568, 128, false, false}, {128, 1568, 64, true, false},
      {1000, 37, 300, false, false}, {5, 2000, 70, true, true},     {129, 17, 1025, true, false},
      {17, 129, 1025, false, true},  {33, 33, 33, false, false},    {3, 5, 7, true, true}};
  std::uint32_t seed = 20261206;
  for (const Case& t : cases) {
    for (const auto& [alpha, beta] : {std::pair{1.0f, 0.0f}, {0.5f, 1.0f}, {-2.0f, 0.25f}}) {
      ++seed;
      const Operands o = make_operands(t, seed);
      for (const int threads : {1, 2, 3, 8}) {
        const std::vector<float> c = run(t, o, alpha, beta, threads);
        for (std::int64_t i = 0; i < t.m; ++i) {
          for (std::int64_t j = 0; j < t.n; ++j) {
            double ref = 0.0, mag = 0.0;
            for (std::int64_t p = 0; p < t.k; ++p) {
              const double term = static_cast<double>(at_a(t, o, i, p)) * at_b(t, o, p, j);
              ref += term;
              mag += std::fabs(term);
            }
            const std::size_t idx = static_cast<std::size_t>(i * o.ldc + j);
            ref = alpha * ref + static_cast<double>(beta) * o.c[idx];
            const double bound = 1e-6 * static_cast<double>(t.k) * std::fabs(alpha) * mag + 1e-6;
            ASSERT_NEAR(c[idx], ref, bound)
                << "seed " << seed << " m=" << t.m << " n=" << t.n << " k=" << t.k
                << " trans_a=" << t.trans_a << " trans_b=" << t.trans_b << " threads=" << threads
                << " at (" << i << ", " << j << ")";
          }
          for (std::int64_t j = t.n; j < o.ldc; ++j) {  // the spare columns stay untouched
            const std::size_t idx = static_cast<std::size_t>(i * o.ldc + j);
            ASSERT_EQ(c[idx], o.c[idx]) << "seed " << seed << " wrote past column n";
          }
        }
      }
    }
  }
}

TEST_F(GemmSplitTest, OpenBlasRunsOneThreadDuringAProductAndGetsItsCountBackAfter) {
  if (dlsym(RTLD_DEFAULT, "openblas_get_num_threads") == nullptr) GTEST_SKIP() << "not OpenBLAS";
  weightinit::parallel::set_blas_threads(2);
  {
    const weightinit::parallel::SingleThreadedBlas outer;
    EXPECT_EQ(openblas_threads(), 1);
    {
      const weightinit::parallel::SingleThreadedBlas inner;  // nested: still one
      EXPECT_EQ(openblas_threads(), 1);
    }
    EXPECT_EQ(openblas_threads(), 1);
  }
  EXPECT_EQ(openblas_threads(), 2);  // the process's other users keep their count
  const Case t{256, 256, 256, false, false};
  const Operands o = make_operands(t, 7);
  run(t, o, 1.0f, 0.0f, 2);
  EXPECT_EQ(openblas_threads(), 2);
  weightinit::parallel::set_blas_threads(1);
}

TEST_F(GemmSplitTest, AProductInsideAParallelRegionRunsWhole) {
  const Case t{200, 300, 100, false, true};
  const Operands o = make_operands(t, 11);
  const std::vector<float> whole = run(t, o, 1.0f, 0.0f, 1);
  std::vector<std::vector<float>> results(2, o.c);
#pragma omp parallel for num_threads(2)
  for (int r = 0; r < 2; ++r) {
    sgemm(t.trans_a, t.trans_b, t.m, t.n, t.k, 1.0f, o.a.data(), o.lda, o.b.data(), o.ldb, 0.0f,
          results[static_cast<std::size_t>(r)].data(), o.ldc);
  }
  EXPECT_EQ(results[0], whole);  // one BLAS call each, as on one thread: the same bits
  EXPECT_EQ(results[1], whole);
}

TEST_F(GemmSplitTest, ASizeBeyondTheBlasIntegerIsAShapeErrorBeforeAnyThreadStarts) {
  omp_set_num_threads(2);
  float x = 0.0f;
  try {
    sgemm(false, false, std::int64_t{1} << 31, 1, 1, 1.0f, &x, 1, &x, 1, 0.0f, &x, 1);
    FAIL() << "expected a ShapeError";
  } catch (const weightinit::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("M=2147483648 does not fit a 32-bit BLAS integer"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
