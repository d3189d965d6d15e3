"""bfloat16 and float16 tensors: the uniform_ and normal_ families bit for bit against torch
(torch draws them in float32 and rounds; its normal_ tail block differs from float32's),
deterministic fills, Philox, and the torch-family fills torch computes in the reduced dtype's
own arithmetic (trunc_normal_, sparse_, orthogonal_) refused before anything is drawn."""
import random

import pytest
import torch

import weightinit
from weightinit.nn import init as wi


REDUCED = [torch.bfloat16, torch.float16]


def same_halves(a, b):
    return a.dtype == b.dtype and torch.equal(a.view(torch.int16), b.view(torch.int16))


def make(rng, shape, dtype, layout):
    if layout == 'transposed':
        return torch.full(shape[::-1], 7.0, dtype=dtype).permute(*reversed(range(len(shape))))
    if layout == 'sliced':
        return torch.full([2 * s for s in shape], 7.0, dtype=dtype)[
            tuple(slice(None, None, 2) for _ in shape)]
    return torch.full(shape, 7.0, dtype=dtype)


@pytest.mark.parametrize('dtype', REDUCED)
@pytest.mark.parametrize('fn', ['uniform_', 'xavier_uniform_', 'kaiming_uniform_'])
def test_the_uniform_family_matches_torch(dtype, fn, master_seed):
    rng = random.Random('%s/%s/%d' % (dtype, fn, master_seed))
    for case in range(100):
        shape = [rng.choice([1, 2, 3, 5, 16, 33, 64]) for _ in range(rng.randint(2, 4))]
        kwargs = {}
        if fn == 'uniform_':
            a, b = sorted([rng.uniform(-3, 3), rng.choice([rng.uniform(-3, 3), 1.0])])
            kwargs = {'a': a, 'b': b}
        elif fn == 'kaiming_uniform_':
            kwargs = {'a': rng.choice([0, 5 ** 0.5]), 'mode': rng.choice(['fan_in', 'fan_out'])}
        layout = rng.choice(['contiguous', 'transposed', 'sliced'])
        seed = rng.randrange(2**63)
        theirs, ours = make(rng, shape, dtype, layout), make(rng, shape, dtype, layout)
        torch.manual_seed(seed)
        getattr(torch.nn.init, fn)(theirs, **kwargs)
        state = torch.get_rng_state()
        torch.manual_seed(seed)
        getattr(wi, fn)(ours, **kwargs)
        label = 'case %d: %s(%s %s %s, %s), seed %d' % (case, fn, shape, dtype, layout, kwargs, seed)
        assert same_halves(ours, theirs), label
        assert torch.equal(torch.get_rng_state(), state), label


@pytest.mark.parametrize('dtype', REDUCED)
def test_deterministic_fills_match_torch(dtype):
    for fn, args, shape in (('constant_', (0.3,), [4, 6]), ('ones_', (), [5]),
                            ('zeros_', (), [2, 3]), ('eye_', (), [3, 5]),
                            ('dirac_', (), [4, 4, 3]), ('dirac_', (2,), [4, 2, 3, 3])):
        theirs = torch.full(shape[::-1], 7.0, dtype=dtype).permute(*reversed(range(len(shape))))
        ours = torch.full(shape[::-1], 7.0, dtype=dtype).permute(*reversed(range(len(shape))))
        getattr(torch.nn.init, fn)(theirs, *args)
        getattr(wi, fn)(ours, *args)
        assert same_halves(ours, theirs), (fn, dtype)


@pytest.mark.parametrize('dtype', REDUCED)
def test_philox_fills_are_the_float32_values_rounded(dtype):
    for fn in (wi.normal_, wi.trunc_normal_, wi.kaiming_normal_, wi.uniform_):
        ours = fn(torch.empty(8, 9, dtype=dtype), generator=weightinit.Generator(2, family='philox'))
        wide = fn(torch.empty(8, 9), generator=weightinit.Generator(2, family='philox'))
        assert same_halves(ours, wide.to(dtype)), fn.__name__


