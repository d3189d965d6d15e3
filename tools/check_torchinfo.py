#!/usr/bin/env python3
"""`weightinit summary MODEL --style torchinfo` against the installed torchinfo, text for text.

For each model, str(torchinfo.summary(model, input_size=(batch, *input), verbose=0)) of the
PyTorch model (the seed MLP and C3D as tools/torch_golden.py builds them, the MLP and the small
CNN as tools/torch_train.py does, torchvision's nested models, the CIFAR ResNets of
tools/golden/cifar_resnet_ref.py, and a GPT in nanoGPT's classes below, fed token ids with
dtypes=[torch.long]) must equal the command's output. Prints "N passed, M failed".
Run with the PyTorch 2.x oracle's interpreter (it has torchinfo):

  ~/.cache/weightinit/torch2-venv/bin/python tools/check_torchinfo.py --cli build/tools/cli/weightinit
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import math  # noqa: E402

import torch  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402
import torchinfo  # noqa: E402

import torch_golden  # noqa: E402
import torch_train  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "golden"))
import cifar_resnet_ref  # noqa: E402


# nanoGPT's model.py classes (dropout 0, exact GELU), with weightinit's head: the logits of
# every position through wte's weight (no lm_head module: weightinit's gpt2 has no tied head).
class CausalSelfAttention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.c_attn, self.c_proj, self.n_head = nn.Linear(d, 3 * d), nn.Linear(d, d), heads

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.c_attn(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(torch.tril(torch.ones(t, t)).view(1, 1, t, t) == 0, float("-inf"))
        y = torch.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))


class MLP(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.c_fc, self.gelu, self.c_proj = nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln_1, self.attn = nn.LayerNorm(d), CausalSelfAttention(d, heads)
        self.ln_2, self.mlp = nn.LayerNorm(d), MLP(d)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, layers, d, heads, vocab, positions):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, d), wpe=nn.Embedding(positions, d), drop=nn.Dropout(0.0),
            h=nn.ModuleList([Block(d, heads) for _ in range(layers)]), ln_f=nn.LayerNorm(d)))

    def forward(self, idx):
        pos = torch.arange(0, idx.size(1), dtype=torch.long)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        return nn.functional.linear(self.transformer.ln_f(x), self.transformer.wte.weight)

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
             ('mlp:784-256-10', lambda: torch_train.build('mlp:784-256-10')[0], (784,), 8),
             # nested: depth 3, (recursive), containers at depth 3 with their children's count
             ('resnet50', torchvision.models.resnet50, (3, 224, 224), 1),
             ('resnext50_32x4d', torchvision.models.resnext50_32x4d, (3, 224, 224), 1),
             ('vgg11_bn', torchvision.models.vgg11_bn, (3, 224, 224), 1),
             ('densenet121', torchvision.models.densenet121, (3, 224, 224), 1),
             ('mobilenet_v2', torchvision.models.mobilenet_v2, (3, 224, 224), 2),
             ('efficientnet_b0', torchvision.models.efficientnet_b0, (3, 224, 224), 1),
             ('regnet_y_400mf', torchvision.models.regnet_y_400mf, (3, 224, 224), 1),
             ('convnext_tiny', torchvision.models.convnext_tiny, (3, 224, 224), 1),
             ('vit_b_16', torchvision.models.vit_b_16, (3, 224, 224), 1),
             ('swin_t', torchvision.models.swin_t, (3, 224, 224), 1),
             ('cifar-resnet20', lambda: cifar_resnet_ref.from_spec('cifar-resnet20'), (3, 32, 32), 4),
             # token ids; the ModuleDict and ModuleList never run: inserted with "--"
             ('gpt2:d=64,layers=2,heads=4,vocab=100,positions=32', lambda: GPT(2, 64, 4, 100, 32),
              (32,), 2)]
    passed = failed = 0
    for spec, make, input_size, batch in cases:
        torch.manual_seed(0)
        model = make()
        tokens = spec.startswith('gpt2')
        want = str(torchinfo.summary(model, input_size=(batch,) + input_size, verbose=0,
                                     dtypes=[torch.long] if tokens else None)) + '\n'
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
