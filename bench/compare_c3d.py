#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""C3D forward (1x3x16x112x112, eval, no grad): weightinit against PyTorch, same machine, same run.

Usage (after building the c3d_forward target):

    /usr/bin/python3 bench/compare_c3d.py BUILD_DIR/bench/c3d_forward [--repeats 5] [--markdown]

For 1 and 2 threads, runs weightinit's c3d_forward and a PyTorch child process (Debian's
python3-torch 1.13.1, which uses oneDNN for Conv3d here) with OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and torch.set_num_threads set to the same count. Each side builds the
seed's C3D(101) after manual_seed(0), warms up once, then times `repeats` forwards; the table
gives the medians, ratio = weightinit time / PyTorch time (the issue's target: <= 1.3 at 2
threads) and each process's peak RSS (getrusage ru_maxrss).
"""
import argparse
import json
import os
import subprocess
import sys

TORCH_CHILD = r'''
import json, resource, sys, time
import torch
torch.set_num_threads(int(sys.argv[1]))
sys.path.insert(0, sys.argv[3])
from torch_golden import build_c3d, import_torch
import torch_golden
torch_golden.torch = torch
torch.manual_seed(0)
model = build_c3d(101).eval()
x = torch.rand(1, 3, 16, 112, 112)
times = []
with torch.no_grad():
    for r in range(int(sys.argv[2]) + 1):
        t0 = time.perf_counter(); out = model(x); t1 = time.perf_counter()
        if r: times.append((t1 - t0) * 1e3)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2], "min_ms": times[0],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "classes": out.shape[1]}))
'''


def run(cmd, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('binary')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--markdown', action='store_true')
    args = ap.parse_args()
    tools = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tools')
    rows = []
    for threads in (1, 2):
        ours = run([args.binary, str(args.repeats)], threads)
        torch_ = run(['/usr/bin/python3', '-c', TORCH_CHILD, str(threads), str(args.repeats),
                      tools], threads)
        assert ours['classes'] == torch_['classes'] == 101
        rows.append((threads, ours, torch_))
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo')
                if l.startswith('model name')), '?')
    print('machine: %s, %d cores; command: %s' % (cpu, os.cpu_count(), ' '.join(sys.argv)))
    sep = '|' if args.markdown else ' '
    head = ['threads', 'weightinit ms', 'PyTorch ms', 'ratio (wi/torch)', 'weightinit RSS MB',
            'PyTorch RSS MB']
    if args.markdown:
        print('| ' + ' | '.join(head) + ' |')
        print('|' + '---:|' * len(head))
    else:
        print('  '.join('%16s' % h for h in head))
    for threads, ours, t in rows:
        cells = [str(threads), '%.1f' % ours['median_ms'], '%.1f' % t['median_ms'],
                 '%.2f' % (ours['median_ms'] / t['median_ms']), '%.0f' % ours['peak_rss_mb'],
                 '%.0f' % t['peak_rss_mb']]
        if args.markdown:
            print('| ' + ' | '.join(cells) + ' |')
        else:
            print('  '.join('%16s' % c for c in cells))


if __name__ == '__main__':
    main()
