// SPDX-License-Identifier: MIT
// normal_: torch's two CPU code paths (vectorised 16-blocks and scalar Box-Muller with cache).
#include <bit>
#include <cmath>
#include <cstring>
#include <numbers>
#include <vector>

#include "detail/strided_loop.h"
#include "random/avx_mathfun.h"
#include "random/generator_access.h"
#include "random/kernels.h"
#include "random/philox_fill.h"
#include "random/torch_draw_record.h"
#include "weightinit/random/sampling.h"
#include "weightinit/threads.h"

namespace weightinit {

namespace detail {

namespace {

/// One float lane for AvxMathfun: each operation rounds to float32 exactly as one AVX2 lane.
struct ScalarOps {
  using F = float;
  using I = std::int32_t;
  static F set(float v) { return v; }
  static I seti(std::int32_t v) { return v; }
  static F add(F a, F b) { return a + b; }
  static F sub(F a, F b) { return a - b; }
  static F mul(F a, F b) { return a * b; }
  static F fma(F a, F b, F c) { return std::fma(a, b, c); }
  static F neg(F a) { return -a; }
  static F sqrt(F a) { return std::sqrt(a); }
  static F max(F a, F b) { return a > b ? a : b; }  // maxps: returns b when a is NaN
  static I to_bits(F a) { return std::bit_cast<I>(a); }
  static F from_bits(I a) { return std::bit_cast<F>(a); }
  static F and_(F a, F b) { return from_bits(to_bits(a) & to_bits(b)); }
  static F andnot(F a, F b) { return from_bits(~to_bits(a) & to_bits(b)); }
  static F or_(F a, F b) { return from_bits(to_bits(a) | to_bits(b)); }
  static F xor_(F a, F b) { return from_bits(to_bits(a) ^ to_bits(b)); }
  static F cmp_lt(F a, F b) { return from_bits(a < b ? -1 : 0); }
  static F cmp_le(F a, F b) { return from_bits(a <= b ? -1 : 0); }
  static I cvtt_f2i(F a) { return static_cast<I>(a); }  // inputs here are small and >= 0
  static F cvt_i2f(I a) { return static_cast<F>(a); }
  static I addi(I a, I b) {
    return static_cast<I>(static_cast<std::uint32_t>(a) + static_cast<std::uint32_t>(b));
  }
  static I subi(I a, I b) {
    return static_cast<I>(static_cast<std::uint32_t>(a) - static_cast<std::uint32_t>(b));
  }
  static I andi(I a, I b) { return a & b; }
  static I andnoti(I a, I b) { return ~a & b; }
  static I cmpeqi(I a, I b) { return a == b ? -1 : 0; }
  static I srli23(I a) { return static_cast<I>(static_cast<std::uint32_t>(a) >> 23); }
  static I slli29(I a) { return static_cast<I>(static_cast<std::uint32_t>(a) << 29); }
};

}  // namespace

void normal_fill_16_f32_avx2_emulated(float* data, float mean, float std) {
  for (int j = 0; j < 8; ++j) {
    AvxMathfun<ScalarOps>::box_muller(data[j], data[j + 8], mean, std, &data[j], &data[j + 8]);
  }
}

}  // namespace detail

namespace {

constexpr std::int64_t kBlock = 16;
// Uniforms are drawn and transformed in chunks that stay in L1/L2 (a multiple of 16).
constexpr std::int64_t kChunk = 4096;
// With several threads: uniforms drawn per round before the blocks are transformed in parallel
// (1 MiB of float32; a multiple of kChunk).
constexpr std::int64_t kParallelRound = std::int64_t{1} << 18;

/// torch's normal_fill_16 in DEFAULT mode, float32: glibc logf/cosf/sinf, separate roundings;
/// θ = 2.0f·π<double>·u2 is computed in double, then rounded to float.
void normal_fill_16_f32_default(float* data, float mean, float std, bool explicit_fma) {
  for (int j = 0; j < 8; ++j) {
    const float u1 = 1.0f - data[j];
    const float u2 = data[j + 8];
    const float radius = std::sqrt(-2.0f * std::log(u1));
    const float theta = static_cast<float>(2.0 * std::numbers::pi * static_cast<double>(u2));
    const float rc = radius * std::cos(theta);
    const float rs = radius * std::sin(theta);
    if (explicit_fma) {  // 2.12+: std::fma in the fallback kernel
      data[j] = std::fma(rc, std, mean);
      data[j + 8] = std::fma(rs, std, mean);
    } else {
      data[j] = rc * std + mean;
      data[j + 8] = rs * std + mean;
    }
  }
}

/// torch's normal_fill_16 for float64 (every mode): glibc log/cos/sin in double; the scale is
/// fused in AVX2 builds (GCC contraction) and in 2.12's explicit-fma fallback.
void normal_fill_16_f64(double* data, double mean, double std, bool fused) {
  for (int j = 0; j < 8; ++j) {
    const double u1 = 1.0 - data[j];
    const double u2 = data[j + 8];
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double theta = 2.0 * std::numbers::pi * u2;
    const double rc = radius * std::cos(theta);
    const double rs = radius * std::sin(theta);
    data[j] = fused ? std::fma(rc, std, mean) : rc * std + mean;
    data[j + 8] = fused ? std::fma(rs, std, mean) : rs * std + mean;
  }
}

/// Draws `n` float32 uniforms [0,1) into `data` (one word each, as torch's uniform(0,1)).
void draw_u01_f32(float* data, std::int64_t n, Generator& gen) {
  gen.fill_random({reinterpret_cast<std::uint32_t*>(data), static_cast<std::size_t>(n)});
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t word;
    std::memcpy(&word, data + i, sizeof word);
    data[i] = detail::u01_float(word);
  }
}

/// Draws `n` float64 uniforms [0,1) into `data` (random64() each: two words, high first).
void draw_u01_f64(double* data, std::int64_t n, Generator& gen) {
  gen.fill_random({reinterpret_cast<std::uint32_t*>(data), static_cast<std::size_t>(2 * n)});
  for (std::int64_t i = 0; i < n; ++i) {
    std::uint32_t words[2];
    std::memcpy(words, data + i, sizeof words);
    const std::uint64_t bits = (std::uint64_t{words[0]} << 32) | words[1];
    data[i] = detail::u01_double(bits);
  }
}

void fill_blocks_f32(float* data, std::int64_t blocks, float mean, float std, Generator& gen) {
  if (gen.arith_mode() == ArithMode::Avx2) {
    if (cpu_has_avx2_fma()) {
      detail::normal_fill_f32_avx2(data, blocks, mean, std);
    } else {
      for (std::int64_t b = 0; b < blocks; ++b) {
        detail::normal_fill_16_f32_avx2_emulated(data + kBlock * b, mean, std);
      }
    }
    return;
  }
  const bool explicit_fma = gen.torch_version() == TorchVersion::V2_12;
  for (std::int64_t b = 0; b < blocks; ++b) {
    normal_fill_16_f32_default(data + kBlock * b, mean, std, explicit_fma);
  }
}

void fill_blocks_f64(double* data, std::int64_t blocks, double mean, double std, Generator& gen) {
  const bool fused =
      gen.arith_mode() == ArithMode::Avx2 || gen.torch_version() == TorchVersion::V2_12;
  for (std::int64_t b = 0; b < blocks; ++b) normal_fill_16_f64(data + kBlock * b, mean, std, fused);
}

/// torch's normal_fill: all n uniforms in order, Box-Muller per 16-block, and when
/// n % 16 != 0 the last 16 elements are redrawn from 16 fresh uniforms and transformed again.
/// The draws are sequential (one MT19937 stream), but each 16-block's transform depends only on
/// its own uniforms: with several threads, rounds of kParallelRound uniforms are drawn on the
/// calling thread and their blocks transformed by OpenMP in kChunk pieces. Same bits either way.
template <class T, class Draw, class Blocks>
void normal_fill(T* data, std::int64_t n, T mean, T std, Generator& gen, Draw draw, Blocks blocks) {
  const bool parallel = n >= kParallelRound && num_threads() > 1;
  const std::int64_t round = parallel ? kParallelRound : kChunk;
  for (std::int64_t start = 0; start < n; start += round) {
    const std::int64_t len = std::min(round, n - start);
    draw(data + start, len, gen);
    const std::int64_t round_blocks = len / kBlock;  // a partial block stays raw
    constexpr std::int64_t kChunkBlocks = kChunk / kBlock;
    const std::int64_t pieces = (round_blocks + kChunkBlocks - 1) / kChunkBlocks;
#pragma omp parallel for schedule(static) if (parallel)
    for (std::int64_t p = 0; p < pieces; ++p) {
      const std::int64_t first = p * kChunkBlocks;
      blocks(data + start + first * kBlock, std::min(kChunkBlocks, round_blocks - first), mean, std,
             gen);
    }
  }
  if (n % kBlock != 0) {
    T* tail = data + n - kBlock;
    draw(tail, kBlock, gen);
    blocks(tail, 1, mean, std, gen);
  }
}

/// One value of at::normal_distribution<double>(mean, std): Box-Muller in double that caches
/// the sine sample, r = √(-2 ln(1-u2)) (log1p(-u2) from 2.0), θ = 2π·u1.
double scalar_normal_sample(double mean, double std, Generator& gen) {
  double z;
  if (const auto cached = gen.next_double_normal_sample()) {
    z = *cached;
    detail::GeneratorAccess::set_next_double_normal_sample(gen, std::nullopt);
  } else {
    const double u1 = detail::u01_double(gen.random64());
    const double u2 = detail::u01_double(gen.random64());
    const double lg =
        gen.torch_version() == TorchVersion::V1_13 ? std::log(1.0 - u2) : std::log1p(-u2);
    const double r = std::sqrt(-2.0 * lg);
    const double theta = 2.0 * std::numbers::pi * u1;
    detail::GeneratorAccess::set_next_double_normal_sample(gen, r * std::sin(theta));
    z = r * std::cos(theta);
  }
  return gen.arith_mode() == ArithMode::Avx2 ? std::fma(z, std, mean) : z * std + mean;
}

template <class T>
void normal_scalar_path(Tensor& t, double mean, double std, Generator& gen) {
  T* base = t.data_ptr<T>() - t.storage_offset();
  detail::for_each_offset(
      t.sizes(), t.strides(), t.storage_offset(), detail::memory_order(t.sizes(), t.strides()),
      [&](std::int64_t off) { base[off] = static_cast<T>(scalar_normal_sample(mean, std, gen)); });
}

}  // namespace

