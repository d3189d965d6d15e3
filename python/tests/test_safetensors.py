"""weightinit.save_safetensors: files safetensors' own loader reads back bit for bit, atomic."""
import os

import numpy as np
import pytest
import torch
import torchvision
from safetensors import safe_open
from safetensors.torch import load_file

import weightinit


def test_a_state_dict_round_trips_through_safetensors(tmp_path):
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    path = tmp_path / 'resnet18.safetensors'
    weightinit.save_safetensors(model.state_dict(), path, metadata={'seed': '0'})
    loaded = load_file(str(path))
    state = model.state_dict()
    assert list(loaded) == sorted(state) or set(loaded) == set(state)
    for name, tensor in state.items():
        assert loaded[name].dtype == tensor.dtype and torch.equal(loaded[name], tensor), name
    with safe_open(str(path), 'pt') as f:
        assert f.metadata() == {'seed': '0'}


def test_bf16_and_f16_round_as_torchs_casts(tmp_path):
    t = torch.randn(1000, dtype=torch.float64) * 1e3
    for dtype, torch_dtype in (('bf16', torch.bfloat16), ('f16', torch.float16)):
        path = tmp_path / ('x_%s.safetensors' % dtype)
        weightinit.save_safetensors({'x': t, 'n': torch.tensor([3])}, path, dtype=dtype)
        loaded = load_file(str(path))
        assert torch.equal(loaded['x'], t.to(torch.float32).to(torch_dtype)), dtype
        assert loaded['n'].dtype == torch.int64


def test_numpy_arrays_and_views_are_written(tmp_path):
    a = np.arange(12, dtype=np.float32).reshape(3, 4).T
    path = tmp_path / 'a.safetensors'
    weightinit.save_safetensors({'a': a}, path)
    assert torch.equal(load_file(str(path))['a'], torch.from_numpy(np.ascontiguousarray(a)))


def test_bad_input_leaves_no_file(tmp_path):
    path = tmp_path / 'bad.safetensors'
    with pytest.raises(TypeError, match='float32, float64 or int64 tensor, but got dtype int32'):
        weightinit.save_safetensors({'x': torch.zeros(3, dtype=torch.int32)}, path)
    with pytest.raises(TypeError, match='metadata must map str to str'):
        weightinit.save_safetensors({'x': torch.zeros(3)}, path, metadata={'seed': 0})
    with pytest.raises(ValueError, match="dtype must be 'bf16' or 'f16'"):
        weightinit.save_safetensors({'x': torch.zeros(3)}, path, dtype='int8')
    with pytest.raises(OSError):
        weightinit.save_safetensors({'x': torch.zeros(3)}, tmp_path / 'missing' / 'x.safetensors')
    assert os.listdir(tmp_path) == []
