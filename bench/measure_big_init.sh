#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue #9's measurement: initialize a ~1B-parameter model (llama:1b, 1,100,048,384 parameters)
# straight to disk with `weightinit init --out`, in bf16 and fp32, and compare with the disk's
# plain write speed for the same bytes (dd of the same shards, fdatasync), in one run.
# Prints wall time, bytes/s and peak RSS. Usage: bench/measure_big_init.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=${1:-build}
work=${2:-/tmp/wi_big_init}
cli=$build/tools/cli/weightinit
model=${MODEL:-llama:1b}
threads=${THREADS:-2}
# Seconds to wait before each timed write: this VM's disk absorbs bursts and writes back later,
# so a write right after another one pays for its backlog.
settle=${SETTLE:-15}
rm -rf "$work" && mkdir -p "$work"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs);" \
  "disk: $(df -h "$work" | tail -1 | awk '{print $1, $2, "size,", $4, "free"}')"
echo "model $model, --threads $threads, --shard-size 2GB, --chunk-size 256MB, --rng philox"
for dtype in bf16 float32; do
  out=$work/$dtype
  sync && sleep "$settle"
  /usr/bin/time -f "%e %M" -o "$work/time" \
    "$cli" init "$model" --policy llama --rng philox --dtype "$dtype" --out "$out" \
    --shard-size 2GB --chunk-size 256MB --threads "$threads" --progress none > "$work/log"
  read -r seconds rss_kb < "$work/time"
  bytes=$(cat "$out"/*.safetensors | wc -c)
  # The disk's plain write speed for the same bytes: dd of each shard just written (they are in
  # the page cache, so this times the write side), with fdatasync, like weightinit's own syncs.
  sync && sleep "$settle"
  t0=$(date +%s.%N)
  i=0
  for f in "$out"/*.safetensors; do
    dd if="$f" of="$work/dd.$i" bs=16M conv=fdatasync status=none
    i=$((i + 1))
  done
  dd_seconds=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }')
  rm -f "$work"/dd.*
  awk -v d="$dtype" -v s="$seconds" -v b="$bytes" -v r="$rss_kb" -v ds="$dd_seconds" 'BEGIN {
    printf "| %s | %.2f GB | %.2f s | %.2f GB/s | %.2f s | %.2f GB/s | %.2f | %.0f MB |\n",
      d, b / 1e9, s, b / s / 1e9, ds, b / ds / 1e9, (b / s) / (b / ds), r / 1024 }'
  rm -rf "$out"
done
rm -rf "$work"
