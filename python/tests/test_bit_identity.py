"""weightinit.nn.init against torch.nn.init: the same bits and the same generator state after
every call, at random seeds, shapes, dtypes, layouts and arguments (a differential test: the
master seed and the failing case are printed)."""
import math
import random

import pytest
import torch

import weightinit
from weightinit.nn import init as wi

from conftest import same_bits

CASES_PER_FUNCTION = 200


def random_shape(rng, min_dims, max_dims):
    dims = rng.randint(min_dims, max_dims)
    return [rng.choice([1, 2, 3, 5, 8, 16, 17, 33]) for _ in range(dims)]


def make_tensor(rng, shape, dtype, contiguous=False):
    """A tensor of `shape` in one of torch's layouts: contiguous, transposed or a strided slice
    of a larger buffer (garbage-filled, so a write outside the view would show)."""
    layout = rng.choice(['contiguous', 'contiguous', 'transposed', 'sliced'])
    if contiguous:
        layout = 'contiguous'
    if layout == 'transposed' and len(shape) >= 2:
        return torch.full(list(reversed(shape)), 7.0, dtype=dtype).t() if len(shape) == 2 else \
            torch.full(shape[:-2] + [shape[-1], shape[-2]], 7.0, dtype=dtype).transpose(-1, -2)
    if layout == 'sliced':
        big = torch.full([2 * s for s in shape], 7.0, dtype=dtype)
        return big[tuple(slice(None, None, 2) for _ in shape)]
    return torch.full(shape, 7.0, dtype=dtype)


def random_number(rng):
    return rng.choice([0.0, 1.0, -1.0, 0.5, rng.uniform(-10, 10), rng.uniform(-1e-3, 1e-3)])


def random_call(rng, fn):
    """(shape bounds, keyword arguments) of a valid call of `fn`."""
    if fn == 'uniform_':
        a, b = sorted([random_number(rng), random_number(rng)])
        return (1, 4), {'a': a, 'b': b}
    if fn == 'normal_':
        return (1, 4), {'mean': random_number(rng), 'std': abs(random_number(rng))}
    if fn == 'trunc_normal_':
        mean, std = random_number(rng), rng.choice([1.0, 0.02, 0.5, 3.0])
        lo = mean + rng.uniform(-3, 1) * std
        return (1, 4), {'mean': mean, 'std': std, 'a': lo, 'b': lo + rng.choice([0.5, 1, 4]) * std}
    if fn in ('xavier_uniform_', 'xavier_normal_'):
        return (2, 5), {'gain': rng.choice([1.0, 5.0 / 3, math.sqrt(2.0), 0.5])}
    if fn in ('kaiming_uniform_', 'kaiming_normal_'):
        return (2, 5), {'a': rng.choice([0, math.sqrt(5), 0.01, -0.2]),
                        'mode': rng.choice(['fan_in', 'fan_out']),
                        'nonlinearity': rng.choice(['leaky_relu', 'relu', 'tanh', 'linear',
                                                    'selu', 'sigmoid', 'conv2d'])}
    if fn == 'orthogonal_':
        return (2, 4), {'gain': rng.choice([1, 0.5, 2.0])}
    if fn == 'sparse_':
        return (2, 2), {'sparsity': rng.choice([0.1, 0.5, 0.9, 0.0, 1.0]),
                        'std': rng.choice([0.01, 1.0])}
    raise AssertionError(fn)


DRAWING = ['uniform_', 'normal_', 'trunc_normal_', 'xavier_uniform_', 'xavier_normal_',
           'kaiming_uniform_', 'kaiming_normal_', 'orthogonal_', 'sparse_']


def run(module, fn, rng_state, tensor, kwargs, generator_seed):
    """Calls module.fn on `tensor` from the given states; returns the tensor and both states."""
    torch.set_rng_state(rng_state)
    generator = None
    if generator_seed is not None:
        generator = torch.Generator().manual_seed(generator_seed)
    getattr(module, fn)(tensor, **kwargs, **({} if generator is None else
                                                {'generator': generator}))
    return tensor, torch.get_rng_state(), None if generator is None else generator.get_state()


