#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Facts about Debian's Fashion-MNIST files, read with gzip + numpy (independently of the C++
# IDX reader), for tests/data/data_test.cpp. Run: /usr/bin/python3 tools/golden/fashion_mnist_facts.py
# It writes tests/data/fashion_mnist_facts.json (committed).
import gzip
import json
import os
import sys

import numpy as np

DIR = os.environ.get("WEIGHTINIT_FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                   "fashion_mnist_facts.json")


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    assert raw[0] == 0 and raw[1] == 0 and raw[2] == 0x08, path
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    assert data.size == int(np.prod(dims)), path
    return data.reshape(dims)


facts = {"source": "tools/golden/fashion_mnist_facts.py (gzip + numpy " + np.__version__ + ", torch " + __import__("torch").__version__ + ")",
         "dir": DIR}
for split, prefix in (("train", "train"), ("test", "t10k")):
    x = read_idx(os.path.join(DIR, prefix + "-images-idx3-ubyte.gz"))
    y = read_idx(os.path.join(DIR, prefix + "-labels-idx1-ubyte.gz"))
    xf = x.astype(np.float64) / 255.0
    facts[split] = {
        "images_shape": list(x.shape),
        "labels_shape": list(y.shape),
        "pixel_sum": int(x.astype(np.uint64).sum()),
        "class_counts": [int(c) for c in np.bincount(y, minlength=10)],
        "first_labels": [int(v) for v in y[:16]],
        "image0_row14": [int(v) for v in x[0, 14]],
        "image0_sum": int(x[0].astype(np.uint64).sum()),
        "last_image_sum": int(x[-1].astype(np.uint64).sum()),
        "mean01": float(xf.mean()),
        "std01": float(xf.std()),
    }

# Normalization as torchvision does it (ToTensor: byte.float().div(255); Normalize: sub_(mean)
# then div_(std), in float32), on row 14 of train image 0.
import torch  # noqa: E402

x0 = read_idx(os.path.join(DIR, "train-images-idx3-ubyte.gz"))[0, 14]
t = torch.from_numpy(x0.copy()).float().div(255)
t = t.sub_(torch.tensor(0.2860)).div_(torch.tensor(0.3530))
facts["train"]["image0_row14_normalized"] = [float(v) for v in t.tolist()]

# synthetic_gaussian reference: randn then randint on one generator.
g = torch.Generator().manual_seed(7)
xs = torch.randn(5, 3, generator=g)
ys = torch.randint(0, 4, (5,), generator=g)
facts["synthetic_seed7_n5_shape3_classes4"] = {
    "x": [float(v) for v in xs.flatten().tolist()], "y": [int(v) for v in ys.tolist()]}

# torch.utils.data.DataLoader order (num_workers=0) for a generator seeded 0: n=10, bs=3,
# three epochs, with and without drop_last, plus the generator's next word afterwards.
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

loaders = {}
for n in (10, 9):
    for drop_last in (False, True):
        g = torch.Generator().manual_seed(0)
        loader = DataLoader(TensorDataset(torch.arange(n)), batch_size=3, shuffle=True,
                            generator=g, drop_last=drop_last)
        epochs = [[b[0].tolist() for b in loader] for _ in range(3)]
        after = int(torch.randint(0, 2**31, (1,), generator=g).item())
        loaders[f"n{n}_bs3_drop{int(drop_last)}"] = {"epochs": epochs, "next_randint31": after}
g = torch.Generator().manual_seed(0)
loader = DataLoader(TensorDataset(torch.arange(5)), batch_size=2, shuffle=False, generator=g)
epochs = [[b[0].tolist() for b in loader] for _ in range(2)]
loaders["n5_bs2_noshuffle"] = {"epochs": epochs,
                               "next_randint31": int(torch.randint(0, 2**31, (1,), generator=g).item())}
facts["dataloader_seed0"] = loaders

with open(OUT, "w") as f:
    json.dump(facts, f, indent=1)
    f.write("\n")
print(json.dumps(facts, indent=1))
