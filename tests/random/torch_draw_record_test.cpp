// SPDX-License-Identifier: MIT
// The torch family's draw plan at the sampler level: words_drawn() counts torch's position,
// recorded fills take the words torch's samplers take, and any chunk replayed from its word
// offset equals the same elements of the sequential fill, bit for bit. Differential over
// random seeds, sizes, chunk boundaries and dtypes; a failure prints its case seed.
#include "random/torch_draw_record.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "weightinit/random/mt19937_jump.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_profile.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/threads.h"

namespace wi = weightinit;
using wi::detail::TorchDraw;

namespace {

bool same_bits(const wi::Tensor& a, const wi::Tensor& b) {
  return a.numel() == b.numel() && a.dtype() == b.dtype() &&
         std::memcmp(a.raw_data(), b.raw_data(),
                     static_cast<std::size_t>(a.numel()) * a.element_size()) == 0;
}

TEST(WordsDrawn, CountsDrawsFillsJumpsAndRestartsAtSeedAndSetState) {
  wi::Generator gen(3);
  EXPECT_EQ(gen.words_drawn(), 0u);
  gen.random();
  EXPECT_EQ(gen.words_drawn(), 1u);
  gen.random64();
  EXPECT_EQ(gen.words_drawn(), 3u);
  std::vector<std::uint32_t> words(5000);
  gen.fill_random(words);  // whole twists through the vectorised kernel, then a partial one
  EXPECT_EQ(gen.words_drawn(), 5003u);
  gen.discard(1'000'000'007);  // a polynomial jump
  EXPECT_EQ(gen.words_drawn(), 1'000'005'010u);
  gen.discard(100);  // drawn
  EXPECT_EQ(gen.words_drawn(), 1'000'005'110u);
  const auto state = gen.get_state();
  gen.manual_seed(3);
  EXPECT_EQ(gen.words_drawn(), 0u);
  gen.set_state(state);
  EXPECT_EQ(gen.words_drawn(), 0u) << "set_state starts counting from the restored state";
  gen.random();
  EXPECT_EQ(gen.words_drawn(), 1u);
}

TEST(TorchDrawRecorder, RecordsDeferredFillsWithTheWordsTorchTakesAndLeavesTheGeneratorAlone) {
  wi::Generator gen(11);
  wi::detail::TorchDrawRecorder recorder(100);
  const wi::DeferredAllocationGuard deferred;
  wi::Tensor u = wi::Tensor::empty({7, 3});
  wi::Tensor n = wi::Tensor::empty({33});
  wi::Tensor d = wi::Tensor::empty({32}, wi::DType::Float64);
  wi::Tensor s = wi::Tensor::empty({3});
  wi::uniform_(u, -1, 1, gen);
  wi::normal_(n, 0, 2, gen);
  wi::normal_(d, 0, 1, gen);
  wi::normal_(s, 0, 1, gen);
  EXPECT_EQ(gen.words_drawn(), 0u) << "recording draws nothing";
  ASSERT_EQ(recorder.draws.size(), 4u);
  EXPECT_EQ(recorder.draws[0].first_word, 100u);
  EXPECT_EQ(recorder.draws[1].first_word, 121u);       // uniform: one word per float32
  EXPECT_EQ(recorder.draws[2].first_word, 121u + 49);  // normal: 33 + a 16-word tail
  EXPECT_EQ(recorder.draws[3].first_word, 170u + 64);  // float64: two words per value
  EXPECT_EQ(recorder.draws[3].kind, TorchDraw::Kind::NormalScalar);
  EXPECT_EQ(recorder.next_word, 234u + 8);  // 3 scalar samples: two Box-Muller pairs
  ASSERT_TRUE(recorder.cached_pair_word.has_value()) << "an odd count leaves a cached sample";
  EXPECT_EQ(*recorder.cached_pair_word, 238u);
}

TEST(TorchDrawRecorder, BadUseIsRefused) {
  wi::Generator gen(1);
  const wi::DeferredAllocationGuard deferred;
  wi::Tensor t = wi::Tensor::empty({4, 4});
  EXPECT_THROW(wi::uniform_(t, 0, 1, gen), wi::Error)
      << "no recorder: a deferred tensor has no memory";
  wi::detail::TorchDrawRecorder recorder(0);
  wi::Tensor view = t.slice(0, 1, 3);
  EXPECT_THROW(wi::normal_(view, 0, 1, gen), wi::Error) << "views of deferred tensors";
  EXPECT_THROW(wi::uniform_(t, 1, 0, gen), wi::ValueError) << "arguments are still checked";
  EXPECT_TRUE(recorder.draws.empty());
  wi::Tensor whole = wi::Tensor::empty({16});
  wi::normal_(whole, 0, 1, gen);
  wi::Tensor chunk = wi::Tensor::empty({8});
  wi::detail::TorchCursor cursor(gen);
  wi::detail::TorchDraw scalar = recorder.draws.at(0);
  scalar.kind = TorchDraw::Kind::NormalScalar;
  scalar.numel = 9;
  EXPECT_THROW(wi::detail::replay_torch_draw(scalar, cursor, chunk, 0), wi::ValueError)
      << "a scalar-path draw is only replayed whole";
  EXPECT_THROW(wi::detail::replay_torch_draw(recorder.draws.at(0), cursor, chunk, 9),
               wi::ValueError)
      << "past the end of the tensor";
  EXPECT_THROW(wi::detail::TorchCursor(wi::Generator::philox(1)), wi::ValueError);
}

/// One random case: a sequence of fills on real tensors from a generator that first drew a
/// random prefix, against the same fills recorded and each replayed in random chunks.
void check_case(std::uint32_t case_seed) {
  std::mt19937_64 rng(case_seed);
  const auto pick = [&](std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
  };
  const std::uint64_t seed = rng(), prefix = static_cast<std::uint64_t>(pick(0, 3000));
  const char* profiles[] = {"2.15-avx512", "2.14-default", "1.13-avx2", "1.13-default"};
  const wi::TorchProfile& profile = wi::torch_profile(profiles[pick(0, 3)]);
  wi::Generator base(seed, profile.arith, profile.version);
  wi::Generator sequential = base;
  sequential.discard(prefix);

  struct Fill {
    TorchDraw::Kind kind;
    wi::DType dtype;
    std::int64_t numel;
    double p0, p1;
  };
  std::vector<Fill> fills;
  for (int i = 0, count = static_cast<int>(pick(1, 6)); i < count; ++i) {
    const bool normal = pick(0, 1) == 1;
    const std::int64_t numel = pick(0, 3) == 0 ? pick(1, 15) : pick(16, 5000);
    fills.push_back({normal ? TorchDraw::Kind::Normal : TorchDraw::Kind::Uniform,
                     pick(0, 3) == 0 ? wi::DType::Float64 : wi::DType::Float32, numel,
                     normal ? 0.5 : -2.0, normal ? 1.5 : 3.0});
  }
  std::vector<wi::Tensor> expected;
  for (const Fill& f : fills) {
    wi::Tensor t = wi::Tensor::empty({f.numel}, f.dtype);
    f.kind == TorchDraw::Kind::Uniform ? wi::uniform_(t, f.p0, f.p1, sequential)
                                       : wi::normal_(t, f.p0, f.p1, sequential);
    expected.push_back(t);
  }
  wi::detail::TorchDrawRecorder recorder(prefix);
  {
    const wi::DeferredAllocationGuard deferred;
    wi::Generator unused = base;
    for (const Fill& f : fills) {
      wi::Tensor t = wi::Tensor::empty({f.numel}, f.dtype);
      f.kind == TorchDraw::Kind::Uniform ? wi::uniform_(t, f.p0, f.p1, unused)
                                         : wi::normal_(t, f.p0, f.p1, unused);
    }
  }
  ASSERT_EQ(recorder.draws.size(), fills.size()) << "case seed " << case_seed;
  EXPECT_EQ(recorder.next_word, sequential.words_drawn()) << "case seed " << case_seed;
  wi::detail::TorchCursor cursor(base);
  for (std::size_t i = 0; i < fills.size(); ++i) {
    const TorchDraw& d = recorder.draws[i];
    wi::Tensor got = wi::Tensor::empty({d.numel}, d.dtype);
    for (std::int64_t at = 0; at < d.numel;) {
      const std::int64_t len =
          d.kind == TorchDraw::Kind::NormalScalar ? d.numel : std::min(d.numel - at, pick(1, 700));
      wi::Tensor chunk = got.slice(0, at, at + len);
      wi::detail::replay_torch_draw(d, cursor, chunk, at);
      at += len;
    }
    EXPECT_TRUE(same_bits(got, expected[i]))
        << "case seed " << case_seed << ": fill " << i << " of " << d.numel << " elements";
  }
}

TEST(ReplayTorchDraw, LargeChunksSplitAcrossThreadsGiveTheSameBits) {
  // Chunks of 2^22 elements or more are split on 16-blocks among the threads, each jumping its
  // own generator to its piece; the tail block and float64 pairs included.
  wi::Generator base(2024);
  wi::Generator sequential = base;
  const std::int64_t n = (std::int64_t{1} << 22) + 37;
  wi::Tensor u = wi::Tensor::empty({n}), g = wi::Tensor::empty({n}),
             d = wi::Tensor::empty({n / 2}, wi::DType::Float64);
  wi::uniform_(u, -1, 1, sequential);
  wi::normal_(g, 0, 1, sequential);
  wi::normal_(d, 0, 1, sequential);
  wi::detail::TorchDrawRecorder recorder(0);
  {
    const wi::DeferredAllocationGuard deferred;
    wi::Tensor a = wi::Tensor::empty({n}), b = wi::Tensor::empty({n}),
               c = wi::Tensor::empty({n / 2}, wi::DType::Float64);
    wi::Generator unused = base;
    wi::uniform_(a, -1, 1, unused);
    wi::normal_(b, 0, 1, unused);
    wi::normal_(c, 0, 1, unused);
  }
  ASSERT_EQ(recorder.draws.size(), 3u);
  const wi::Tensor expected[] = {u, g, d};
  for (const int threads : {1, 2, 3}) {
    const int previous = wi::num_threads();
    wi::set_num_threads(std::min(threads, wi::max_num_threads()));
    wi::detail::TorchCursor cursor(base);
    for (std::size_t i = 0; i < 3; ++i) {
      const auto& draw = recorder.draws[i];
      wi::Tensor got = wi::Tensor::empty({draw.numel}, draw.dtype);
      wi::Tensor head = got.slice(0, 0, 5), rest = got.slice(0, 5, draw.numel);
      wi::detail::replay_torch_draw(draw, cursor, head, 0);
      wi::detail::replay_torch_draw(draw, cursor, rest, 5);  // unaligned, then to the end
      EXPECT_TRUE(same_bits(got, expected[i])) << "fill " << i << ", " << threads << " threads";
    }
    wi::set_num_threads(previous);
  }
}

TEST(ReplayTorchDraw, AnyChunkEqualsTheSequentialFillBitForBit) {
  const std::uint32_t extra = std::random_device{}();
  std::printf("case seeds 1..60 and %u (random this run)\n", extra);
  for (std::uint32_t s = 1; s <= 60; ++s) check_case(s);
  check_case(extra);
}

}  // namespace
