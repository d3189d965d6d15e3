"""weightinit.torch: policies over whole torch.nn.Modules (init_module_) and the meta-device
flow (materialize_)."""
import os
import subprocess

import pytest
import torch
import torchvision

import weightinit.torch as wt

from conftest import same_bits

POLICY = '''Conv2d.weight: kaiming_normal(mode=fan_out, nonlinearity=relu)
BatchNorm2d.weight: ones
BatchNorm2d.bias: zeros
Linear.weight: normal(std=0.01)
Linear.bias: zeros
'''


def torch_loop(model, generator):
    """POLICY written as torch.nn.init calls in named_parameters() order."""
    for name, p in model.named_parameters():
        owner = model.get_submodule(name.rsplit('.', 1)[0])
        local = name.rsplit('.', 1)[1]
        if isinstance(owner, torch.nn.Conv2d):
            torch.nn.init.kaiming_normal_(p, mode='fan_out', nonlinearity='relu',
                                          generator=generator)
        elif isinstance(owner, torch.nn.BatchNorm2d):
            torch.nn.init.ones_(p) if local == 'weight' else torch.nn.init.zeros_(p)
        elif local == 'weight':
            torch.nn.init.normal_(p, std=0.01, generator=generator)
        else:
            torch.nn.init.zeros_(p)


@pytest.mark.parametrize('seed', [0, 2026])
def test_torch_family_policy_equals_torchs_own_loop(seed):
    theirs, ours = torchvision.models.resnet18(), torchvision.models.resnet18()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        torch_loop(theirs, g)
    applied = wt.init_module_(ours, POLICY, seed=seed)
    for (name, a), (_, b) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert same_bits(a, b), name
    assert applied[0] == ('conv1.weight', 'Conv2d',
                          'kaiming_normal(a=0, mode=fan_out, nonlinearity=relu)')
    assert len(applied) == len(list(ours.parameters()))


def test_the_default_generator_moves_as_torchs_calls_move_it():
    theirs, ours = torchvision.models.resnet18(), torchvision.models.resnet18()
    torch.manual_seed(5)
    with torch.no_grad():
        torch_loop(theirs, None)
    after = torch.get_rng_state()
    torch.manual_seed(5)
    wt.init_module_(ours, POLICY)
    assert torch.equal(torch.get_rng_state(), after)
    assert same_bits(theirs.fc.weight, ours.fc.weight)


def test_materialize_with_philox_equals_the_cli(tmp_path):
    cli = os.environ.get('WEIGHTINIT_CLI')
    if not cli:
        pytest.skip('WEIGHTINIT_CLI (the weightinit executable) is set by ctest')
    from safetensors.torch import load_file
    out = tmp_path / 'resnet18.safetensors'
    subprocess.run([cli, 'init', 'resnet18', '--rng', 'philox', '--policy',
                    'torchvision-resnet', '--seed', '7', '-o', str(out)], check=True,
                   capture_output=True)
    expected = load_file(str(out))
    with torch.device('meta'):
        model = torchvision.models.resnet18()
    wt.materialize_(model, 'torchvision-resnet', seed=7)
    state = model.state_dict()
    assert set(state) == set(expected)
    for name, tensor in state.items():
        assert torch.equal(tensor, expected[name]), name


def test_materialize_gives_a_transformers_gpt2_its_init_without_its_constructor():
    transformers = pytest.importorskip('transformers')
    config = transformers.GPT2Config(n_embd=64, n_layer=4, n_head=2, vocab_size=500,
                                      n_positions=64)
    with torch.device('meta'):
        model = transformers.GPT2LMHeadModel(config)
    applied = dict((name, init) for name, _, init in wt.materialize_(model, 'gpt2', seed=1))
    assert 'lm_head.weight' not in applied  # tied to transformer.wte.weight
    assert model.lm_head.weight is model.transformer.wte.weight
    c_proj = torch.cat([b.attn.c_proj.weight.flatten() for b in model.transformer.h])
    expected_std = 0.02 / (2 * 4) ** 0.5
    assert abs(c_proj.std().item() / expected_std - 1) < 0.05  # 32,768 values
    c_attn = model.transformer.h[0].attn.c_attn  # Conv1D: torch-default rule → N(0, 0.02), 0
    assert abs(c_attn.weight.std().item() / 0.02 - 1) < 0.05 and not c_attn.bias.any()
    assert torch.all(model.transformer.ln_f.weight == 1)
    out = model(torch.randint(0, 500, (1, 8))).logits
    assert torch.isfinite(out).all()


def test_philox_values_do_not_depend_on_the_order_or_the_other_parameters():
    a = torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Linear(4, 2))
    b = torch.nn.Sequential(torch.nn.Linear(8, 4))
    wt.init_module_(a, rng='philox', seed=3)
    wt.init_module_(b, rng='philox', seed=3)
    assert same_bits(a[0].weight, b[0].weight) and same_bits(a[0].bias, b[0].bias)


