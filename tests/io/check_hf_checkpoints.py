#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checkpoints that Hugging Face loads, with Hugging Face's own init (issue #19, step 4).

For each LLaMA and GPT-2 config and seed: `weightinit init MODEL --policy hf --seed S --out DIR`
(the torch family streamed chunk by chunk, at chunk sizes from 4 KiB to 1 GiB), then:
- the official `safetensors` package (`safe_open`) reads every shard;
- `AutoModelForCausalLM.from_pretrained(DIR)` loads it with no missing, unexpected or
  mismatched keys, and ties the head exactly when the config says so;
- every tensor equals `torch.manual_seed(S); LlamaForCausalLM(LlamaConfig(...))` (or
  GPT2LMHeadModel(GPT2Config(...))) bit for bit;
- the draw plan ends where PyTorch's generator stands after that construction: the metadata's
  word count, drawn from a fresh generator, gives `torch.get_rng_state()`'s MT19937 state, and
  its cached normal sample is torch's
  (bf16 directories: its round-to-nearest-even cast), and the dtype in config.json is the
  stored one.
Seeds: 0 and one drawn at random each run, printed. Prints "N passed, M failed". The init was
verified against transformers 5.25.0; with another version a failure says so.
"""
import argparse
import os
import random
import subprocess
import sys
import tempfile
import warnings

import torch
import transformers
from safetensors import safe_open
from transformers import (AutoModelForCausalLM, GPT2Config, GPT2LMHeadModel, LlamaConfig,
                          LlamaForCausalLM)

warnings.filterwarnings("ignore")
transformers.logging.disable_progress_bar()
transformers.logging.set_verbosity_error()
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "golden"))
from torch_plan_end import plan_end_problems  # noqa: E402
from torch_profile import profile_of  # noqa: E402

VERIFIED_WITH = "5.25.0"
LLAMA = (LlamaForCausalLM, LlamaConfig, lambda m: m.model.embed_tokens)
GPT2 = (GPT2LMHeadModel, GPT2Config, lambda m: m.transformer.wte)
# (weightinit spec, model, config arguments, chunk size, stored dtype)
CASES = [
    ("llama:d=256,layers=2,heads=4,kv_heads=2,ffn=512,vocab=1000", LLAMA,
     dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
          intermediate_size=512, vocab_size=1000, tie_word_embeddings=False), "4KiB", "float32"),
    ("llama:d=128,layers=3,heads=4,ffn=344,vocab=512,tied=true", LLAMA,
     dict(hidden_size=128, num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4,
          intermediate_size=344, vocab_size=512, tie_word_embeddings=True), "1MiB", "float32"),
    ("llama:d=256,layers=2,heads=8,kv_heads=2,ffn=688,vocab=999", LLAMA,
     dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2,
          intermediate_size=688, vocab_size=999, tie_word_embeddings=False), "1GiB", "bf16"),
    ("gpt2:d=256,layers=2,heads=4,vocab=1000,positions=128", GPT2,
     dict(n_embd=256, n_layer=2, n_head=4, vocab_size=1000, n_positions=128,
          tie_word_embeddings=True), "4KiB", "float32"),
    ("gpt2:small", GPT2, dict(tie_word_embeddings=True), "64MiB", "bf16"),
]


def check(cli, tmp, spec, family, kwargs, chunk, dtype, seed):
    """Returns a list of problems (empty when the case passes)."""
    out = os.path.join(tmp, f"case-{abs(hash((spec, seed)))}")
    subprocess.run([cli, "init", spec, "--policy", "hf", "--seed", str(seed), "--out", out,
                    "--chunk-size", chunk, "--shard-size", "1MB", "--dtype", dtype,
                    "--torch-profile", profile_of(torch), "--progress", "none"],
                   check=True, capture_output=True)
    problems = []
    files = sorted(f for f in os.listdir(out) if f.endswith(".safetensors"))
    stored = {}
    meta = {}
    for f in files:  # the official reader
        with safe_open(os.path.join(out, f), framework="pt") as handle:
            meta = handle.metadata()
            if handle.metadata().get("format") != "pt":
                problems.append(f"{f}: metadata format is not 'pt'")
            for key in handle.keys():
                stored[key] = handle.get_tensor(key)
    model, info = AutoModelForCausalLM.from_pretrained(out, output_loading_info=True)
    for kind in ("missing_keys", "unexpected_keys", "mismatched_keys"):
        if info.get(kind):
            problems.append(f"from_pretrained {kind}: {list(info[kind])[:4]}")
    model_class, config_class, embedding = family
    tied = model.lm_head.weight.data_ptr() == embedding(model).weight.data_ptr()
    if tied != kwargs["tie_word_embeddings"]:
        problems.append(f"lm_head tied: {tied}, config says {kwargs['tie_word_embeddings']}")
    want_dtype = torch.bfloat16 if dtype == "bf16" else torch.float32
    if model.dtype != want_dtype:
        problems.append(f"loaded as {model.dtype}, stored {want_dtype}")
    torch.manual_seed(seed)
    reference = model_class(config_class(**kwargs)).to(want_dtype)
    problems += plan_end_problems(meta, seed, torch.get_rng_state())
    ours = model.state_dict()
    for name, value in reference.state_dict().items():
        if name not in ours or not torch.equal(ours[name], value):
            problems.append(f"{name} differs from torch.manual_seed({seed}); "
                            f"{model_class.__name__}")
    if len(stored) != len(ours) - (1 if tied else 0):
        problems.append(f"{len(stored)} tensors stored, {len(ours)} in the model (tied: {tied})")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    torch.set_num_threads(1)
    extra = random.SystemRandom().randrange(1, 2**31)
    print(f"torch {torch.__version__}, transformers {transformers.__version__} "
          f"({sys.executable}); seeds 0, {extra} (random this run)")
    passed = failed = 0
    with tempfile.TemporaryDirectory(dir=a.workdir) as tmp:
        for spec, family, kwargs, chunk, dtype in CASES:
            for seed in ((0, extra) if spec != "gpt2:small" else (extra,)):
                problems = check(a.cli, tmp, spec, family, kwargs, chunk, dtype, seed)
                if problems:
                    failed += 1
                    print(f"FAIL {spec} seed {seed} ({dtype}, chunks {chunk}): {problems[:3]}")
                    if transformers.__version__ != VERIFIED_WITH:
                        print(f"  the hf policy was verified with transformers {VERIFIED_WITH}; "
                              f"{transformers.__version__} may initialize differently")
                else:
                    passed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
