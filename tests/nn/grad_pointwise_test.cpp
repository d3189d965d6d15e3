// SPDX-License-Identifier: MIT
// Backward passes of linear, the activations, (log-)softmax, dropout, embedding and flatten:
// the functional backward kernels and the module-level backward (Linear, activations,
// Sequential, Flatten, Identity, Dropout, Embedding) against central differences in float64,
// plus grad accumulation, LIFO order of a module called twice, grad mode, dtype and shape
// errors, and the determinism of the parallel reductions.
//
// Tolerance of every finite-difference check: GradTolerance{} of support/gradcheck.h, i.e.
// |analytic − numeric| ≤ 1e-7 + 1e-6·|numeric| per element with step eps = 1e-6. Central
// differences of these smooth O(1)-scaled functions err by ~1e-10, so the bound has a ~100×
// margin while any wrong term is an O(1) error. Inputs of the piecewise ops (relu, leaky_relu,
// elu, selu) are kept ≥ 0.01 away from their kink at 0, i.e. 10⁴ steps.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "support/error_of.h"
#include "support/gradcheck.h"
#include "weightinit/nn/activation.h"
#include "weightinit/nn/container.h"
#include "weightinit/nn/embedding.h"
#include "weightinit/nn/functional.h"
#include "weightinit/nn/linear.h"
#include "weightinit/nn/module.h"
#include "weightinit/nn/transformers_conv1d.h"

namespace wi = weightinit;
namespace nn = weightinit::nn;
namespace F = weightinit::nn::functional;
using wi::testing::check_grad;
using wi::testing::dot;
using wi::testing::error_of;
using wi::testing::expect_grad_near;
using wi::testing::numeric_grad;
using wi::testing::randn64;

namespace {

constexpr auto kF64 = wi::DType::Float64;
constexpr auto kF32 = wi::DType::Float32;

/// x with every entry of |v| < 0.01 pushed 0.05 further from 0 (keeping its sign), so finite
/// differences with eps = 1e-6 never straddle the kink at 0.
wi::Tensor away_from_zero(wi::Tensor x) {
  double* p = x.data_ptr<double>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    if (std::abs(p[i]) < 0.01) p[i] += p[i] >= 0.0 ? 0.05 : -0.05;
  }
  return x;
}

