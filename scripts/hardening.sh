#!/usr/bin/env bash
# The hardening job of CI (issue #12, docs/testing.md):
#  1. builds everything with clang, AddressSanitizer + UndefinedBehaviorSanitizer (any UB
#     aborts) and libFuzzer coverage, in build-asan/;
#  2. runs the whole ctest suite under the sanitizers, except install_consumer (it rebuilds the
#     installed package; nothing sanitizer-specific) and the 2^31-element fill (its 8 GiB tensor
#     would need 9 GiB more of ASan shadow on this 24 GiB machine; the plain run covers it),
#     and the torch2_* and torch215_* oracle tests (they dlopen PyPI's closed MKL runtime,
#     whose own allocations LeakSanitizer would report; the plain run covers them);
#  3. runs each libFuzzer target for FUZZ_SECONDS (default 60) from a copy of its committed
#     corpus in fuzz/corpus/, two at a time; a crash, sanitizer report, leak, timeout (10 s per
#     input) or more than 2 GiB of memory fails the job and leaves the reproducer in
#     build-asan/fuzz-findings/.
# Usage: bash scripts/hardening.sh   (after scripts/install-deps.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
build="${BUILD_DIR:-build-asan}"
seconds="${FUZZ_SECONDS:-60}"
jobs="$(nproc)"

# -O1 with line tables only: sanitizer reports keep file:line, and the build is much faster
# than -O2 -g (CI time). Without MPI: OpenMPI's own allocations would trip LeakSanitizer.
# Without oneDNN: this is CI's build of the reference convolution path (the plain build of
# scripts/quickstart.sh runs the float32 convolutions on oneDNN), so CI builds both.
CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" -DWEIGHTINIT_SANITIZE=ON \
  -DWEIGHTINIT_FUZZ=ON -DWEIGHTINIT_BUILD_BENCH=OFF -DWEIGHTINIT_WERROR=OFF \
  -DWEIGHTINIT_MPI=OFF -DWEIGHTINIT_ONEDNN=OFF > /dev/null
cmake --build "$build" -j"$jobs"

export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# libomp's thread descriptors of teams larger than the cores: scripts/lsan-suppressions.txt.
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan-suppressions.txt"
ctest --test-dir "$build" -j"$jobs" --output-on-failure \
  -E '^(install_consumer|Sampling\.TensorsBeyondTwoToThe31Elements|torch2.*)$'

findings="$build/fuzz-findings"
rm -rf "$findings" && mkdir -p "$findings"
run_fuzzer() {
  local name="$1" work="$build/fuzz-work/$1"
  rm -rf "$work" && mkdir -p "$work" && cp -r "fuzz/corpus/$name/." "$work/"
  "$build/fuzz/fuzz_$name" "$work" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$findings/$name-" -print_final_stats=1 > "$build/fuzz-$name.log" 2>&1
}
status=0
pids=()
names=(init_spec init_list policy safetensors search_space cli_args)
for name in "${names[@]}"; do
  run_fuzzer "$name" &
  pids+=($!)
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for name in "${names[@]}"; do
  runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-$name.log" | grep -o '[0-9]*$' || true)"
  echo "fuzz_$name: ${runs:-?} inputs in ${seconds} s"
done
if [ "$status" -ne 0 ]; then
  echo "hardening: a fuzzer found a problem; reproducers in $findings:" >&2
  ls "$findings" >&2
  for name in "${names[@]}"; do tail -n 30 "$build/fuzz-$name.log" >&2; done
  exit 1
fi
echo "hardening: sanitizer suite and fuzzers clean"
