"""Generators: a torch.Generator is left where torch leaves it, calls of both libraries share one
stream, and weightinit.Generator's torch family is torch.Generator."""
import pytest
import torch

import weightinit
from weightinit.nn import init as wi

from conftest import same_bits


def test_mixing_torch_and_weightinit_calls_keeps_one_stream():
    torch.manual_seed(123)
    a1 = torch.nn.init.normal_(torch.empty(7))
    a2 = torch.nn.init.uniform_(torch.empty(33, 2))
    a3 = torch.nn.init.xavier_normal_(torch.empty(5, 9), gain=2.0)
    torch.manual_seed(123)
    b1 = wi.normal_(torch.empty(7))
    b2 = torch.nn.init.uniform_(torch.empty(33, 2))
    b3 = wi.xavier_normal_(torch.empty(5, 9), gain=2.0)
    assert same_bits(a1, b1) and same_bits(a2, b2) and same_bits(a3, b3)


def test_the_cached_normal_sample_travels_with_the_state():
    # An odd-length scalar float64 normal_ leaves Box-Muller's second sample in torch's state;
    # the next scalar draw must use it, whichever library makes it.
    g1, g2 = torch.Generator().manual_seed(9), torch.Generator().manual_seed(9)
    torch.nn.init.normal_(torch.empty(3, dtype=torch.float64), generator=g1)
    wi.normal_(torch.empty(3, dtype=torch.float64), generator=g2)
    assert torch.equal(g1.get_state(), g2.get_state())
    x = torch.nn.init.normal_(torch.empty(5, dtype=torch.float64), generator=g1)
    y = wi.normal_(torch.empty(5, dtype=torch.float64), generator=g2)
    assert same_bits(x, y)


def test_sparse_takes_its_permutations_from_the_default_generator():
    torch.manual_seed(4)
    g = torch.Generator().manual_seed(8)
    t = torch.nn.init.sparse_(torch.empty(10, 6), 0.3, generator=g)
    states = torch.get_rng_state(), g.get_state()
    torch.manual_seed(4)
    g = torch.Generator().manual_seed(8)
    w = wi.sparse_(torch.empty(10, 6), 0.3, generator=g)
    assert same_bits(t, w)
    assert torch.equal(torch.get_rng_state(), states[0]) and torch.equal(g.get_state(), states[1])


def test_weightinit_generator_draws_like_torch_generator():
    for seed in (0, 1, 2**32 + 5, 2**64 - 1):
        ours = wi.normal_(torch.empty(100), generator=weightinit.Generator(seed))
        theirs = torch.nn.init.normal_(torch.empty(100), generator=torch.Generator().manual_seed(seed))
        assert same_bits(ours, theirs), seed


def test_negative_seeds_map_as_torch_maps_them():
    g = weightinit.Generator(-1)
    assert g.initial_seed() == torch.Generator().manual_seed(-1).initial_seed()
    with pytest.raises(ValueError, match=r'seed must be in \[-2\^63, 2\^64\), but found 18446744073709551616'):
        weightinit.Generator(2**64)


def test_state_bytes_round_trip_between_the_libraries():
    g = torch.Generator().manual_seed(77)
    torch.randn(3, generator=g, dtype=torch.float64)
    ours = weightinit.Generator().set_state(g.get_state().numpy().tobytes())
    assert ours.get_state() == g.get_state().numpy().tobytes()
    a = wi.uniform_(torch.empty(50), generator=ours)
    b = torch.nn.init.uniform_(torch.empty(50), generator=g)
    assert same_bits(a, b)
    with pytest.raises(ValueError):
        weightinit.Generator().set_state(b'\x00' * 10)


def test_discard_jumps_as_drawing_would():
    drawn = torch.Generator().manual_seed(5)
    torch.empty(3_000_001).uniform_(generator=drawn)  # one word per float32
    jumped = weightinit.Generator(5)
    jumped.discard(3_000_001)
    assert jumped.words_drawn() == 3_000_001
    assert jumped.get_state() == drawn.get_state().numpy().tobytes()


def test_philox_fills_do_not_depend_on_how_a_tensor_is_split():
    whole = wi.normal_(torch.empty(1000), generator=weightinit.Generator(3, family='philox'))
    g = weightinit.Generator(3, family='philox')
    first = wi.normal_(torch.empty(400), generator=g)
    rest = wi.normal_(torch.empty(600), generator=g)
    assert same_bits(whole, torch.cat([first, rest]))
    g.set_stream('layer.weight')
    other = wi.normal_(torch.empty(1000), generator=g)
    assert not torch.equal(whole, other)
    assert g.stream == 'layer.weight' and g.family == 'philox'


def test_profiles_name_the_torch_build():
    old = weightinit.Generator(0, profile='1.13-avx2')
    assert 'torch 1.13' in repr(old)
    with pytest.raises(ValueError, match="unknown torch profile 'nope'"):
        weightinit.Generator(0, profile='nope')
    with pytest.raises(ValueError, match='torch family only'):
        weightinit.Generator(0, family='philox', profile='2.14-avx2')


def test_manual_seed_seeds_both_libraries():
    weightinit.manual_seed(11)
    a = wi.normal_(torch.empty(20))
    torch.manual_seed(11)
    b = torch.nn.init.normal_(torch.empty(20))
    assert same_bits(a, b)