/// True when `message` contains `part` (reported with both on failure).
::testing::AssertionResult contains(const std::string& message, const std::string& part) {
  if (message.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "\"" << message << "\" does not contain \"" << part << "\"";
}

/// Runs fn, expecting exception E whose message contains `part`.
template <class E, class Fn>
void expect_error(Fn&& fn, const std::string& part) {
  try {
    fn();
    ADD_FAILURE() << "no exception; expected one containing \"" << part << "\"";
  } catch (const E& e) {
    EXPECT_TRUE(contains(e.what(), part));
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
  }
}

/// t·s (a new float64 tensor).
wi::Tensor scaled(const wi::Tensor& t, double s) {
  wi::Tensor out = t.contiguous().clone();
  double* p = out.data_ptr<double>();
  for (std::int64_t i = 0; i < out.numel(); ++i) p[i] *= s;
  return out;
}

double max_abs_diff(const wi::Tensor& a, const wi::Tensor& b) {
  const auto av = a.to_vector<double>(), bv = b.to_vector<double>();
  double worst = 0.0;
  for (std::size_t i = 0; i < av.size(); ++i) worst = std::max(worst, std::abs(av[i] - bv[i]));
  return worst;
}

// ------------------------------------------------------------------------------------------
// Functional backward kernels.

TEST(GradPointwiseFunctional, LinearInputWeightBias) {
  wi::Tensor x = randn64({2, 3, 4}, 1);  // leading dims (2, 3) are folded into 6 rows
  wi::Tensor w = randn64({5, 4}, 2), b = randn64({5}, 3);
  const wi::Tensor up = randn64({2, 3, 5}, 4);
  const F::Grads g = F::linear_backward(up, x, w, /*has_bias=*/true);
  const auto f = [&] { return F::linear(x, w, b); };
  check_grad(f, up, x, g.input, "linear dx");
  check_grad(f, up, w, g.weight, "linear dW");
  check_grad(f, up, b, g.bias, "linear db");
}

TEST(GradPointwiseFunctional, LinearWithoutBiasAnd1dInput) {
  wi::Tensor x = randn64({4}, 5), w = randn64({3, 4}, 6);
  const wi::Tensor up = randn64({3}, 7), none;
  const F::Grads g = F::linear_backward(up, x, w, /*has_bias=*/false);
  EXPECT_FALSE(g.bias.defined());
  const auto f = [&] { return F::linear(x, w, none); };
  check_grad(f, up, x, g.input, "linear 1-d dx");
  check_grad(f, up, w, g.weight, "linear 1-d dW");
}

struct PointwiseCase {
  const char* name;
  std::function<wi::Tensor(const wi::Tensor&)> forward;
  // backward(dy, x, y): the kernel under test, fed what it is declared to take.
  std::function<wi::Tensor(const wi::Tensor&, const wi::Tensor&, const wi::Tensor&)> backward;
};

std::vector<PointwiseCase> pointwise_cases() {
  using T = const wi::Tensor&;
  return {
      {"relu", [](T x) { return F::relu(x); },
       [](T dy, T x, T) { return F::relu_backward(dy, x); }},
      {"leaky_relu", [](T x) { return F::leaky_relu(x, 0.2); },
       [](T dy, T x, T) { return F::leaky_relu_backward(dy, x, 0.2); }},
      {"elu", [](T x) { return F::elu(x, 0.7); },
       [](T dy, T x, T) { return F::elu_backward(dy, x, 0.7); }},
      {"selu", [](T x) { return F::selu(x); },
       [](T dy, T x, T) { return F::selu_backward(dy, x); }},
      {"gelu", [](T x) { return F::gelu(x); },
       [](T dy, T x, T) { return F::gelu_backward(dy, x); }},
      {"tanh", [](T x) { return F::tanh(x); },
       [](T dy, T, T y) { return F::tanh_backward(dy, y); }},
      {"sigmoid", [](T x) { return F::sigmoid(x); },
       [](T dy, T, T y) { return F::sigmoid_backward(dy, y); }},
  };
}

TEST(GradPointwiseFunctional, Activations) {
  std::uint64_t seed = 10;
  for (const PointwiseCase& c : pointwise_cases()) {
    SCOPED_TRACE(c.name);
    wi::Tensor x = away_from_zero(randn64({3, 4, 5}, seed++));
    const wi::Tensor up = randn64({3, 4, 5}, seed++);
    const wi::Tensor dx = c.backward(up, x, c.forward(x));
    EXPECT_EQ(dx.dtype(), kF64);
    check_grad([&] { return c.forward(x); }, up, x, dx, std::string(c.name) + " dx");
  }
}

TEST(GradPointwiseFunctional, SoftmaxAndLogSoftmaxAlongEveryDim) {
  // dim 2 is the contiguous row path (inner = 1); dims 0 and 1 the strided block path; the
  // (2, 3, 300) case has inner = 300 > 256 columns per block, i.e. two blocks per slice.
  struct Case {
    wi::Shape sizes;
    std::int64_t dim;
  };
  const std::vector<Case> cases{{{3, 4, 5}, 0},  {{3, 4, 5}, 1},   {{3, 4, 5}, 2},
                                {{3, 4, 5}, -1}, {{2, 3, 300}, 1}, {{7}, 0}};
  std::uint64_t seed = 40;
  for (const Case& c : cases) {
    SCOPED_TRACE(wi::shape_str(c.sizes) + " dim " + std::to_string(c.dim));
    wi::Tensor x = randn64(c.sizes, seed++);
    const wi::Tensor up = randn64(c.sizes, seed++);
    const wi::Tensor ds = F::softmax_backward(up, F::softmax(x, c.dim), c.dim);
    check_grad([&] { return F::softmax(x, c.dim); }, up, x, ds, "softmax dx");
    const wi::Tensor dl = F::log_softmax_backward(up, F::log_softmax(x, c.dim), c.dim);
    check_grad([&] { return F::log_softmax(x, c.dim); }, up, x, dl, "log_softmax dx");
  }
}

TEST(GradPointwiseFunctional, Dropout) {
  // The same seed gives the same mask, so the forward is a fixed linear map of x.
  wi::Tensor x = randn64({4, 25}, 60);
  const wi::Tensor up = randn64({4, 25}, 61);
  const double p = 0.4;
  wi::Tensor mask;
  wi::Generator gen(62);
  const wi::Tensor y = F::dropout_with_mask(x, p, true, gen, mask);
  ASSERT_TRUE(mask.defined());
  EXPECT_EQ(mask.dtype(), kF64);
  EXPECT_EQ(mask.sizes(), x.sizes());
  const wi::Tensor dx = F::dropout_backward(up, mask);
  const auto mv = mask.to_vector<double>(), xv = x.to_vector<double>(), yv = y.to_vector<double>();
  const auto uv = up.to_vector<double>(), dxv = dx.to_vector<double>();
  const double scale = 1.0 / (1.0 - p);
  for (std::size_t i = 0; i < mv.size(); ++i) {
    ASSERT_TRUE(mv[i] == 0.0 || mv[i] == scale) << i << ": " << mv[i];
    EXPECT_EQ(yv[i], xv[i] * mv[i]);
    EXPECT_EQ(dxv[i], uv[i] * mv[i]);
  }
  check_grad(
      [&] {
        wi::Generator g(62);
        return F::dropout(x, p, true, g);
      },
      up, x, dx, "dropout dx");
  // dropout() is dropout_with_mask: same draws, same result.
  wi::Generator again(62);
  EXPECT_EQ(F::dropout(x, p, true, again).to_vector<double>(), yv);
}

TEST(GradPointwiseFunctional, DropoutMaskDependsOnlyOnTheGenerator) {
  // float32 and float64 inputs draw the same float32 uniforms: same zero pattern, same number
  // of draws.
  const wi::Tensor x64 = randn64({10, 30}, 63), x32 = x64.to(kF32);
  wi::Generator g64(64), g32(64);
  wi::Tensor m64, m32;
  F::dropout_with_mask(x64, 0.3, true, g64, m64);
  F::dropout_with_mask(x32, 0.3, true, g32, m32);
  EXPECT_EQ(m32.dtype(), kF32);
  const auto a = m64.to_vector<double>(), b = m32.to_vector<double>();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i] == 0.0, b[i] == 0.0) << i;
  EXPECT_EQ(g64.get_state(), g32.get_state());
}

