// SPDX-License-Identifier: MIT
// Google Benchmark of the Philox stream fills (philox_uniform_, philox_normal_), float32.
//
// Names are `<op>/threads:<t>/n:<elements>`. Each benchmark fills one tensor that was allocated
// and written once before timing, so page faults are not measured; OpenMP runs with t threads
// (omp_set_num_threads). Reports bytes/s (4 bytes per element) and items/s.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>

#include "weightinit/random/philox_stream.h"
#include "weightinit/tensor/tensor.h"

namespace {

enum class Op { Uniform, Normal };

void run_fill(benchmark::State& state, Op op) {
  const std::int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  weightinit::Tensor t = weightinit::Tensor::empty({n});
  t.fill_(0.0);  // touch every page once, outside the timed loop
  const weightinit::PhiloxKey key = weightinit::philox_key(20240601, "bench.weight");
  for (auto _ : state) {
    if (op == Op::Uniform) {
      weightinit::philox_uniform_(t, 0.0, 1.0, key);
    } else {
      weightinit::philox_normal_(t, 0.0, 1.0, key);
    }
    benchmark::DoNotOptimize(t.data_ptr<float>());
    benchmark::ClobberMemory();
  }
  omp_set_num_threads(saved);
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(sizeof(float)));
  state.counters["ns/elem"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(n),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void philox_uniform(benchmark::State& state) { run_fill(state, Op::Uniform); }
void philox_normal(benchmark::State& state) { run_fill(state, Op::Normal); }

void sizes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads"});
  for (std::int64_t n : {std::int64_t{1'000'000}, std::int64_t{100'000'000}}) {
    for (std::int64_t threads : {1, 2}) b->Args({n, threads});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

BENCHMARK(philox_uniform)->Apply(sizes);
BENCHMARK(philox_normal)->Apply(sizes);

BENCHMARK_MAIN();
