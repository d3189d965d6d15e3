"""weightinit.summary: torchsummary's table for torch models, against torchsummary's own text
(the golden files tools/torch_golden.py made with it) and its transcription in that script."""
import os
import sys

import pytest
import torch
import torchvision

import weightinit

ROOT = os.path.join(os.path.dirname(__file__), '..', '..')
sys.path.insert(0, os.path.join(ROOT, 'tools'))
import torch_golden  # noqa: E402  (its model builders and torchsummary's code)

torch_golden.torch = torch  # the script imports torch lazily, after picking the CPU kernels


def golden(name):
    with open(os.path.join(ROOT, 'tests', 'golden', 'summary_%s.txt' % name)) as f:
        return f.read()


@pytest.mark.parametrize('name,make,input_size,batch', [
    ('seed_mlp', lambda: torch_golden.build_torch_module('SeedMLP', {}), (3,), 5),
    ('c3d', lambda: torch_golden.build_c3d(101), (3, 16, 112, 112), 1)])
def test_the_seed_models_print_torchsummarys_table(name, make, input_size, batch):
    torch.manual_seed(0)
    assert weightinit.summary_string(make(), input_size, batch) == golden(name)


def test_a_torchvision_model_and_a_shared_module_match_torchsummarys_code(capsys):
    model = torchvision.models.resnet18()
    assert weightinit.summary_string(model, (3, 64, 64)) == \
        torch_golden.torchsummary_string(model, (3, 64, 64))
    relu = torch.nn.ReLU()
    shared = torch.nn.Sequential(torch.nn.Linear(4, 4), relu, torch.nn.Linear(4, 4), relu)
    text = weightinit.summary_string(shared, (4,), 7)
    assert text == torch_golden.torchsummary_string(shared, (4,), 7)
    assert 'ReLU-2' in text and 'ReLU-4' in text  # one row per call
    weightinit.summary(shared, (4,), 7)
    assert capsys.readouterr().out == text


def test_a_failing_forward_removes_the_hooks():
    model = torch.nn.Sequential(torch.nn.Linear(4, 4))
    with pytest.raises(RuntimeError):
        weightinit.summary_string(model, (5,))
    assert not model[0]._forward_hooks
