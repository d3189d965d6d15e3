"""Bad input: a Python exception that names the value and the rule, in torch's wording where the
rule is torch's, catchable as torch's exception type; nothing written, nothing drawn."""
import numpy as np
import pytest
import torch

import weightinit
from weightinit.nn import init as wi


def unchanged(call, tensor):
    """Runs `call`, which must raise; then checks that `tensor` and torch's state are as before."""
    before, state = tensor.clone(), torch.get_rng_state()
    with pytest.raises(Exception) as caught:
        call()
    assert torch.equal(tensor, before) and torch.equal(torch.get_rng_state(), state)
    return caught.value


def test_integer_dtypes_are_type_errors():
    for dtype in (torch.int32, torch.int64, torch.uint8, torch.bool):
        t = torch.zeros(3, 4, dtype=dtype)
        e = unchanged(lambda: wi.uniform_(t), t)
        assert isinstance(e, TypeError) and isinstance(e, RuntimeError)
        assert str(e) == 'uniform_ expects a floating-point tensor, but got dtype %s' % dtype
    with pytest.raises(TypeError, match='expects a float32 or float64 tensor, but got dtype int16'):
        wi.normal_(np.zeros(3, dtype=np.int16))


def test_a_read_only_numpy_array_is_refused():
    a = np.zeros(4, dtype=np.float32)
    a.flags.writeable = False
    with pytest.raises(ValueError, match='normal_ fills in place, but the NumPy array is read-only'):
        wi.normal_(a)
    assert not a.any()


def test_shapes_torch_refuses_are_refused_with_its_words():
    t = torch.zeros(3, 3, 3)
    e = unchanged(lambda: wi.eye_(t), t)
    assert str(e) == 'Only tensors with 2 dimensions are supported'
    assert isinstance(e, ValueError) and isinstance(e, RuntimeError)
    v = torch.zeros(5)
    e = unchanged(lambda: wi.xavier_uniform_(v), v)
    assert str(e) == ('Fan in and fan out can not be computed for tensor with fewer than 2 '
                      'dimensions')
    e = unchanged(lambda: wi.dirac_(torch.zeros(5, 2, 3), groups=2), v)
    assert str(e) == 'dim 0 must be divisible by groups'


def test_argument_rules_use_torchs_words():
    t = torch.zeros(4, 4)
    e = unchanged(lambda: wi.uniform_(t, 1.0, 0.0), t)
    assert str(e) == 'uniform_ expects to return a [from, to) range, but found from=1 > to=0'
    assert isinstance(e, RuntimeError)
    e = unchanged(lambda: wi.normal_(t, 0.0, -1.0), t)
    assert 'normal expects std >= 0.0, but found std -1' in str(e)
    e = unchanged(lambda: wi.kaiming_uniform_(t, mode='fan_avg'), t)
    assert str(e) == "Mode fan_avg not supported, please use one of ['fan_in', 'fan_out']"
    e = unchanged(lambda: wi.kaiming_normal_(t, nonlinearity='gelu'), t)
    assert str(e) == 'Unsupported nonlinearity gelu'
    e = unchanged(lambda: wi.kaiming_normal_(t, a=True), t)
    assert str(e) == 'negative_slope True not a valid number'
    with pytest.raises(ValueError, match='Unsupported nonlinearity swish'):
        wi.calculate_gain('swish')


def test_an_expanded_tensor_is_refused_as_torch_refuses_it():
    t = torch.zeros(1, 4).expand(3, 4)
    e = unchanged(lambda: wi.normal_(t), t)
    assert 'more than one element of the written-to tensor refers to a single memory location' \
        in str(e)
    with pytest.raises(RuntimeError, match='single memory location'):
        torch.nn.init.normal_(torch.zeros(1, 4).expand(3, 4))


def test_a_generator_of_another_kind_is_a_type_error():
    t = torch.zeros(3)
    e = unchanged(lambda: wi.normal_(t, generator=42), t)
    assert isinstance(e, TypeError)
    assert str(e) == 'generator must be a torch.Generator or a weightinit.Generator, but got int'


def test_a_non_array_is_a_type_error():
    with pytest.raises(TypeError):
        wi.normal_([1.0, 2.0, 3.0])


def test_philox_generators_have_no_torch_state():
    with pytest.raises(ValueError):
        weightinit.Generator(1, family='philox').get_state()
    with pytest.raises(ValueError, match='discard needs a generator of the torch family'):
        weightinit.Generator(1, family='philox').discard(5)
