// SPDX-License-Identifier: MIT
// trunc_normal_: torch's inverse-CDF sampler (<= 2.11) and its 2.12 rejection sampler.
#include <cmath>
#include <limits>
#include <vector>

#include "detail/strided_loop.h"
#include "init/trunc_normal_inverse_cdf.h"
#include "init/zero_element.h"
#include "random/erfinv.h"
#include "random/mkl_runtime.h"
#include "random/philox_fill.h"
#include "weightinit/init/init.h"
#include "weightinit/init/warnings.h"
#include "weightinit/random/sampling.h"

namespace weightinit::init {

namespace {

/// Standard normal CDF in double, as torch's Python computes it: (1 + erf(x/√2)) / 2.
double norm_cdf(double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; }

/// Calls fn(element&) for every element of `tensor` (storage order).
template <class T, class Fn>
void for_each_element(Tensor& tensor, Fn&& fn) {
  T* base = tensor.data_ptr<T>() - tensor.storage_offset();
  weightinit::detail::for_each_offset(
      tensor.sizes(), tensor.strides(), tensor.storage_offset(),
      weightinit::detail::memory_order(tensor.sizes(), tensor.strides()),
      [&](std::int64_t off) { fn(base[off]); });
}

/// MKL's erfinv on `n` contiguous values, in place (the VML call of torch 2.x's erfinv_).
void mkl_erfinv_inplace(float* data, std::int64_t n, const weightinit::detail::MklRuntime& mkl) {
  mkl.erfinv_f32(n, data, data, mkl.mode);
}
void mkl_erfinv_inplace(double* data, std::int64_t n, const weightinit::detail::MklRuntime& mkl) {
  mkl.erfinv_f64(n, data, data, mkl.mode);
}

/// The erfinv of `gen`'s torch profile, or nullptr for ATen's calc_erfinv: PyPI's PyTorch 2.x
/// wheels (V2_0, V2_12) compute erfinv_ with MKL's VML; without an MKL runtime the 2.x
/// profiles fall back to calc_erfinv, with a warning (≤ 1 ulp from torch; docs/rng.md).
const weightinit::detail::MklRuntime* erfinv_backend(const Generator& gen) {
  if (gen.torch_version() == TorchVersion::V1_13) return nullptr;
  const weightinit::detail::MklRuntime* mkl = weightinit::detail::mkl_runtime();
  if (mkl == nullptr) {
    warn(
        "erfinv: PyTorch 2.x computes it with MKL, whose runtime (libmkl_rt.so.2 from PyPI's "
        "mkl==2024.2.0; WEIGHTINIT_MKL_RT names its path) was not found: calc_erfinv is used, "
        "within 1 ulp of torch");
  }
  return mkl;
}

/// ≤ 2.11 (and timm): t.uniform_(2l-1, 2u-1); t.erfinv_(); t.mul_(std·√2); t.add_(mean);
/// t.clamp_(a, b). Each tensor op rounds to T, with its scalar argument rounded to T first.
template <class T>
void inverse_cdf(Tensor& tensor, double mean, double std, double a, double b, Generator& gen) {
  const double l = norm_cdf((a - mean) / std);
  const double u = norm_cdf((b - mean) / std);
  weightinit::uniform_(tensor, 2 * l - 1, 2 * u - 1, gen);
  const bool fused = gen.arith_mode() == ArithMode::Avx2;
  const T scale = static_cast<T>(std * std::sqrt(2.0));
  const T shift = static_cast<T>(mean), lo = static_cast<T>(a), hi = static_cast<T>(b);
  const weightinit::detail::MklRuntime* mkl = erfinv_backend(gen);
  const auto finish = [&](T& v) {  // v already erfinv'ed
    T x = v * scale;
    x = x + shift;
    if (!std::isnan(x)) x = std::min(std::max(x, lo), hi);  // clamp_ propagates NaN
    v = x;
  };
  const auto transform = [&](T& v) {
    v = weightinit::detail::calc_erfinv<T>(v, fused);
    finish(v);
  };
  if (mkl != nullptr) {
    // Element-wise, so a contiguous copy in logical order gives torch's values.
    Tensor work = tensor.contiguous().clone();
    T* data = work.data_ptr<T>();
    mkl_erfinv_inplace(data, work.numel(), *mkl);
    for (std::int64_t i = 0; i < work.numel(); ++i) finish(data[i]);
    tensor.copy_(work);
    return;
  }
  if (tensor.is_contiguous()) {
    // Element-wise after the (sequential) draws, as torch's erfinv_/mul_/add_/clamp_ are, so
    // OpenMP may split it like torch's parallel_for (grain 32768) without changing a bit.
    T* data = tensor.data_ptr<T>();
    const std::int64_t n = tensor.numel();
#pragma omp parallel for schedule(static) if (n >= 32768)
    for (std::int64_t i = 0; i < n; ++i) transform(data[i]);
  } else {
    for_each_element<T>(tensor, transform);
  }
}

/// torch.empty_like(t) (preserve_format): a dense tensor whose dimensions are laid out in the
/// order of t's strides (c10's infer_dense_strides), so t's own strides when t is dense (a
/// transposed weight stays transposed) and row-major order for a sliced one. Which layout a
/// draw goes into decides its order and, for normal_, the 16-block or the scalar path.
Tensor empty_like_preserve(const Tensor& t) {
  const Shape& sizes = t.sizes();
  const Shape& strides = t.strides();
  const std::size_t nd = sizes.size();
  std::vector<std::size_t> perm(nd);  // perm[0] is the innermost dimension
  for (std::size_t i = 0; i < nd; ++i) perm[i] = nd - 1 - i;
  const auto should_swap = [&](std::size_t d0, std::size_t d1) {
    if (strides[d0] == 0 || strides[d1] == 0) return 0;
    if (strides[d0] < strides[d1]) return -1;
    if (strides[d0] > strides[d1]) return 1;
    return sizes[d0] > sizes[d1] ? 1 : 0;
  };
  for (std::size_t i = 1; i < nd; ++i) {  // c10's insertion sort
    std::size_t d1 = i;
    for (std::size_t d0 = i; d0-- > 0;) {
      const int c = should_swap(perm[d0], perm[d1]);
      if (c > 0) {
        std::swap(perm[d0], perm[d1]);
        d1 = d0;
      } else if (c < 0) {
        break;
      }
    }
  }
  Shape outer_first(nd), back(nd);
  for (std::size_t k = 0; k < nd; ++k) {
    outer_first[k] = sizes[perm[nd - 1 - k]];
    back[perm[nd - 1 - k]] = static_cast<std::int64_t>(k);
  }
  return Tensor::empty(outer_first, t.dtype()).permute(back);
}

/// Rounds of the rejection sampler in a row that may accept nothing before it gives up. When
/// rounding to the dtype leaves [a, b] almost no reachable values (say mean 9e7 and std 1 in
/// float32: a value's spacing there is 8), torch 2.12+ loops for hours; weightinit stops with an
/// error instead. A legitimate far interval, [3 std, 1000 std], accepts ~3e-4 of the proposals,
/// so 2^20 empty rounds in a row happen there with probability ~e^-300.
constexpr int kMaxRoundsWithoutProgress = 1 << 20;

/// Counts rejection rounds that accepted nothing, and throws once there are too many in a row.
class StallGuard {
 public:
  StallGuard(const Tensor& tensor, double mean, double std, double a, double b)
      : tensor_(tensor), mean_(mean), std_(std), a_(a), b_(b) {}

