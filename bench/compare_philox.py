#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Philox fills: weightinit against PyTorch and numpy, and against the store bandwidth, one run.

Usage (from the repository root, after `cmake --build build --target bench_philox`):

    /usr/bin/python3 bench/compare_philox.py [--build build] [--repeats 3] [--sizes 1e6,1e8]
        [--large] [--only REGEX] [--markdown]

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
  4. First touch, a second table (n >= 1e7 only): bench_philox's first_touch_normal and
     first_touch_memset allocate a fresh tensor in every iteration, advise its pages
     (huge:1 MADV_HUGEPAGE, huge:0 MADV_NOHUGEPAGE), fill it (philox_normal_, or a parallel
     memset of 0x3f) and free it, at 1 and 2 threads; beside them PyTorch's
     `torch.empty(n).normal_()` and `torch.empty(n).fill_(1.5)` on a fresh tensor per call
     (allocation, fill and free timed on both sides), with the minor page faults per fill
     (getrusage) and the slowdown against the same fill on touched memory.
The header shows /sys/kernel/mm/transparent_hugepage/{enabled,defrag}.
`--large` adds n = 1e9 (4 GB per tensor; WEIGHTINIT_BENCH_1E9=1) and orthogonal 4096;
`--only REGEX` runs only the bench_philox benchmarks REGEX matches (--benchmark_filter), e.g.
`--large --only orthogonal` for orthogonal_ up to 4096.
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
# First-touch benchmark -> (the PyTorch call on a fresh tensor, the touched-memory benchmark).
FIRST_TOUCH = {"first_touch_normal": ("fresh_normal", "philox_normal"),
               "first_touch_memset": ("fresh_fill", "memset")}
THP = "/sys/kernel/mm/transparent_hugepage"


# --------------------------------------------------------------------------------------------
# Child process: torch is imported only here, after the parent set the thread variables.
def median_call(fn, repeats: int, min_seconds: float = 0.2) -> tuple[float, float, float]:
    """(median wall seconds of one call, this thread's CPU time / wall time over the calls,
    minor page faults of the process per call)."""
    import resource  # noqa: PLC0415

    fn()  # warm-up
    times: list[float] = []
    cpu = time.thread_time()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    while len(times) < repeats or (sum(times) < min_seconds and len(times) < 100):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults
    return (statistics.median(times), (time.thread_time() - cpu) / sum(times),
            faults / len(times))


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
    if op == "fresh_normal":  # a fresh tensor per call: allocation, faults, fill and free
        return lambda: torch.empty(n).normal_()
    if op == "fresh_fill":
        return lambda: torch.empty(n).fill_(1.5)
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
        seconds, busy, faults = median_call(fn, case["repeats"])
        results.append({**case, "seconds": seconds, "busy": busy, "faults": faults})
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


