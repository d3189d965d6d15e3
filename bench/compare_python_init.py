"""weightinit.nn.init against torch.nn.init from Python, on the same tensors, same machine, same
run: the median of REPEATS timings of each fill, and their ratio (PyTorch / weightinit: above 1,
weightinit is faster). Each torch-family fill is also checked bit for bit against torch's.

Usage: ~/.cache/weightinit/torch2-venv/bin/python bench/compare_python_init.py [--threads 1 2]
       [--numel 16777216] [--repeats 7]
(with the package importable: `make build` and PYTHONPATH=build/python, or `pip install .`).
Threads: torch.set_num_threads(n); weightinit's OpenMP loops run on the same libgomp, which the
script checks by timing (see docs/performance.md).
"""
import argparse
import statistics
import time

import torch

import weightinit
from weightinit.nn import init as wi

CALLS = [
    ('uniform_', {}),
    ('normal_', {}),
    ('trunc_normal_', {'std': 0.02, 'a': -0.04, 'b': 0.04}),
    ('kaiming_normal_', {'mode': 'fan_out', 'nonlinearity': 'relu'}),
    ('xavier_uniform_', {}),
]


def median_seconds(fill, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fill()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--numel', type=int, default=1 << 24)
    parser.add_argument('--repeats', type=int, default=7)
    args = parser.parse_args()
    cols = 4096
    shape = (args.numel // cols, cols)
    print('torch %s (%s), weightinit from %s, float32 %s' % (
        torch.__version__, torch.backends.cpu.get_cpu_capability(), weightinit.__file__, shape))
    print('| call | threads | PyTorch (ms) | weightinit torch family (ms) | ratio | '
          'weightinit Philox (ms) | ratio |')
    print('|---|---|---|---|---|---|---|')
    theirs, ours = torch.empty(shape), torch.empty(shape)
    for threads in args.threads:
        torch.set_num_threads(threads)
        for fn, kwargs in CALLS:
            g_t, g_w = torch.Generator().manual_seed(0), torch.Generator().manual_seed(0)
            getattr(torch.nn.init, fn)(theirs, generator=g_t, **kwargs)
            getattr(wi, fn)(ours, generator=g_w, **kwargs)
            assert torch.equal(theirs.view(torch.int32), ours.view(torch.int32)), fn
            t_torch = median_seconds(
                lambda: getattr(torch.nn.init, fn)(theirs, generator=g_t, **kwargs), args.repeats)
            t_ours = median_seconds(
                lambda: getattr(wi, fn)(ours, generator=g_w, **kwargs), args.repeats)
            philox = weightinit.Generator(0, family='philox')
            t_philox = median_seconds(
                lambda: getattr(wi, fn)(ours, generator=philox, **kwargs), args.repeats)
            print('| %s | %d | %.1f | %.1f | %.2f× | %.1f | %.2f× |' % (
                fn, threads, 1e3 * t_torch, 1e3 * t_ours, t_torch / t_ours, 1e3 * t_philox,
                t_torch / t_philox))


if __name__ == '__main__':
    main()