TEST(GradPointwiseFunctional, DropoutEvalAndEdgeProbabilities) {
  const wi::Tensor x = randn64({3, 4}, 65), up = randn64({3, 4}, 66);
  wi::Generator gen(67);
  wi::Tensor mask = x;  // overwritten with undefined
  EXPECT_TRUE(F::dropout_with_mask(x, 0.5, false, gen, mask).shares_storage_with(x));
  EXPECT_FALSE(mask.defined());
  EXPECT_TRUE(F::dropout_with_mask(x, 0.0, true, gen, mask).shares_storage_with(x));
  EXPECT_FALSE(mask.defined());
  EXPECT_TRUE(F::dropout_backward(up, mask).shares_storage_with(up));  // dx = dy
  F::dropout_with_mask(x, 1.0, true, gen, mask);                       // all dropped
  ASSERT_TRUE(mask.defined());
  for (const double v : F::dropout_backward(up, mask).to_vector<double>()) EXPECT_EQ(v, 0.0);
}

TEST(GradPointwiseFunctional, EmbeddingWeight) {
  // Repeated indices (0 three times, 2 twice) add their rows of dy; row 4 is never picked.
  const std::vector<std::int64_t> idx{0, 2, 5, 0, 3, 2, 1, 0};
  wi::Tensor w = randn64({6, 3}, 70);
  const wi::Tensor up = randn64({2, 4, 3}, 71);
  const wi::Tensor dw = F::embedding_backward(up, idx, 6);
  EXPECT_EQ(dw.sizes(), (wi::Shape{6, 3}));
  check_grad([&] { return F::embedding(idx, {2, 4}, w); }, up, w, dw, "embedding dW");
  for (std::int64_t c = 0; c < 3; ++c) EXPECT_EQ(dw.item({4, c}), 0.0);
}

TEST(GradPointwiseFunctional, Float64ForwardsMatchFloat32) {
  // The float64 forwards compute the same formulas: float32 results (bit-for-bit unchanged,
  // checked against PyTorch in functional_test) agree within float32 rounding, 1e-6 relative.
  const wi::Tensor x64 = randn64({4, 6}, 80), x32 = x64.to(kF32);
  const auto near = [](const wi::Tensor& a64, const wi::Tensor& a32, const char* what) {
    EXPECT_EQ(a64.dtype(), kF64) << what;
    EXPECT_EQ(a32.dtype(), kF32) << what;
    EXPECT_LE(max_abs_diff(a64, a32), 2e-6) << what;
  };
  for (const PointwiseCase& c : pointwise_cases()) near(c.forward(x64), c.forward(x32), c.name);
  near(F::softmax(x64, 1), F::softmax(x32, 1), "softmax");
  near(F::log_softmax(x64, 0), F::log_softmax(x32, 0), "log_softmax");
  const wi::Tensor w64 = randn64({3, 6}, 81), b64 = randn64({3}, 82);
  near(F::linear(x64, w64, b64), F::linear(x32, w64.to(kF32), b64.to(kF32)), "linear");
  near(F::embedding({1, 0, 3}, {3}, x64), F::embedding({1, 0, 3}, {3}, x32), "embedding");
  EXPECT_EQ(F::flatten(randn64({2, 3, 4}, 83)).sizes(), (wi::Shape{2, 12}));
  // The float32 backward kernels agree with the float64 ones likewise.
  const wi::Tensor up64 = randn64({4, 6}, 84), up32 = up64.to(kF32);
  near(F::gelu_backward(up64, x64), F::gelu_backward(up32, x32), "gelu_backward");
  near(F::softmax_backward(up64, F::softmax(x64, 1), 1),
       F::softmax_backward(up32, F::softmax(x32, 1), 1), "softmax_backward");
  const F::Grads g64 = F::linear_backward(randn64({4, 3}, 85), x64, w64, true);
  const F::Grads g32 = F::linear_backward(randn64({4, 3}, 85).to(kF32), x32, w64.to(kF32), true);
  EXPECT_LE(max_abs_diff(g64.input, g32.input), 1e-5);
  EXPECT_LE(max_abs_diff(g64.weight, g32.weight), 1e-5);
  EXPECT_LE(max_abs_diff(g64.bias, g32.bias), 1e-5);
}

