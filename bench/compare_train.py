#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# One training epoch on Fashion-MNIST, weightinit vs PyTorch, same machine, same run, same
# threads, same seeds, same init, same batches. Prints the median epoch time of each, their
# ratio, and the test accuracy after the epoch (mean over the seeds).
#
#   /usr/bin/python3 bench/compare_train.py --cli build/tools/cli/weightinit \
#       --models mlp:784-256-256-10:relu cnn --seeds 0 1 2 --threads 1 2
#
# PyTorch is timed two ways: "torch" gathers each batch with one x[idx] (its fastest way to feed
# in-memory data) and "torch-loader" runs a DataLoader over a TensorDataset (what most scripts
# do). The ratio is taken against the faster, "torch". Epoch time excludes data loading and
# evaluation on both sides (weightinit's train_seconds, the same loop span in torch). Each torch
# run is its own process with OMP_NUM_THREADS and OPENBLAS_NUM_THREADS set to the thread count
# (torch.set_num_threads alone leaves OpenBLAS's pool at all cores).
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import torch_train  # noqa: E402


def thread_env(threads):
    """OpenMP and OpenBLAS limited to `threads`: OpenBLAS keeps its own pthread pool, which
    torch.set_num_threads does not reach, so it is set before the libraries load."""
    return dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))


def run_torch(threads, **kwargs):
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools",
                          "torch_train.py")
    out = subprocess.run(["/usr/bin/python3", script, json.dumps(dict(kwargs, threads=threads))],
                         check=True, env=thread_env(threads), capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_weightinit(cli, model, init, seed, threads, epochs, batch, lr, train_samples=0):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "run.json")
        env = thread_env(threads)
        subset = ["--train-samples", str(train_samples)] if train_samples else []
        subprocess.run([cli, "train", "--model", model, "--init", init, "--seed", str(seed),
                        "--threads", str(threads), "--epochs", str(epochs), "--batch", str(batch),
                        "--lr", str(lr), "--progress", "none", "--log", log] + subset,
                       check=True, env=env, stdout=subprocess.DEVNULL)
        with open(log) as f:
            return json.load(f)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cli", required=True, help="path of the weightinit executable")
    ap.add_argument("--models", nargs="+", default=["mlp:784-256-256-10:relu", "cnn"])
    ap.add_argument("--init", default="kaiming_normal")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--loader", action="store_true", help="also time torch's DataLoader path")
    ap.add_argument("--train-samples", type=int, default=0,
                    help="the first N training images only (0: all 60,000)")
    args = ap.parse_args()

    print(f"torch {torch_train.torch.__version__}, ATEN_CPU_CAPABILITY="
          f"{os.environ.get('ATEN_CPU_CAPABILITY', '(auto)')}, {args.epochs} epoch(s), batch "
          f"{args.batch}, SGD lr {args.lr}, init {args.init}, seeds {args.seeds}, "
          f"{args.train_samples or 60000} training images")
    header = (f"{'model':28} {'thr':>3} {'weightinit s':>12} {'torch s':>8} {'ratio':>6} "
              f"{'loader s':>8} {'wi acc':>7} {'torch acc':>9} {'max |dloss| 1st 20':>18}")
    print(header)
    for model in args.models:
        for threads in args.threads:
            wi_t, th_t, ld_t, wi_acc, th_acc, dloss = [], [], [], [], [], []
            for seed in args.seeds:  # interleaved, so drift hits both sides alike
                w = run_weightinit(args.cli, model, args.init, seed, threads, args.epochs,
                                   args.batch, args.lr, args.train_samples)
                common = dict(spec=model, init=args.init, seed=seed, epochs=args.epochs,
                              batch=args.batch, lr=args.lr, train_samples=args.train_samples)
                t = run_torch(threads, **common)
                if args.loader:
                    ld_t.append(run_torch(threads, collate="loader", **common)["train_seconds"])
                wi_t.append(w["train_seconds"])
                th_t.append(t["train_seconds"])
                wi_acc.append(w["test_accuracy"])
                th_acc.append(t["test_accuracy"])
                dloss.append(max(abs(a - b) for a, b in
                                 zip(w["step_loss"][:20], t["step_loss"][:20])))
            wm, tm = statistics.median(wi_t), statistics.median(th_t)
            lm = f"{statistics.median(ld_t):8.2f}" if ld_t else f"{'-':>8}"
            print(f"{model:28} {threads:3d} {wm:12.2f} {tm:8.2f} {wm / tm:6.2f} {lm} "
                  f"{statistics.mean(wi_acc):7.4f} {statistics.mean(th_acc):9.4f} "
                  f"{max(dloss):18.2e}", flush=True)


if __name__ == "__main__":
    main()
