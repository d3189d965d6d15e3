#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Building a torchvision model with its init: `weightinit init` against PyTorch, same run.

Usage (after building the weightinit CLI):

    /usr/bin/python3 bench/compare_init.py --cli build/tools/cli/weightinit \
        [--models resnet50 ...] [--repeats 5] [--threads 1 2] [--markdown]

For each model and thread count, alternating the two sides `repeats` times:
  * weightinit: the whole process `weightinit init MODEL --policy torchvision-X --seed 0 -o F`
    (start, construct, init, write the safetensors file with fsync, exit), wall time; and the
    in-process time the command itself prints (since -o streams each tensor straight into the
    file, construct, init and write are one step);
  * PyTorch (1.13.1 + torchvision 0.14.1, a child process with OMP/OPENBLAS_NUM_THREADS and
    torch.set_num_threads): `torch.manual_seed(0); torchvision.models.X()` timed inside the
    process (construct + torchvision's init, no file), and the same followed by writing the
    state dict as safetensors with fsync (json header + tensor bytes, as tests/io's reader
    reads it) for an end-to-end figure.
Both produce the same bits (checked by tests/io/check_torchvision_init.py). Prints medians and
ratios = PyTorch time / weightinit time (above 1: weightinit is faster).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

POLICY = {
    "resnet": "torchvision-resnet", "resnext": "torchvision-resnet",
    "wide_resnet": "torchvision-resnet", "vgg": "torchvision-vgg",
    "densenet": "torchvision-densenet", "mobilenet": "torchvision-mobilenet",
}

TORCH_CHILD = r'''
import json, os, struct, sys, time, warnings
warnings.filterwarnings("ignore")
import torch, torchvision
torch.set_num_threads(int(sys.argv[2]))
name, out = sys.argv[1], sys.argv[3]
t0 = time.perf_counter()
torch.manual_seed(0)
model = getattr(torchvision.models, name)()
t1 = time.perf_counter()
state = model.state_dict()
header, offset, blobs = {}, 0, []
for key, t in state.items():
    b = t.contiguous().numpy().tobytes()
    dtype = {torch.float32: "F32", torch.int64: "I64"}[t.dtype]
    header[key] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
    offset += len(b)
    blobs.append(b)
text = json.dumps(header).encode()
text += b" " * (-len(text) % 8)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text)
    for b in blobs:
        f.write(b)
    f.flush()
    os.fsync(f.fileno())
t2 = time.perf_counter()
print(t1 - t0, t2 - t0)
'''


def policy_for(model):
    for prefix, policy in POLICY.items():
        if model.startswith(prefix):
            return policy
    raise SystemExit(f"no torchvision policy for {model}")


def run_ours(cli, model, threads, path):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    t0 = time.perf_counter()
    r = subprocess.run([cli, "init", model, "--policy", policy_for(model), "--seed", "0", "-o",
                        path], capture_output=True, text=True, env=env, check=True)
    wall = time.perf_counter() - t0
    init = float(re.search(r"written to .* in ([0-9.]+) s", r.stdout).group(1))
    return wall, init


def run_torch(model, threads, path):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    r = subprocess.run(["/usr/bin/python3", "-c", TORCH_CHILD, model, str(threads), path],
                       capture_output=True, text=True, env=env, check=True)
    build, total = map(float, r.stdout.split())
    return build, total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--models", nargs="+", default=["resnet18", "resnet50", "mobilenet_v2",
                                                      "densenet121", "vgg16"])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--markdown", action="store_true")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(dir=os.path.dirname(os.path.abspath(a.cli))) as tmp:
        ours_path, torch_path = os.path.join(tmp, "ours.safetensors"), os.path.join(tmp, "t.st")
        for model in a.models:
            for threads in a.threads:
                ow, oi, tb, tt = [], [], [], []
                for _ in range(a.repeats):
                    w, i = run_ours(a.cli, model, threads, ours_path)
                    ow.append(w)
                    oi.append(i)
                    b, t = run_torch(model, threads, torch_path)
                    tb.append(b)
                    tt.append(t)
                m = statistics.median
                rows.append((model, threads, m(oi), m(ow), m(tb), m(tt), m(tt) / m(oi),
                             m(tt) / m(ow), m(tb) / m(ow)))
    head = ("| model | threads | weightinit in-process (construct+init+write) s "
            "| weightinit whole process s | PyTorch construct+init s "
            "| PyTorch construct+init+write s | ratio in-process | ratio whole process "
            "| PyTorch construct+init / weightinit whole process |")
    if a.markdown:
        print(head)
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print("| {} | {} | {:.3f} | {:.3f} | {:.3f} | {:.3f} | {:.2f} | {:.2f} | {:.2f} |"
                  .format(*r))
    else:
        for r in rows:
            print("{:14s} threads {}: in-process {:.3f} s, whole process {:.3f} s; torch build "
                  "{:.3f} s, build+write {:.3f} s; ratios (torch build+write / ours) in-process "
                  "{:.2f}x, whole process {:.2f}x; torch build / our whole process {:.2f}x"
                  .format(*r))


if __name__ == "__main__":
    sys.exit(main())
