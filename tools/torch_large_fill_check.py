#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Differential test of large multi-threaded fills against the installed PyTorch.

The golden files stop at 4,097 elements; weightinit's torch-compatible normal_ and
trunc_normal_ split their transforms across OpenMP threads from 2^18 elements on. This runs
`weightinit sample SPEC --shape N --seed S --threads T --format raw` for sizes around those
rounds, in both arithmetic modes and both dtypes, and compares the bytes with
`torch.manual_seed(S); init(torch.empty(N))` in one process per mode. The seed is random per
run (or --seed) and printed with any failure.

Usage: torch_large_fill_check.py --cli build/tools/cli/weightinit [--mode avx2] [--seed S]
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

# Sizes: exactly two rounds, a partial last round, and a partial 16-block at the end.
SIZES = [2 * 2**18, 3 * 2**18 + 4101, 2**20 + 7]
# (CLI spec, torch call on a tensor t, dtypes)
FILLS = [
    ('normal(mean=0.5, std=2)', lambda torch, t: t.normal_(0.5, 2.0), ('float32', 'float64')),
    ('uniform(a=-1, b=3)', lambda torch, t: t.uniform_(-1.0, 3.0), ('float32', 'float64')),
    ('trunc_normal(mean=0, std=0.02, a=-0.04, b=0.04)',
     lambda torch, t: torch.nn.init.trunc_normal_(t, 0.0, 0.02, -0.04, 0.04),
     ('float32', 'float64')),
    ('kaiming_normal(mode=fan_in)', lambda torch, t: torch.nn.init.kaiming_normal_(t),
     ('float32',)),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cli', required=True, help='path of the weightinit executable')
    ap.add_argument('--mode', choices=['avx2', 'avx512', 'default'], default='avx2')
    ap.add_argument('--seed', type=int, default=None, help='default: random (printed)')
    ap.add_argument('--threads', type=int, default=2)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**31)
    print('mode %s, seed %d, threads %d' % (args.mode, seed, args.threads))

    os.environ['ATEN_CPU_CAPABILITY'] = args.mode
    import torch
    torch.set_num_threads(1)
    version = '.'.join(torch.__version__.split('+')[0].split('.')[:2])
    print('torch %s (%s)' % (torch.__version__, sys.executable))

    failures = 0
    checks = 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, 'fill.raw')
        for spec, fill, dtypes in FILLS:
            for dtype in dtypes:
                for k, n in enumerate(SIZES):
                    s = seed + k
                    # kaiming needs 2-D: n = rows x 64 (rows rounded down).
                    shape = [n // 64, 64] if spec.startswith('kaiming') else [n]
                    cmd = [args.cli, 'sample', spec, '--shape', 'x'.join(map(str, shape)),
                           '--seed', str(s), '--dtype', dtype, '--arith', args.mode,
                           '--torch-version', version,
                           '--threads', str(args.threads), '--format', 'raw', '-o', out]
                    subprocess.run(cmd, check=True)
                    with open(out, 'rb') as f:
                        ours = f.read()
                    torch.manual_seed(s)
                    t = torch.empty(shape, dtype=getattr(torch, dtype))
                    fill(torch, t)
                    theirs = t.numpy().tobytes()
                    checks += 1
                    if ours != theirs:
                        failures += 1
                        width = 4 if dtype == 'float32' else 8
                        first = next(i for i in range(0, len(ours), width)
                                     if ours[i:i + width] != theirs[i:i + width]) // width
                        print('FAIL %s %s shape %s seed %d (mode %s, %d threads): first '
                              'difference at element %d' % (spec, dtype, shape, s, args.mode,
                                                            args.threads, first))
    print('%d checks, %d failed' % (checks, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
