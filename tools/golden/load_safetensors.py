# SPDX-License-Identifier: MIT
"""A tiny safetensors reader (json + torch.frombuffer) for machines without the safetensors
package: load(path) -> (dict name -> tensor, metadata dict)."""
import json
import struct
import sys

import torch

DTYPES = {
    "F32": torch.float32,
    "F64": torch.float64,
    "I64": torch.int64,
    "BF16": torch.bfloat16,
    "F16": torch.float16,
}


def load(path):
    """Returns ({name: tensor}, metadata) for the safetensors file at `path`."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    metadata = header.pop("__metadata__", {})
    data = raw[8 + n :]
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        dtype = DTYPES[info["dtype"]]
        shape = info["shape"]
        if end == begin:
            tensors[name] = torch.empty(shape, dtype=dtype)
        else:
            buf = bytearray(data[begin:end])  # writable: frombuffer warns on bytes
            tensors[name] = torch.frombuffer(buf, dtype=dtype).reshape(shape)
    return tensors, metadata


if __name__ == "__main__":
    for path in sys.argv[1:]:
        tensors, metadata = load(path)
        print(path, metadata)
        for name, t in tensors.items():
            print(" ", name, t.dtype, tuple(t.shape))
