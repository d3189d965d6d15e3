#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""`weightinit summary MODEL` for efficientnet_b0, regnet_y_400mf and convnext_tiny must print
torchsummary's table exactly: the "summary" texts of tests/golden/zoo_tv_convnets.json (made by
tools/golden/gen_tv_convnets.py from torchvision 0.14.1's models). Prints "N passed, M failed".

Usage: check_tv_convnets_summary.py --cli build/tools/cli/weightinit [--golden FILE]
"""
import argparse
import difflib
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--golden", default=os.path.join(HERE, "..", "golden", "zoo_tv_convnets.json"))
    a = ap.parse_args()
    with open(a.golden) as f:
        models = json.load(f)["models"]
    passed = failed = 0
    for name, entry in models.items():
        run = subprocess.run([a.cli, "summary", name], capture_output=True, text=True)
        if run.returncode == 0 and run.stdout == entry["summary"]:
            passed += 1
            continue
        failed += 1
        print(f"FAIL summary {name} (exit {run.returncode}): {run.stderr.strip()}")
        diff = difflib.unified_diff(entry["summary"].splitlines(), run.stdout.splitlines(),
                                    "torchsummary", "weightinit", lineterm="", n=1)
        print("\n".join(list(diff)[:20]))
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
