#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the weightinit vs PyTorch sampling benchmark: bash bench/run_sampling_bench.sh BUILD_DIR [--markdown]
set -euo pipefail

if [[ $# -lt 1 ]]; then
  echo "usage: $0 BUILD_DIR [compare_sampling.py options, e.g. --markdown]" >&2
  exit 2
fi
build_dir=$1
shift
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
binary=$build_dir/bench/bench_sampling
python=${WEIGHTINIT_BENCH_PYTHON:-/usr/bin/python3}

if [[ ! -x $binary ]]; then
  echo "error: $binary not found; build it first:" >&2
  echo "  cmake --build $build_dir --target bench_sampling   (needs libbenchmark-dev)" >&2
  exit 1
fi
if [[ ! -x $python ]] || ! "$python" -c 'import torch' >/dev/null 2>&1; then
  echo "error: $python cannot import torch, which the comparison needs." >&2
  echo "  Install Debian's PyTorch: sudo apt-get install python3-torch" >&2
  echo "  (or point WEIGHTINIT_BENCH_PYTHON at an interpreter that has torch)" >&2
  exit 1
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
if [[ -n $build_type && $build_type != Release ]]; then
  echo "warning: $build_dir is a $build_type build; timings are only meaningful for Release" >&2
fi

export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
invocation=$(printf '%q ' bash "$0" "$build_dir" "$@")
export WEIGHTINIT_BENCH_COMMAND=${invocation% }  # shown in the report
exec "$python" "$here/compare_sampling.py" "$binary" "$@"
