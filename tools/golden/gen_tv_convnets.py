#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes tests/golden/zoo_tv_convnets.json from Debian's PyTorch 1.13.1 + torchvision 0.14.1:
torchvision's efficientnet_b0, regnet_y_400mf and convnext_tiny (issue #20, item 2).

For each model:
- "state_dict" (name, shape, dtype in order) and "parameters" (sum over model.parameters()),
  as tools/torch_zoo.py's describe();
- "policy" and "sha256": for seeds 0 and 1, the SHA-256 of every state_dict tensor's bytes after
  `torch.manual_seed(seed); torchvision.models.NAME()` (the constructors' draws, then
  torchvision's own init loop: weightinit's build_model + the torchvision-* policy);
- "forward": `torch.manual_seed(0); m = NAME().eval()`, x = torch.rand(INPUT,
  generator=torch.Generator().manual_seed(123)), y = m(x) under no_grad (float32);
- "train": the same in training mode and float64, StochasticDepth's masks and backward
  included (train_step);
- "profile": the weightinit torch profile of the generating torch (1.13-avx2: its
  trunc_normal_, which convnext's init loop calls, differs from 2.12+'s);
- "summary": torchsummary's table at 3x224x224 (tools/torch_golden.py's transcription of
  torchsummary 1.5.1; the model in training mode, as torchsummary leaves it).

Regenerate with:  /usr/bin/python3 tools/golden/gen_tv_convnets.py tests/golden/zoo_tv_convnets.json
"""
import json
import os
import sys
import warnings

import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import torch_golden  # noqa: E402  (torchsummary_string)
import torch_zoo  # noqa: E402  (describe, with_digests)
from torch_profile import profile_of  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
torch_golden.torch = torch  # torch_golden imports torch lazily, in its main()

# (model, its policy, forward input shape): the smallest inputs are 32x32 for all three; 64x64
# keeps a few pixels in the last stage.
MODELS = [("efficientnet_b0", "torchvision-efficientnet", [2, 3, 64, 64]),
          ("regnet_y_400mf", "torchvision-regnet", [2, 3, 64, 64]),
          ("convnext_tiny", "torchvision-convnext", [2, 3, 64, 64])]


def forward(name, shape):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)().eval()
    x = torch.rand(shape, generator=torch.Generator().manual_seed(123))
    with torch.no_grad():
        y = model(x)
    return {"input_shape": shape, "output_shape": list(y.shape),
            "output": y.reshape(-1).tolist()}


def train_step(name, shape):
    """Training mode in float64 (the float32 model's values converted: batch statistics over 2x2
    maps make float32 gradients ill-conditioned, as for MobileNetV2 in gen_zoo_forward.py), with
    the Dropout in eval mode (weightinit's Dropout masks are not torch's) and every
    StochasticDepth in training mode (its row masks drawn from the default generator, where the
    construction left it): y = m(x), then L = sum(u * y) back-propagated, u = torch.rand(y.shape)
    from the input's generator. Records y, the L2 norm of every parameter's gradient and of x's,
    the first BatchNorm's running_mean, and the default generator's next random64 word."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)().to(torch.float64).train()
    for m in model.modules():
        if isinstance(m, torch.nn.Dropout):
            m.eval()
    g = torch.Generator().manual_seed(123)
    x = torch.rand(shape, generator=g).to(torch.float64).requires_grad_(True)
    y = model(x)
    u = torch.rand(y.shape, generator=g).to(y.dtype)
    (u * y).sum().backward()
    case = {"input_shape": shape, "dtype": "float64", "output_shape": list(y.shape),
            "output": y.detach().reshape(-1).tolist(),
            "grad_norms": {n: p.grad.double().norm().item() for n, p in model.named_parameters()},
            "input_grad_norm": x.grad.double().norm().item()}
    # The generator after the row masks: a float64 uniform is random64's low 53 bits / 2^53.
    case["next_uniform64"] = torch.rand(1, dtype=torch.float64).item()
    bn = [k for k in model.state_dict() if k.endswith("running_mean")]
    if bn:
        case["running_mean"] = [bn[0], model.state_dict()[bn[0]].tolist()]
    return case


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/zoo_tv_convnets.json"
    only = sys.argv[2:]
    golden = {"generator": "tools/golden/gen_tv_convnets.py", "torch": torch.__version__,
              "torchvision": torchvision.__version__, "profile": profile_of(torch),
              "models": {}}
    if only and os.path.exists(out):
        with open(out) as f:
            golden["models"] = json.load(f)["models"]
    for name, policy, shape in MODELS:
        if only and name not in only:
            continue
        make = getattr(torchvision.models, name)
        torch.manual_seed(0)
        entry = torch_zoo.with_digests(torch_zoo.describe(make()), make, policy)
        entry["forward"] = forward(name, shape)
        entry["train"] = train_step(name, shape)
        torch.manual_seed(0)
        entry["summary"] = torch_golden.torchsummary_string(make(), (3, 224, 224), -1)
        golden["models"][name] = entry
        print(name, entry["parameters"], file=sys.stderr)
    with open(out, "w") as f:
        json.dump(golden, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