TEST(GradPointwiseFunctional, NonContiguousArguments) {
  const wi::Tensor x = away_from_zero(randn64({5, 4}, 90)).t(), up = randn64({5, 4}, 91).t();
  ASSERT_FALSE(x.is_contiguous());
  EXPECT_EQ(F::relu_backward(up, x).to_vector<double>(),
            F::relu_backward(up.contiguous(), x.contiguous()).to_vector<double>());
  EXPECT_EQ(F::softmax_backward(up, x, 0).to_vector<double>(),
            F::softmax_backward(up.contiguous(), x.contiguous(), 0).to_vector<double>());
  const wi::Tensor w = randn64({3, 5}, 92);
  const F::Grads a = F::linear_backward(randn64({4, 3}, 93), x, w, true);
  const F::Grads b = F::linear_backward(randn64({4, 3}, 93), x.contiguous(), w, true);
  EXPECT_EQ(a.weight.to_vector<double>(), b.weight.to_vector<double>());
}

TEST(GradPointwiseFunctional, ParallelReductionsAreDeterministic) {
  // Sizes above the OpenMP grain (2^15 elements). The bias gradient and embedding_backward add
  // rows in row order per column, so they equal the serial loops bit for bit.
  const std::int64_t m = 3000, out = 70;
  const wi::Tensor x = randn64({m, 5}, 100), w = randn64({out, 5}, 101),
                   up = randn64({m, out}, 102);
  const F::Grads g = F::linear_backward(up, x, w, true);
  const auto uv = up.to_vector<double>();
  std::vector<double> db(out, 0.0);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t o = 0; o < out; ++o) db[std::size_t(o)] += uv[std::size_t(i * out + o)];
  }
  EXPECT_EQ(g.bias.to_vector<double>(), db);

  const std::int64_t count = 4000, dim = 90, rows = 50;
  std::vector<std::int64_t> idx(count);
  for (std::int64_t k = 0; k < count; ++k) idx[std::size_t(k)] = (k * 7919) % rows;
  const wi::Tensor dy = randn64({count, dim}, 103);
  const auto dyv = dy.to_vector<double>();
  std::vector<double> ref(std::size_t(rows * dim), 0.0);
  for (std::int64_t k = 0; k < count; ++k) {
    for (std::int64_t c = 0; c < dim; ++c) {
      ref[std::size_t(idx[std::size_t(k)] * dim + c)] += dyv[std::size_t(k * dim + c)];
    }
  }
  EXPECT_EQ(F::embedding_backward(dy, idx, rows).to_vector<double>(), ref);

  // Element-wise and softmax backwards on the parallel path against their formulas.
  const wi::Tensor big = randn64({64, 1000}, 104), dbig = randn64({64, 1000}, 105);
  const wi::Tensor y = F::softmax(big, 1), dx = F::softmax_backward(dbig, y, 1);
  const auto yv = y.to_vector<double>(), dv = dbig.to_vector<double>(),
             dxv = dx.to_vector<double>();
  double worst = 0.0;
  for (std::size_t r = 0; r < 64; ++r) {
    double s = 0.0;
    for (std::size_t c = 0; c < 1000; ++c) s += dv[r * 1000 + c] * yv[r * 1000 + c];
    for (std::size_t c = 0; c < 1000; ++c) {
      const std::size_t i = r * 1000 + c;
      worst = std::max(worst, std::abs(dxv[i] - yv[i] * (dv[i] - s)));
    }
  }
  EXPECT_LE(worst, 1e-14);
  const auto tv = F::tanh_backward(dbig, y).to_vector<double>();
  for (std::size_t i = 0; i < tv.size(); ++i) ASSERT_EQ(tv[i], dv[i] * (1.0 - yv[i] * yv[i]));
}

