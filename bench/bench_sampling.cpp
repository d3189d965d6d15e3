// SPDX-License-Identifier: MIT
// Google Benchmark of uniform_ and normal_ throughput, per dtype, size and arithmetic mode.
//
// Benchmark names are `<op>/<dtype>/<mode>/n:<elements>`, e.g. `normal_/float32/avx2/n:1000000`;
// bench/compare_sampling.py parses them. Each benchmark fills one tensor that is allocated and
// written once before timing starts, so page faults are not measured. Threads: OMP_NUM_THREADS
// (normal_ and trunc_normal_ transform in parallel from 2^18 elements; the draws are serial).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>

#include "weightinit/dtype.h"
#include "weightinit/init/init.h"
#include "weightinit/random/arith_mode.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/sampling.h"
#include "weightinit/tensor/tensor.h"

namespace {

constexpr std::uint64_t kSeed = 20240601;
constexpr std::int64_t kSmall = 1'000'000;
constexpr std::int64_t kLarge = 100'000'000;

enum class Op { Uniform, Normal, TruncNormal };

const char* op_name(Op op) {
  switch (op) {
    case Op::Uniform:
      return "uniform_";
    case Op::Normal:
      return "normal_";
    case Op::TruncNormal:
      break;
  }
  return "trunc_normal_";
}

void run_fill(benchmark::State& state, Op op, weightinit::DType dtype, weightinit::ArithMode mode) {
  const std::int64_t n = state.range(0);
  weightinit::Tensor t = weightinit::Tensor::empty({n}, dtype);
  t.fill_(0.0);  // touch every page once, outside the timed loop
  weightinit::Generator gen(kSeed);
  gen.set_arith_mode(mode);
  for (auto _ : state) {
    if (op == Op::Uniform) {
      weightinit::uniform_(t, 0.0, 1.0, gen);
    } else if (op == Op::Normal) {
      weightinit::normal_(t, 0.0, 1.0, gen);
    } else {
      weightinit::init::trunc_normal_(t, 0.0, 1.0, -2.0, 2.0, gen);  // torch's defaults
    }
    benchmark::DoNotOptimize(t.raw_data());
    benchmark::ClobberMemory();
  }
  const auto elements = static_cast<std::int64_t>(state.iterations()) * n;
  state.SetItemsProcessed(elements);
  state.SetBytesProcessed(elements * static_cast<std::int64_t>(t.element_size()));
}

void register_fill(Op op, weightinit::DType dtype, weightinit::ArithMode mode, std::int64_t n) {
  const std::string name = std::string(op_name(op)) + "/" +
                           std::string(weightinit::dtype_name(dtype)) + "/" +
                           std::string(weightinit::arith_mode_name(mode));
  auto* b = benchmark::RegisterBenchmark(
      name.c_str(), [=](benchmark::State& state) { run_fill(state, op, dtype, mode); });
  b->ArgName("n")->Arg(n)->Unit(benchmark::kMillisecond)->UseRealTime();
  if (n >= kLarge) {
    // A fill of 1e8 elements takes 0.05 to 1 s: time single fills, five times.
    b->Iterations(1)->Repetitions(5);
  } else {
    b->MinTime(0.2)->Repetitions(5);
  }
}

void register_all() {
  using weightinit::ArithMode;
  using weightinit::DType;
  for (const ArithMode mode : {ArithMode::Avx2, ArithMode::Default}) {
    for (const std::int64_t n : {kSmall, kLarge}) {
      register_fill(Op::Uniform, DType::Float32, mode, n);
      register_fill(Op::Normal, DType::Float32, mode, n);
    }
    register_fill(Op::Normal, DType::Float64, mode, kSmall);
    register_fill(Op::TruncNormal, DType::Float32, mode, kSmall);
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("seed", std::to_string(kSeed));
  benchmark::AddCustomContext("cpu_has_avx2_fma",
                              weightinit::cpu_has_avx2_fma() ? "true" : "false");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
