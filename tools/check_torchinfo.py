#!/usr/bin/env python3
"""`weightinit summary MODEL --style torchinfo` against the installed torchinfo, text for text.

For each model, str(torchinfo.summary(model, input_size=(batch, *input), verbose=0)) of the
PyTorch model (the seed MLP and C3D as tools/torch_golden.py builds them, the MLP and the small
CNN as tools/torch_train.py does) must equal the command's output. Prints "N passed, M failed".
Run with the PyTorch 2.x oracle's interpreter (it has torchinfo):

  ~/.cache/weightinit/torch2-venv/bin/python tools/check_torchinfo.py --cli build/tools/cli/weightinit
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import torch  # noqa: E402
import torchinfo  # noqa: E402

import torch_golden  # noqa: E402
import torch_train  # noqa: E402

torch_golden.torch = torch


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--cli', required=True)
    a = ap.parse_args()
    print('torchinfo %s, torch %s (%s)' % (torchinfo.__version__ if hasattr(torchinfo, '__version__')
                                          else '?', torch.__version__, sys.executable))
    cases = [('seed-mlp', lambda: torch_golden.build_torch_module('SeedMLP', {}), (3,), 5),
             ('c3d:101', lambda: torch_golden.build_c3d(101), (3, 16, 112, 112), 1),
             ('cnn:16-32-128', lambda: torch_train.build('cnn:16-32-128')[0], (1, 28, 28), 4),
             ('mlp:784-256-10', lambda: torch_train.build('mlp:784-256-10')[0], (784,), 8)]
    passed = failed = 0
    for spec, make, input_size, batch in cases:
        torch.manual_seed(0)
        model = make()
        want = str(torchinfo.summary(model, input_size=(batch,) + input_size, verbose=0)) + '\n'
        got = subprocess.run([a.cli, 'summary', spec, '--style', 'torchinfo', '--batch',
                              str(batch)], capture_output=True, text=True, check=True).stdout
        if got == want:
            passed += 1
        else:
            failed += 1
            print('FAIL %s (batch %d):\n--- torchinfo\n%s--- weightinit\n%s' % (spec, batch, want, got))
    print('%d passed, %d failed' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
