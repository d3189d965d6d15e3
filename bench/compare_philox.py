#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Philox fills: weightinit against PyTorch and numpy, and against the store bandwidth, one run.

Usage (from the repository root, after `cmake --build build --target bench_philox`):

    /usr/bin/python3 bench/compare_philox.py [--build build] [--repeats 3] [--sizes 1e6,1e8]
        [--large] [--markdown]

Use /usr/bin/python3: it has Debian's python3-torch (1.13.1) and numpy.

What it measures, float32, on tensors allocated and written once before timing:
  1. weightinit: runs BUILD/bench/bench_philox (Google Benchmark) with --benchmark_format=json
     --benchmark_repetitions=R --benchmark_report_aggregates_only=true and takes the median
     wall time of philox_uniform_, philox_normal_, philox_trunc_normal_(0, 1, -2, 2),
     init::kaiming_normal_ (Philox generator, shape {n/1000, 1000}), the store limit
     (`store_bandwidth`: OpenMP fill of 1.5f; `memset`: OpenMP memset of 0x3f) at 1 and 2
     OpenMP threads, and orthogonal_ (torch generator, N×N, one OpenBLAS thread).
  2. PyTorch, one child process per thread count t (OMP/OPENBLAS/MKL_NUM_THREADS=t and
     torch.set_num_threads(t)): uniform_(), normal_(), nn.init.trunc_normal_(std=1, a=-2, b=2),
     nn.init.kaiming_normal_ on the (n/1000, 1000) view, fill_(1.5) (beside store_bandwidth),
     and at t=1 nn.init.orthogonal_ on N×N. After one warm-up call, each is timed with
     time.perf_counter over at least R calls and 0.2 s, and the median call is kept.
  3. numpy (single-threaded, in the t=1 child): Generator(Philox(seed)).random(out=a,
     dtype=float32) and .standard_normal(out=a, dtype=float32), and a.fill(1.5), timed as (2).
Prints ns/element for each, ratio = PyTorch time / weightinit time (above 1: weightinit is
faster) and weightinit's bytes/s as a percentage of store_bandwidth at the same n and threads.
`--large` adds n = 1e9 (4 GB per tensor; WEIGHTINIT_BENCH_1E9=1) and orthogonal 4096.
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
THREADS = (1, 2)
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
BUSY_MIN = 0.8  # a timing thread on CPU less than this fraction of the wall time is flagged
# weightinit benchmark -> the PyTorch / numpy call timed beside it (None: no counterpart).
TORCH_OPS = {"philox_uniform": "uniform", "philox_normal": "normal",
             "philox_trunc_normal": "trunc_normal", "kaiming_normal": "kaiming_normal",
             "store_bandwidth": "fill", "memset": None, "orthogonal": "orthogonal"}
NUMPY_OPS = {"philox_uniform": "uniform", "philox_normal": "normal", "store_bandwidth": "fill"}


# --------------------------------------------------------------------------------------------
# Child process: torch is imported only here, after the parent set the thread variables.
def median_call(fn, repeats: int, min_seconds: float = 0.2) -> tuple[float, float]:
    """(median wall seconds of one call, this thread's CPU time / wall time over the calls)."""
    fn()  # warm-up
    times: list[float] = []
    cpu = time.thread_time()
    while len(times) < repeats or (sum(times) < min_seconds and len(times) < 100):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), (time.thread_time() - cpu) / sum(times)


