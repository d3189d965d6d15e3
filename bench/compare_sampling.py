#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Compare weightinit's uniform_/normal_ throughput with PyTorch's, in one run.

Usage (from the repository root, after building the bench_sampling target):

    /usr/bin/python3 bench/compare_sampling.py BUILD_DIR/bench/bench_sampling [--markdown]

or simply `make bench` (which calls bench/run_sampling_bench.sh). Use /usr/bin/python3: it
has Debian's python3-torch; the `python3` first on PATH may not have torch.

What it does:
  1. Runs the Google Benchmark binary with --benchmark_format=json and takes, for each
     benchmark (`<op>/<dtype>/<mode>/n:<n>`), the median over its repetitions of the wall time
     per fill.
  2. Times PyTorch's equivalent (`t = torch.empty(n, dtype=...); t.uniform_()` or
     `t.normal_()`) on a preallocated tensor that was written once before timing, single
     threaded (torch.set_num_threads(1), OMP/OPENBLAS/MKL_NUM_THREADS=1), median of several
     repeats of one fill each, timed with time.perf_counter. Each arithmetic mode runs in its
     own child process: `default` rows with ATEN_CPU_CAPABILITY=default set before torch is
     imported, `avx2` rows with ATEN_CPU_CAPABILITY unset (torch picks its best kernels; the
     capability torch reports is printed).
  3. Prints the machine, the commands, and one table: op, dtype, n, mode, ns/element for
     weightinit and PyTorch, and ratio = PyTorch time / weightinit time (> 1: weightinit is
     faster). `--markdown` prints the same as Markdown, for docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time

SEED = 20240601
MODES = ("avx2", "default")
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


# --------------------------------------------------------------------------------------------
# Child process: time PyTorch. Runs before anything else imports torch, so the environment the
# parent prepared (ATEN_CPU_CAPABILITY, thread counts) is what torch sees at import.
def torch_worker() -> None:
    """Times the cases given as JSON on stdin; writes the results as JSON to stdout."""
    import torch  # noqa: PLC0415 (imported here on purpose: after the environment is set)

    torch.set_num_threads(int(os.environ.get("WEIGHTINIT_BENCH_THREADS", "1")))
    torch.manual_seed(SEED)
    capability = "unknown"
    for line in torch.__config__.show().splitlines():
        if "CPU capability usage" in line:
            capability = line.split(":", 1)[1].strip()
    dtypes = {"float32": torch.float32, "float64": torch.float64}
    results = []
    for case in json.load(sys.stdin):
        n = case["n"]
        t = torch.empty(n, dtype=dtypes[case["dtype"]])
        t.fill_(0.0)  # touch every page once, outside the timing
        if case["op"] == "trunc_normal_":
            def fill(t=t):
                torch.nn.init.trunc_normal_(t)
        else:
            fill = getattr(t, case["op"])
        fill()  # warm-up
        times = []
        for _ in range(case["repeats"]):
            start = time.perf_counter()
            fill()
            times.append(time.perf_counter() - start)
        results.append({**case, "seconds": statistics.median(times)})
        del t, fill
    json.dump(
        {
            "torch_version": torch.__version__,
            "capability": capability,
            "num_threads": torch.get_num_threads(),
            "results": results,
        },
        sys.stdout,
    )


# --------------------------------------------------------------------------------------------
def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nproc() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 0


def run_weightinit(binary: str, extra: list[str],
                   threads: int) -> tuple[list[str], dict, dict]:
    """Runs the bench binary; returns (command, context, {(op, dtype, mode, n): seconds})."""
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    cmd = [binary, "--benchmark_format=json", *extra]
    log(f"running: OMP_NUM_THREADS={threads} " + shlex.join(cmd))
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, text=True, env=env)
    data = json.loads(proc.stdout)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    per_run: dict[tuple, list[float]] = {}
    aggregate_median: dict[tuple, float] = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            raise SystemExit(f"benchmark {b['name']} failed: {b.get('error_message')}")
        parts = b["run_name"].split("/")
        op, dtype, mode, n_field = parts[:4]
        if not n_field.startswith("n:"):
            raise SystemExit(f"unexpected benchmark name {b['run_name']!r}")
        key = (op, dtype, mode, int(n_field[2:]))
        seconds = b["real_time"] * scale[b["time_unit"]]
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                aggregate_median[key] = seconds
        else:
            per_run.setdefault(key, []).append(seconds)
    results = {k: statistics.median(v) for k, v in per_run.items()}
    for k, v in aggregate_median.items():
        results.setdefault(k, v)  # only aggregates were reported
    return cmd, data.get("context", {}), results


def run_torch(python: str, mode: str, cases: list[dict],
              threads: int) -> tuple[list[str], dict]:
    env = dict(os.environ)
    for var in THREAD_ENV:
        env[var] = str(threads)
    env["WEIGHTINIT_BENCH_THREADS"] = str(threads)
    if mode == "default":
        env["ATEN_CPU_CAPABILITY"] = "default"
    else:
        env.pop("ATEN_CPU_CAPABILITY", None)
    cmd = [python, os.path.abspath(__file__), "--torch-worker"]
    shown = ["-u", "ATEN_CPU_CAPABILITY"] if "ATEN_CPU_CAPABILITY" not in env else []
    shown += [f"{k}={env[k]}" for k in ("ATEN_CPU_CAPABILITY", *THREAD_ENV,
                                        "WEIGHTINIT_BENCH_THREADS") if k in env]
    full = ["env", *shown, *cmd]
    log(f"running PyTorch ({mode}): " + shlex.join(full) + " < CASES.json")
    proc = subprocess.run(cmd, input=json.dumps(cases), stdout=subprocess.PIPE, env=env,
                          check=True, text=True)
    return full, json.loads(proc.stdout)