TEST(GradPointwiseFunctional, BadArguments) {
  const wi::Tensor a = randn64({2, 3}, 110), b = randn64({3, 2}, 111);
  expect_error<wi::ShapeError>([&] { F::relu_backward(a, b); },
                               "relu_backward: grad_output has size [2, 3] but the input has "
                               "size [3, 2]; they must match");
  expect_error<wi::ShapeError>([&] { F::tanh_backward(a, b); },
                               "tanh_backward: grad_output has size [2, 3] but the output has "
                               "size [3, 2]");
  expect_error<wi::ShapeError>([&] { F::log_softmax_backward(a, b, 1); },
                               "log_softmax_backward: grad_output has size [2, 3]");
  expect_error<wi::DTypeError>([&] { F::sigmoid_backward(a.to(kF32), a); },
                               "sigmoid_backward: expected scalar type Double but found Float "
                               "(grad_output)");
  expect_error<wi::IndexError>([&] { F::softmax_backward(a, a, 2); }, "Dimension out of range");
  // linear: dy must be x.sizes()[:-1] + [out].
  const wi::Tensor w = randn64({5, 3}, 112);
  expect_error<wi::ShapeError>(
      [&] {
        F::linear_backward(randn64({2, 4}, 113), a, w, true);
      },
      "linear_backward: grad_output must have the output's size [2, 5], but got [2, 4]");
  expect_error<wi::ShapeError>(
      [&] {
        F::linear_backward(randn64({2, 5}, 113), b, w, true);
      },
      "mat1 and mat2 shapes cannot be multiplied (3x2 and 3x5)");
  expect_error<wi::DTypeError>(
      [&] {
        F::linear_backward(randn64({2, 5}, 113), a, w.to(kF32), true);
      },
      "linear_backward: expected scalar type Double but found Float "
      "(weight)");
  // The forwards: every tensor argument must have the input's dtype.
  expect_error<wi::DTypeError>([&] { F::linear(a.to(kF32), w, wi::Tensor()); },
                               "linear: expected scalar type Float but found Double (weight)");
  expect_error<wi::DTypeError>([&] { F::linear(a, w, randn64({5}, 114).to(kF32)); },
                               "linear: expected scalar type Double but found Float (bias)");
  expect_error<wi::DTypeError>(
      [&] { F::relu(wi::Tensor::zeros({2}, wi::DType::Int64)); },
      "relu: input must be a float32 or float64 tensor, but got dtype int64");
  // dropout_backward: the mask has the input's size.
  wi::Tensor mask;
  wi::Generator gen(115);
  F::dropout_with_mask(a, 0.5, true, gen, mask);
  expect_error<wi::ShapeError>([&] { F::dropout_backward(b, mask); },
                               "dropout_backward: grad_output has size [3, 2] but the mask");
  // embedding_backward: dy is index_shape + [dim]; indices in range.
  expect_error<wi::ShapeError>(
      [&] {
        F::embedding_backward(randn64({3, 4}, 116), {0, 1}, 5);
      },
      "embedding_backward: grad_output of size [3, 4] holds 3 rows, but 2 indices were given");
  expect_error<wi::IndexError>(
      [&] {
        F::embedding_backward(randn64({2, 4}, 116), {0, 5}, 5);
      },
      "index out of range in self");
}

// ------------------------------------------------------------------------------------------
// Module-level backward.

/// One forward in grad mode and backward(upstream) through `model`, then every parameter's
/// grad and the returned input grad against central differences of L = Σ upstream·model(x),
/// evaluated under NoGradGuard. `before_forward` runs before each forward (re-seeds dropout).
void check_module(nn::Module& model, wi::Tensor x, const wi::Tensor& upstream,
                  const std::string& what, const std::function<void()>& before_forward = {}) {
  model.zero_grad();
  if (before_forward) before_forward();
  const wi::Tensor y = model(x);
  ASSERT_EQ(y.sizes(), upstream.sizes()) << what;
  const wi::Tensor dx = model.backward(upstream);
  for (auto& [name, m] : model.named_modules()) {
    EXPECT_EQ(m->pending_backward(), 0u) << what << ": module '" << name << "' kept a record";
  }
  const auto loss = [&] {
    nn::NoGradGuard no_grad;
    if (before_forward) before_forward();
    return dot(model(x), upstream);
  };
  expect_grad_near(dx, numeric_grad(loss, x), what + ": input grad");
  for (auto& [name, p] : model.named_parameters()) {
    expect_grad_near(p->grad, numeric_grad(loss, p->data), what + ": " + name + ".grad");
  }
  for (auto& [name, m] : model.named_modules()) {
    EXPECT_EQ(m->pending_backward(), 0u) << what << ": a NoGradGuard forward saved a record";
  }
}

template <class M, class... Args>
std::shared_ptr<nn::Module> mod(Args&&... args) {
  return std::make_shared<M>(std::forward<Args>(args)...);
}

TEST(GradPointwiseModule, Linear) {
  wi::Generator gen(200);
  nn::Linear lin(4, 3, true, gen, kF64);
  check_module(lin, randn64({2, 5, 4}, 201), randn64({2, 5, 3}, 202), "Linear");
  nn::Linear no_bias(4, 3, false, gen, kF64);
  check_module(no_bias, randn64({6, 4}, 203), randn64({6, 3}, 204), "Linear(bias=False)");
}

TEST(GradPointwiseModule, TransformersConv1D) {
  wi::Generator gen(205);
  nn::TransformersConv1D conv(3, 4, gen, kF64);  // weight (4, 3): in × out
  EXPECT_EQ(conv.weight().sizes(), (wi::Shape{4, 3}));
  conv.bias().copy_(randn64({3}, 206));  // a non-zero bias, so its gradient path is exercised
  check_module(conv, randn64({2, 5, 4}, 207), randn64({2, 5, 3}, 208), "Conv1D");
  // y = x·W + b, against Linear with the transposed weight.
  nn::Linear lin(4, 3, true, gen, kF64);
  lin.weight().copy_(conv.weight().t());
  lin.bias().copy_(conv.bias());
  const wi::Tensor x = randn64({6, 4}, 209);
  nn::NoGradGuard no_grad;
  EXPECT_EQ(conv(x).to_vector<double>(), lin(x).to_vector<double>());
}

