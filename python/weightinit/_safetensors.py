"""save_safetensors: a state dict to a safetensors file with weightinit's atomic writer."""
import os
import sys

from . import _core


def save_safetensors(state_dict, path, metadata=None, dtype=None):
    """Writes `state_dict` (name -> CPU torch tensor or NumPy array; float32, float64 or int64,
    any strides) to `path` in the safetensors format, in its order, with `metadata` (str -> str)
    as the header's ``__metadata__``. ``dtype="bf16"`` or ``"f16"`` stores the floating tensors
    rounded as ``tensor.to(torch.bfloat16)`` rounds (int64 ones are kept). The write is atomic:
    a temporary file beside `path`, fsync, rename; on any error `path` is as it was. Files load
    with ``safetensors.torch.load_file``."""
    metadata = dict(metadata or {})
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError('save_safetensors: metadata must map str to str, but got %r: %r'
                            % (key, value))
    torch = sys.modules.get('torch')
    tensors = []
    for name, tensor in state_dict.items():
        if torch is not None and isinstance(tensor, torch.Tensor):
            if tensor.device.type != 'cpu':
                raise ValueError('save_safetensors writes CPU tensors, but %r is on %s'
                                 % (name, tensor.device))
            tensor = tensor.detach()
        tensors.append((name, tensor))
    _core.save_safetensors(os.fspath(path), tensors, metadata, dtype)