def format_n(n: int) -> str:
    k = len(str(n)) - 1
    return f"1e{k}" if n == 10**k else str(n)


def main() -> int:
    if sys.argv[1:] == ["--torch-worker"]:
        torch_worker()
        return 0

    parser = argparse.ArgumentParser(
        description="Time weightinit's and PyTorch's uniform_/normal_ on this machine.")
    parser.add_argument("binary", help="path to the bench_sampling executable")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with torch for the PyTorch timings "
                        "(default: this one, %(default)s)")
    parser.add_argument("--repeats-small", type=int, default=25,
                        help="PyTorch repeats for fills of 1e6 elements or fewer (default 25)")
    parser.add_argument("--repeats-large", type=int, default=5,
                        help="PyTorch repeats for larger fills (default 5)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads on both sides (OMP_NUM_THREADS for weightinit, "
                        "torch.set_num_threads for PyTorch; default 1)")
    parser.add_argument("--benchmark-arg", action="append", default=[],
                        help="extra argument for the bench binary, e.g. "
                        "--benchmark-arg=--benchmark_filter=uniform (repeatable)")
    args = parser.parse_args()

    check = subprocess.run([args.python, "-c", "import torch"], capture_output=True, text=True)
    if check.returncode != 0:
        log(f"error: {args.python} cannot import torch (install python3-torch, or pass "
            f"--python):\n{check.stderr.strip()}")
        return 1
    if not os.access(args.binary, os.X_OK):
        log(f"error: {args.binary} is not an executable (build the bench_sampling target)")
        return 1

    wi_cmd, context, wi = run_weightinit(args.binary, args.benchmark_arg, args.threads)
    if not wi:
        log("error: the bench binary reported no benchmarks")
        return 1

    torch_info: dict[str, dict] = {}
    torch_cmds: dict[str, list[str]] = {}
    torch_times: dict[tuple, float] = {}
    for mode in MODES:
        cases = [
            {"op": op, "dtype": dtype, "n": n,
             "repeats": args.repeats_small if n <= 1_000_000 else args.repeats_large}
            for (op, dtype, m, n) in wi if m == mode
        ]
        if not cases:
            continue
        torch_cmds[mode], torch_info[mode] = run_torch(args.python, mode, cases, args.threads)
        for r in torch_info[mode]["results"]:
            torch_times[(r["op"], r["dtype"], mode, r["n"])] = r["seconds"]

    rows = []
    for key in wi:  # the binary's order
        op, dtype, mode, n = key
        wi_ns = wi[key] / n * 1e9
        pt_ns = torch_times[key] / n * 1e9
        rows.append([op, dtype, format_n(n), mode, f"{wi_ns:.3f}", f"{pt_ns:.3f}",
                     f"{pt_ns / wi_ns:.2f}"])
    header = ["op", "dtype", "n", "mode", "weightinit ns/elem", "PyTorch ns/elem",
              "ratio (PyTorch/weightinit)"]

    versions = {info["torch_version"] for info in torch_info.values()}
    # (indent, label, text, is_command)
    info = [
        (0, "Machine", f"{cpu_model()}, nproc {nproc()}, {platform.system()} "
         f"{platform.machine()}", False),
        (0, "weightinit", f"cpu_has_avx2_fma={context.get('cpu_has_avx2_fma', '?')}, seed "
         f"{context.get('seed', '?')}, median wall time over the benchmark's repetitions "
         f"(Google Benchmark library_build_type={context.get('library_build_type', '?')})",
         False),
        (0, "Threads", f"{args.threads} on both sides", False),
        (0, "PyTorch", f"{', '.join(sorted(versions))}, median of "
         f"{args.repeats_small} (n <= 1e6) or {args.repeats_large} (larger n) single fills; "
         "CPU capability: "
         + ", ".join(f"{m} rows -> {i['capability']}" for m, i in torch_info.items()), False),
    ]
    if os.environ.get("WEIGHTINIT_BENCH_COMMAND"):
        info.append((0, "Command", os.environ["WEIGHTINIT_BENCH_COMMAND"], True))
        info.append((1, "which ran", shlex.join([sys.executable, *sys.argv]), True))
    else:
        info.append((0, "Command", shlex.join([sys.executable, *sys.argv]), True))
    info.append((1, "weightinit", shlex.join(wi_cmd), True))
    info += [(1, f"PyTorch {m}", shlex.join(c) + " < CASES.json", True)
             for m, c in torch_cmds.items()]

    if args.markdown:
        for indent, label, text, is_cmd in info:
            print("  " * indent + f"- {label}: " + (f"`{text}`" if is_cmd else text))
        print()
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join(["---"] * 4 + ["---:"] * 3) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        for indent, label, text, _ in info:
            print("  " * indent + f"{label}: {text}")
        print()
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
        right = {4, 5, 6}

        def fmt(cells: list[str]) -> str:
            return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths)))

        print(fmt(header))
        print("  ".join("-" * w for w in widths))
        for r in rows:
            print(fmt(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