TEST(GradPointwiseModule, MlpWithLogSoftmax) {
  wi::Generator gen(210);
  nn::Sequential model({mod<nn::Linear>(4, 6, true, gen, kF64), mod<nn::Tanh>(),
                        mod<nn::Linear>(6, 3, true, gen, kF64), mod<nn::LogSoftmax>(1)});
  check_module(model, randn64({5, 4}, 211), randn64({5, 3}, 212), "Linear-Tanh-Linear-LogSoftmax");
}

TEST(GradPointwiseModule, EveryActivationAndContainer) {
  // (2, 3, 4) → Linear folds (2, 3) → ... → Flatten → (2, 15) → Softmax. A finite difference
  // straddles a kink only for a pre-activation within ~1e-6 of 0, which these fixed seeds avoid
  // (it would show as an O(1) mismatch, not pass silently). Sigmoid and the 15-way softmax
  // shrink the gradients ~100×, so the upstream gradient is scaled by 50 to keep them well above
  // the 1e-7 absolute tolerance.
  wi::Generator gen(220), drop_gen(221);
  nn::Sequential model({mod<nn::Linear>(4, 5, true, gen, kF64), mod<nn::ReLU>(),
                        mod<nn::Linear>(5, 5, true, gen, kF64), mod<nn::LeakyReLU>(0.1),
                        mod<nn::ELU>(0.8), mod<nn::Linear>(5, 5, true, gen, kF64), mod<nn::SELU>(),
                        mod<nn::GELU>(), mod<nn::Sigmoid>(), mod<nn::Identity>(),
                        mod<nn::Dropout>(0.3, &drop_gen), mod<nn::Flatten>(), mod<nn::Softmax>(1)});
  check_module(model, randn64({2, 3, 4}, 222), scaled(randn64({2, 15}, 223), 50.0),
               "every activation", [&] { drop_gen.manual_seed(224); });
}

TEST(GradPointwiseModule, SharedModuleBackPropagatesInLifoOrder) {
  // One ReLU applied twice, to a (2, 5) and then a (2, 3) tensor: its backward must take the
  // second call first.
  wi::Generator gen(230);
  nn::Linear l1(4, 5, true, gen, kF64), l2(5, 3, true, gen, kF64);
  nn::ReLU relu;
  wi::Tensor x = randn64({2, 4}, 231);
  const wi::Tensor up = randn64({2, 3}, 232);
  const auto forward = [&] { return relu(l2(relu(l1(x)))); };
  forward();
  EXPECT_EQ(relu.pending_backward(), 2u);
  wi::Tensor g = relu.backward(up);  // second call, (2, 3)
  g = l2.backward(g);
  g = relu.backward(g);  // first call, (2, 5)
  const wi::Tensor dx = l1.backward(g);
  EXPECT_EQ(relu.pending_backward(), 0u);
  const auto loss = [&] {
    nn::NoGradGuard no_grad;
    return dot(forward(), up);
  };
  expect_grad_near(dx, numeric_grad(loss, x), "shared ReLU: input grad");
  expect_grad_near(l1.parameter("weight").grad, numeric_grad(loss, l1.weight()), "l1.weight");
  expect_grad_near(l2.parameter("bias").grad, numeric_grad(loss, l2.bias()), "l2.bias");

  // The same through Sequential, with a shared Tanh (records outputs) at positions 1 and 3.
  auto tanh = std::make_shared<nn::Tanh>();
  nn::Sequential model(
      {mod<nn::Linear>(4, 6, true, gen, kF64), tanh, mod<nn::Linear>(6, 2, true, gen, kF64), tanh});
  check_module(model, randn64({3, 4}, 233), randn64({3, 2}, 234), "shared Tanh");
}

TEST(GradPointwiseModule, GradsAccumulateOverBackwardCalls) {
  wi::Generator gen(240);
  nn::Linear lin(3, 2, true, gen, kF64);
  const wi::Tensor x = randn64({4, 3}, 241), up = randn64({4, 2}, 242);
  lin(x);
  const wi::Tensor dx1 = lin.backward(up);
  const auto w1 = lin.parameter("weight").grad.to_vector<double>();
  const auto b1 = lin.parameter("bias").grad.to_vector<double>();
  lin(x);
  const wi::Tensor dx2 = lin.backward(up);
  EXPECT_EQ(dx1.to_vector<double>(), dx2.to_vector<double>());  // dx is not accumulated
  const auto w2 = lin.parameter("weight").grad.to_vector<double>();
  const auto b2 = lin.parameter("bias").grad.to_vector<double>();
  for (std::size_t i = 0; i < w1.size(); ++i) EXPECT_EQ(w2[i], 2.0 * w1[i]);
  for (std::size_t i = 0; i < b1.size(); ++i) EXPECT_EQ(b2[i], 2.0 * b1[i]);
  // requires_grad = false: no grad is stored.
  nn::Linear frozen(3, 2, true, gen, kF64);
  frozen.parameter("weight").requires_grad = false;
  frozen(x);
  frozen.backward(up);
  EXPECT_FALSE(frozen.parameter("weight").grad.defined());
  EXPECT_TRUE(frozen.parameter("bias").grad.defined());
}

