#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes tests/golden/zoo_torchvision.json from Debian's PyTorch 1.13.1 + torchvision 0.14.1.

For every model of weightinit's zoo: its state_dict entries in order (name, shape, dtype) and
the parameter count (sum over model.parameters()). For resnet18, resnet50, vgg16, densenet121
and mobilenet_v2, and seeds 0 and 1: the SHA-256 of each state_dict tensor's bytes
(little-endian, row-major) after `torch.manual_seed(seed); torchvision.models.NAME()` — the
constructors' draws followed by torchvision's own init loop, which weightinit reproduces as
"build the model, then apply the torchvision-* policy" (tests/models/zoo_test.cpp).

WRN-28-10 and GPT-2 small are not in torchvision: small faithful definitions below
(xternalz/WideResNet-pytorch; nanoGPT without the tied lm_head) give their names and counts.
The CIFAR ResNets (He et al. 2016) come from tools/golden/cifar_resnet_ref.py
(akamaster/pytorch_resnet_cifar10), with digests after `torch.manual_seed(seed);
cifar_resnet_ref.from_spec(SPEC)`, which ends with the port's own init loop (the cifar-resnet
policy).

Regenerate with:  /usr/bin/python3 tools/torch_zoo.py tests/golden/zoo_torchvision.json
"""
import hashlib
import json
import sys
import warnings

import os

import torch
from torch import nn
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
import cifar_resnet_ref  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

TORCHVISION = ["resnet18", "resnet34", "resnet50", "resnet101", "resnet152", "resnext50_32x4d",
               "wide_resnet50_2", "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn",
               "vgg19", "vgg19_bn", "densenet121", "mobilenet_v2"]
DIGESTS = {"resnet18": "torchvision-resnet", "resnet50": "torchvision-resnet",
           "vgg16": "torchvision-vgg", "densenet121": "torchvision-densenet",
           "mobilenet_v2": "torchvision-mobilenet"}
SEEDS = [0, 1]
CIFAR_RESNETS = ["cifar-resnet20", "cifar-resnet20:bn=false,in_channels=1,classes=100",
                 "cifar-resnet56", "cifar-resnet-110"]


class WrnBlock(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(i)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(o)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        self.convShortcut = None if i == o else nn.Conv2d(i, o, 1, stride, 0, bias=False)


class WrnGroup(nn.Module):
    def __init__(self, n, i, o, stride):
        super().__init__()
        self.layer = nn.Sequential(*[WrnBlock(i if k == 0 else o, o, stride if k == 0 else 1)
                                     for k in range(n)])


class WideResNet(nn.Module):
    def __init__(self, depth=28, num_classes=10, widen=10):
        super().__init__()
        c = [16, 16 * widen, 32 * widen, 64 * widen]
        n = (depth - 4) // 6
        self.conv1 = nn.Conv2d(3, c[0], 3, 1, 1, bias=False)
        self.block1 = WrnGroup(n, c[0], c[1], 1)
        self.block2 = WrnGroup(n, c[1], c[2], 2)
        self.block3 = WrnGroup(n, c[2], c[3], 2)
        self.bn1 = nn.BatchNorm2d(c[3])
        self.relu = nn.ReLU(inplace=True)
        self.fc = nn.Linear(c[3], num_classes)


class Gpt2Block(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.ln_1 = nn.LayerNorm(d)
        self.attn = nn.Module()
        self.attn.c_attn = nn.Linear(d, 3 * d)
        self.attn.c_proj = nn.Linear(d, d)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Module()
        self.mlp.c_fc = nn.Linear(d, 4 * d)
        self.mlp.gelu = nn.GELU()
        self.mlp.c_proj = nn.Linear(4 * d, d)


class Gpt2(nn.Module):
    def __init__(self, n_layer=12, d=768, vocab=50257, block=1024):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, d), wpe=nn.Embedding(block, d), drop=nn.Dropout(0.0),
            h=nn.ModuleList([Gpt2Block(d) for _ in range(n_layer)]), ln_f=nn.LayerNorm(d)))


def with_digests(entry, make, policy):
    entry["policy"] = policy
    entry["sha256"] = {}
    for seed in SEEDS:
        torch.manual_seed(seed)
        entry["sha256"][str(seed)] = [hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest()
                                      for v in make().state_dict().values()]
    return entry


def describe(model):
    return {"state_dict": [[k, list(v.shape), str(v.dtype).replace("torch.", "")]
                           for k, v in model.state_dict().items()],
            "parameters": sum(p.numel() for p in model.parameters())}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/zoo_torchvision.json"
    golden = {"torch": torch.__version__, "torchvision": torchvision.__version__, "models": {}}
    for name in TORCHVISION:
        torch.manual_seed(0)
        entry = describe(getattr(torchvision.models, name)())
        if name in DIGESTS:
            entry["policy"] = DIGESTS[name]
            entry["sha256"] = {}
            for seed in SEEDS:
                torch.manual_seed(seed)
                model = getattr(torchvision.models, name)()
                entry["sha256"][str(seed)] = [
                    hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest()
                    for v in model.state_dict().values()]
        golden["models"][name] = entry
        print(name, entry["parameters"], file=sys.stderr)
    golden["models"]["wrn-28-10"] = describe(WideResNet())
    golden["models"]["gpt2-small"] = describe(Gpt2())
    for spec in CIFAR_RESNETS:
        make = lambda: cifar_resnet_ref.from_spec(spec)  # noqa: E731
        golden["models"][spec] = with_digests(describe(make()), make, "cifar-resnet")
    with open(out, "w") as f:
        json.dump(golden, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