def thp_setting(name: str) -> str:
    try:
        with open(os.path.join(THP, name), encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "unavailable"


def thread_env(threads: int, **extra: str) -> dict[str, str]:
    return {**os.environ, **{var: str(threads) for var in THREAD_ENV}, **extra}


def shown(env: dict[str, str], keys) -> list[str]:
    return ["env", *(f"{k}={env[k]}" for k in keys if k in env)]


def run_weightinit(binary: str, repeats: int, env: dict[str, str],
                   only: str | None) -> tuple[list[str], dict, dict]:
    """Runs bench_philox; returns (command, context, {(op, n, threads) or, for the first-touch
    benchmarks, (op, n, threads, huge): (median seconds, cpu_time / real_time of the timing
    thread, page faults per fill or None)})."""
    cmd = [binary, "--benchmark_format=json", f"--benchmark_repetitions={repeats}",
           "--benchmark_report_aggregates_only=true"]
    if only:
        cmd.append(f"--benchmark_filter={only}")
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
        if "huge" in args:
            key += (int(args["huge"]),)
        results[key] = (b["real_time"] * scale[b["time_unit"]], b["cpu_time"] / b["real_time"],
                        b.get("faults/fill"))
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
    parser.add_argument("--only", metavar="REGEX",
                        help="run only the bench_philox benchmarks REGEX matches "
                        "(--benchmark_filter), e.g. orthogonal")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
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
    wi_cmd, context, results = run_weightinit(binary, args.repeats, bench_env, args.only)
    wi = {k: v for k, v in results.items() if len(k) == 3}
    ft = {k: v for k, v in results.items() if len(k) == 4}  # first touch: (op, n, threads, huge)
    if not results:
        log("error: bench_philox reported no benchmarks")
        return 1

    # (lib, op, n, threads) -> (seconds, busy, faults per call)
    other: dict[tuple, tuple[float, float, float]] = {}
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
        for (op, n, t, _) in ft:
            case = {"lib": "torch", "op": FIRST_TOUCH[op][0], "n": n, "wi": op}
            if t == threads and case not in cases:  # one per (op, n): huge pages are ours
                cases.append(case)
        for c in cases:
            c["repeats"] = args.repeats
        if not cases:
            continue
        cmd, out = run_worker(args.python, threads, cases)
        worker_cmds.append(cmd)
        versions = {"torch": out["torch"], "numpy": out["numpy"]}
        for r in out["results"]:
            other[(r["lib"], r["wi"], r["n"], threads)] = (r["seconds"], r["busy"], r["faults"])

    flagged = False

    def ns(timing: tuple | None, n: int) -> str:
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

    def gbs(timing: tuple | None, n: int) -> str:
        return "-" if timing is None else f"{4 * n / timing[0] / 1e9:.2f}"

    def faults(timing: tuple | None) -> str:
        return "-" if timing is None or timing[2] is None else f"{timing[2]:,.0f}"

    ft_rows = []
    for (op, n, threads, huge), timing in ft.items():
        pt = other.get(("torch", op, n, threads))
        touched = wi.get((FIRST_TOUCH[op][1], n, threads))
        ft_rows.append([op, format_n(n), str(threads), "on" if huge else "off", ns(timing, n),
                        gbs(timing, n), faults(timing),
                        "-" if touched is None else f"{timing[0] / touched[0]:.2f}",
                        ns(pt, n), gbs(pt, n), faults(pt),
                        "-" if pt is None else f"{pt[0] / timing[0]:.2f}"])
    ft_header = ["op", "n", "threads", "huge pages", "weightinit ns/elem", "weightinit GB/s",
                 "weightinit faults/fill", "time / touched-memory time", "PyTorch ns/elem",
                 "PyTorch GB/s", "PyTorch faults/fill", "PyTorch/weightinit"]
    ft_note = ("First touch: a fresh tensor per fill, allocation + page faults + fill + free "
               "timed on both sides; weightinit advises each tensor MADV_HUGEPAGE (huge pages "
               "on) or MADV_NOHUGEPAGE (off); PyTorch is torch.empty(n).normal_() beside "
               "first_touch_normal and torch.empty(n).fill_(1.5) beside first_touch_memset "
               "(its allocator does not advise huge pages). time / touched-memory time: against "
               "philox_normal resp. memset at the same n and threads in the table above.")

    info = [
        ("Machine", f"{cpu_model()}, {context.get('num_cpus', '?')} CPUs, "
         f"{platform.system()} {platform.machine()}", False),
        ("Transparent huge pages", f"enabled: {thp_setting('enabled')}; defrag: "
         f"{thp_setting('defrag')}", False),
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
    tables = [(None, header, rows), (ft_note, ft_header, ft_rows)]
    tables = [t for t in tables if t[2]]
    if args.markdown:
        for label, text, is_cmd in info:
            print(f"- {label}: " + (f"`{text}`" if is_cmd else text))
        for note, head, body in tables:
            right = set(range(2, len(head)))
            print()
            if note:
                print(note + "\n")
            print("| " + " | ".join(head) + " |")
            print("|" + "|".join("---:" if i in right else "---" for i in range(len(head)))
                  + "|")
            for r in body:
                print("| " + " | ".join(r) + " |")
        if flagged:
            print("\n" + footnote)
    else:
        for label, text, _ in info:
            print(f"{label}: {text}")
        for note, head, body in tables:
            right = set(range(2, len(head)))
            widths = [max(len(h), *(len(r[i]) for r in body)) for i, h in enumerate(head)]

            def fmt(cells: list[str], right=right, widths=widths) -> str:
                return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths)))

            print()
            if note:
                print(note + "\n")
            print(fmt(head))
            print("  ".join("-" * w for w in widths))
            for r in body:
                print(fmt(r))
        if flagged:
            print("\n" + footnote.replace("\\*", "*"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
