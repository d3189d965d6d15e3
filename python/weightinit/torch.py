"""Init policies over whole ``torch.nn.Module``s: ``init_module_`` and the meta-device flow
``materialize_``.

A policy is weightinit's rule list (docs/policies.md): a built-in name such as
``"torchvision-resnet"`` or ``"gpt2"``, a file, or the text itself. The model's modules are
matched by their class names (``Conv2d``, ``Linear``, ``Conv1D``, ``GPT2Attention``, ...) and
their parameters by name, as for weightinit's own models; each parameter a rule draws is filled
in place, in ``named_parameters()`` order.
"""
import contextlib
import warnings

import torch

from . import _core
from ._generators import Draw
from ._threads import Threads

__all__ = ['init_module_', 'materialize_']

# Buffers materialize_ knows how to initialize after to_empty: _NormBase's running statistics.
_RESETS_RUNNING_STATS = 'reset_running_stats'


def _module_records(module, shapes_only=False):
    """(name, type, padding_idx, [(parameter name, detached tensor)]) per module, in
    named_modules() order, each parameter where named_parameters() lists it (shared ones
    once)."""
    seen = set()
    records = []
    for name, m in module.named_modules():
        params = []
        for local, p in m._parameters.items():
            if p is None or id(p) in seen:
                continue
            seen.add(id(p))
            if p.device.type != 'cpu' and not shapes_only:
                raise ValueError('init_module_ fills CPU tensors, but parameter %s is on %s'
                                 % ((name + '.' if name else '') + local, p.device))
            params.append((local, p if shapes_only else p.detach()))
        padding_idx = getattr(m, 'padding_idx', None) if type(m).__name__ == 'Embedding' else None
        records.append((name, type(m).__name__, padding_idx, params))
    return records


def _generator(rng, seed, generator, torch_profile):
    """The generator of a policy's draws, and the Draw that writes a torch.Generator back."""
    if rng == 'philox':
        if generator is not None:
            raise ValueError('rng="philox" draws from its own streams: give seed=, not generator=')
        if torch_profile is not None:
            raise ValueError('torch_profile= applies to rng="torch"')
        return _core.Generator(0 if seed is None else seed, family='philox'), None
    if rng != 'torch':
        raise ValueError('rng must be "torch" or "philox", but got %r' % (rng,))
    if seed is not None and generator is not None:
        raise ValueError('give seed= or generator=, not both')
    if torch_profile is not None:  # a PyTorch build other than the running one
        if generator is not None:
            raise ValueError('torch_profile= applies to seed=, not to generator=')
        return _core.Generator(0 if seed is None else seed, profile=torch_profile), None
    if seed is not None:
        generator = torch.Generator().manual_seed(seed)
    draw = Draw(generator)
    return draw.generator, draw


def _shared_parameters(module):
    """(module, name, owner, owner's name) for each parameter that is another module's
    (tied weights: a GPT-2 head and its token embedding)."""
    first = {}
    ties = []
    for _, m in module.named_modules():
        for local, p in m._parameters.items():
            if p is None:
                continue
            if id(p) in first:
                ties.append((m, local) + first[id(p)])
            else:
                first[id(p)] = (m, local)
    return ties


def init_module_(module, policy='*: default', seed=None, rng='torch', generator=None,
                 torch_profile=None, strict=False, threads=None, _redraw_defaults=False):
    """Applies an init policy to every parameter of `module`, in place, and returns what each
    got: a list of ``(name, module type, init)`` (``init`` is the canonical spec drawn,
    ``"default"`` for a parameter a ``default`` rule kept, ``""`` for one no rule matched).

    rng="torch": the draws of ``torch.nn.init`` from a torch generator, in named_parameters()
    order: ``torch.Generator().manual_seed(seed)`` when `seed` is given, else `generator` (a
    torch.Generator or weightinit.Generator), else torch's default generator, which is left
    where torch's own calls would leave it. ``default`` keeps a parameter's values.

    rng="philox": each parameter from its own Philox stream, keyed by (seed, its name): the
    values of ``weightinit init MODEL --rng philox --seed SEED`` for the same names and
    shapes, whatever the order or sharding. ``default`` redraws torch's own constructor init
    (Linear, Conv*, the norms, Embedding, transformers' Conv1D; other types need a rule).

    The policy's warnings (a rule that matches nothing, a parameter no rule matches) are
    UserWarnings, or one ValueError before anything is drawn when `strict`. `threads` sets the
    thread count for the call (weightinit and torch share one OpenMP runtime)."""
    gen, draw = _generator(rng, seed, generator, torch_profile)
    records = _module_records(module)
    with Threads(threads), draw or contextlib.nullcontext():
        applied, notes = _core.apply_policy(records, policy, gen, strict, _redraw_defaults)
    for note in notes:
        warnings.warn(note, UserWarning, stacklevel=2)
    for _, m in module.named_modules():
        for p in m._parameters.values():
            if p is not None:
                torch.autograd.graph.increment_version(p)
    return applied


