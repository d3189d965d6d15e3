#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# End-to-end check of backward + loss + SGD + data order + init against PyTorch: `weightinit
# train` and the same PyTorch script (tools/torch_train.py) start from bit-identical weights and
# see the same batches, so their per-step losses must agree up to float32 rounding drift.
# Tolerance: |loss_wi - loss_torch| <= 1e-4 * max(1, |loss_torch|) at every step. Rounding
# differences (BLAS summation order) start near 1e-7 and grow slowly over tens of steps; a wrong
# gradient, update or batch order changes the loss by >1e-2 within a few steps.
#   /usr/bin/python3 tests/train/check_torch_trajectory.py --cli build/tools/cli/weightinit
import argparse
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
import torch_train  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "golden"))
from torch_profile import profile_of  # noqa: E402

CASES = [  # (model, init, train samples, steps, batch, lr)
    ("mlp:784-64-10:relu", "kaiming_normal", 2560, 30, 64, 0.1),
    ("mlp:784-32-32-10:tanh", "xavier_uniform", 2560, 30, 32, 0.05),
    ("cnn:4-8-16", "kaiming_uniform", 1024, 12, 32, 0.05),
    ("mlp:784-48-10:gelu", "default", 1024, 12, 64, 0.1),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    args = ap.parse_args()
    data = (torch_train.load_fashion_mnist("train"), torch_train.load_fashion_mnist("test"))
    failed = 0
    for model, init, samples, steps, batch, lr in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            log = os.path.join(tmp, "run.json")
            subprocess.run([args.cli, "train", "--torch-profile", profile_of(torch_train.torch),
                            "--model", model,
                            "--init", init, "--seed", "3",
                            "--threads", "1", "--train-samples", str(samples), "--max-steps",
                            str(steps), "--batch", str(batch), "--lr", str(lr), "--progress",
                            "none", "--log", log], check=True, stdout=subprocess.DEVNULL)
            with open(log) as f:
                wi = json.load(f)["step_loss"]
        th = torch_train.train(model, init, 3, 1, batch, lr, 1, samples, steps,
                               data=data)["step_loss"]
        worst = max(abs(a - b) / max(1.0, abs(b)) for a, b in zip(wi, th))
        ok = len(wi) == len(th) == steps and worst <= 1e-4
        failed += not ok
        print(f"{'ok' if ok else 'FAIL'} {model} init={init}: {len(wi)} steps, "
              f"first loss {wi[0]:.6f} vs {th[0]:.6f}, max rel diff {worst:.2e}")
    print(f"{len(CASES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
