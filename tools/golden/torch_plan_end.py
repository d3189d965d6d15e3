# SPDX-License-Identifier: MIT
"""The torch family's draw plan against real PyTorch: where `weightinit init --out DIR` says its
plan leaves PyTorch's generator (shard metadata `weightinit_torch_words_after` and
`weightinit_torch_cached_after`) must be where torch's generator stands after the same
construction (`torch.get_rng_state()`)."""
import struct

import torch


def plan_end_problems(meta, seed, state_after):
    """Problems (empty when none) of the plan's end in `meta` against `state_after`, torch's
    state after `torch.manual_seed(seed)` and the construction: the words, drawn from a fresh
    generator, must give the same MT19937 state, and the cached normal sample must agree."""
    words = int(meta["weightinit_torch_words_after"])
    g = torch.Generator()
    g.manual_seed(seed)
    for start in range(0, words, 1 << 24):  # float32 uniform_: one word each
        torch.empty(min(1 << 24, words - start)).uniform_(generator=g)
    ours, theirs = g.get_state().numpy().tobytes(), state_after.numpy().tobytes()
    problems = []
    if ours[:5016] != theirs[:5016]:  # seed, left, seeded, next, the 624 words
        problems.append(f"the plan ends at word {words}, not where torch's generator stands")
    valid = int.from_bytes(theirs[5040:5044], "little") != 0
    cached = meta["weightinit_torch_cached_after"]
    value = struct.unpack("<d", theirs[5024:5032])[0]
    if (cached == "none") == valid or (valid and float.fromhex(cached) != value):
        problems.append(f"cached normal sample {cached}, torch's {value if valid else 'none'}")
    return problems
