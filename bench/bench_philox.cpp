// SPDX-License-Identifier: MIT
// Google Benchmark of the Philox fills, float32, beside the machine's store bandwidth.
//
// Fills (names `<op>/n:<elements>/threads:<t>`, OpenMP with t threads via omp_set_num_threads):
//   philox_uniform        philox_uniform_(t, 0, 1, key)
//   philox_normal         philox_normal_(t, 0, 1, key)
//   philox_trunc_normal   philox_trunc_normal_(t, 0, 1, -2, 2, key)
//   kaiming_normal        init::kaiming_normal_ on shape {n/1000, 1000}, Generator::philox(seed)
//   store_bandwidth       std::fill of 1.5f in 64 KiB blocks, omp parallel for schedule(static),
//                         in the widest vector stores the CPU has (the store limit)
//   memset                OpenMP parallel memset of byte 0x3f, one chunk per thread
// Non-zero values on purpose: zero stores are unusually fast on some machines.
// And `orthogonal/n:<N>`: init::orthogonal_ (torch family) on an N×N matrix; QR is LAPACK's,
// whose threads OPENBLAS_NUM_THREADS decides.
//
// Every tensor above is allocated and written once before timing, so page faults are not
// measured. The first-touch benchmarks measure them (`<op>/n:<elements>/threads:<t>/huge:<h>`,
// n >= 1e7 from the sizes below only, so that each allocation is a fresh mmap: glibc's mmap
// threshold is at most 32 MiB). Each iteration allocates a fresh Tensor::empty({n}), advises its
// pages (h = 1: madvise MADV_HUGEPAGE, as the library's allocator does for tensors >= 4 MiB;
// h = 0: MADV_NOHUGEPAGE, which overrides the library's advice, so no environment variable is
// needed), fills it and frees it (munmap); all three are timed:
//   first_touch_normal    philox_normal_(t, 0, 1, key) on the fresh pages: each page is faulted
//                         by the thread that fills it ("filling while faulting")
//   first_touch_memset    OpenMP parallel memset of byte 0x3f on the fresh pages (the cost of
//                         the page faults plus the store limit)
// with the counter faults/fill (minor page faults of the process per iteration, getrusage).
// Reports bytes_per_second (4 bytes per element), items_per_second and ns/elem.
// Sizes: 1e6 and 1e8, or the comma-separated list in WEIGHTINIT_BENCH_SIZES (e.g. "1e6,1e7");
// WEIGHTINIT_BENCH_1E9=1 adds 1e9 (4 GB per tensor) and orthogonal 4096.

#include <benchmark/benchmark.h>
#include <omp.h>
#include <sys/mman.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "weightinit/init/init.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/philox_stream.h"
#include "weightinit/tensor/tensor.h"