  /// Called after each round with the number of values still outside [a, b].
  void after_round(std::int64_t pending) {
    rounds_ = pending < last_pending_ ? 0 : rounds_ + 1;
    last_pending_ = pending;
    WEIGHTINIT_CHECK(rounds_ < kMaxRoundsWithoutProgress, ValueError, "trunc_normal_: ",
                     kMaxRoundsWithoutProgress,
                     " rounds in a row of torch 2.12's rejection sampler accepted none of the ",
                     pending, " values still outside [a, b] = [", a_, ", ", b_, "] (mean ", mean_,
                     ", std ", std_, ", ", dtype_name(tensor_.dtype()),
                     "): [a, b] holds too few values of the dtype near the mean, and torch would "
                     "loop for hours. Widen [a, b], make |mean| smaller relative to std, or use "
                     "float64");
  }

 private:
  const Tensor& tensor_;
  double mean_, std_, a_, b_;
  std::int64_t last_pending_ = std::numeric_limits<std::int64_t>::max();
  int rounds_ = 0;
};

/// 2.12+ (PyTorch PR #174997), as torch.nn.init._no_grad_trunc_normal_ runs it: the first draw
/// into `tensor` itself, every redraw into torch.empty_like (empty_like_preserve), each a whole
/// tensor. Verified bit for bit against PyTorch 2.14.1 (tests/CMakeLists.txt, oracle tests).
template <class T>
void rejection(Tensor& tensor, double mean, double std, double a, double b, Generator& gen) {
  const double p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std);
  const std::int64_t n = tensor.numel();
  std::vector<bool> pending(static_cast<std::size_t>(n));
  StallGuard guard(tensor, mean, std, a, b);
  Tensor work;  // the result in logical (row-major) order
  if (p > 0.3) {
    // Normal draws; redraw a whole tensor while any element lies outside [a, b].
    const T lo = static_cast<T>(a), hi = static_cast<T>(b);
    weightinit::normal_(tensor, mean, std, gen);
    work = tensor.contiguous().clone();
    T* out = work.data_ptr<T>();
    while (true) {
      std::int64_t left = 0;
      for (std::int64_t i = 0; i < n; ++i) left += (pending[i] = out[i] < lo || out[i] > hi);
      if (left == 0) break;
      guard.after_round(left);
      Tensor fresh = empty_like_preserve(tensor);
      weightinit::normal_(fresh, mean, std, gen);
      const Tensor logical = fresh.contiguous();
      const T* f = logical.data_ptr<T>();
      for (std::int64_t i = 0; i < n; ++i) {
        if (pending[i]) out[i] = f[i];
      }
    }
  } else {
    // Uniform proposals on [a, b], accepted when log U <= log pdf(x) - log pdf(mode); each op
    // rounds to T as torch's sub_/div_/pow_(2)/mul_/sub_ chain does.
    const double mode = std::max(a, std::min(mean, b));
    const T m = static_cast<T>(mean), s = static_cast<T>(std);
    const T log_peak = static_cast<T>(-0.5 * ((mode - mean) / std) * ((mode - mean) / std));
    const auto log_pdf = [&](T x) {
      const T z = (x - m) / s;
      return z * z * static_cast<T>(-0.5) - log_peak;
    };
    Tensor cand = empty_like_preserve(tensor);
    Tensor unif = empty_like_preserve(tensor);
    bool first = true, any = true;
    while (any) {
      Tensor& proposals = first ? tensor : cand;
      weightinit::uniform_(proposals, a, b, gen);
      weightinit::uniform_(unif, 0.0, 1.0, gen);
      const Tensor c_logical = proposals.contiguous(), u_logical = unif.contiguous();
      if (first) work = c_logical.clone();
      T* out = work.data_ptr<T>();
      const T* c = c_logical.data_ptr<T>();
      const T* uu = u_logical.data_ptr<T>();
      std::int64_t left = 0;
      for (std::int64_t i = 0; i < n; ++i) {
        if (!first && !pending[i]) continue;
        out[i] = c[i];
        const bool reject = std::log(uu[i]) > log_pdf(c[i]);
        pending[i] = reject;
        left += reject;
      }
      any = left > 0;
      first = false;
      if (any) guard.after_round(left);
    }
  }
  tensor.copy_(work);
}

}  // namespace

