#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `mpirun -np K weightinit init ... --out DIR` for K = 1..4 (oversubscribed on this machine) gives
# byte-identical directories, equal to a run without mpirun, for both generator families (torch:
# each rank jumps PyTorch's stream to its chunks' words). Usage: check_mpi_shards.sh CLI WORKDIR
set -euo pipefail
cli=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1  # CI runs as root
export OMPI_MCA_btl=self,vader  # shared memory only: no network probing
failed=0
runs=0
for rng in philox torch; do
  args=(init resnet18 --policy torchvision-resnet --rng "$rng" --dtype bf16 --shard-size 10MB
        --chunk-size 1MB --rank-block 64KiB --progress none --threads 1 --seed 7)
  "$cli" "${args[@]}" --out "$work/single-$rng" >/dev/null
  for k in 1 2 3 4; do
    runs=$((runs + 1))
    mpirun --oversubscribe -np "$k" "$cli" "${args[@]}" --out "$work/np$k-$rng" >/dev/null
    if diff -r "$work/single-$rng" "$work/np$k-$rng" >/dev/null; then
      echo "--rng $rng, np $k: identical ($(ls "$work/np$k-$rng" | wc -l) files)"
    else
      echo "--rng $rng, np $k: DIFFERS"; diff -r "$work/single-$rng" "$work/np$k-$rng" || true
      failed=$((failed + 1))
    fi
  done
done
echo "$runs rank counts, $failed failed"
rm -rf "$work"
exit $((failed > 0))
