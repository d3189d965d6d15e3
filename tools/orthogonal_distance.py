#!/usr/bin/env python3
"""Distance between PyTorch's orthogonal_ and weightinit's (0 when both use MKL's QR).

orthogonal_ is a QR factorization (geqrf + orgqr) of a normal draw. The draws are bit-identical
(the differential tests), but the QR is the LAPACK the build links: Debian's PyTorch 1.13 and
weightinit use OpenBLAS, PyPI's PyTorch 2.x wheels link MKL statically, whose blocked
Householder code rounds differently; weightinit calls MKL's QR itself when the MKL runtime is
found (WEIGHTINIT_MKL_RT), and then the distance is 0 at the same thread count. This measures the distance on at least --values values per
dtype (many shapes, seeds and gains) and fails when the largest difference, in machine epsilons of the largest |value| of its
matrix, exceeds --max-eps, the documented bound of docs/rng.md ("Exceptions"). (Ulps are printed too, but
near zero they are no measure: a value of 1e-9 next to 0.06 may be millions of ulps off.) Run it with the oracle's interpreter:

  ~/.cache/weightinit/torch2-venv/bin/python tools/orthogonal_distance.py --cli build/tools/cli/weightinit
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile

os.environ.setdefault('ATEN_CPU_CAPABILITY', 'avx512')
import numpy as np  # noqa: E402
import torch  # noqa: E402


def ulps(ours, theirs, itype):
    """|ours - theirs| in units in the last place, across zero too (IEEE bit patterns as
    signed integers, negatives mirrored), as float64 so that no difference overflows."""
    low = np.iinfo(itype).min
    a = np.where(ours < 0, low - ours, ours).astype(np.float64)
    b = np.where(theirs < 0, low - theirs, theirs).astype(np.float64)
    return np.abs(a - b)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cli', required=True, help='path of the weightinit executable')
    ap.add_argument('--values', type=int, default=1_000_000, help='values per dtype')
    ap.add_argument('--max-eps', type=float, default=None,
                    help='fail when a difference exceeds this many machine epsilons of the '
                         'largest |value| of its matrix')
    ap.add_argument('--seed', type=int, default=None, help='master seed (default: random)')
    ap.add_argument('--threads', type=int, default=1,
                    help='torch.set_num_threads and weightinit --threads (MKL QR depends on it)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    master = a.seed if a.seed is not None else random.randrange(2**31)
    rng = random.Random(master)
    print('orthogonal_ distance: torch %s (%s, LAPACK %s) vs %s; master seed %d'
          % (torch.__version__, sys.executable,
             'MKL' if torch.backends.mkl.is_available() else 'other', a.cli, master))
    worst, worst_rel = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for dtype, itype in (('float32', np.int32), ('float64', np.int64)):
            done, exact, dists = 0, 0, []
            while done < a.values:
                rows, cols = rng.randint(2, 300), rng.randint(2, 300)
                seed, gain = rng.randrange(2**63), rng.choice([1.0, 0.5, 2 ** 0.5, 5.0 / 3])
                torch.manual_seed(seed)
                t = torch.empty(rows, cols, dtype=getattr(torch, dtype))
                torch.nn.init.orthogonal_(t, gain=gain)
                out = os.path.join(tmp, 'w.bin')
                subprocess.run([a.cli, 'sample', 'orthogonal(gain=%r)' % gain, '--shape',
                                '%d,%d' % (rows, cols), '--seed', str(seed), '--dtype', dtype,
                                '--torch-version', '2.14', '--threads', str(a.threads),
                                '--format', 'raw', '-o', out],
                               check=True)
                ours = np.fromfile(out, dtype=itype)
                theirs = t.numpy().view(itype).reshape(-1)
                d = ulps(ours, theirs, itype)
                ref = t.numpy().reshape(-1)
                eps = float(np.finfo(ref.dtype).eps)
                rel = float(np.max(np.abs(ours.view(ref.dtype) - ref)) / np.max(np.abs(ref))) / eps
                worst_rel[dtype] = max(worst_rel.get(dtype, 0.0), rel)
                exact += int((d == 0).sum())
                dists.append(d)
                done += d.size
                if d.max() > worst.get(dtype, (-1,))[0]:
                    worst[dtype] = (int(d.max()), rows, cols, seed, gain)
            all_d = np.concatenate(dists)
            print('%s: %d values, %.1f%% identical, median %d ulp, p99 %d ulp, max %d ulp '
                  '(shape %dx%d, seed %d, gain %r); max |difference| = %.1f eps x max |value| '
                  'of its matrix'
                  % (dtype, all_d.size, 100.0 * exact / all_d.size, int(np.median(all_d)),
                     int(np.percentile(all_d, 99)), *worst[dtype], worst_rel[dtype]))
    if a.max_eps is not None:
        over = {k: v for k, v in worst_rel.items() if v > a.max_eps}
        if over:
            sys.exit('FAIL: orthogonal_ differs from PyTorch by %s eps of the largest value, more '
                     'than the documented %g' % (over, a.max_eps))
        print('within the documented %g eps of the largest value' % a.max_eps)

if __name__ == '__main__':
    main()