def make_call(np, torch, case: dict):
    """The call a case times, on a fresh array written once (kept alive by the closure only)."""
    n, op = case["n"], case["op"]
    if case["lib"] == "numpy":
        gen = np.random.Generator(np.random.Philox(SEED))
        a = np.empty(n, dtype=np.float32)
        a.fill(1.0)  # touch every page once, outside the timing
        return {"uniform": lambda: gen.random(out=a, dtype=np.float32),
                "normal": lambda: gen.standard_normal(out=a, dtype=np.float32),
                "fill": lambda: a.fill(1.5)}[op]
    t = torch.empty((n, n) if op == "orthogonal" else (n // 1000, 1000))
    t.fill_(1.0)
    flat = t.view(-1)
    return {"uniform": flat.uniform_, "normal": flat.normal_,
            "trunc_normal": lambda: torch.nn.init.trunc_normal_(flat, std=1.0, a=-2.0, b=2.0),
            "kaiming_normal": lambda: torch.nn.init.kaiming_normal_(t),
            "fill": lambda: flat.fill_(1.5),
            "orthogonal": lambda: torch.nn.init.orthogonal_(t)}[op]


def worker() -> None:
    """Times the cases given as JSON on stdin; writes {versions, results} as JSON to stdout."""
    import numpy as np  # noqa: PLC0415
    import torch  # noqa: PLC0415

    job = json.load(sys.stdin)
    torch.set_num_threads(job["threads"])
    torch.manual_seed(SEED)
    results = []
    for case in job["cases"]:
        fn = make_call(np, torch, case)
        seconds, busy = median_call(fn, case["repeats"])
        results.append({**case, "seconds": seconds, "busy": busy})
        del fn  # frees the array before the next case allocates
    json.dump({"torch": torch.__version__, "numpy": np.__version__,
               "torch_threads": torch.get_num_threads(), "results": results}, sys.stdout)


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


def thread_env(threads: int, **extra: str) -> dict[str, str]:
    return {**os.environ, **{var: str(threads) for var in THREAD_ENV}, **extra}


def shown(env: dict[str, str], keys) -> list[str]:
    return ["env", *(f"{k}={env[k]}" for k in keys if k in env)]


def run_weightinit(binary: str, repeats: int, env: dict[str, str]) -> tuple[list[str], dict, dict]:
    """Runs bench_philox; returns (command, context, {(op, n, threads): (median seconds,
    cpu_time / real_time of the timing thread)})."""
    cmd = [binary, "--benchmark_format=json", f"--benchmark_repetitions={repeats}",
           "--benchmark_report_aggregates_only=true"]
    full = shown(env, ("WEIGHTINIT_BENCH_SIZES", "WEIGHTINIT_BENCH_1E9", *THREAD_ENV)) + cmd
    log("running: " + shlex.join(full))
    data = json.loads(subprocess.run(cmd, stdout=subprocess.PIPE, env=env, check=True,
                                     text=True).stdout)
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}
    results = {}
    for b in data["benchmarks"]:
        if b.get("error_occurred"):
            raise SystemExit(f"benchmark {b['name']} failed: {b.get('error_message')}")
        if b.get("aggregate_name", "median") != "median":
            continue
        op, *fields = b["run_name"].split("/")
        args = dict(f.split(":", 1) for f in fields if ":" in f)
        key = (op, int(args["n"]), int(args.get("threads", 1)))
        results[key] = (b["real_time"] * scale[b["time_unit"]], b["cpu_time"] / b["real_time"])
    return full, data.get("context", {}), results


def run_worker(python: str, threads: int, cases: list[dict]) -> tuple[list[str], dict]:
    env = thread_env(threads)
    cmd = [python, os.path.abspath(__file__), "--worker"]
    full = shown(env, THREAD_ENV) + cmd
    log(f"running PyTorch/numpy ({threads} thread(s), {len(cases)} cases): "
        + shlex.join(full) + " < CASES.json")
    proc = subprocess.run(cmd, input=json.dumps({"threads": threads, "cases": cases}),
                          stdout=subprocess.PIPE, env=env, check=True, text=True)
    return full, json.loads(proc.stdout)


def format_n(n: int) -> str:
    k = len(str(n)) - 1
    return f"1e{k}" if n == 10**k else str(n)


def parse_sizes(text: str) -> list[int]:
    sizes = [int(float(s)) for s in text.split(",") if s.strip()]
    for n in sizes:
        if n < 1000 or n % 1000:
            raise SystemExit(f"--sizes: {n} is not a positive multiple of 1000 (kaiming_normal "
                             "uses shape {n/1000, 1000})")
    return sizes


def main() -> int:
    if sys.argv[1:] == ["--worker"]:
        worker()
        return 0

    parser = argparse.ArgumentParser(description="Time weightinit's Philox fills beside "
                                     "PyTorch, numpy and the store bandwidth.")
    parser.add_argument("--build", "--cli-build", default="build",
                        help="CMake build directory holding bench/bench_philox (default build)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="Google Benchmark repetitions, and the least number of timed "
                        "PyTorch/numpy calls (default 3)")
    parser.add_argument("--sizes", default="1e6,1e8",
                        help="comma-separated fill sizes in elements (default 1e6,1e8)")
    parser.add_argument("--large", action="store_true",
                        help="add n = 1e9 (4 GB per tensor) and orthogonal 4096")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--python", default=sys.executable,
                        help="interpreter with torch and numpy (default: this one)")
    args = parser.parse_args()

    sizes = parse_sizes(args.sizes)
    if any(n >= 10**9 for n in sizes) and not args.large:
        raise SystemExit("--sizes: n >= 1e9 needs --large")
    if args.large:
        sizes = [n for n in sizes if n != 10**9]  # the bench adds 1e9 itself
    binary = os.path.join(args.build, "bench", "bench_philox")
    if not os.access(binary, os.X_OK):
        log(f"error: {binary} is not an executable (build the bench_philox target)")
        return 1
    check = subprocess.run([args.python, "-c", "import torch, numpy"], capture_output=True,
                           text=True)
    if check.returncode != 0:
        log(f"error: {args.python} cannot import torch and numpy:\n{check.stderr.strip()}")
        return 1

    load = os.getloadavg()
    started = time.perf_counter()
    extra = {"WEIGHTINIT_BENCH_SIZES": ",".join(str(n) for n in sizes)}
    if args.large:
        extra["WEIGHTINIT_BENCH_1E9"] = "1"
    bench_env = thread_env(1, **extra)  # one OpenBLAS thread; fills set OpenMP threads
    wi_cmd, context, wi = run_weightinit(binary, args.repeats, bench_env)

    other: dict[tuple, tuple[float, float]] = {}  # (lib, op, n, threads) -> (seconds, busy)
    worker_cmds, versions = [], {}
    for threads in THREADS:
        cases = []
        for (op, n, t) in wi:
            if t != threads:
                continue
            if TORCH_OPS.get(op):
                cases.append({"lib": "torch", "op": TORCH_OPS[op], "n": n, "wi": op})
            if threads == 1 and op in NUMPY_OPS:
                cases.append({"lib": "numpy", "op": NUMPY_OPS[op], "n": n, "wi": op})
        for c in cases:
            c["repeats"] = args.repeats
        if not cases:
            continue
        cmd, out = run_worker(args.python, threads, cases)
        worker_cmds.append(cmd)
        versions = {"torch": out["torch"], "numpy": out["numpy"]}
        for r in out["results"]:
            other[(r["lib"], r["wi"], r["n"], threads)] = (r["seconds"], r["busy"])

    flagged = False

    def ns(timing: tuple[float, float] | None, n: int) -> str:
        nonlocal flagged
        if timing is None:
            return "-"
        flagged |= timing[1] < BUSY_MIN
        return f"{timing[0] / n * 1e9:.3f}" + (" *" if timing[1] < BUSY_MIN else "")

    rows = []
    for (op, n, threads), timing in wi.items():  # the binary's order
        seconds, elems = timing[0], n * n if op == "orthogonal" else n
        pt = other.get(("torch", op, n, threads))
        npy = other.get(("numpy", op, n, threads))
        store = wi.get(("store_bandwidth", n, threads))
        pct = "-" if op == "orthogonal" or store is None else f"{100 * store[0] / seconds:.0f}%"
        rows.append([op, f"{n}x{n}" if op == "orthogonal" else format_n(n), str(threads),
                     ns(timing, elems), ns(pt, elems), ns(npy, elems),
                     "-" if pt is None else f"{pt[0] / seconds:.2f}",
                     f"{4 * elems / seconds / 1e9:.2f}", pct])
    header = ["op", "n", "threads", "weightinit ns/elem", "PyTorch ns/elem", "numpy ns/elem",
              "PyTorch/weightinit", "weightinit GB/s", "% of store_bandwidth"]

    info = [
        ("Machine", f"{cpu_model()}, {context.get('num_cpus', '?')} CPUs, "
         f"{platform.system()} {platform.machine()}", False),
        ("Versions", f"PyTorch {versions.get('torch', '?')}, numpy {versions.get('numpy', '?')}"
         f"; Google Benchmark median of {args.repeats} repetitions, PyTorch/numpy median of "
         f"at least {args.repeats} calls and 0.2 s; PyTorch beside store_bandwidth is "
         "fill_(1.5), numpy a.fill(1.5); numpy is single-threaded", False),
        ("Command", shlex.join([sys.executable, *sys.argv]), True),
        ("weightinit", shlex.join(wi_cmd), True),
        *((f"PyTorch/numpy {i + 1}", shlex.join(c) + " < CASES.json", True)
          for i, c in enumerate(worker_cmds)),
        ("Took", f"{time.perf_counter() - started:.0f} s; load average before the run "
         f"{load[0]:.2f} (1 min), {load[1]:.2f} (5 min)", False),
    ]
    footnote = (f"\\* the timing thread was on a CPU less than {BUSY_MIN:.0%} of the wall time: "
                "another process may have held a core (rerun on a quiet machine), or the op "
                "left that thread waiting for the other.")
    right = set(range(2, len(header)))
    if args.markdown:
        for label, text, is_cmd in info:
            print(f"- {label}: " + (f"`{text}`" if is_cmd else text))
        print()
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        if flagged:
            print("\n" + footnote)
    else:
        for label, text, _ in info:
            print(f"{label}: {text}")
        print()
        widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]

        def fmt(cells: list[str]) -> str:
            return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths)))

        print(fmt(header))
        print("  ".join("-" * w for w in widths))
        for r in rows:
            print(fmt(r))
        if flagged:
            print("\n" + footnote.replace("\\*", "*"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