TEST(GradPointwiseModule, BackwardWithoutForwardNamesTheModule) {
  wi::Generator gen(250);
  nn::Linear lin(3, 2, true, gen, kF64);
  const wi::Tensor up = randn64({4, 2}, 251);
  EXPECT_TRUE(contains(error_of([&] { lin.backward(up); }),
                       "Linear: backward called without a forward pass in grad mode"));
  lin(randn64({4, 3}, 252));
  lin.backward(up);
  EXPECT_TRUE(contains(error_of([&] { lin.backward(up); }), "Linear: backward called without"));
  nn::Sequential seq({mod<nn::ReLU>()});
  EXPECT_TRUE(contains(error_of([&] { seq.backward(up); }), "Sequential: backward called without"));
  nn::Dropout drop(0.5);
  EXPECT_THROW(drop.backward(up), wi::Error);
  nn::Softmax sm(1);
  EXPECT_TRUE(contains(error_of([&] { sm.backward(up); }), "Softmax: backward called without"));
}

TEST(GradPointwiseModule, NoGradForwardSavesNothing) {
  wi::Generator gen(260);
  auto emb = std::make_shared<nn::Embedding>(5, 4, std::nullopt, gen, kF64);
  nn::Sequential model({emb, mod<nn::Linear>(4, 4, true, gen, kF64), mod<nn::ReLU>(),
                        mod<nn::LeakyReLU>(), mod<nn::ELU>(), mod<nn::SELU>(), mod<nn::GELU>(),
                        mod<nn::Tanh>(), mod<nn::Sigmoid>(), mod<nn::Identity>(),
                        mod<nn::Dropout>(0.2), mod<nn::Flatten>(), mod<nn::Softmax>(1),
                        mod<nn::LogSoftmax>(1)});
  const std::vector<std::int64_t> iv{0, 4, 2, 1, 3, 3};
  const wi::Tensor idx = wi::Tensor::from_data<std::int64_t>(iv, {2, 3});
  {
    nn::NoGradGuard no_grad;
    EXPECT_FALSE(nn::grad_enabled());
    const wi::Tensor y = model(idx);
    EXPECT_EQ(y.sizes(), (wi::Shape{2, 12}));
    emb->lookup({1, 2}, {2});
  }
  EXPECT_TRUE(nn::grad_enabled());
  for (auto& [name, m] : model.named_modules()) EXPECT_EQ(m->pending_backward(), 0u) << name;
  EXPECT_THROW(model.backward(randn64({2, 12}, 261)), wi::Error);
  // In grad mode every module records once, and the whole chain back-propagates to the table.
  const wi::Tensor y = model(idx);
  for (auto& [name, m] : model.named_modules()) EXPECT_EQ(m->pending_backward(), 1u) << name;
  EXPECT_FALSE(model.backward(randn64({2, 12}, 262)).defined());  // indices have no grad
  EXPECT_TRUE(emb->parameter("weight").grad.defined());
}

TEST(GradPointwiseModule, SavedTensorsAreNotCopies) {
  wi::Generator gen(265);
  nn::Linear lin(3, 2, true, gen, kF64);
  nn::Tanh tanh;
  wi::Tensor x = randn64({4, 3}, 266);
  const wi::Tensor y = tanh(lin(x));
  // Changing x after the forward changes dW: the record is x itself.
  const wi::Tensor up = randn64({4, 2}, 267);
  x.fill_(0.0);
  lin.backward(tanh.backward(up));
  for (const double v : lin.parameter("weight").grad.to_vector<double>()) EXPECT_EQ(v, 0.0);
  (void)y;
}

TEST(GradPointwiseModule, DtypeMismatchThrowsAndSavesNothing) {
  wi::Generator gen(270);
  nn::Linear lin(4, 3, true, gen, kF64);
  const wi::Tensor x32 = randn64({2, 4}, 271).to(kF32);
  expect_error<wi::DTypeError>([&] { lin(x32); },
                               "linear: expected scalar type Float but found Double (weight)");
  EXPECT_EQ(lin.pending_backward(), 0u);
  lin(randn64({2, 4}, 272));
  expect_error<wi::DTypeError>(
      [&] {
        lin.backward(randn64({2, 3}, 273).to(kF32));
      },
      "expected scalar type Double but found Float (grad_output)");
  nn::Embedding emb(5, 2, std::nullopt, gen, kF64);
  emb.lookup({1}, {1});
  expect_error<wi::DTypeError>(
      [&] {
        emb.backward(wi::Tensor::zeros({1, 2}, kF32));
      },
      "expected scalar type Double but found Float (grad_output)");
}

