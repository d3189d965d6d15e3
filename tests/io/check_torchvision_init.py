#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Differential test of the zoo against live torchvision: Debian's 0.14.1 (/usr/bin/python3) or
the PyTorch 2.x oracle's 0.29.1 (~/.cache/weightinit/torch2-venv/bin/python).

For each (model, seed): `weightinit init MODEL --policy torchvision-X --seed SEED -o F`, then
PyTorch reads F with a tiny json + torch.frombuffer reader (Debian has no safetensors package),
loads it into a fresh torchvision model with load_state_dict(strict=True) and compares every
tensor with `torch.manual_seed(SEED); torchvision.models.MODEL()` — bit for bit. The file's
metadata must name the policy, seed and generator. Seeds: 0, 1 and a third drawn at random
each run and printed, so a failure names the seed that reproduces it. bf16 files must equal
torch's .to(torch.bfloat16) casts. Some cases are also streamed (`--out DIR`, the torch family's
draw plan: every chunk from its word offset in PyTorch's stream) at chunk sizes from 4 KiB to
1 GiB into several shards, and must hold the same tensors, with the draw plan ending where
torch's generator stands after the construction. The CIFAR ResNets are checked the same way
against tools/golden/cifar_resnet_ref.py (akamaster's port) with the cifar-resnet policy.
Prints "N passed, M failed".
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import warnings

import torch
import torchvision

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "golden"))
import cifar_resnet_ref  # noqa: E402
import load_safetensors  # noqa: E402
from torch_plan_end import plan_end_problems  # noqa: E402
from torch_profile import profile_of  # noqa: E402

CASES = [("resnet18", "torchvision-resnet"), ("resnet50", "torchvision-resnet"),
         ("vgg16", "torchvision-vgg"), ("densenet121", "torchvision-densenet"),
         ("mobilenet_v2", "torchvision-mobilenet"), ("resnext50_32x4d", "torchvision-resnet"),
         ("wide_resnet50_2", "torchvision-resnet"), ("vgg11_bn", "torchvision-vgg"),
         ("cifar-resnet20", "cifar-resnet"),
         ("cifar-resnet56:bn=false,in_channels=1", "cifar-resnet"),
         ("vit_b_16", "torchvision-vit"), ("swin_t", "torchvision-swin"),
         ("efficientnet_b0", "torchvision-efficientnet"), ("regnet_y_400mf", "torchvision-regnet"),
         ("convnext_tiny", "torchvision-convnext")]


def build(name):
    """torchvision.models.NAME(), or the reference CIFAR ResNet of a cifar-resnet spec."""
    if name.startswith("cifar-resnet"):
        return cifar_resnet_ref.from_spec(name)
    return getattr(torchvision.models, name)()


STREAMED = {"resnet18": "4KiB", "mobilenet_v2": "1MiB", "densenet121": "1GiB", "resnet50": "64MiB",
            "swin_t": "64KiB"}
STREAMED.update({"efficientnet_b0": "4KiB", "regnet_y_400mf": "1MiB", "convnext_tiny": "64KiB"})


def load_dir(path):
    """Every tensor of a --out directory (one file, or shards listed by the index)."""
    files = [f for f in sorted(os.listdir(path)) if f.endswith(".safetensors")]
    tensors, meta = {}, {}
    for f in files:
        t, m = load_safetensors.load(os.path.join(path, f))
        tensors.update(t)
        meta = m
    return tensors, meta


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--seeds", nargs="*", type=int, default=None,
                    help="seeds for every case, the random one added (default: per case)")
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    torch.set_num_threads(1)
    extra = random.SystemRandom().randrange(2, 2**31)
    print(f"torch {torch.__version__}, torchvision {torchvision.__version__} ({sys.executable}); "
          f"seeds 0, 1, {extra} (random this run)")
    passed = failed = 0
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        for name, policy in CASES:
            if a.models and name not in a.models:
                continue
            seeds = [0, 1, extra] if name in ("resnet18", "mobilenet_v2", "cifar-resnet20",
                                              "vit_b_16", "swin_t") \
                else [extra]
            if a.seeds is not None:
                seeds = a.seeds + [extra]
            for seed in seeds:
                path = os.path.join(tmp, f"{name}.safetensors")
                subprocess.run([a.cli, "init", name, "--policy", policy, "--seed", str(seed),
                                "--torch-profile", profile_of(torch),
                                "-o", path], check=True, capture_output=True)
                ours, meta = load_safetensors.load(path)
                torch.manual_seed(seed)
                reference = build(name)
                state_after = torch.get_rng_state()
                theirs = {k: v.detach().clone() for k, v in reference.state_dict().items()}
                if name in STREAMED:  # the same, streamed chunk by chunk into shards
                    out = os.path.join(tmp, f"{name}-{seed}")
                    subprocess.run([a.cli, "init", name, "--policy", policy, "--seed", str(seed),
                                    "--torch-profile", profile_of(torch), "--out", out,
                                    "--chunk-size", STREAMED[name], "--shard-size", "20MB",
                                    "--progress", "none"], check=True, capture_output=True)
                    streamed, streamed_meta = load_dir(out)
                    differ = [k for k in ours if not torch.equal(ours[k], streamed.get(k))]
                    differ += plan_end_problems(streamed_meta, seed, state_after)
                    if differ or len(streamed) != len(ours):
                        failed += 1
                        print(f"FAIL {name} seed {seed} --out (chunks {STREAMED[name]}): "
                              f"{len(differ)} tensor(s) differ from -o (first: {differ[:3]})")
                    else:
                        passed += 1
                fresh = build(name)
                fresh.load_state_dict(ours, strict=True)  # raises on a missing/extra key
                bad = [k for k, v in fresh.state_dict().items() if not torch.equal(v, theirs[k])]
                ok = not bad and meta.get("policy") == "builtin:" + policy and \
                    meta.get("seed") == str(seed) and meta.get("generator") == "torch-mt19937"
                if ok:
                    passed += 1
                else:
                    failed += 1
                    print(f"FAIL {name} seed {seed} policy {policy}: {len(bad)} tensor(s) differ "
                          f"(first: {bad[:3]}), metadata {meta}")
        # bf16 export of one model equals torch's casts.
        if not a.models or "resnet18" in a.models:
            path = os.path.join(tmp, "r18_bf16.safetensors")
            subprocess.run([a.cli, "init", "resnet18", "--torch-profile", profile_of(torch),
                            "--policy", "torchvision-resnet", "--seed",
                            "3", "--dtype", "bf16", "-o", path], check=True, capture_output=True)
            ours, _ = load_safetensors.load(path)
            torch.manual_seed(3)
            ref = torchvision.models.resnet18().state_dict()
            bad = [k for k, v in ref.items()
                   if not torch.equal(ours[k], v.to(torch.bfloat16) if v.is_floating_point() else v)]
            if bad:
                failed += 1
                print(f"FAIL resnet18 bf16: {bad[:3]}")
            else:
                passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
