#!/usr/bin/env python3
"""MT19937 jump-ahead (weightinit Generator::discard) against PyTorch drawing the same words.

PyTorch has no jump: the only way to reach word W of torch.manual_seed(s)'s stream is to draw
W words (here float32 uniform_, one word each, in chunks of 10^8). Prints a table of the
median times and their ratio. Usage:
  /usr/bin/python3 bench/compare_jump.py --bench build/bench/mt19937_jump [--markdown]
"""
import argparse
import statistics
import subprocess
import time

import torch

CHUNK = 100_000_000


def torch_draw_ms(words, repeats):
    times = []
    buffer = torch.empty(min(words, CHUNK), dtype=torch.float32)
    for r in range(repeats):
        g = torch.Generator()
        g.manual_seed(r)
        start = time.perf_counter()
        left = words
        while left > 0:
            n = min(left, CHUNK)
            buffer[:n].uniform_(generator=g)
            left -= n
        times.append(1000 * (time.perf_counter() - start))
    return statistics.median(times)


def ours(bench, words, repeats):
    out = subprocess.run([bench, str(words), str(repeats)], check=True, capture_output=True,
                         text=True).stdout
    values = dict(line.split() for line in out.splitlines())
    return {k: float(v) for k, v in values.items()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread; weightinit jump = Generator::discard")
    rows = []
    for words in (10**6, 10**8, 10**9):
        w = ours(args.bench, words, 9)
        t = torch_draw_ms(words, 3 if words < 10**9 else 1)
        rows.append((words, w["jump_ms"], w.get("draw_ms", float("nan")), t, t / w["jump_ms"]))
    print(f"derive φ once per process: {w['derive_ms']:.1f} ms")
    header = "| words | weightinit jump (ms) | weightinit draw (ms) | PyTorch draw (ms) | PyTorch / jump |"
    print(header)
    print("|---|---|---|---|---|")
    for words, jump, draw, t, ratio in rows:
        print(f"| {words:.0e} | {jump:.2f} | {draw:.1f} | {t:.1f} | {ratio:.0f}× |")


if __name__ == "__main__":
    main()