TEST(GradPointwiseModule, GradOutputShapeMismatch) {
  wi::Generator gen(280);
  const wi::Tensor x = randn64({2, 3, 4}, 281);
  const wi::Tensor bad = randn64({2, 5}, 282);
  nn::Linear lin(4, 3, true, gen, kF64);
  lin(x);
  expect_error<wi::ShapeError>([&] { lin.backward(bad); },
                               "linear_backward: grad_output must have the output's size "
                               "[2, 3, 3], but got [2, 5]");
  nn::ReLU relu;
  relu(x);
  expect_error<wi::ShapeError>([&] { relu.backward(bad); },
                               "relu_backward: grad_output has size [2, 5] but the input has "
                               "size [2, 3, 4]");
  nn::Sigmoid sig;
  sig(x);
  expect_error<wi::ShapeError>([&] { sig.backward(bad); }, "sigmoid_backward: grad_output");
  nn::Flatten flat;
  flat(x);
  expect_error<wi::ShapeError>([&] { flat.backward(bad); },
                               "Flatten: grad_output has size [2, 5] but the forward output has "
                               "size [2, 12]; they must match");
  nn::Identity id;
  id(x);
  expect_error<wi::ShapeError>([&] { id.backward(bad); }, "Identity: grad_output has size [2, 5]");
  nn::Dropout drop(0.5);
  drop.eval();
  drop(x);  // eval: no mask, but the size is still checked
  expect_error<wi::ShapeError>([&] { drop.backward(bad); }, "Dropout: grad_output has size [2, 5]");
  nn::Embedding emb(5, 2, std::nullopt, gen, kF64);
  emb.lookup({1, 2, 3}, {3});
  expect_error<wi::ShapeError>([&] { emb.backward(bad); },
                               "Embedding: grad_output has size [2, 5] but the forward output has "
                               "size [3, 2]");
}

TEST(GradPointwiseModule, FlattenAndIdentity) {
  nn::Flatten flat(1, 2);
  wi::Tensor x = randn64({2, 3, 4, 5}, 290);
  check_module(flat, x, randn64({2, 12, 5}, 291), "Flatten(1, 2)");
  const wi::Tensor up = randn64({2, 12, 5}, 292);
  flat(x);
  EXPECT_EQ(flat.backward(up).sizes(), x.sizes());
  nn::Identity id;
  id(x);
  EXPECT_TRUE(id.backward(x).shares_storage_with(x));
}

TEST(GradPointwiseModule, DropoutMask) {
  wi::Generator gen(300);
  const double p = 0.25;
  nn::Dropout drop(p, &gen);
  const wi::Tensor ones = wi::Tensor::full({3, 50}, 1.0, kF64);
  const wi::Tensor mask = drop(ones);  // y = 1·mask
  const wi::Tensor up = randn64({3, 50}, 301);
  const auto dx = drop.backward(up).to_vector<double>();
  const auto mv = mask.to_vector<double>(), uv = up.to_vector<double>();
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < mv.size(); ++i) {
    ASSERT_TRUE(mv[i] == 0.0 || mv[i] == 1.0 / (1.0 - p)) << mv[i];
    dropped += mv[i] == 0.0;
    EXPECT_EQ(dx[i], uv[i] * mv[i]);
  }
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, mv.size());
  drop.eval();
  const wi::Tensor same = drop(ones);
  EXPECT_TRUE(same.shares_storage_with(ones));
  EXPECT_TRUE(drop.backward(up).shares_storage_with(up));  // eval: dx = dy
}

TEST(GradPointwiseModule, Embedding) {
  wi::Generator gen(310);
  nn::Embedding emb(6, 3, /*padding_idx=*/2, gen, kF64);
  const std::vector<std::int64_t> iv{0, 2, 5, 0, 3, 2, 1, 0};
  const wi::Tensor idx = wi::Tensor::from_data<std::int64_t>(iv, {2, 4});
  const wi::Tensor up = randn64({2, 4, 3}, 311);
  const wi::Tensor y = emb(idx);
  EXPECT_EQ(y.sizes(), (wi::Shape{2, 4, 3}));
  EXPECT_FALSE(emb.backward(up).defined());
  const wi::Tensor grad = emb.parameter("weight").grad.clone();
  wi::Tensor numeric = numeric_grad(
      [&] {
        nn::NoGradGuard no_grad;
        return dot(emb(idx), up);
      },
      emb.weight());
  numeric.select(0, 2).fill_(0.0);  // the padding row gets no gradient, as in PyTorch
  expect_grad_near(grad, numeric, "Embedding weight.grad");
  for (std::int64_t c = 0; c < 3; ++c) EXPECT_EQ(grad.item({2, c}), 0.0);
  // lookup() and float-valued index tensors record the same way; grads accumulate.
  emb.lookup(iv, {2, 4});
  emb.backward(up);
  emb(idx.to(kF64));
  emb.backward(up);
  const auto g3 = emb.parameter("weight").grad.to_vector<double>(), g1 = grad.to_vector<double>();
  for (std::size_t i = 0; i < g1.size(); ++i) EXPECT_EQ(g3[i], 3.0 * g1[i]);
}

}  // namespace
