#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The PyTorch side of `weightinit train`: the same models, init loop, data, batch order and
# update rule, written the way a PyTorch user writes them. Used by bench/compare_train.py (speed
# and accuracy, same machine, same run) and tests/train/check_torch_trajectory.py (per-step
# losses). Run with Debian's /usr/bin/python3 (torch 1.13.1).
#
# What makes the runs comparable step by step: weightinit's generator is torch's, so
#   torch.manual_seed(seed); model = build(spec); for m in model.modules(): init(m.weight)
# gives the same weights, and DataLoader(shuffle=True, generator=torch.default_generator)
# draws one int64 (its _base_seed) and then randperm(n) per epoch, which weightinit's
# DataLoader mirrors, so the batches are the same too.
import gzip
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = os.environ.get("WEIGHTINIT_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
MEAN, STD = 0.2860, 0.3530  # weightinit::data::kFashionMnistMean / kFashionMnistStd


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load_fashion_mnist(split):
    """(N, 1, 28, 28) float32 normalized as ToTensor() + Normalize((0.2860,), (0.3530,)), labels."""
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(DATA_DIR, prefix + "-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DATA_DIR, prefix + "-labels-idx1-ubyte.gz"))
    xt = torch.from_numpy(x.copy()).to(torch.float32).div(255.0).unsqueeze(1)
    xt = xt.sub(torch.tensor(MEAN, dtype=torch.float32)).div(torch.tensor(STD, dtype=torch.float32))
    return xt, torch.from_numpy(y.astype(np.int64))


def build(spec):
    """mlp:784-256-256-10[:relu] or cnn[:C1-C2-H], as weightinit's models::build_model."""
    name, _, rest = spec.partition(":")
    if name == "mlp":
        sizes_text, _, act = rest.partition(":")
        sizes = [int(s) for s in sizes_text.split("-")]
        acts = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "gelu": nn.GELU,
                "elu": nn.ELU, "selu": nn.SELU, "leaky_relu": nn.LeakyReLU}
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes) and act not in ("linear", "none"):
                layers.append(acts[act or "relu"]())
        return nn.Sequential(*layers), (sizes[0],)
    if name == "cnn":
        c1, c2, h = [int(s) for s in rest.split("-")] if rest else (16, 32, 128)
        return nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(c2 * 7 * 7, h), nn.ReLU(), nn.Linear(h, 10)), (1, 28, 28)
    if name.startswith("cifar-resnet"):  # He et al. 2016 (tools/golden/cifar_resnet_ref.py)
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden"))
        import cifar_resnet_ref  # noqa: E402
        # The constructors' draws only, as weightinit's build before `--init` (the port's own
        # apply(_weights_init) is weightinit's cifar-resnet policy, not part of the build).
        weights_init, cifar_resnet_ref._weights_init = cifar_resnet_ref._weights_init, id
        try:
            model = cifar_resnet_ref.from_spec(spec)
        finally:
            cifar_resnet_ref._weights_init = weights_init
        return model, (model.conv1.in_channels, 32, 32)
    raise ValueError("unknown model " + spec)


def shape_for(x, input_size):
    """x (N, 784) or (N, 1, 28, 28) as (N, *input_size). A (1, 32, 32) input takes the images
    padded by 2 pixels of background (pixel 0, normalized) on each side, as weightinit pads
    Fashion-MNIST for 32×32 models."""
    if tuple(input_size) == (1, 32, 32):
        f32 = torch.float32  # pixel 0 normalized as load_fashion_mnist normalizes, in float32
        background = torch.tensor(0.0, dtype=f32).sub(torch.tensor(MEAN, dtype=f32)).div(
            torch.tensor(STD, dtype=f32)).item()
        return F.pad(x.reshape(len(x), 1, 28, 28), (2, 2, 2, 2), value=background)
    return x.reshape(len(x), *input_size)


INITS = {"default": None,
         "kaiming_normal": nn.init.kaiming_normal_,
         "kaiming_uniform": nn.init.kaiming_uniform_,
         "xavier_uniform": nn.init.xavier_uniform_,
         "xavier_normal": nn.init.xavier_normal_,
         "orthogonal": nn.init.orthogonal_}


def train(spec, init="kaiming_normal", seed=0, epochs=1, batch=128, lr=0.1, threads=1,
          train_samples=0, max_steps=0, data=None, collate="index"):
    """Trains like `weightinit train`; returns dict(step_loss, train_seconds, test_accuracy).

    collate="loader" iterates a real DataLoader over a TensorDataset (per-sample indexing and
    torch.stack, what most scripts do); "index" draws the same order but gathers each batch with
    one x[idx] (PyTorch's fastest way to feed in-memory data). Both give the same batches."""
    torch.set_num_threads(threads)
    (xtr, ytr), (xte, yte) = data if data is not None else (load_fashion_mnist("train"),
                                                            load_fashion_mnist("test"))
    if train_samples:
        xtr, ytr = xtr[:train_samples], ytr[:train_samples]
    torch.manual_seed(seed)
    model, input_size = build(spec)
    if INITS[init] is not None:
        for m in model.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d)):
                INITS[init](m.weight)
    xtr = shape_for(xtr, input_size)
    xte = shape_for(xte, input_size)
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    g = torch.default_generator
    step_loss, seconds, steps = [], 0.0, 0
    model.train()
    for _ in range(epochs):
        start = time.perf_counter()
        if collate == "loader":
            loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr, ytr),
                                                 batch_size=batch, shuffle=True, generator=g)
            batches = iter(loader)
        else:
            torch.empty((), dtype=torch.int64).random_(generator=g)  # DataLoader's _base_seed
            sampler = torch.utils.data.BatchSampler(
                torch.utils.data.RandomSampler(range(len(xtr)), generator=g), batch, False)
            batches = ((xtr[idx], ytr[idx]) for idx in (torch.tensor(i) for i in sampler))
        for xb, yb in batches:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step_loss.append(loss.item())
            steps += 1
            if max_steps and steps >= max_steps:
                break
        seconds += time.perf_counter() - start
        if max_steps and steps >= max_steps:
            break
    model.eval()
    with torch.no_grad():
        correct = sum((model(xte[i:i + 1000]).argmax(1) == yte[i:i + 1000]).sum().item()
                      for i in range(0, len(xte), 1000))
    return {"step_loss": step_loss, "train_seconds": seconds,
            "test_accuracy": correct / len(xte)}


if __name__ == "__main__":
    # One run as a separate process, so OPENBLAS_NUM_THREADS / OMP_NUM_THREADS (read when the
    # libraries load) can be set per run:  torch_train.py '{"spec": "cnn", "threads": 2, ...}'
    import json
    import sys
    print(json.dumps(train(**json.loads(sys.argv[1]))))
