"""A transformers GPT-2 on the meta device, made real: weightinit.torch.materialize_ against
PyTorch + transformers' own path (``model.to_empty(device="cpu")``, then
``model.apply(model._init_weights)`` and ``tie_weights()``), same machine, same run, 1 and 2
threads. Prints the median of REPEATS runs of each, and PyTorch / weightinit (above 1,
weightinit is faster). The model is built on meta once per run, outside the timing.

Usage: ~/.cache/weightinit/torch2-venv/bin/python bench/compare_python_materialize.py
       [--size xl|large|medium|small|tiny] [--threads 1 2] [--repeats 3]
(weightinit importable: PYTHONPATH=build/python after `make build`, or `pip install .`).
"""
import argparse
import gc
import statistics
import time

import torch
import transformers

import weightinit.torch as wt

SIZES = {  # GPT-2's published shapes (n_embd, n_layer, n_head), and a tiny one for smoke runs
    'xl': (1600, 48, 25), 'large': (1280, 36, 20), 'medium': (1024, 24, 16),
    'small': (768, 12, 12), 'tiny': (64, 2, 2)}


def meta_model(size):
    n_embd, n_layer, n_head = SIZES[size]
    config = transformers.GPT2Config(n_embd=n_embd, n_layer=n_layer, n_head=n_head)
    with torch.device('meta'):
        return transformers.GPT2LMHeadModel(config)


def transformers_path(model):
    model.to_empty(device='cpu')
    model.apply(model._init_weights)
    model.tie_weights()


def timed(size, run, repeats):
    times = []
    for _ in range(repeats):
        model = meta_model(size)
        gc.collect()
        start = time.perf_counter()
        run(model)
        times.append(time.perf_counter() - start)
        params = sum(p.numel() for p in model.parameters())
        del model
        gc.collect()
    return statistics.median(times), params


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', default='xl', choices=sorted(SIZES))
    parser.add_argument('--threads', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    transformers.logging.set_verbosity_error()
    print('torch %s, transformers %s, GPT-2 %s' % (torch.__version__, transformers.__version__,
                                                   args.size))
    print('| threads | parameters | PyTorch + transformers (s) | weightinit philox (s) | ratio | '
          'weightinit torch family (s) | ratio |')
    print('|---|---|---|---|---|---|---|')
    for threads in args.threads:
        torch.set_num_threads(threads)
        t_ref, params = timed(args.size, transformers_path, args.repeats)
        t_philox, _ = timed(args.size, lambda m: wt.materialize_(m, 'gpt2', seed=0),
                            args.repeats)
        t_torch, _ = timed(args.size, lambda m: wt.materialize_(m, 'gpt2', seed=0, rng='torch'),
                           args.repeats)
        print('| %d | %.3g | %.2f | %.2f | %.2f× | %.2f | %.2f× |' % (
            threads, params, t_ref, t_philox, t_ref / t_philox, t_torch, t_ref / t_torch))


if __name__ == '__main__':
    main()
