#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes tests/golden/zoo_forward.json: torchvision's models run forward (and, in training
mode, backward) on a small fixed input, from Debian's PyTorch 1.13.1 + torchvision 0.14.1.

For each case: `torch.manual_seed(0); model = torchvision.models.NAME()` (weightinit builds the
same bits with build_model + the torchvision-* policy, tests/models/zoo_test.cpp), then
`model.train(MODE)` (a VGG's classifier stays in eval mode: no Dropout), an input x = torch.rand(SHAPE, generator=torch.Generator().manual_seed(123))
and y = model(x), in float32 or (converted) float64. A training case also draws an upstream gradient u = torch.rand(y.shape) from
the same generator, back-propagates L = sum(u * y), and records the L2 norm of every
parameter's gradient and of x's, and the first BatchNorm's running_mean after the forward.
The CIFAR ResNets (`cifar-resnet...` specs) are tools/golden/cifar_resnet_ref.py's
from_spec(NAME), whose constructor ends with the port's own init loop (weightinit: the
cifar-resnet policy). GPT-2 (nanoGPT's shape and forward) takes token ids x = torch.randint(0, vocab, SHAPE) from
that generator instead, stored in the case, and keeps its constructors' draws (no policy).

Regenerate with:  /usr/bin/python3 tools/golden/gen_zoo_forward.py tests/golden/zoo_forward.json
"""
import json
import math
import sys
import warnings

import os

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_zoo  # noqa: E402  (the CIFAR WRN's constructor: xternalz/WideResNet-pytorch)
import cifar_resnet_ref  # noqa: E402  (He et al. 2016's CIFAR ResNets: akamaster's port)

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

# (model, training, input shape, dtype). ResNeXt-50 in training mode is ill-conditioned at
# this size (batch statistics over 8 values per channel in layer4): torch's own float32 result
# is 1.2e-4 from its float64 one, and parameter gradients 0.6%. So it runs in float64 (the
# float32 model's values converted), where the comparison can be tight. MobileNetV2 in
# training mode likewise: torch's float32 gradient norms are up to 3e-3 from its float64 ones
# (batch 2, 2×2 maps in the last stages).
CASES = [
    ("resnet18", False, [2, 3, 64, 64], "float32"),
    ("resnet18", True, [2, 3, 64, 64], "float32"),
    ("resnet50", False, [1, 3, 64, 64], "float32"),
    ("resnext50_32x4d", True, [2, 3, 64, 64], "float64"),
    ("vgg11_bn", False, [2, 3, 32, 32], "float32"),
    ("vgg11_bn", True, [2, 3, 32, 32], "float32"),  # the classifier (its Dropouts) in eval mode
    ("mobilenet_v2", False, [2, 3, 64, 64], "float32"),
    ("mobilenet_v2", True, [2, 3, 64, 64], "float64"),  # classifier (Dropout) in eval; see above
    ("densenet121", False, [2, 3, 64, 64], "float32"),
    ("densenet121", True, [2, 3, 64, 64], "float64"),
    ("wrn-16-2", False, [2, 3, 32, 32], "float32"),
    ("wrn-16-2", True, [2, 3, 32, 32], "float32"),
    # He et al. 2016's CIFAR ResNets (tools/golden/cifar_resnet_ref.py: akamaster's definition,
    # its kaiming_normal_ init loop included), option-A shortcuts; without BatchNorm too.
    ("cifar-resnet20", False, [2, 3, 32, 32], "float32"),
    ("cifar-resnet20", True, [2, 3, 32, 32], "float32"),
    ("cifar-resnet20:bn=false", False, [2, 3, 32, 32], "float32"),
    ("cifar-resnet20:bn=false", True, [2, 3, 32, 32], "float32"),
    ("cifar-resnet-8:in_channels=1,classes=7", True, [3, 1, 30, 30], "float32"),  # 30 -> 15 -> 8
    # nanoGPT (dropout 0, exact GELU, head tied to wte) on token ids: constructors' draws only
    ("gpt2:d=64,layers=2,heads=4,vocab=100,positions=32", True, [2, 16], "float32"),
]


# nanoGPT's forward passes (model.py: CausalSelfAttention, MLP, Block, GPT with the lm_head
# tied to wte), on tools/torch_zoo.py's modules.
def gpt_attention_forward(self, x):
    b, t, c = x.shape
    q, k, v = self.c_attn(x).split(c, dim=2)
    q, k, v = (z.view(b, t, self.n_head, c // self.n_head).transpose(1, 2) for z in (q, k, v))
    att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))  # nanoGPT's slow path
    att = att.masked_fill(torch.tril(torch.ones(t, t)).view(1, 1, t, t) == 0, float("-inf"))
    y = torch.softmax(att, dim=-1) @ v
    return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))


def gpt_block_forward(self, x):
    x = x + self.attn(self.ln_1(x))
    return x + self.mlp.c_proj(self.mlp.gelu(self.mlp.c_fc(self.ln_2(x))))


def gpt_forward(self, idx):
    pos = torch.arange(idx.shape[1])
    x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
    for block in self.transformer.h:
        x = block(x)
    x = self.transformer.ln_f(x)
    return torch.nn.functional.linear(x, self.transformer.wte.weight)


torch_zoo.Gpt2Block.forward = gpt_block_forward
torch_zoo.Gpt2.forward = gpt_forward


# xternalz/WideResNet-pytorch's forward passes (dropRate 0), on tools/torch_zoo.py's modules.
def wrn_block_forward(self, x):
    if self.convShortcut is None:
        out = self.relu1(self.bn1(x))
    else:
        x = self.relu1(self.bn1(x))
    out = self.relu2(self.bn2(self.conv1(out if self.convShortcut is None else x)))
    out = self.conv2(out)
    return torch.add(x if self.convShortcut is None else self.convShortcut(x), out)


def wrn_forward(self, x):
    out = self.block3(self.block2(self.block1(self.conv1(x))))
    out = self.relu(self.bn1(out))
    out = torch.nn.functional.avg_pool2d(out, 8)
    return self.fc(out.view(-1, self.fc.in_features))


torch_zoo.WrnBlock.forward = wrn_block_forward
torch_zoo.WrnGroup.forward = lambda self, x: self.layer(x)
torch_zoo.WideResNet.forward = wrn_forward


def build(name):
    if name.startswith("gpt2:"):
        c = dict(kv.split("=") for kv in name[5:].split(","))
        model = torch_zoo.Gpt2(int(c["layers"]), int(c["d"]), int(c["vocab"]), int(c["positions"]))
        for block in model.transformer.h:
            block.attn.n_head = int(c["heads"])
            block.attn.forward = gpt_attention_forward.__get__(block.attn)
        return model
    if name.startswith("cifar-resnet"):
        return cifar_resnet_ref.from_spec(name)
    if name.startswith("wrn-"):
        depth, widen = map(int, name[4:].split("-"))
        return torch_zoo.WideResNet(depth, 10, widen)
    return getattr(torchvision.models, name)()


def run(name, training, shape, dtype):
    torch.manual_seed(0)
    model = build(name).to(getattr(torch, dtype))
    model.train(training)
    if training and (name.startswith("vgg") or name.startswith("mobilenet")):
        model.classifier.eval()  # Dropout's mask is torch's bernoulli_, not reproduced here
    g = torch.Generator().manual_seed(123)
    case = {"model": name, "training": training, "input_shape": shape, "dtype": dtype}
    if name.startswith("gpt2:"):  # token ids, which have no gradient
        vocab = model.transformer.wte.weight.shape[0]
        x = torch.randint(0, vocab, shape, generator=g)
        case["input_ids"] = x.reshape(-1).tolist()
    else:
        x = torch.rand(shape, generator=g).to(getattr(torch, dtype)).requires_grad_(training)
    if not training:
        with torch.no_grad():
            y = model(x)
    else:
        y = model(x)
        u = torch.rand(y.shape, generator=g).to(y.dtype)
        (u * y).sum().backward()
        case["grad_norms"] = {n: p.grad.double().norm().item()
                              for n, p in model.named_parameters()}
        if x.grad is not None:
            case["input_grad_norm"] = x.grad.double().norm().item()
        bn1 = {"res": "bn1.running_mean", "vgg": "features.1.running_mean",
               "den": "features.norm0.running_mean",
               "mob": "features.0.1.running_mean", "wrn": "bn1.running_mean",
               "cif": "bn1.running_mean"}.get(name[:3])
        if bn1 in model.state_dict():
            case["running_mean"] = [bn1, model.state_dict()[bn1].tolist()]
    case["output_shape"] = list(y.shape)
    case["output"] = y.detach().reshape(-1).tolist()
    return case


def main():
    cases = [run(*c) for c in CASES]
    with open(sys.argv[1], "w") as f:
        json.dump({"generator": "tools/golden/gen_zoo_forward.py", "torch": torch.__version__,
                   "torchvision": torchvision.__version__, "cases": cases}, f)
    print("wrote", sys.argv[1])


if __name__ == "__main__":
    main()
