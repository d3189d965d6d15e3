// SPDX-License-Identifier: MIT
// Times MT19937 jump-ahead (Generator::discard) and drawing the same words, for
// bench/compare_jump.py, which times PyTorch drawing them beside it.
// Usage: mt19937_jump WORDS REPEATS   prints "derive_ms J", "jump_ms J" (median) and, for
// WORDS <= 10^9, "draw_ms D" (median of drawing WORDS words with fill_random).
#include "weightinit/random/mt19937_jump.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "weightinit/random/generator.h"

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: mt19937_jump WORDS REPEATS\n");
    return 2;
  }
  const std::uint64_t words = std::strtoull(argv[1], nullptr, 10);
  const int repeats = std::max(1, std::atoi(argv[2]));
  auto t = std::chrono::steady_clock::now();
  (void)weightinit::mt19937_characteristic_polynomial();  // derived once per process
  std::printf("derive_ms %.3f\n", ms_since(t));
  std::vector<double> jumps, draws;
  for (int r = 0; r < repeats; ++r) {
    weightinit::Generator g(static_cast<std::uint64_t>(r));
    t = std::chrono::steady_clock::now();
    g.discard(words);
    jumps.push_back(ms_since(t));
  }
  std::printf("jump_ms %.3f\n", median(jumps));
  if (words <= 1000000000ull) {
    std::vector<std::uint32_t> buffer(1 << 20);
    for (int r = 0; r < std::min(repeats, 3); ++r) {
      weightinit::Generator g(static_cast<std::uint64_t>(r));
      t = std::chrono::steady_clock::now();
      for (std::uint64_t left = words; left > 0;) {
        const std::uint64_t n = std::min<std::uint64_t>(left, buffer.size());
        g.fill_random(std::span<std::uint32_t>(buffer.data(), n));
        left -= n;
      }
      draws.push_back(ms_since(t));
    }
    std::printf("draw_ms %.3f\n", median(draws));
  }
}
