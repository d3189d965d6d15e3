"""torch.nn.init's functions, filled by weightinit: the same names, arguments, defaults and
results, bit-identical to torch on the CPU for the same generator state.

Each function takes a CPU ``torch.Tensor`` (float32 or float64, any strides, requires_grad or
not) or a writable NumPy array, fills it in place without a copy, and returns it. Meta tensors
are returned untouched, as torch does. ``generator`` is a ``torch.Generator`` (left in the state
torch would leave it), a ``weightinit.Generator`` of either family, or None: torch's default
generator when torch is imported, else ``weightinit.default_generator()``. The GIL is released
while a tensor is filled.

Example::

    >>> import torch, weightinit
    >>> w = torch.empty(3, 5)
    >>> _ = torch.manual_seed(0); weightinit.nn.init.kaiming_uniform_(w, a=5 ** 0.5).shape
    torch.Size([3, 5])
"""
import sys

from .. import _core
from .._errors import DeviceError, DTypeError
from .._generators import Draw
from .._threads import Threads

__all__ = ['calculate_gain', 'uniform_', 'normal_', 'trunc_normal_', 'constant_', 'ones_',
           'zeros_', 'eye_', 'dirac_', 'xavier_uniform_', 'xavier_normal_', 'kaiming_uniform_',
           'kaiming_normal_', 'orthogonal_', 'sparse_']


def _target(tensor, op):
    """The object _core fills for `tensor` (a torch tensor's detached alias, which shares its
    storage and version counter), or None for a meta tensor."""
    torch = sys.modules.get('torch')
    if torch is not None and isinstance(tensor, torch.Tensor):
        if tensor.device.type == 'meta':
            return None
        if tensor.device.type != 'cpu':
            raise DeviceError('%s fills CPU tensors, but the tensor is on %s' % (op, tensor.device))
        if tensor.dtype not in (torch.float32, torch.float64, torch.bfloat16, torch.float16):
            raise DTypeError('%s expects a floating-point tensor, but got dtype %s'
                             % (op, tensor.dtype))
        return tensor.detach()
    flags = getattr(tensor, 'flags', None)
    if type(tensor).__module__ == 'numpy' and flags is not None and not flags.writeable:
        raise ValueError('%s fills in place, but the NumPy array is read-only' % op)
    return tensor


def _written(tensor):
    """Bumps a torch tensor's autograd version counter, as an in-place op would."""
    torch = sys.modules.get('torch')
    if torch is not None and isinstance(tensor, torch.Tensor):
        torch.autograd.graph.increment_version(tensor)
    return tensor


def _draw(op, tensor, generator, fill, threads):
    target = _target(tensor, op)
    if target is None:
        return tensor
    with Threads(threads), Draw(generator) as gen:
        fill(target, gen)
    return _written(tensor)


def _fixed(op, tensor, fill):
    target = _target(tensor, op)
    if target is None:
        return tensor
    fill(target)
    return _written(tensor)


def _negative_slope(nonlinearity, param):
    """torch's check of calculate_gain's param for leaky_relu: an int or float, not a bool."""
    if nonlinearity != 'leaky_relu' or param is None:
        return None if param is None else float(param) if _is_number(param) else None
    if not _is_number(param):
        raise ValueError('negative_slope %s not a valid number' % (param,))
    return float(param)


