#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes tests/golden/llama_forward.json: Hugging Face transformers' LlamaForCausalLM run
forward and backward on token ids, from the PyTorch 2.x oracle's transformers.

For each case: `torch.manual_seed(0); model = LlamaForCausalLM(LlamaConfig(...))` (weightinit
builds the same bits with build_model(spec, gen, {transformers_init = true}),
tests/io/check_hf_checkpoints.py), `model.train()` (no dropout: attention_dropout is 0), ids =
torch.randint(0, vocab, SHAPE, generator=torch.Generator().manual_seed(123)), logits =
model(ids).logits, an upstream gradient u = torch.rand(logits.shape) from that generator, and
L = sum(u * logits) back-propagated: the logits and the L2 norm of every parameter's gradient.

Regenerate with:
  ~/.cache/weightinit/torch2-venv/bin/python tools/golden/gen_llama_forward.py \\
      tests/golden/llama_forward.json
"""
import json
import sys
import warnings

import torch
import transformers
from transformers import LlamaConfig, LlamaForCausalLM

warnings.filterwarnings("ignore")
torch.set_num_threads(1)

# (weightinit spec, LlamaConfig arguments, ids shape)
CASES = [
    ("llama:d=64,layers=2,heads=4,kv_heads=2,ffn=172,vocab=100",
     dict(hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
          intermediate_size=172, vocab_size=100, tie_word_embeddings=False), [2, 12]),
    ("llama:d=32,layers=1,heads=2,ffn=64,vocab=50,tied=true",
     dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=2,
          intermediate_size=64, vocab_size=50, tie_word_embeddings=True), [1, 7]),
]


def run(spec, kwargs, shape):
    torch.manual_seed(0)
    model = LlamaForCausalLM(LlamaConfig(**kwargs)).train()
    g = torch.Generator().manual_seed(123)
    ids = torch.randint(0, kwargs["vocab_size"], shape, generator=g)
    logits = model(ids).logits
    u = torch.rand(logits.shape, generator=g)
    (u * logits).sum().backward()
    return {"model": spec, "input_shape": shape, "input_ids": ids.reshape(-1).tolist(),
            "output_shape": list(logits.shape), "output": logits.detach().reshape(-1).tolist(),
            "grad_norms": {n: p.grad.double().norm().item() for n, p in model.named_parameters()}}


def main():
    cases = [run(*c) for c in CASES]
    with open(sys.argv[1], "w") as f:
        json.dump({"generator": "tools/golden/gen_llama_forward.py", "torch": torch.__version__,
                   "transformers": transformers.__version__, "cases": cases}, f)
    print("wrote", sys.argv[1])


if __name__ == "__main__":
    main()