def materialize_(module, policy='*: default', seed=0, rng='philox', torch_profile=None,
                 strict=False, threads=None):
    """The meta-device flow: gives every parameter and buffer of `module` CPU memory
    (``module.to_empty(device="cpu")``), initializes the parameters with `policy`
    (init_module_; Philox by default, each tensor filled in parallel) and resets the running
    statistics of the norm layers. Returns init_module_'s list.

    Nothing ran a constructor, so materialize_ draws the constructors' inits too (torch's
    reset_parameters of Linear, Conv*, the norms, Embedding, transformers' Conv1D; another type
    with parameters needs a rule). rng="philox": a parameter a rule matches gets the rule's
    init, the others their constructor's, each from its own stream. rng="torch": as torch
    builds a model, every parameter's constructor init in named_parameters() order from
    ``torch.Generator().manual_seed(seed)``, then the policy over them; so for a model whose
    constructor draws in that order and then runs its own init loop (torchvision's), the result
    equals ``torch.manual_seed(seed); Model()`` when `policy` is that loop.

    Parameters shared between modules (tied weights) stay shared. A buffer materialize_ cannot
    initialize (one not owned by a layer with ``reset_running_stats``), a policy error, and a
    parameter whose type has no known constructor init and no rule are ValueErrors before
    anything is allocated."""
    unknown = [name + '.' + local if name else local
               for name, m in module.named_modules() if not hasattr(m, _RESETS_RUNNING_STATS)
               for local, b in m._buffers.items() if b is not None]
    if unknown:
        raise ValueError('materialize_ cannot initialize buffer %s: only the running statistics '
                         'of norm layers are known; fill it after to_empty() yourself'
                         % ', '.join(repr(u) for u in unknown))
    shapes = [(name, kind, padding, [(local, list(p.shape)) for local, p in params])
              for name, kind, padding, params in _module_records(module, shapes_only=True)]
    if rng == 'philox':
        _core.check_policy(shapes, policy, 'philox', strict)
    else:  # the construction pass draws every parameter's constructor init: all must be known
        _core.check_policy(shapes, '*: default', 'philox', False)
        _core.check_policy(shapes, policy, 'torch', strict)
    ties = _shared_parameters(module)
    module.to_empty(device='cpu')  # gives each shared parameter its own tensor: tie them again
    for m, local, owner, owner_local in ties:
        m._parameters[local] = owner._parameters[owner_local]
    if rng == 'philox':  # one pass: each parameter's stream restarts at its draw anyway
        applied = init_module_(module, policy=policy, seed=seed, rng=rng, strict=strict,
                               threads=threads, _redraw_defaults=True)
    else:  # torch's construction: every constructor init in order, then the policy over them
        gen, draw = _generator(rng, seed, None, torch_profile)
        with Threads(threads), draw or contextlib.nullcontext():
            records = _module_records(module)
            constructed, _ = _core.apply_policy(records, '*: default', gen, False, True)
            applied, notes = _core.apply_policy(records, policy, gen, strict, False)
        for note in notes:
            warnings.warn(note, UserWarning, stacklevel=2)
        applied = [(name, kind, init if init not in ('', 'default') else drawn)
                   for (name, kind, init), (_, _, drawn) in zip(applied, constructed)]
    with torch.no_grad():
        for m in module.modules():
            if hasattr(m, _RESETS_RUNNING_STATS) and getattr(m, 'track_running_stats', False):
                m.reset_running_stats()
    return applied