namespace {

constexpr std::uint64_t kSeed = 20240601;

enum class Op { Uniform, Normal, TruncNormal, KaimingNormal, StoreBandwidth, Memset };

bool large_enabled() {
  const char* v = std::getenv("WEIGHTINIT_BENCH_1E9");
  return v != nullptr && std::string(v) == "1";
}

std::vector<std::int64_t> fill_sizes() {
  std::vector<std::int64_t> out;
  if (const char* env = std::getenv("WEIGHTINIT_BENCH_SIZES"); env != nullptr && *env != '\0') {
    std::stringstream list(env);
    for (std::string item; std::getline(list, item, ',');) {
      out.push_back(static_cast<std::int64_t>(std::stod(item)));  // accepts "1e6"
    }
  } else {
    out = {1'000'000, 100'000'000};
  }
  if (large_enabled() && std::find(out.begin(), out.end(), 1'000'000'000) == out.end()) {
    out.push_back(1'000'000'000);
  }
  return out;
}

void set_counters(benchmark::State& state, std::int64_t n) {
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * static_cast<std::int64_t>(sizeof(float)));
  state.counters["ns/elem"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * static_cast<double>(n),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// std::fill in the widest stores the CPU has (the library's fills use AVX2/AVX-512 too).
__attribute__((target_clones("avx512f", "avx2", "default"))) void fill_block(float* p,
                                                                             std::int64_t n) {
  std::fill(p, p + n, 1.5f);
}

void store_fill(float* p, std::int64_t n) {
  constexpr std::int64_t kBlock = 16384;  // 64 KiB
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
#pragma omp parallel for schedule(static)
  for (std::int64_t b = 0; b < blocks; ++b) {
    fill_block(p + b * kBlock, std::min(kBlock, n - b * kBlock));
  }
}

void parallel_memset(void* p, std::int64_t bytes) {
#pragma omp parallel
  {
    const std::int64_t parts = omp_get_num_threads();
    const std::int64_t k = omp_get_thread_num();
    const std::int64_t begin = bytes * k / parts;
    const std::int64_t end = bytes * (k + 1) / parts;
    std::memset(static_cast<char*>(p) + begin, 0x3f, static_cast<std::size_t>(end - begin));
  }
}

void run_fill(benchmark::State& state, Op op) {
  const std::int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  const weightinit::Shape shape =
      op == Op::KaimingNormal ? weightinit::Shape{n / 1000, 1000} : weightinit::Shape{n};
  weightinit::Tensor t = weightinit::Tensor::empty(shape);
  t.fill_(1.0);  // touch every page once, outside the timed loop
  const weightinit::PhiloxKey key = weightinit::philox_key(kSeed, "bench.weight");
  weightinit::Generator gen = weightinit::Generator::philox(kSeed);
  gen.set_stream("bench.weight");
  float* data = t.data_ptr<float>();
  for (auto _ : state) {
    switch (op) {
      case Op::Uniform:
        weightinit::philox_uniform_(t, 0.0, 1.0, key);
        break;
      case Op::Normal:
        weightinit::philox_normal_(t, 0.0, 1.0, key);
        break;
      case Op::TruncNormal:
        weightinit::philox_trunc_normal_(t, 0.0, 1.0, -2.0, 2.0, key);
        break;
      case Op::KaimingNormal:
        weightinit::init::kaiming_normal_(t, 0.0, weightinit::init::FanMode::FanIn,
                                          weightinit::init::Nonlinearity::LeakyReLU, gen);
        break;
      case Op::StoreBandwidth:
        store_fill(data, n);
        break;
      case Op::Memset:
        parallel_memset(data, n * static_cast<std::int64_t>(sizeof(float)));
        break;
    }
    benchmark::DoNotOptimize(data);
    benchmark::ClobberMemory();
  }
  omp_set_num_threads(saved);
  set_counters(state, n);
}

enum class Touch { Normal, Memset };

long minor_faults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

void first_touch(benchmark::State& state, Touch op) {
  const std::int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const bool huge = state.range(2) != 0;
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  const weightinit::PhiloxKey key = weightinit::philox_key(kSeed, "bench.weight");
  const std::int64_t bytes = n * static_cast<std::int64_t>(sizeof(float));
  long faults = 0;
  for (auto _ : state) {
    const long before = minor_faults();
    {
      weightinit::Tensor t = weightinit::Tensor::empty({n});
      float* data = t.data_ptr<float>();  // 2 MiB-aligned (the allocator's rule from 4 MiB)
      if (::madvise(data, static_cast<std::size_t>(bytes),
                    huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) != 0) {
        state.SkipWithError("madvise failed");
        break;
      }
      if (op == Touch::Normal) {
        weightinit::philox_normal_(t, 0.0, 1.0, key);
      } else {
        parallel_memset(data, bytes);
      }
      benchmark::DoNotOptimize(data);
      benchmark::ClobberMemory();
    }  // frees the tensor (munmap), inside the timing as in torch.empty(n).normal_()
    faults += minor_faults() - before;
  }
  omp_set_num_threads(saved);
  set_counters(state, n);
  const auto fills = std::max<std::int64_t>(1, static_cast<std::int64_t>(state.iterations()));
  state.counters["faults/fill"] = static_cast<double>(faults) / static_cast<double>(fills);
}

void orthogonal(benchmark::State& state) {
  const std::int64_t n = state.range(0);
  weightinit::Tensor t = weightinit::Tensor::empty({n, n});
  t.fill_(1.0);
  weightinit::Generator gen(kSeed);
  for (auto _ : state) {
    weightinit::init::orthogonal_(t, 1.0, gen);
    benchmark::DoNotOptimize(t.data_ptr<float>());
    benchmark::ClobberMemory();
  }
  set_counters(state, n * n);
}

void fill_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads"});
  for (const std::int64_t n : fill_sizes()) {
    for (const std::int64_t threads : {1, 2}) b->Args({n, threads});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void first_touch_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n", "threads", "huge"});
  for (const std::int64_t n : fill_sizes()) {
    if (n < 10'000'000) continue;  // smaller allocations may reuse memory glibc already has
    for (const std::int64_t threads : {1, 2}) {
      for (const std::int64_t huge : {1, 0}) b->Args({n, threads, huge});
    }
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void orthogonal_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"n"});
  for (const std::int64_t n : {256, 512, 1024, 2048}) b->Arg(n);
  if (large_enabled()) b->Arg(4096);
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace

void philox_uniform(benchmark::State& state) { run_fill(state, Op::Uniform); }
void philox_normal(benchmark::State& state) { run_fill(state, Op::Normal); }
void philox_trunc_normal(benchmark::State& state) { run_fill(state, Op::TruncNormal); }
void kaiming_normal(benchmark::State& state) { run_fill(state, Op::KaimingNormal); }
void store_bandwidth(benchmark::State& state) { run_fill(state, Op::StoreBandwidth); }
void memset(benchmark::State& state) { run_fill(state, Op::Memset); }
void first_touch_normal(benchmark::State& state) { first_touch(state, Touch::Normal); }
void first_touch_memset(benchmark::State& state) { first_touch(state, Touch::Memset); }

BENCHMARK(philox_uniform)->Apply(fill_args);
BENCHMARK(philox_normal)->Apply(fill_args);
BENCHMARK(philox_trunc_normal)->Apply(fill_args);
BENCHMARK(kaiming_normal)->Apply(fill_args);
BENCHMARK(store_bandwidth)->Apply(fill_args);
BENCHMARK(memset)->Apply(fill_args);
BENCHMARK(first_touch_normal)->Apply(first_touch_args);
BENCHMARK(first_touch_memset)->Apply(first_touch_args);
BENCHMARK(orthogonal)->Apply(orthogonal_args);

BENCHMARK_MAIN();