namespace detail {
void trunc_normal_inverse_cdf(Tensor& tensor, double mean, double std, double a, double b,
                              Generator& gen) {
  if (tensor.dtype() == DType::Float32) {
    inverse_cdf<float>(tensor, mean, std, a, b, gen);
  } else {
    inverse_cdf<double>(tensor, mean, std, a, b, gen);
  }
}
}  // namespace detail

Tensor& trunc_normal_(Tensor& tensor, double mean, double std, double a, double b, Generator& gen) {
  check_floating_point(tensor.dtype(), "trunc_normal_");
  WEIGHTINIT_CHECK(std > 0, ValueError, "trunc_normal_ expects std > 0, but found std ", std);
  WEIGHTINIT_CHECK(std::isfinite(std) && std::isfinite(mean), ValueError,
                   "trunc_normal_ expects a finite mean and std, but found mean ", mean,
                   " and std ", std);
  WEIGHTINIT_CHECK(!std::isnan(a) && !std::isnan(b), ValueError,
                   "trunc_normal_ expects bounds that are numbers, but found a=", a, ", b=", b);
  WEIGHTINIT_CHECK(a <= b, ValueError, "trunc_normal_ expects a <= b, but found a=", a, " > b=", b);
  if (mean < a - 2 * std || mean > b + 2 * std) {
    warn(
        "mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of "
        "values may be incorrect.");
  }
  if (detail::is_zero_element_noop(tensor)) return tensor;
  if (gen.family() == RngFamily::Philox) {
    if (a == b) return tensor.fill_(a);  // the Philox sampler needs a < b; the result is a
    return weightinit::detail::philox_fill(
        tensor, gen,
        weightinit::detail::draw_of(weightinit::detail::ElementwiseDraw::Kind::TruncNormal, mean,
                                    std, a, b));
  }
  const bool v212 = gen.torch_version() == TorchVersion::V2_12;
  if (tensor.dtype() == DType::Float32) {
    v212 ? rejection<float>(tensor, mean, std, a, b, gen)
         : inverse_cdf<float>(tensor, mean, std, a, b, gen);
  } else {
    v212 ? rejection<double>(tensor, mean, std, a, b, gen)
         : inverse_cdf<double>(tensor, mean, std, a, b, gen);
  }
  return tensor;
}

}  // namespace weightinit::init
