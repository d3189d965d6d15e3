#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Writes tests/golden/train_cases.json: losses (value and input gradient via autograd) and
# optimizer trajectories (weights after step 1 and step 10) from PyTorch, single-tensor code paths.
# Run with /usr/bin/python3 (Debian's torch 1.13.1). Float32 tensors are stored as hex strings of
# their little-endian bytes (8 hex digits per element), so the C++ side reads the exact bits.
import argparse
import json
import os

import torch


def hexf(t):
    return t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes().hex()


def tens(t):
    return {"shape": list(t.shape), "hex": hexf(t)}


def loss_cases():
    cases = []
    F = torch.nn.functional
    for seed, (n, c), eps in [(1, (5, 7), 0.0), (2, (5, 7), 0.1), (3, (8, 3), 0.25), (4, (1, 10), 0.0)]:
        g = torch.Generator().manual_seed(seed)
        x = (torch.randn(n, c, generator=g) * 3).requires_grad_()
        t = torch.randint(0, c, (n,), generator=g)
        loss = F.cross_entropy(x, t, label_smoothing=eps)
        loss.backward()
        cases.append({"loss": "cross_entropy", "label_smoothing": eps, "input": tens(x),
                      "targets": t.tolist(), "value": loss.item(), "grad": tens(x.grad)})
    for seed, (n, c) in [(5, (6, 4)), (6, (3, 9))]:
        g = torch.Generator().manual_seed(seed)
        x = torch.log_softmax(torch.randn(n, c, generator=g), 1).detach().requires_grad_()
        t = torch.randint(0, c, (n,), generator=g)
        loss = F.nll_loss(x, t)
        loss.backward()
        cases.append({"loss": "nll_loss", "input": tens(x), "targets": t.tolist(),
                      "value": loss.item(), "grad": tens(x.grad)})
    for seed, shape in [(7, (3, 4)), (8, (11,))]:
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(*shape, generator=g).requires_grad_()
        y = torch.randn(*shape, generator=g)
        loss = F.mse_loss(x, y)
        loss.backward()
        cases.append({"loss": "mse_loss", "input": tens(x), "target": tens(y),
                      "value": loss.item(), "grad": tens(x.grad)})
    for seed, shape, scale in [(9, (2, 5), 1.0), (10, (12,), 40.0)]:
        g = torch.Generator().manual_seed(seed)
        x = (torch.randn(*shape, generator=g) * scale).requires_grad_()
        y = torch.rand(*shape, generator=g)
        if seed == 10:
            y = (y > 0.5).float()  # hard labels with large logits: the stable form matters
        loss = F.binary_cross_entropy_with_logits(x, y)
        loss.backward()
        cases.append({"loss": "binary_cross_entropy_with_logits", "input": tens(x),
                      "target": tens(y), "value": loss.item(), "grad": tens(x.grad)})
    return cases


OPT_CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.8, "nesterov": True}),
    ("SGD", {"lr": 0.1, "weight_decay": 0.01}),
    ("SGD", {"lr": 0.03, "momentum": 0.9, "weight_decay": 0.05, "nesterov": True}),
    ("Adam", {"lr": 1e-3}),
    ("Adam", {"lr": 3e-3, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
    ("Adam", {"lr": 2e-3, "amsgrad": True}),
    ("AdamW", {"lr": 1e-3}),
    ("AdamW", {"lr": 5e-3, "betas": (0.85, 0.995), "weight_decay": 0.1, "amsgrad": True}),
]


def optimizer_cases():
    cases = []
    for k, (name, kw) in enumerate(OPT_CONFIGS):
        g = torch.Generator().manual_seed(100 + k)
        w = [torch.randn(4, 5, generator=g), torch.randn(7, generator=g)]
        grads = [[torch.randn(p.shape, generator=g) * (0.5 + s) for p in w] for s in range(10)]
        params = [torch.nn.Parameter(p.clone()) for p in w]
        opt = getattr(torch.optim, name)(params, foreach=False, **kw)
        after = {}
        for s in range(10):
            for p, gr in zip(params, grads[s]):
                p.grad = gr.clone()
            opt.step()
            if s in (0, 9):
                after[str(s + 1)] = [tens(p) for p in params]
        cfg = dict(kw)
        if "betas" in cfg:
            cfg["betas"] = list(cfg["betas"])
        cases.append({"optimizer": name, "config": cfg, "initial": [tens(p) for p in w],
                      "grads": [[tens(x) for x in gs] for gs in grads],
                      "after_1": after["1"], "after_10": after["10"]})
    return cases


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "tests", "golden",
                                                  "train_cases.json"))
    args = ap.parse_args()
    doc = {"torch": torch.__version__, "losses": loss_cases(), "optimizers": optimizer_cases()}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