@pytest.mark.filterwarnings('ignore:mean is more than 2 std')
@pytest.mark.parametrize('fn', DRAWING)
def test_every_drawing_function_matches_torch(fn, master_seed):
    rng = random.Random('%s/%d' % (fn, master_seed))
    for case in range(CASES_PER_FUNCTION):
        (lo, hi), kwargs = random_call(rng, fn)
        shape = random_shape(rng, lo, hi)
        dtype = rng.choice([torch.float32, torch.float32, torch.float64])
        seed = rng.randrange(2**63)
        generator_seed = rng.choice([None, rng.randrange(2**32)])
        torch.manual_seed(seed)
        torch.randn(rng.randrange(0, 20))  # leaves a cached normal sample some of the time
        state = torch.get_rng_state()
        layout_seed = rng.random()  # the same layout for both
        # torch's orthogonal_ refuses views it cannot view_as a matrix (more than 2-D)
        contiguous = fn == 'orthogonal_' and len(shape) > 2
        theirs = make_tensor(random.Random(layout_seed), shape, dtype, contiguous)
        ours = make_tensor(random.Random(layout_seed), shape, dtype, contiguous)
        label = 'case %d: %s(%s %s, %s), seed %d, generator %s' % (
            case, fn, list(shape), dtype, kwargs, seed, generator_seed)
        t, t_state, t_gen = run(torch.nn.init, fn, state, theirs, kwargs, generator_seed)
        o, o_state, o_gen = run(wi, fn, state, ours, kwargs, generator_seed)
        if fn == 'orthogonal_':  # LAPACK's QR (weightinit) against MKL's (torch): 1e-6
            assert torch.allclose(o, t, rtol=0, atol=1e-6 * max(1.0, kwargs['gain'])), label
        else:
            assert same_bits(o, t), label
        assert torch.equal(o_state, t_state), label + ': default generator state'
        if generator_seed is not None:
            assert torch.equal(o_gen, t_gen), label + ': generator state'


@pytest.mark.parametrize('fn,kwargs,shape', [
    ('constant_', {'val': -2.5}, [3, 4]), ('ones_', {}, [5]), ('zeros_', {}, [2, 3, 4]),
    ('eye_', {}, [3, 5]), ('eye_', {}, [6, 2]), ('dirac_', {}, [4, 4, 3]),
    ('dirac_', {'groups': 2}, [6, 3, 3, 3]), ('dirac_', {}, [2, 5, 1, 3, 3])])
def test_deterministic_functions_match_torch(fn, kwargs, shape):
    for dtype in (torch.float32, torch.float64):
        for layout in range(4):
            theirs = make_tensor(random.Random(layout), shape, dtype)
            ours = make_tensor(random.Random(layout), shape, dtype)
            state = torch.get_rng_state()
            getattr(torch.nn.init, fn)(theirs, **kwargs)
            getattr(wi, fn)(ours, **kwargs)
            assert same_bits(ours, theirs), (fn, shape, dtype, layout)
            assert torch.equal(torch.get_rng_state(), state)


@pytest.mark.parametrize('nonlinearity,param', [
    ('linear', None), ('conv3d', None), ('conv_transpose2d', None), ('sigmoid', None),
    ('tanh', None), ('relu', None), ('leaky_relu', None), ('leaky_relu', 0.2),
    ('leaky_relu', 3), ('selu', None), ('relu', 'ignored')])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert wi.calculate_gain(nonlinearity, param) == torch.nn.init.calculate_gain(nonlinearity, param)


def test_numpy_arrays_get_torchs_values(master_seed):
    np = pytest.importorskip('numpy')
    rng = random.Random(master_seed)
    for dtype in (np.float32, np.float64):
        shape = random_shape(rng, 2, 3)
        seed = rng.randrange(2**32)
        array = np.zeros(shape, dtype=dtype, order=rng.choice(['C', 'F']))
        wi.kaiming_normal_(array, generator=torch.Generator().manual_seed(seed))
        expected = torch.nn.init.kaiming_normal_(
            torch.from_numpy(np.zeros_like(array)), generator=torch.Generator().manual_seed(seed))
        assert same_bits(torch.from_numpy(array), expected), (shape, dtype, seed)
