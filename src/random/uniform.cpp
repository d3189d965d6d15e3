// SPDX-License-Identifier: MIT
// uniform_ and rand: torch's uniform_kernel, one draw per element in memory order.
#include <cmath>
#include <cstring>
#include <limits>

#include "detail/strided_loop.h"
#include "random/kernels.h"
#include "random/philox_fill.h"
#include "random/torch_draw_record.h"
#include "weightinit/random/sampling.h"

namespace weightinit {

namespace {

constexpr std::int64_t kChunk = 4096;

/// torch's transformation::uniform_real: x·(to-from) + from in T, where (to-from) is rounded
/// to T first; the mul+add is fused in AVX2 builds.
template <class T>
T uniform_value(T x, T from, T d, bool fused) {
  return fused ? std::fma(x, d, from) : x * d + from;
}

/// The bounds checks of torch's uniform_impl_, in its order and wording.
template <class T>
void check_uniform_args(double from, double to) {
  constexpr double lowest = static_cast<double>(std::numeric_limits<T>::lowest());
  constexpr double max = static_cast<double>(std::numeric_limits<T>::max());
  constexpr const char* kLower = std::is_same_v<T, float> ? "float" : "double";
  constexpr const char* kUpper = std::is_same_v<T, float> ? "Float" : "Double";
  WEIGHTINIT_CHECK(from >= lowest && from <= max, ValueError, "from is out of bounds for ", kLower);
  WEIGHTINIT_CHECK(to >= lowest && to <= max, ValueError, "to is out of bounds for ", kLower);
  WEIGHTINIT_CHECK(from <= to, ValueError,
                   "uniform_ expects to return a [from, to) range, but found from=", from,
                   " > to=", to);
  WEIGHTINIT_CHECK(to - from <= max, ValueError, "uniform_ expects to-from <= std::numeric_limits<",
                   kUpper, ">::max(), but found to=", to, " and from=", from,
                   " which result in to-from to exceed the limit");
}

template <class T>
void uniform_typed(Tensor& t, double from_d, double to_d, Generator& gen) {
  const T from = static_cast<T>(from_d);
  const T to = static_cast<T>(to_d);
  const T d = to - from;
  const bool fused = gen.arith_mode() == ArithMode::Avx2;
  const bool clamp_to = gen.torch_version() == TorchVersion::V2_12;
  const auto finish = [&](T v) { return (clamp_to && v == to) ? from : v; };
  const auto draw_one = [&]() -> T {
    if constexpr (std::is_same_v<T, float>) {
      return finish(uniform_value(detail::u01_float(gen.random()), from, d, fused));
    } else {
      return finish(uniform_value(detail::u01_double(gen.random64()), from, d, fused));
    }
  };

  const std::int64_t n = t.numel();
  if (!t.is_contiguous()) {
    T* base = t.data_ptr<T>() - t.storage_offset();
    detail::for_each_offset(t.sizes(), t.strides(), t.storage_offset(),
                            detail::memory_order(t.sizes(), t.strides()),
                            [&](std::int64_t off) { base[off] = draw_one(); });
    return;
  }
  T* data = t.data_ptr<T>();
  if constexpr (std::is_same_v<T, float>) {
    // Draw each chunk's words straight into the output, then convert in place.
    for (std::int64_t start = 0; start < n; start += kChunk) {
      const std::int64_t len = std::min(kChunk, n - start);
      float* p = data + start;
      gen.fill_random({reinterpret_cast<std::uint32_t*>(p), static_cast<std::size_t>(len)});
      if (fused && !clamp_to && cpu_has_avx2_fma()) {
        detail::uniform_f32_fma_avx2(p, len, from, d);
        continue;
      }
      for (std::int64_t i = 0; i < len; ++i) {
        std::uint32_t word;
        std::memcpy(&word, p + i, sizeof word);
        p[i] = finish(uniform_value(detail::u01_float(word), from, d, fused));
      }
    }
  } else {
    for (std::int64_t start = 0; start < n; start += kChunk) {
      const std::int64_t len = std::min(kChunk, n - start);
      double* p = data + start;
      gen.fill_random({reinterpret_cast<std::uint32_t*>(p), static_cast<std::size_t>(2 * len)});
      for (std::int64_t i = 0; i < len; ++i) {
        std::uint32_t words[2];
        std::memcpy(words, p + i, sizeof words);
        const std::uint64_t bits = (std::uint64_t{words[0]} << 32) | words[1];
        p[i] = finish(uniform_value(detail::u01_double(bits), from, d, fused));
      }
    }
  }
}

}  // namespace

Tensor& uniform_(Tensor& t, double from, double to, Generator& gen) {
  check_floating_point(t.dtype(), "uniform_");
  if (gen.family() == RngFamily::Philox) {
    t.dtype() == DType::Float32 ? check_uniform_args<float>(from, to)
                                : check_uniform_args<double>(from, to);
    return detail::philox_fill(t, gen,
                               detail::draw_of(detail::ElementwiseDraw::Kind::Uniform, from, to));
  }
  t.dtype() == DType::Float32 ? check_uniform_args<float>(from, to)
                              : check_uniform_args<double>(from, to);
  if (t.is_deferred()) {  // planned, not drawn (the torch family's streaming writer)
    detail::record_torch_fill(t, detail::TorchDraw::Kind::Uniform, from, to);
  } else if (t.numel() > 0) {
    t.dtype() == DType::Float32 ? uniform_typed<float>(t, from, to, gen)
                                : uniform_typed<double>(t, from, to, gen);
  }
  return t;
}

Tensor rand(const Shape& sizes, DType dtype, Generator& gen) {
  Tensor t = Tensor::empty(sizes, dtype);
  return uniform_(t, 0.0, 1.0, gen);
}

}  // namespace weightinit
