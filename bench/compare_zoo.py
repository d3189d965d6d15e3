#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A zoo model's forward and training step: weightinit against PyTorch, same machine, same run.

Usage (after building the zoo_step target):

    /usr/bin/python3 bench/compare_zoo.py BUILD_DIR/bench/zoo_step [--model resnet50]
        [--batch 8] [--repeats 3] [--markdown]

For 1 and 2 threads and for `forward` (eval mode, no grad) and `train` (train mode, forward
and backward of sum(y), no optimizer; the input needs no gradient), runs weightinit's
zoo_step and a PyTorch child process (Debian's python3-torch 1.13.1 + torchvision 0.14.1,
oneDNN convolutions) with OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and torch.set_num_threads set
to the same count. Each side builds the model after manual_seed(0), warms up once and times
`repeats` runs on torch.rand(batch, 3, 224, 224); the table gives the medians, ratio =
weightinit / PyTorch, and each process's peak RSS.
"""
import argparse
import json
import os
import subprocess
import sys

TORCH_CHILD = r'''
import json, resource, sys, time
import torch, torchvision
threads, repeats, name, batch, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
torch.set_num_threads(threads)
torch.manual_seed(0)
model = getattr(torchvision.models, name)().train(mode == "train")
x = torch.rand(batch, 3, 224, 224)
times = []
for r in range(repeats + 1):
    t0 = time.perf_counter()
    if mode == "train":
        model.zero_grad()
        out = model(x)
        out.sum().backward()
    else:
        with torch.no_grad():
            out = model(x)
    t1 = time.perf_counter()
    if r: times.append((t1 - t0) * 1e3)
times.sort()
print(json.dumps({"median_ms": times[len(times) // 2], "min_ms": times[0],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
                  "outputs": out.shape[1]}))
'''


def run(cmd, threads):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('binary')
    ap.add_argument('--model', default='resnet50')
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--markdown', action='store_true')
    args = ap.parse_args()
    rows = []
    for mode in ('forward', 'train'):
        for threads in (1, 2):
            ours = run([args.binary, args.model, str(args.batch), mode, str(args.repeats)],
                       threads)
            theirs = run(['/usr/bin/python3', '-c', TORCH_CHILD, str(threads),
                          str(args.repeats), args.model, str(args.batch), mode], threads)
            assert ours['outputs'] == theirs['outputs']
            rows.append((mode, threads, ours, theirs))
    cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo')
                if l.startswith('model name')), '?')
    print('machine: %s, %d cores; command: %s' % (cpu, os.cpu_count(), ' '.join(sys.argv)))
    head = ['run', 'threads', 'weightinit ms', 'PyTorch ms', 'ratio (wi/torch)',
            'weightinit RSS MB', 'PyTorch RSS MB']
    if args.markdown:
        print('| ' + ' | '.join(head) + ' |')
        print('|' + '---:|' * len(head))
    else:
        print('  '.join('%17s' % h for h in head))
    for mode, threads, ours, t in rows:
        cells = [mode, str(threads), '%.0f' % ours['median_ms'], '%.0f' % t['median_ms'],
                 '%.2f' % (ours['median_ms'] / t['median_ms']), '%.0f' % ours['peak_rss_mb'],
                 '%.0f' % t['peak_rss_mb']]
        if args.markdown:
            print('| ' + ' | '.join(cells) + ' |')
        else:
            print('  '.join('%17s' % c for c in cells))


if __name__ == '__main__':
    main()
