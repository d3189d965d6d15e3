#!/usr/bin/env python3
"""Golden states for MT19937 jump-ahead (tests/golden/mt19937_jump.json), from real PyTorch.

For each (seed, offset): torch.manual_seed-style Generator(seed), then `offset` 32-bit words
drawn for real (float32 uniform_ draws exactly one word per element, in chunks of at most 10^8),
then torch's get_rng_state() bytes as hex. tests/random/mt19937_jump_golden_test.cpp jumps
weightinit's generator by the same offset and compares the 5056 bytes.

Usage: /usr/bin/python3 tools/torch_jump_golden.py [--out tests/golden/mt19937_jump.json]
"""
import argparse
import json
import time

import torch

CASES = [  # (seed, offset): block edges, and offsets up to 10^10
    (0, 1), (1, 624), (2, 625), (3, 1_000_003), (2**32 + 5, 123_456_789),
    (67280421310721, 1_000_000_007), (20261205, 10_000_000_019),
]
CHUNK = 100_000_000


def state_after(seed, offset):
    g = torch.Generator()
    g.manual_seed(seed)
    buffer = torch.empty(min(offset, CHUNK), dtype=torch.float32)
    left = offset
    while left > 0:
        n = min(left, CHUNK)
        buffer[:n].uniform_(generator=g)
        left -= n
    return g.get_state().numpy().tobytes().hex()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="tests/golden/mt19937_jump.json")
    args = parser.parse_args()
    cases = []
    for seed, offset in CASES:
        start = time.time()
        cases.append({"seed": seed, "offset": offset, "state_hex": state_after(seed, offset)})
        print(f"seed {seed} offset {offset}: {time.time() - start:.1f} s", flush=True)
    with open(args.out, "w") as f:
        json.dump({"torch_version": torch.__version__,
                   "rule": "offset float32 uniform_ draws (one 32-bit word each), then "
                           "get_rng_state()",
                   "cases": cases}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
