# SPDX-License-Identifier: MIT
"""Runs export_model, then loads its safetensors files into the same models built by PyTorch
after torch.manual_seed(0) (load_state_dict(strict=True)) and checks every tensor is
bit-identical to torch's own init; BF16/F16 files must equal torch's .to(dtype) casts."""
import argparse
import os
import subprocess
import sys

import torch
from torch import nn

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, os.path.join(TOOLS, "golden"))
sys.path.insert(0, TOOLS)
import load_safetensors  # noqa: E402
import torch_golden  # noqa: E402  (the seed MLP as the golden files build it)

torch_golden.torch = torch


def build(name):
    torch.manual_seed(0)
    if name == "seed_mlp":
        return torch_golden.build_torch_module("SeedMLP", {})
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def check(name, workdir, results):
    model = build(name)
    theirs = {k: v.detach().clone() for k, v in model.state_dict().items()}
    for suffix, dtype in (("", None), ("_bf16", torch.bfloat16), ("_f16", torch.float16)):
        path = os.path.join(workdir, name + suffix + ".safetensors")
        ours, _ = load_safetensors.load(path)
        if dtype is None:
            model.load_state_dict(ours, strict=True)
            for key, value in model.state_dict().items():
                ok = torch.equal(value, theirs[key])
                results.append(ok)
                if not ok:
                    print(f"FAIL {path}: {key} differs from torch's init")
        else:
            for key, value in theirs.items():
                ok = ours[key].dtype == dtype and torch.equal(ours[key], value.to(dtype))
                results.append(ok)
                if not ok:
                    print(f"FAIL {path}: {key} differs from torch's .to({dtype})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--exporter", required=True)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    subprocess.run([args.exporter, args.workdir], check=True)
    results = []
    for name in ("seed_mlp", "mlp"):
        check(name, args.workdir, results)
    passed = sum(results)
    failed = len(results) - passed
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