def test_bad_policies_and_models_are_refused_before_anything_is_drawn():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    before = model[0].weight.detach().clone()
    with pytest.raises(ValueError, match="unknown module type 'Linaer'.*did you mean 'Linear'"):
        wt.init_module_(model, 'Linaer.weight: zeros\n')
    with pytest.raises(ValueError, match='unknown'):
        wt.init_module_(model, 'no-such-policy')
    with pytest.raises(ValueError, match='rng must be "torch" or "philox"'):
        wt.init_module_(model, rng='mt')
    with pytest.raises(ValueError, match='matches no parameter'):
        wt.init_module_(model, 'Linear.weight: zeros\nConv2d.weight: zeros\n', strict=True)
    assert torch.equal(model[0].weight, before)


def test_a_module_type_without_a_known_default_needs_a_rule_under_philox():
    class Scale(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gain = torch.nn.Parameter(torch.ones(3))

    model = torch.nn.Sequential(Scale())
    with pytest.raises(ValueError, match="parameter '0.gain' \\(Scale\\): no known constructor init"):
        wt.init_module_(model, rng='philox')
    wt.init_module_(model, 'Scale.gain: constant(val=2)\n', rng='philox')
    assert torch.all(model[0].gain == 2)


def test_materialize_refuses_buffers_it_cannot_fill_and_leaves_the_model_on_meta():
    class WithTable(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 2)
            self.register_buffer('table', torch.arange(4.0))

    with torch.device('meta'):
        model = WithTable()
    with pytest.raises(ValueError, match="materialize_ cannot initialize buffer 'table'"):
        wt.materialize_(model)
    assert model.fc.weight.device.type == 'meta'


def test_policy_warnings_are_user_warnings():
    model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    with pytest.warns(UserWarning, match="matches no parameter"):
        wt.init_module_(model, 'Linear.weight: zeros\nConv2d.weight: zeros\n')
    assert not model[0].weight.any()


def standard_layers():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.Linear(6, 5),
        torch.nn.Embedding(7, 5, padding_idx=2), torch.nn.LayerNorm(5),
        torch.nn.ConvTranspose1d(2, 3, 2), torch.nn.Linear(5, 2, bias=False))


@pytest.mark.parametrize('seed', [0, 77])
def test_materialize_with_the_torch_family_equals_torchs_own_construction(seed):
    torch.manual_seed(seed)
    expected = standard_layers()
    with torch.device('meta'):
        model = standard_layers()
    applied = wt.materialize_(model, rng='torch', seed=seed)
    assert all(init not in ('', 'default') for _, _, init in applied), applied
    state, theirs = model.state_dict(), expected.state_dict()
    assert list(state) == list(theirs)
    for name in theirs:
        assert same_bits(state[name], theirs[name]) if state[name].is_floating_point() \
            else torch.equal(state[name], theirs[name]), name


def test_materialize_with_the_torch_family_draws_every_gpt2_parameter():
    transformers = pytest.importorskip('transformers')
    config = transformers.GPT2Config(n_embd=64, n_layer=2, n_head=2, vocab_size=300,
                                      n_positions=32, bos_token_id=0, eos_token_id=0)
    with torch.device('meta'):
        model = transformers.GPT2LMHeadModel(config)
    applied = wt.materialize_(model, 'gpt2', rng='torch', seed=3)
    assert all(init not in ('', 'default') for _, _, init in applied)
    c_attn = model.transformer.h[1].attn.c_attn  # Conv1D: its constructor's N(0, 0.02), 0
    assert abs(c_attn.weight.std().item() / 0.02 - 1) < 0.05 and not c_attn.bias.any()


@pytest.mark.parametrize('seed', [0, 5])
def test_materialize_with_torchvisions_loop_equals_torchvisions_construction(seed):
    torch.manual_seed(seed)
    expected = torchvision.models.resnet18().state_dict()
    with torch.device('meta'):
        model = torchvision.models.resnet18()
    wt.materialize_(model, 'torchvision-resnet', rng='torch', seed=seed)
    state = model.state_dict()
    for name in expected:
        assert torch.equal(state[name], expected[name]), name


def test_materialize_checks_the_policy_before_allocating():
    class Scale(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.gain = torch.nn.Parameter(torch.ones(3))

    with torch.device('meta'):
        model = torch.nn.Sequential(torch.nn.Linear(2, 3), Scale())
    with pytest.raises(ValueError, match="unknown module type 'Lienar'"):
        wt.materialize_(model, 'Lienar.weight: zeros\n')
    with pytest.raises(ValueError, match="parameter '1.gain' \\(Scale\\): no known constructor"):
        wt.materialize_(model)
    with pytest.raises(ValueError, match="parameter '1.gain' \\(Scale\\): no known constructor"):
        wt.materialize_(model, 'Scale.gain: ones\n', rng='torch')
    assert model[0].weight.device.type == 'meta'
    wt.materialize_(model, 'Scale.gain: constant(val=3)\n')  # Philox: the rule is enough
    assert torch.all(model[1].gain == 3) and model[0].weight.device.type == 'cpu'
