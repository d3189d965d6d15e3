#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes tests/golden/zoo_tv_transformers.json: torchvision's vision transformers (vit_b_16,
swin_t) from Debian's PyTorch 1.13.1 + torchvision 0.14.1, for tests/models/tv_transformers_test.cpp.

For each model:
- "state_dict": (name, shape, dtype) of every state_dict entry in order, and "parameters", the
  sum over model.parameters() (tools/torch_zoo.py's describe);
- "torch_profile": the weightinit torch profile of this torch (tools/golden/torch_profile.py),
  which the test's generators take (trunc_normal_ differs between 1.13 and 2.12+);
- "sha256": for seeds 0 and 1, the SHA-256 of each state_dict tensor's bytes after
  `torch.manual_seed(seed); torchvision.models.NAME()`, which weightinit reproduces as
  build_model(NAME) followed by the model's torchvision-* policy ("policy");
- "forward": `torch.manual_seed(0); model = NAME().eval()`, x = torch.rand(SHAPE,
  generator=torch.Generator().manual_seed(123)), y = model(x) under no_grad: the output, and for
  ViT (whose head is zero at init, so y is 0) the encoder's class-token row `encoder(x)[:, 0]`
  too, taken with a forward hook on model.encoder;
- "training": gradient norms in float64 training mode, see training_case;
- "summary": torchsummary's table (tools/torch_golden.py's transcription of sksq96's
  summary_string, batch -1, input 3×224×224). torchsummary 1.5.1 itself raises AttributeError
  on nn.MultiheadAttention, whose forward returns the tuple (output, None): here a tuple output
  stands for its first element (the attention output), which is the row weightinit prints.

Regenerate with:  /usr/bin/python3 tools/golden/gen_tv_transformers.py tests/golden/zoo_tv_transformers.json
"""
import hashlib
import json
import os
import sys
import warnings

import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import torch_golden  # noqa: E402  (torchsummary's table)
import torch_zoo  # noqa: E402  (describe: state_dict entries and the parameter count)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_profile import profile_of  # noqa: E402

warnings.filterwarnings("ignore")
torch.set_num_threads(2)

# (name, policy, forward input shapes, training input shape)
MODELS = [
    ("vit_b_16", "torchvision-vit", [[1, 3, 224, 224]], [1, 3, 224, 224]),
    ("swin_t", "torchvision-swin", [[1, 3, 224, 224], [2, 3, 112, 112]], [2, 3, 112, 112]),
]
SEEDS = [0, 1]


def torchsummary_string(model, input_size):
    """tools/torch_golden.py's torchsummary_string, a tuple output standing for its first
    element (see the module docstring)."""
    torch_golden.torch = torch
    with torch.no_grad():
        return torch_golden.torchsummary_string(model, input_size, tuple_first=True)


def forward_case(name, shape):
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)().eval()
    x = torch.rand(shape, generator=torch.Generator().manual_seed(123))
    case = {"input_shape": shape}
    seen = {}
    if name.startswith("vit"):
        model.encoder.register_forward_hook(lambda m, i, o: seen.update(encoded=o))
    with torch.no_grad():
        y = model(x)
    case["output_shape"] = list(y.shape)
    case["output"] = y.reshape(-1).tolist()
    if "encoded" in seen:
        case["class_token_features"] = seen["encoded"][:, 0].reshape(-1).tolist()
    return case


def training_case(name, shape):
    """`torch.manual_seed(0); model = NAME()`, for ViT then `model.heads.head.reset_parameters()`
    (nn.Linear's own draws, continuing the stream: torchvision's zero head would leave every other
    gradient 0), in float64 and training mode (dropout 0; Swin's StochasticDepth modules in eval
    mode, as their random row masks are not reproduced); x = torch.rand(SHAPE) from the generator
    seeded 123, then u = torch.rand(y.shape) from it, L = sum(u * y) back-propagated: the L2 norm
    of every parameter's gradient and of x's."""
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)()
    if name.startswith("vit"):
        model.heads.head.reset_parameters()
    model = model.double().train()
    for m in model.modules():
        if type(m).__name__ == "StochasticDepth":
            m.eval()
    g = torch.Generator().manual_seed(123)
    x = torch.rand(shape, generator=g).double().requires_grad_(True)
    y = model(x)
    u = torch.rand(y.shape, generator=g).double()
    (u * y).sum().backward()
    return {"input_shape": shape, "dtype": "float64", "output": y.detach().reshape(-1).tolist(),
            "grad_norms": {n: p.grad.norm().item() for n, p in model.named_parameters()},
            "input_grad_norm": x.grad.norm().item()}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/zoo_tv_transformers.json"
    golden = {"generator": "tools/golden/gen_tv_transformers.py", "torch": torch.__version__,
              "torchvision": torchvision.__version__, "torch_profile": profile_of(torch),
              "models": {}}
    for name, policy, shapes, train_shape in MODELS:
        make = getattr(torchvision.models, name)
        torch.manual_seed(0)
        entry = torch_zoo.describe(make())
        entry["policy"] = policy
        entry["sha256"] = {}
        for seed in SEEDS:
            torch.manual_seed(seed)
            entry["sha256"][str(seed)] = [
                hashlib.sha256(v.contiguous().numpy().tobytes()).hexdigest()
                for v in make().state_dict().values()]
        entry["forward"] = [forward_case(name, s) for s in shapes]
        entry["training"] = training_case(name, train_shape)
        torch.manual_seed(0)
        entry["summary"] = torchsummary_string(make().eval(), (3, 224, 224))
        golden["models"][name] = entry
        print(name, entry["parameters"], file=sys.stderr)
    with open(out, "w") as f:
        json.dump(golden, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    main()
