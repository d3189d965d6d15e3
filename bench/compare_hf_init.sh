#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue #19's benchmark: a LLaMA (default llama:1b, TinyLlama-1.1B's shape) initialized exactly as
# `torch.manual_seed(0); LlamaForCausalLM(config)` does, stored as bf16 Hugging Face shards:
#   weightinit init MODEL --policy hf --out DIR          (torch family, streamed by word offset)
#   weightinit init MODEL --rng philox --policy llama(scaled_residual=false) --out DIR
#   PyTorch + transformers in one process: manual_seed, LlamaForCausalLM(config), .to(bf16),
#     save_pretrained (the baseline)
#   dd of the same shards (the disk's plain write speed)
# Each is the whole process (wall time and peak RSS from /usr/bin/time), after SETTLE seconds of
# rest (this VM's disk absorbs bursts and writes back later). Then the weightinit hf tensors are
# compared with PyTorch's, bit for bit. Usage: bench/compare_hf_init.sh BUILD_DIR WORK_DIR
set -euo pipefail
build=${1:-build}
work=${2:-/tmp/wi_hf_init}
cli=$(realpath "$build/tools/cli/weightinit")
model=${MODEL:-llama:1b}
threads=${THREADS:-2}
settle=${SETTLE:-15}
python=${PYTHON:-$HOME/.cache/weightinit/torch2-venv/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work" && mkdir -p "$work"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "model $model, bf16, --threads $threads, --shard-size 2GB, --chunk-size 256MB; $("$python" -c \
  'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)')"
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads

timed() {  # NAME COMMAND...: prints "NAME seconds rss_mb"
  local name=$1
  shift
  sync && sleep "$settle"
  /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/$name.log" 2>&1
  read -r seconds rss_kb < "$work/time"
  echo "$name $seconds $((rss_kb / 1024))" | tee -a "$work/results"
}

timed weightinit_hf "$cli" init "$model" --policy hf --dtype bf16 --out "$work/hf" \
  --shard-size 2GB --chunk-size 256MB --threads "$threads" --progress none
grep -o "jumped ahead.*" "$work/weightinit_hf.log" || true
timed weightinit_philox "$cli" init "$model" --rng philox --policy "llama(scaled_residual=false)" \
  --dtype bf16 --out "$work/philox" --shard-size 2GB --chunk-size 256MB --threads "$threads" \
  --progress none
config=$(ls "$work/hf/config.json")
timed pytorch_transformers "$python" "$here/hf_init_baseline.py" --config "$config" \
  --out "$work/torch" --threads "$threads"
sync && sleep "$settle"
t0=$(date +%s.%N)
i=0
for f in "$work"/hf/*.safetensors; do
  dd if="$f" of="$work/dd.$i" bs=16M conv=fdatasync status=none
  i=$((i + 1))
done
echo "dd $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }') 0" | tee -a "$work/results"
rm -f "$work"/dd.*
bytes=$(cat "$work"/hf/*.safetensors | wc -c)
"$python" "$here/hf_init_baseline.py" --compare "$work/hf" "$work/torch"
awk -v b="$bytes" '{ s[$1] = $2; r[$1] = $3 } END {
  printf "| run | seconds | GB/s | PyTorch+transformers / run | peak RSS |\n|---|---:|---:|---:|---:|\n"
  n = split("weightinit_hf weightinit_philox pytorch_transformers dd", order, " ")
  for (i = 1; i <= n; ++i) { k = order[i]
    printf "| %s | %.2f | %.2f | %.2f | %s |\n", k, s[k], b / s[k] / 1e9,
      s["pytorch_transformers"] / s[k], (k == "dd" ? "-" : r[k] " MB") } }' "$work/results"
rm -rf "$work"