Tensor& normal_(Tensor& t, double mean, double std, Generator& gen) {
  check_floating_point(t.dtype(), "normal_");
  WEIGHTINIT_CHECK(std >= 0.0, ValueError, "normal expects std >= 0.0, but found std ", std);
  // torch accepts these and fills inf / nan; weightinit refuses (nothing silently wrong).
  WEIGHTINIT_CHECK(std::isfinite(std), ValueError, "normal expects a finite std, but found std ",
                   std);
  WEIGHTINIT_CHECK(std::isfinite(mean), ValueError, "normal expects a finite mean, but found mean ",
                   mean);
  if (gen.family() == RngFamily::Philox) {
    return detail::philox_fill(t, gen,
                               detail::draw_of(detail::ElementwiseDraw::Kind::Normal, mean, std));
  }
  if (t.is_deferred()) {  // planned, not drawn (the torch family's streaming writer)
    detail::record_torch_fill(t, detail::TorchDraw::Kind::Normal, mean, std);
    return t;
  }
  const std::int64_t n = t.numel();
  if (n == 0) return t;
  const bool vector_path = n >= kBlock && t.is_contiguous();
  if (t.dtype() == DType::Float32) {
    if (vector_path) {
      normal_fill(t.data_ptr<float>(), n, static_cast<float>(mean), static_cast<float>(std), gen,
                  draw_u01_f32, fill_blocks_f32);
    } else {
      normal_scalar_path<float>(t, mean, std, gen);
    }
  } else {
    if (vector_path) {
      normal_fill(t.data_ptr<double>(), n, mean, std, gen, draw_u01_f64, fill_blocks_f64);
    } else {
      normal_scalar_path<double>(t, mean, std, gen);
    }
  }
  return t;
}

Tensor randn(const Shape& sizes, DType dtype, Generator& gen) {
  Tensor t = Tensor::empty(sizes, dtype);
  return normal_(t, 0.0, 1.0, gen);
}

}  // namespace weightinit