def _is_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float))


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for a nonlinearity: 1 for linear, conv* and sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + negative_slope^2)) for leaky_relu (He et al. 2015; slope
    `param`, default 0.01), 3/4 for selu. Like torch.nn.init.calculate_gain."""
    return _core.calculate_gain(nonlinearity, _negative_slope(nonlinearity, param))


def uniform_(tensor, a=0.0, b=1.0, generator=None, *, threads=None):
    """Fills `tensor` from U(a, b). Like torch.nn.init.uniform_."""
    return _draw('uniform_', tensor, generator, lambda t, g: _core.uniform_(t, a, b, g), threads)


def normal_(tensor, mean=0.0, std=1.0, generator=None, *, threads=None):
    """Fills `tensor` from N(mean, std^2). Like torch.nn.init.normal_."""
    return _draw('normal_', tensor, generator, lambda t, g: _core.normal_(t, mean, std, g),
                 threads)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None, *, threads=None):
    """Fills `tensor` from N(mean, std^2) truncated to [a, b] (absolute bounds). Like
    torch.nn.init.trunc_normal_ of the running PyTorch (a rejection sampler since 2.12)."""
    return _draw('trunc_normal_', tensor, generator,
                 lambda t, g: _core.trunc_normal_(t, mean, std, a, b, g), threads)


def constant_(tensor, val):
    """Fills `tensor` with `val`. Like torch.nn.init.constant_."""
    return _fixed('constant_', tensor, lambda t: _core.constant_(t, val))


def ones_(tensor):
    """Fills `tensor` with 1. Like torch.nn.init.ones_."""
    return _fixed('ones_', tensor, lambda t: _core.constant_(t, 1.0))


def zeros_(tensor):
    """Fills `tensor` with 0. Like torch.nn.init.zeros_."""
    return _fixed('zeros_', tensor, lambda t: _core.constant_(t, 0.0))


def eye_(tensor):
    """The identity matrix in a 2-D `tensor`. Like torch.nn.init.eye_."""
    return _fixed('eye_', tensor, _core.eye_)


def dirac_(tensor, groups=1):
    """The Dirac delta in a 3-, 4- or 5-D conv weight, per group. Like torch.nn.init.dirac_."""
    return _fixed('dirac_', tensor, lambda t: _core.dirac_(t, groups))


def xavier_uniform_(tensor, gain=1.0, generator=None, *, threads=None):
    """Glorot & Bengio 2010: U(-b, b), b = gain * sqrt(6 / (fan_in + fan_out)).
    Like torch.nn.init.xavier_uniform_."""
    return _draw('xavier_uniform_', tensor, generator,
                 lambda t, g: _core.xavier_uniform_(t, gain, g), threads)


def xavier_normal_(tensor, gain=1.0, generator=None, *, threads=None):
    """Glorot & Bengio 2010: N(0, s^2), s = gain * sqrt(2 / (fan_in + fan_out)).
    Like torch.nn.init.xavier_normal_."""
    return _draw('xavier_normal_', tensor, generator,
                 lambda t, g: _core.xavier_normal_(t, gain, g), threads)


def kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None, *,
                     threads=None):
    """He et al. 2015: U(-b, b), b = gain * sqrt(3 / fan_mode), gain =
    calculate_gain(nonlinearity, a). Like torch.nn.init.kaiming_uniform_."""
    slope = _negative_slope(nonlinearity, a)
    return _draw('kaiming_uniform_', tensor, generator,
                 lambda t, g: _core.kaiming_uniform_(t, slope or 0.0, mode, nonlinearity, g),
                 threads)


def kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None, *,
                    threads=None):
    """He et al. 2015: N(0, s^2), s = gain / sqrt(fan_mode), gain =
    calculate_gain(nonlinearity, a). Like torch.nn.init.kaiming_normal_."""
    slope = _negative_slope(nonlinearity, a)
    return _draw('kaiming_normal_', tensor, generator,
                 lambda t, g: _core.kaiming_normal_(t, slope or 0.0, mode, nonlinearity, g),
                 threads)


def orthogonal_(tensor, gain=1, generator=None, *, threads=None):
    """Saxe et al. 2013: a (semi-)orthogonal matrix from the QR of a Gaussian one, times gain.
    The Gaussian draw is torch's; QR is LAPACK's, so values agree with torch within 1e-6.
    Like torch.nn.init.orthogonal_."""
    return _draw('orthogonal_', tensor, generator, lambda t, g: _core.orthogonal_(t, gain, g),
                 threads)


def sparse_(tensor, sparsity, std=0.01, generator=None, *, threads=None):
    """Martens 2010: N(0, std^2), then ceil(sparsity * rows) entries of each column set to 0.
    As in torch, the permutations come from torch's default generator whatever `generator`
    is. Like torch.nn.init.sparse_."""
    target = _target(tensor, 'sparse_')
    if target is None:
        return tensor
    draw = Draw(generator)
    with Threads(threads), draw as gen:
        _core.sparse_(target, sparsity, std, gen, draw.default())
    return _written(tensor)