@pytest.mark.parametrize('dtype', REDUCED)
@pytest.mark.parametrize('fn', ['normal_', 'xavier_normal_', 'kaiming_normal_'])
def test_the_normal_family_matches_torch(dtype, fn, master_seed):
    """Sizes around the 16-blocks (n < 16 takes the scalar path, n % 16 != 0 a fresh tail
    block), every layout, a cached double sample left by an earlier odd scalar draw."""
    rng = random.Random('%s/%s/%d' % (dtype, fn, master_seed))
    for case in range(150):
        shape = [rng.choice([1, 2, 3, 5, 7, 16, 17, 33]) for _ in range(rng.randint(2, 3))]
        kwargs = {}
        if fn == 'normal_':
            kwargs = {'mean': rng.uniform(-2, 2), 'std': rng.choice([0.02, 1.0, rng.uniform(0, 5)])}
        elif fn == 'kaiming_normal_':
            kwargs = {'a': rng.choice([0, 5 ** 0.5]), 'mode': rng.choice(['fan_in', 'fan_out'])}
        layout = rng.choice(['contiguous', 'transposed', 'sliced'])
        seed = rng.randrange(2**63)
        cached = rng.random() < 0.3  # an odd scalar normal_ first leaves a cached sample
        theirs, ours = make(rng, shape, dtype, layout), make(rng, shape, dtype, layout)
        torch.manual_seed(seed)
        if cached:
            torch.empty(3, dtype=torch.float64).normal_()
        getattr(torch.nn.init, fn)(theirs, **kwargs)
        state = torch.get_rng_state()
        torch.manual_seed(seed)
        if cached:
            torch.empty(3, dtype=torch.float64).normal_()
        getattr(wi, fn)(ours, **kwargs)
        label = 'case %d: %s(%s %s %s, %s), seed %d, cached %s' % (
            case, fn, shape, dtype, layout, kwargs, seed, cached)
        assert same_halves(ours, theirs), label
        assert torch.equal(torch.get_rng_state(), state), label


@pytest.mark.parametrize('dtype', REDUCED)
def test_a_large_normal_with_an_explicit_generator_matches_torch(dtype):
    for n in (16, 4096, 100003):
        g, ours_g = torch.Generator().manual_seed(n), torch.Generator().manual_seed(n)
        theirs = torch.empty(n, dtype=dtype).normal_(0.5, 2.0, generator=g)
        ours = wi.normal_(torch.empty(n, dtype=dtype), 0.5, 2.0, generator=ours_g)
        assert same_halves(ours, theirs), n
        assert torch.equal(g.get_state(), ours_g.get_state()), n


@pytest.mark.parametrize('dtype', REDUCED)
def test_fills_in_the_reduced_arithmetic_are_refused_before_drawing(dtype):
    for fn in (wi.trunc_normal_, wi.sparse_, wi.orthogonal_):
        t = torch.full((16, 4), 7.0, dtype=dtype)
        state = torch.get_rng_state()
        args = (0.5,) if fn is wi.sparse_ else ()
        with pytest.raises(TypeError, match='with a torch generator is not supported yet'):
            fn(t, *args)
        assert torch.all(t == 7.0) and torch.equal(torch.get_rng_state(), state)


def test_a_normal_fill_for_an_older_torch_profile_is_refused():
    g = weightinit.Generator(3, profile='2.0-avx2')
    t = torch.full((20,), 7.0, dtype=torch.bfloat16)
    with pytest.raises(TypeError, match='torch 2.12 and later only'):
        wi.normal_(t, generator=g)
    assert torch.all(t == 7.0)


def test_torchs_warnings_come_through_for_reduced_precision(recwarn):
    t = torch.full((0, 4), 7.0, dtype=torch.bfloat16)
    wi.kaiming_normal_(t)  # torch warns on a zero-element tensor; so does weightinit
    assert any('zero-element' in str(w.message) for w in recwarn.list)


def test_a_bf16_parameter_keeps_its_version_counter_semantics():
    p = torch.nn.Parameter(torch.empty(4, 3, dtype=torch.bfloat16))
    before = p._version
    torch.manual_seed(1)
    wi.kaiming_uniform_(p, a=5 ** 0.5)
    torch.manual_seed(1)
    expected = torch.nn.init.kaiming_uniform_(torch.empty(4, 3, dtype=torch.bfloat16), a=5 ** 0.5)
    assert p._version == before + 1 and same_halves(p.detach(), expected)
