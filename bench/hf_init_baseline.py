#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The PyTorch + transformers side of bench/compare_hf_init.sh.

--config CONFIG --out DIR: torch.manual_seed(0); LlamaForCausalLM(config) (its own init, as
transformers runs it), .to(bfloat16), save_pretrained(DIR) as safetensors, in one process.
--compare A B: every tensor of the safetensors files in directory A equals B's, bit for bit
(prints the count, exits 1 on a difference).
"""
import argparse
import json
import os
import sys


def build_and_save(config_path, out, threads):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.set_num_threads(threads)
    with open(config_path) as f:
        config = LlamaConfig(**{k: v for k, v in json.load(f).items()
                                if k not in ("dtype", "transformers_version", "architectures")})
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(out, safe_serialization=True, max_shard_size="2GB")


def tensors(directory):
    from safetensors import safe_open
    out = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".safetensors"):
            with safe_open(os.path.join(directory, name), framework="pt") as f:
                for key in f.keys():
                    out[key] = f.get_tensor(key)
    return out


def compare(a, b):
    import torch
    ta, tb = tensors(a), tensors(b)
    differ = [k for k in tb if k not in ta or not torch.equal(ta[k], tb[k])]
    print(f"bit-identical tensors: {len(tb) - len(differ)} of {len(tb)} "
          f"(weightinit {len(ta)}){'; differ: ' + str(differ[:3]) if differ else ''}")
    return 1 if differ or len(ta) != len(tb) else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config")
    ap.add_argument("--out")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--compare", nargs=2)
    a = ap.parse_args()
    if a.compare:
        return compare(*a.compare)
    build_and_save(a.config, a.out, a.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
