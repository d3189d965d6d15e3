"""In-place semantics: the caller's memory is written (no copy), views write only their own
elements, autograd sees an in-place write, and meta tensors are left alone, as in torch."""
import warnings

import numpy as np
import pytest
import torch

import weightinit
from weightinit.nn import init as wi


def test_fills_the_callers_storage_and_returns_the_same_object():
    t = torch.zeros(64, 32)
    pointer = t.data_ptr()
    assert wi.normal_(t) is t
    assert t.data_ptr() == pointer
    assert (t != 0).sum() > 2000  # 2048 values, essentially all nonzero


def test_a_strided_view_writes_only_its_own_elements():
    base = torch.full((8, 10), 7.0)
    view = base[1:7:2, ::3]
    wi.uniform_(view, -1, 1)
    mask = torch.zeros_like(base, dtype=torch.bool)
    mask[1:7:2, ::3] = True
    assert torch.all(base[~mask] == 7.0)
    assert torch.all((view >= -1) & (view < 1))


def test_a_parameter_keeps_requires_grad_and_its_version_counter_moves():
    p = torch.nn.Parameter(torch.empty(4, 3))
    before = p._version
    wi.kaiming_uniform_(p, a=5 ** 0.5)
    assert p.requires_grad and p.grad_fn is None and isinstance(p, torch.nn.Parameter)
    assert p._version == before + 1


def test_autograd_sees_the_write_as_torchs_in_place_init_would():
    # A tensor saved for backward and then re-initialized: backward must refuse, as it does
    # after torch.nn.init (the version counter is what tells it).
    w = torch.nn.Parameter(torch.ones(3, 3))
    y = (w * w).sum()
    wi.normal_(w)
    with pytest.raises(RuntimeError, match='modified by an inplace operation'):
        y.backward()


def test_meta_tensors_are_a_no_op_and_draw_nothing():
    t = torch.empty(1000, 1000, device='meta')
    state = torch.get_rng_state()
    for fn in (wi.uniform_, wi.normal_, wi.xavier_normal_, wi.kaiming_uniform_, wi.zeros_):
        assert fn(t) is t
    assert torch.equal(torch.get_rng_state(), state)


def test_numpy_arrays_are_filled_in_place_in_any_order():
    for order in ('C', 'F'):
        a = np.zeros((5, 6), dtype=np.float64, order=order)
        address = a.__array_interface__['data'][0]
        assert wi.xavier_uniform_(a, generator=weightinit.Generator(1)) is a
        assert a.__array_interface__['data'][0] == address
        bound = (6 / 11) ** 0.5
        assert np.all(np.abs(a) <= bound) and np.count_nonzero(a) == 30


def test_a_zero_element_tensor_warns_and_draws_nothing():
    t = torch.empty(0, 5)
    state = torch.get_rng_state()
    with pytest.warns(UserWarning, match='Initializing zero-element tensors is a no-op'):
        wi.kaiming_normal_(t)
    assert torch.equal(torch.get_rng_state(), state)


def test_a_warning_turned_error_stops_the_call_before_anything_is_drawn():
    t = torch.full((10,), 3.0)
    state = torch.get_rng_state()
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with pytest.raises(UserWarning, match='mean is more than 2 std'):
            wi.trunc_normal_(t, mean=5.0, std=1.0, a=-2.0, b=2.0)
    assert torch.equal(torch.get_rng_state(), state)
    assert torch.all(t == 3.0)


def test_the_gil_is_released_while_filling():
    # Two threads filling large tensors at once: both finish, and each tensor holds its own
    # generator's values (the fills do not share state).
    import threading
    results = {}

    def fill(name, seed):
        t = torch.empty(4_000_000)
        wi.normal_(t, generator=weightinit.Generator(seed))
        results[name] = t

    threads = [threading.Thread(target=fill, args=(n, s)) for n, s in (('a', 1), ('b', 2))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    expected = wi.normal_(torch.empty(4_000_000), generator=weightinit.Generator(1))
    assert torch.equal(results['a'], expected)
    assert not torch.equal(results['a'], results['b'])


def test_threads_applies_to_one_call_and_gives_the_same_values():
    before = weightinit.get_num_threads()
    a = wi.normal_(torch.empty(1 << 20), generator=weightinit.Generator(4, family='philox'),
                   threads=1)
    b = wi.normal_(torch.empty(1 << 20), generator=weightinit.Generator(4, family='philox'),
                   threads=2)
    assert torch.equal(a, b)
    assert weightinit.get_num_threads() == before
    with pytest.raises(ValueError, match='set_num_threads expects a positive integer, but got 0'):
        wi.normal_(torch.empty(3), threads=0)
    torch.set_num_threads(1)  # one OpenMP runtime: torch's setting is weightinit's
    assert weightinit.get_num_threads() == 1
