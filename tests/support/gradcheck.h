// SPDX-License-Identifier: MIT
// Finite-difference gradient checks for the backward kernels and modules (float64).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <string>

#include "weightinit/random/generator.h"
#include "weightinit/random/sampling.h"
#include "weightinit/tensor/tensor.h"

namespace weightinit::testing {

/// Tolerance of a gradient check: |analytic − numeric| <= atol + rtol·|numeric| per element.
/// Central differences in float64 with step eps = 1e-6 err by about eps²·|f'''| + 1e-16/eps,
/// i.e. ~1e-10 for the smooth, O(1)-scaled functions tested, so these bounds have a margin of
/// ~100× yet catch any wrong term (a missing factor or index is an O(1) error).
struct GradTolerance {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-6;
};

/// Σ a·b over all elements (float64 tensors of equal shape, any strides).
inline double dot(const Tensor& a, const Tensor& b) {
  const Tensor ac = a.contiguous(), bc = b.contiguous();
  const double* ap = ac.data_ptr<double>();
  const double* bp = bc.data_ptr<double>();
  double s = 0.0;
  for (std::int64_t i = 0; i < ac.numel(); ++i) s += ap[i] * bp[i];
  return s;
}

/// A float64 tensor of `sizes` with N(0, 1) entries from a generator seeded with `seed`.
inline Tensor randn64(const Shape& sizes, std::uint64_t seed) {
  Generator gen(seed);
  Tensor t = Tensor::empty(sizes, DType::Float64);
  normal_(t, 0.0, 1.0, gen);
  return t;
}

/// dL/dwrt by central differences: wrt (a contiguous float64 tensor) is perturbed in place,
/// element by element, by ±eps, and `loss()` re-evaluated; wrt is restored afterwards.
inline Tensor numeric_grad(const std::function<double()>& loss, Tensor& wrt, double eps = 1e-6) {
  Tensor g = Tensor::empty(wrt.sizes(), DType::Float64);
  double* w = wrt.data_ptr<double>();
  double* gp = g.data_ptr<double>();
  for (std::int64_t i = 0; i < wrt.numel(); ++i) {
    const double saved = w[i];
    w[i] = saved + eps;
    const double up = loss();
    w[i] = saved - eps;
    const double down = loss();
    w[i] = saved;
    gp[i] = (up - down) / (2.0 * eps);
  }
  return g;
}

/// Expects analytic == numeric element-wise within `tol`; names `what` and the first bad index.
inline void expect_grad_near(const Tensor& analytic, const Tensor& numeric, const std::string& what,
                             const GradTolerance& tol = {}) {
  ASSERT_TRUE(analytic.defined()) << what << ": analytic gradient is undefined";
  ASSERT_EQ(analytic.sizes(), numeric.sizes()) << what;
  const Tensor a = analytic.to(DType::Float64).contiguous();
  const double* ap = a.data_ptr<double>();
  const double* np = numeric.contiguous().data_ptr<double>();
  double worst = 0.0;
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    const double err = std::abs(ap[i] - np[i]);
    const double bound = tol.atol + tol.rtol * std::abs(np[i]);
    if (!(err <= bound)) {
      ADD_FAILURE() << what << ": element " << i << " analytic " << ap[i] << " numeric " << np[i]
                    << " (|diff| " << err << " > " << bound << ")";
      return;
    }
    worst = std::max(worst, err);
  }
  // A check that compares only zeros would prove nothing: require some non-zero gradient.
  double largest = 0.0;
  for (std::int64_t i = 0; i < a.numel(); ++i) largest = std::max(largest, std::abs(np[i]));
  EXPECT_GT(largest, 1e-3) << what << ": the numeric gradient is ~0 everywhere; pick other inputs";
}

/// Checks dL/dwrt for L = Σ upstream·f(), where f() recomputes the forward from current values
/// (including wrt's), against the analytic gradient.
inline void check_grad(const std::function<Tensor()>& f, const Tensor& upstream, Tensor& wrt,
                       const Tensor& analytic, const std::string& what,
                       const GradTolerance& tol = {}) {
  const Tensor numeric = numeric_grad([&] { return dot(f(), upstream); }, wrt, tol.eps);
  expect_grad_near(analytic, numeric, what, tol);
}

}  // namespace weightinit::testing
