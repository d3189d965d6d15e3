#!/usr/bin/python3
"""Golden vectors and differential tests for weightinit's sampling ops, made by real PyTorch.

Run with Debian's Python, which has python3-torch 1.13.1, or with the PyTorch 2.x oracle's
(~/.cache/weightinit/torch2-venv/bin/python, scripts/install-torch2.sh) for the 2.x checks:

  /usr/bin/python3 tools/torch_golden.py golden --mode avx2      # writes tests/golden/sampling_avx2.json
  /usr/bin/python3 tools/torch_golden.py golden --mode default   # writes tests/golden/sampling_default.json
  /usr/bin/python3 tools/torch_golden.py demo                    # writes examples/demo_expected.inc
  /usr/bin/python3 tools/torch_golden.py seed-tour               # writes tests/golden/seed_tour_torch.txt
  /usr/bin/python3 tools/torch_golden.py differential --mode avx2 --cases 600 \
          --checker build/tests/wi_case_check                    # random cases, torch vs weightinit
  /usr/bin/python3 tools/torch_golden.py differential --mode avx2 --case-seed 1234 \
          --checker build/tests/wi_case_check                    # replay one failing case

--mode selects PyTorch's CPU kernels through ATEN_CPU_CAPABILITY (avx2, avx512 (2.x), or
default = no AVX2),
which must be set before torch is imported; the script sets it and checks torch reports it.

A case is the default generator seeded once (torch.manual_seed), then a list of steps run in order on it (so the cached
Box-Muller sample carries across steps, dtypes and ops, as it does in torch). Each step's output
is stored as hex bits in logical order: 8 digits per float32, 16 per float64 / int64, 2 per byte
of torch.Generator.get_state(). tests/support/case_runner.cpp replays the same JSON.
"""
import argparse
import math
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

torch = None  # imported in main() after ATEN_CPU_CAPABILITY is set


def import_torch(mode):
    global torch
    os.environ['ATEN_CPU_CAPABILITY'] = mode
    import torch as _torch
    torch = _torch
    torch.set_num_threads(1)
    shown = [l for l in torch.__config__.show().splitlines() if 'CPU capability usage' in l]
    # 1.13 says "NO AVX" for the default kernels, 2.x says "DEFAULT".
    want = {'avx2': ('AVX2',), 'avx512': ('AVX512',), 'default': ('NO AVX', 'DEFAULT')}[mode]
    if not shown or not shown[0].rstrip().endswith(want):
        sys.exit('torch did not select the %s kernels: %s' % (mode, shown))


# --------------------------------------------------------------------------------------------
# Running a case in torch
# --------------------------------------------------------------------------------------------
DTYPES = {'float32': 'float32', 'float64': 'float64'}


def make_tensor(step):
    dtype = getattr(torch, step.get('dtype', 'float32'))
    shape = list(step['shape'])
    layout = step.get('layout', 'contiguous')
    if layout == 'contiguous':
        return torch.empty(shape, dtype=dtype)
    if layout == 'transposed':
        base = torch.empty(shape[::-1], dtype=dtype)
        return base.permute(*reversed(range(len(shape))))
    if layout == 'strided':
        wide = shape[:-1] + [2 * shape[-1]]
        return torch.empty(wide, dtype=dtype)[..., ::2]
    raise ValueError(layout)


def tensor_hex(t):
    flat = t.contiguous().reshape(-1)
    if t.dtype == torch.float32:
        words = flat.view(torch.int32).tolist()
        return ''.join('%08x' % (w & 0xffffffff) for w in words)
    words = flat.view(torch.int64).tolist()
    return ''.join('%016x' % (w & 0xffffffffffffffff) for w in words)


def run_step(step, gen):
    op = step['op']
    if op == 'uniform':
        t = make_tensor(step)
        t.uniform_(step.get('from', 0.0), step.get('to', 1.0))
        return tensor_hex(t)
    if op == 'normal':
        t = make_tensor(step)
        t.normal_(step.get('mean', 0.0), step.get('std', 1.0))
        return tensor_hex(t)
    if op in ('rand', 'randn'):
        fn = torch.rand if op == 'rand' else torch.randn
        return tensor_hex(fn(step['shape'], dtype=getattr(torch, step.get('dtype', 'float32'))))
    if op == 'randperm':
        return ''.join('%016x' % v for v in torch.randperm(step['n']).tolist())
    if op == 'randint':
        values = torch.randint(step['low'], step['high'], step['shape']).reshape(-1).tolist()
        return ''.join('%016x' % (v & 0xffffffffffffffff) for v in values)
    if op == 'state':
        return torch.get_rng_state().numpy().tobytes().hex()
    if op == 'initial_seed':
        return '%016x' % torch.initial_seed()
    if op == 'init':
        t = make_tensor(step)
        if step['fn'].startswith('timm:'):  # timm's helpers (the 2.x oracle has timm)
            import timm.layers.weight_init as timm_init
            fn = getattr(timm_init, step['fn'][len('timm:'):])
        else:
            fn = getattr(torch.nn.init, step['fn'])
        kwargs = dict(step.get('args', {}))
        if 'generator_seed' in step:  # 2.x: generator= (sparse_ still permutes with the default)
            kwargs['generator'] = torch.Generator().manual_seed(step['generator_seed'])
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            fn(t, **kwargs)
        return tensor_hex(t)
    raise ValueError(op)


def run_case(case):
    # Everything runs on the default generator: torch 1.13's nn.init has no generator= argument.
    torch.manual_seed(case['seed'])
    case['torch_version'] = '.'.join(torch.__version__.split('+')[0].split('.')[:2])
    case['expected'] = [run_step(s, None) for s in case['steps']]
    return case


# --------------------------------------------------------------------------------------------
# The fixed golden set
# --------------------------------------------------------------------------------------------
SEEDS = [0, 1, 40, 2**32 + 5, 2**63 + 3, -1, -12345, 67280421310721]
SIZES = [1, 3, 15, 16, 17, 31, 100, 1000, 4097]
PARAMS = [(-2.5, 3.7), (0.0, 1.0), (-0.1, 0.1), (1e-3, 1e-3 + 1e-9), (-1e30, 1e30), (5.0, 5.0)]
NORMAL_PARAMS = [(0.0, 1.0), (0.5, 2.0), (-3.0, 0.02), (1e6, 1e-3), (0.0, 0.0), (-1e-8, 1e-8)]


def golden_cases(mode):
    cases = []
    for k, seed in enumerate(SEEDS):
        steps = []
        sizes = SIZES if seed in (0, 40, 2**63 + 3) else SIZES[:-1]
        for i, n in enumerate(sizes):
            a, b = PARAMS[(i + k) % len(PARAMS)]
            m, s = NORMAL_PARAMS[(i + k) % len(NORMAL_PARAMS)]
            steps.append({'op': 'uniform', 'dtype': 'float32', 'shape': [n], 'from': a, 'to': b})
            steps.append({'op': 'normal', 'dtype': 'float32', 'shape': [n], 'mean': m, 'std': s})
            if n <= 1000:
                steps.append({'op': 'uniform', 'dtype': 'float64', 'shape': [n], 'from': a, 'to': b})
                steps.append({'op': 'normal', 'dtype': 'float64', 'shape': [n], 'mean': m, 'std': s})
        steps.append({'op': 'state'})
        steps.append({'op': 'initial_seed'})
        cases.append({'id': 'sizes_seed_%d' % seed, 'seed': seed, 'steps': steps})

    for seed in (3, 2**40 + 17):
        steps = []
        for layout in ('transposed', 'strided'):
            for shape in ([7, 40], [3, 5], [4, 4, 3], [16], [2, 3, 4, 5]):
                for dtype in ('float32', 'float64'):
                    steps.append({'op': 'normal', 'dtype': dtype, 'shape': shape, 'layout': layout,
                                  'mean': 0.25, 'std': 1.5})
                    steps.append({'op': 'uniform', 'dtype': dtype, 'shape': shape, 'layout': layout,
                                  'from': -1.0, 'to': 2.0})
        cases.append({'id': 'noncontiguous_seed_%d' % seed, 'seed': seed, 'steps': steps})

    # The cached Box-Muller sample: left by odd scalar draws, ignored by the vector path, used
    # by the next scalar draw whatever its dtype, saved in the state, cleared by manual_seed.
    cache_steps = [
        {'op': 'randn', 'dtype': 'float32', 'shape': [15]}, {'op': 'state'},
        {'op': 'randn', 'dtype': 'float32', 'shape': [16]},
        {'op': 'randn', 'dtype': 'float32', 'shape': [1]},
        {'op': 'randn', 'dtype': 'float64', 'shape': [3]}, {'op': 'state'},
        {'op': 'normal', 'dtype': 'float32', 'shape': [3, 3], 'mean': 1.0, 'std': 0.5},
        {'op': 'randn', 'dtype': 'float64', 'shape': [17]},
        {'op': 'normal', 'dtype': 'float32', 'shape': [5, 2], 'layout': 'transposed'},
        {'op': 'randn', 'dtype': 'float32', 'shape': [2]}, {'op': 'state'},
    ]
    cases.append({'id': 'cache_carry', 'seed': 0, 'steps': cache_steps})

    steps = [{'op': 'randperm', 'n': n} for n in (0, 1, 2, 3, 10, 100, 1000, 5000)]
    steps += [{'op': 'rand', 'dtype': 'float32', 'shape': [2, 3]}, {'op': 'state'}]
    cases.append({'id': 'randperm', 'seed': 40, 'steps': steps})

    # torch.randint: one 32-bit word per value below a 2^32 range, random64() from 2^32 on.
    steps = [{'op': 'randint', 'low': lo, 'high': hi, 'shape': shape}
             for lo, hi, shape in ((0, 100, [2, 16]), (-5, 5, [7]), (0, 1, [3]),
                                   (0, 2**32, [4]), (-2**40, 2**40, [5]),
                                   (-2**63, 2**63 - 1, [3]))]
    steps += [{'op': 'state'}]
    cases.append({'id': 'randint', 'seed': 41, 'steps': steps})

    # Twist boundaries: 623, 624 and 625 words, then more.
    for words in (623, 624, 625, 1248):
        cases.append({'id': 'twist_%d' % words, 'seed': 7, 'steps': [
            {'op': 'rand', 'dtype': 'float32', 'shape': [words]}, {'op': 'state'},
            {'op': 'rand', 'dtype': 'float64', 'shape': [3]}, {'op': 'state'}]})

    cases += golden_init_cases()
    for c in cases:
        c['mode'] = mode
        run_case(c)
    return cases


def init_step(fn, shape, layout='contiguous', dtype='float32', **args):
    return {'op': 'init', 'fn': fn, 'shape': list(shape), 'layout': layout, 'dtype': dtype,
            'args': args}


def golden_init_cases():
    """Every torch.nn.init function on shapes from 1-D to 5-D, odd fans, gains, negative and
    float `a`; each case ends with the generator state, which pins the number of draws."""
    conv_shapes = [(3, 5), (16, 3, 3), (64, 3, 7, 7), (10, 6, 3, 3, 3), (7, 13), (5, 1), (1, 40)]
    groups = []
    for shape in conv_shapes:
        steps = [
            init_step('uniform_', shape, a=-0.3, b=0.7),
            init_step('normal_', shape, mean=0.1, std=0.02),
            init_step('trunc_normal_', shape, mean=0.0, std=0.02, a=-0.04, b=0.04),
            init_step('trunc_normal_', shape, dtype='float64', mean=1.0, std=2.0, a=-1.0, b=4.0),
            init_step('xavier_uniform_', shape),
            init_step('xavier_normal_', shape, gain=5.0 / 3),
            init_step('kaiming_uniform_', shape, a=math.sqrt(5)),
            init_step('kaiming_uniform_', shape, a=-0.2, mode='fan_out', nonlinearity='leaky_relu'),
            init_step('kaiming_normal_', shape, mode='fan_out', nonlinearity='relu'),
            init_step('kaiming_normal_', shape, dtype='float64', a=0.25, nonlinearity='leaky_relu'),
            init_step('kaiming_normal_', shape, a=3, nonlinearity='tanh'),
            init_step('orthogonal_', shape, gain=1.5),
            init_step('orthogonal_', shape, dtype='float64'),
            init_step('constant_', shape, val=0.3),
            init_step('ones_', shape), init_step('zeros_', shape),
            {'op': 'state'},
        ]
        if len(shape) == 2:
            steps += [init_step('eye_', shape),
                      init_step('sparse_', shape, sparsity=0.3),
                      init_step('sparse_', shape, sparsity=-0.5, std=2.0),
                      init_step('sparse_', shape, dtype='float64', sparsity=1.5),
                      {'op': 'state'}]
        if 3 <= len(shape) <= 5:
            steps += [init_step('dirac_', shape), {'op': 'state'}]
            if shape[0] % 2 == 0:
                steps += [init_step('dirac_', shape, groups=2)]
        groups.append({'id': 'init_%s' % 'x'.join(map(str, shape)), 'seed': 40 + len(groups),
                       'steps': steps})
    one_d = [init_step('uniform_', (7,)), init_step('normal_', (17,), std=3.0),
             init_step('trunc_normal_', (33,), a=-0.5, b=1.5), init_step('constant_', (4,), val=-2),
             init_step('trunc_normal_', (64, 64), mean=0.0, std=1.0), {'op': 'state'},
             init_step('xavier_uniform_', (30, 20), layout='transposed', gain=0.5),
             init_step('kaiming_normal_', (8, 20), layout='strided'),
             init_step('trunc_normal_', (9, 4), layout='transposed', mean=0.5, std=0.1),
             {'op': 'state'},
             # Python's negative_slope ** 2 is pow(a, 2.0), one bit off a*a for this slope
             init_step('kaiming_normal_', (44, 20, 5), dtype='float64', layout='transposed',
                       a=1.3327980776308879, mode='fan_out', nonlinearity='leaky_relu'),
             init_step('kaiming_uniform_', (44, 20, 5), a=1.3327980776308879,
                       nonlinearity='leaky_relu'),
             {'op': 'state'}]
    groups.append({'id': 'init_1d_and_views', 'seed': 0, 'steps': one_d})
    return groups


# --------------------------------------------------------------------------------------------
# Random differential cases
# --------------------------------------------------------------------------------------------
def random_seed(rng):
    kind = rng.randrange(5)
    if kind == 0:
        return rng.randrange(1000)
    if kind == 1:
        return rng.randrange(2**32)
    if kind == 2:
        return rng.randrange(2**64)
    if kind == 3:
        return -rng.randrange(1, 2**63)
    return rng.randrange(2**32) + (rng.randrange(1, 2**32) << 32)


def random_shape(rng):
    dims = rng.choice([1, 1, 2, 2, 3, 4])
    if rng.random() < 0.6:  # small: around the 16-element threshold
        total = rng.randrange(1, 48)
    else:
        total = rng.randrange(1, 5000)
    shape = []
    for _ in range(dims - 1):
        d = rng.randrange(1, 6)
        shape.append(d)
        total = max(1, total // d)
    shape.append(total)
    rng.shuffle(shape)
    if rng.random() < 0.03:
        shape[rng.randrange(len(shape))] = 0  # empty: draws nothing
    return shape


def random_number(rng):
    kind = rng.randrange(4)
    if kind == 0:
        return rng.choice([0.0, 1.0, -1.0, 0.5, 2.0])
    if kind == 1:
        return rng.uniform(-10, 10)
    if kind == 2:
        return rng.uniform(-1, 1) * 10 ** rng.randrange(-8, 9)
    return float(rng.randrange(-100, 100))


def random_step(rng):
    op = rng.choice(['uniform', 'uniform', 'normal', 'normal', 'normal', 'rand', 'randn',
                     'randperm', 'state'])
    if op == 'state':
        return {'op': 'state'}
    if op == 'randperm':
        return {'op': 'randperm', 'n': rng.choice([rng.randrange(20), rng.randrange(3000)])}
    step = {'op': op, 'dtype': rng.choice(['float32', 'float32', 'float64']),
            'shape': random_shape(rng)}
    if op in ('uniform', 'normal'):
        step['layout'] = rng.choice(['contiguous'] * 3 + ['transposed', 'strided'])
    if op == 'uniform':
        a, b = sorted([random_number(rng), random_number(rng)])
        step['from'], step['to'] = a, b
    elif op == 'normal':
        step['mean'] = random_number(rng)
        step['std'] = abs(random_number(rng))
    return step


INIT_FUNCTIONS = ['uniform_', 'normal_', 'trunc_normal_', 'constant_', 'ones_', 'zeros_', 'eye_',
                  'dirac_', 'xavier_uniform_', 'xavier_normal_', 'kaiming_uniform_',
                  'kaiming_normal_', 'orthogonal_', 'sparse_']
NONLINEARITIES = ['linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
                  'conv_transpose3d', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']


def random_weight_shape(rng, min_dims, max_dims):
    dims = rng.randint(min_dims, max_dims)
    shape = [rng.randint(1, 64), rng.randint(1, 64)]
    for _ in range(dims - 2):
        shape.append(rng.choice([1, 1, 2, 3, 3, 5, 7]))
    if dims == 1:
        shape = [rng.randint(1, 300)]
    while math.prod(shape) > 20000:  # halve the larger of dims 0 and 1 (kernels are <= 7^3)
        k = 0 if shape[0] >= shape[1] else 1
        shape[k] = max(1, shape[k] // 2)
    return shape


def modern_trunc_normal():
    """True for torch >= 2.12, whose trunc_normal_ is a rejection sampler."""
    major, minor = (int(x) for x in torch.__version__.split('+')[0].split('.')[:2])
    return (major, minor) >= (2, 12)


def random_init_step(rng, fn):
    """A valid call of torch.nn.init.<fn> with random shape and arguments."""
    args = {}
    if fn in ('uniform_', 'normal_', 'trunc_normal_', 'constant_', 'ones_', 'zeros_'):
        shape = random_weight_shape(rng, 1, 4)
    elif fn in ('eye_', 'sparse_'):
        shape = random_weight_shape(rng, 2, 2)
    elif fn == 'dirac_':
        shape = random_weight_shape(rng, 3, 5)
        divisors = [g for g in range(1, shape[0] + 1) if shape[0] % g == 0]
        args['groups'] = rng.choice(divisors)
    else:
        shape = random_weight_shape(rng, 2, 5)
    if fn == 'uniform_':
        args['a'], args['b'] = sorted([random_number(rng), random_number(rng)])
    elif fn == 'normal_':
        args['mean'], args['std'] = random_number(rng), abs(random_number(rng))
    elif fn == 'trunc_normal_':
        args['mean'] = random_number(rng)
        args['std'] = rng.choice([1.0, 0.02, 0.5, 10.0, abs(random_number(rng)) + 1e-3])
        far = rng.choice([0, 1])  # 0: an interval that may lie far from the mean
        if modern_trunc_normal():
            # torch >= 2.12 samples by rejection over the whole tensor: an interval thousands of
            # std from the mean would take millions of rounds (torch's own cost, not a test).
            far = 1
            # ...and a mean so large that the dtype's spacing there exceeds the interval leaves
            # it no reachable values: torch loops for hours (master seed 1102196984, case seed
            # 349740218: mean -9.3e7, std 1, float32). Keep |mean| within 1024 std.
            args['mean'] = math.fmod(args['mean'], 1024 * args['std'])
        lo = rng.uniform(-3, 1) * args['std'] + args['mean'] * far
        args['a'], args['b'] = lo, lo + rng.choice([0.5, 1, 2, 4, 8]) * args['std']
    elif fn == 'constant_':
        args['val'] = random_number(rng)
    elif fn in ('xavier_uniform_', 'xavier_normal_', 'orthogonal_'):
        if rng.random() < 0.7:
            args['gain'] = rng.choice([1.0, 5.0 / 3, math.sqrt(2.0), 0.5, rng.uniform(0.1, 3)])
    elif fn in ('kaiming_uniform_', 'kaiming_normal_'):
        if rng.random() < 0.8:
            args['a'] = rng.choice([0, math.sqrt(5), -0.2, 0.01, 3, rng.uniform(-2, 2)])
        if rng.random() < 0.7:
            args['mode'] = rng.choice(['fan_in', 'fan_out'])
        if rng.random() < 0.8:
            args['nonlinearity'] = rng.choice(NONLINEARITIES)
    elif fn == 'sparse_':
        args['sparsity'] = rng.choice([0.1, 0.5, 0.9, 0.0, 1.0, -0.3, 1.7, rng.random()])
        if rng.random() < 0.5:
            args['std'] = rng.choice([0.01, 1.0, 0.1])
    dtype = rng.choice(['float32', 'float32', 'float64'])
    layout = 'contiguous'
    if fn not in ('orthogonal_', 'sparse_', 'eye_', 'dirac_') and rng.random() < 0.2:
        layout = rng.choice(['transposed', 'strided'])
    return init_step(fn, shape, layout=layout, dtype=dtype, **args)


TIMM_FUNCTIONS = ['timm:trunc_normal_', 'timm:trunc_normal_tf_', 'timm:variance_scaling_',
                  'timm:lecun_normal_']


def random_timm_step(rng, fn):
    """A valid call of timm.layers.<fn> with random shape and arguments."""
    args = {}
    if fn in ('timm:trunc_normal_', 'timm:trunc_normal_tf_'):
        shape = random_weight_shape(rng, 1, 4)
        args['mean'] = random_number(rng)
        args['std'] = rng.choice([1.0, 0.02, 0.5, 10.0, abs(random_number(rng)) + 1e-3])
        centre = args['mean'] if fn == 'timm:trunc_normal_' else 0.0
        scale = args['std'] if fn == 'timm:trunc_normal_' else 1.0
        lo = rng.uniform(-3, 1) * scale + centre * rng.choice([0, 1])
        args['a'], args['b'] = lo, lo + rng.choice([0.5, 1, 2, 4, 8]) * scale
    else:
        shape = random_weight_shape(rng, 2, 5)
        if fn == 'timm:variance_scaling_':
            args['scale'] = rng.choice([1.0, 2.0, 0.1, rng.uniform(0.01, 3)])
            args['mode'] = rng.choice(['fan_in', 'fan_out', 'fan_avg'])
            args['distribution'] = rng.choice(['normal', 'truncated_normal', 'uniform'])
    dtype = rng.choice(['float32', 'float32', 'float64'])
    layout = rng.choice(['contiguous', 'contiguous', 'transposed', 'strided'])
    return init_step(fn, shape, layout=layout, dtype=dtype, **args)


def timm_differential_case(case_seed, mode):
    rng = random.Random(case_seed)
    fn = TIMM_FUNCTIONS[case_seed % len(TIMM_FUNCTIONS)]
    case = {'id': 'timm:' + fn, 'case_seed': case_seed, 'mode': mode, 'seed': random_seed(rng),
            'steps': [random_timm_step(rng, fn), {'op': 'state'}]}
    return run_case(case)


GENERATOR_FUNCTIONS = ('uniform_', 'normal_', 'trunc_normal_', 'xavier_uniform_',
                       'xavier_normal_', 'kaiming_uniform_', 'kaiming_normal_', 'orthogonal_',
                       'sparse_')


def init_differential_case(case_seed, mode):
    rng = random.Random(case_seed)
    fn = INIT_FUNCTIONS[case_seed % len(INIT_FUNCTIONS)]
    case = {'id': 'init:' + fn, 'case_seed': case_seed, 'mode': mode, 'seed': random_seed(rng),
            'steps': [random_init_step(rng, fn), {'op': 'state'}]}
    if fn in GENERATOR_FUNCTIONS and int(torch.__version__.split('.')[0]) >= 2 \
            and rng.random() < 0.5:
        case['steps'][0]['generator_seed'] = random_seed(rng)
    if rng.random() < 0.3:  # a second call on the same stream, then the state again
        case['steps'] += [random_init_step(rng, fn), {'op': 'state'}]
    return run_case(case)


def differential_case(case_seed, mode):
    rng = random.Random(case_seed)
    case = {'id': 'differential', 'case_seed': case_seed, 'mode': mode,
            'seed': random_seed(rng),
            'steps': [random_step(rng) for _ in range(rng.randrange(1, 5))]}
    return run_case(case)


# --------------------------------------------------------------------------------------------
# The demo's expected text
# --------------------------------------------------------------------------------------------
DEMO_CALLS = [
    ('torch.manual_seed(0); torch.empty(3, 5).uniform_()', lambda: torch.empty(3, 5).uniform_()),
    ('torch.manual_seed(0); torch.empty(3, 5).normal_()', lambda: torch.empty(3, 5).normal_()),
    ('torch.manual_seed(40); torch.empty(2, 8).uniform_(-0.1, 0.1)',
     lambda: torch.empty(2, 8).uniform_(-0.1, 0.1)),
    ('torch.manual_seed(40); torch.empty(3).normal_(0, 0.02)',
     lambda: torch.empty(3).normal_(0, 0.02)),
    ('torch.manual_seed(7); torch.randn(2, 3, dtype=torch.float64)',
     lambda: torch.randn(2, 3, dtype=torch.float64)),
    ('torch.manual_seed(2**32 + 5); torch.rand(4)', lambda: torch.rand(4)),
]


def write_demo(path):
    rows = []
    for code, fn in DEMO_CALLS:
        seed = eval(code.split(';')[0].split('(', 1)[1].rstrip(')'))
        torch.manual_seed(seed)
        rows.append((code, repr(fn())))
    with open(path, 'w') as f:
        f.write('// @generated by tools/torch_golden.py demo with PyTorch %s (CPU, %s kernels).\n'
                % (torch.__version__, os.environ['ATEN_CPU_CAPABILITY']))
        f.write('// Each entry: the Python call, then what PyTorch printed for it.\n')
        for code, text in rows:
            f.write('{R"(%s)", R"(%s)"},\n' % (code, text))


# --------------------------------------------------------------------------------------------
# Module constructors (issue #4): parameters and buffers right after construction
# --------------------------------------------------------------------------------------------
def fnv1a64(data):
    """FNV-1a, 64-bit, over bytes: a digest for tensors too big to store."""
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


MODULE_CASES = [
    ('Linear', dict(in_features=300, out_features=40)),
    ('Linear', dict(in_features=5, out_features=3, bias=False)),
    ('Linear', dict(in_features=0, out_features=3)),
    ('Conv1d', dict(in_channels=4, out_channels=6, kernel_size=3, groups=2)),
    ('Conv1d', dict(in_channels=3, out_channels=5, kernel_size=1, bias=False)),
    ('Conv2d', dict(in_channels=3, out_channels=16, kernel_size=[3, 5], stride=2, padding=1)),
    ('Conv2d', dict(in_channels=8, out_channels=8, kernel_size=3, groups=8, bias=False)),
    ('Conv2d', dict(in_channels=6, out_channels=4, kernel_size=3, groups=2, dilation=2)),
    ('Conv3d', dict(in_channels=3, out_channels=8, kernel_size=3, padding=1)),
    ('Conv3d', dict(in_channels=4, out_channels=4, kernel_size=[1, 3, 3], groups=2, bias=False)),
    ('ConvTranspose2d', dict(in_channels=4, out_channels=6, kernel_size=3, stride=2, groups=2)),
    ('ConvTranspose2d', dict(in_channels=3, out_channels=2, kernel_size=4, bias=False,
                             output_padding=0)),
    ('BatchNorm1d', dict(num_features=7)),
    ('BatchNorm2d', dict(num_features=5, eps=1e-3, momentum=0.01)),
    ('BatchNorm3d', dict(num_features=3)),
    ('BatchNorm2d', dict(num_features=4, affine=False)),
    ('LayerNorm', dict(normalized_shape=[10])),
    ('LayerNorm', dict(normalized_shape=[4, 5], elementwise_affine=False)),
    ('Embedding', dict(num_embeddings=20, embedding_dim=6, padding_idx=3)),
    ('Embedding', dict(num_embeddings=10, embedding_dim=4, padding_idx=-1)),
    ('Embedding', dict(num_embeddings=5, embedding_dim=17)),
    ('SeedMLP', {}),
    ('C3D', dict(num_classes=101)),
]


def build_torch_module(type_, args):
    nn = torch.nn
    if type_ == 'SeedMLP':
        class Model(nn.Module):  # seed document 004
            def __init__(self):
                super().__init__()
                self.linear1 = nn.Linear(3, 3)
                nn.init.xavier_normal_(self.linear1.weight)
                self.linear2 = nn.Linear(3, 2)
                nn.init.kaiming_normal_(self.linear2.weight)
                self.out = nn.Linear(2, 2)

            def forward(self, x):
                x = torch.sigmoid(self.linear1(x))
                x = torch.relu(self.linear2(x))
                return torch.softmax(self.out(x), dim=-1)
        return Model()
    if type_ == 'C3D':
        return build_c3d(args['num_classes'])
    kw = dict(args)
    for k in ('kernel_size', 'normalized_shape'):
        if isinstance(kw.get(k), list):
            kw[k] = tuple(kw[k])
    return getattr(nn, type_)(**kw)


def build_c3d(num_classes):
    """Seed document 000's C3D, with its __init_weight."""
    nn = torch.nn

    class C3D(nn.Module):
        def __init__(self):
            super().__init__()
            conv = lambda i, o: nn.Conv3d(i, o, kernel_size=(3, 3, 3), padding=(1, 1, 1))
            self.conv1 = conv(3, 64)
            self.pool1 = nn.MaxPool3d(kernel_size=(1, 2, 2), stride=(1, 2, 2))
            self.conv2 = conv(64, 128)
            self.pool2 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2))
            self.conv3a = conv(128, 256)
            self.conv3b = conv(256, 256)
            self.pool3 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2))
            self.conv4a = conv(256, 512)
            self.conv4b = conv(512, 512)
            self.pool4 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2))
            self.conv5a = conv(512, 512)
            self.conv5b = conv(512, 512)
            self.pool5 = nn.MaxPool3d(kernel_size=(2, 2, 2), stride=(2, 2, 2), padding=(0, 1, 1))
            self.fc6 = nn.Linear(8192, 4096)
            self.fc7 = nn.Linear(4096, 4096)
            self.fc8 = nn.Linear(4096, num_classes)
            self.dropout = nn.Dropout(p=0.5)
            self.relu = nn.ReLU()
            for m in self.modules():
                if isinstance(m, nn.Conv3d):
                    torch.nn.init.kaiming_normal_(m.weight)
                elif isinstance(m, nn.BatchNorm3d):
                    m.weight.data.fill_(1)
                    m.bias.data.zero_()

        def forward(self, x):
            x = self.pool1(self.relu(self.conv1(x)))
            x = self.pool2(self.relu(self.conv2(x)))
            x = self.relu(self.conv3a(x))
            x = self.pool3(self.relu(self.conv3b(x)))
            x = self.relu(self.conv4a(x))
            x = self.pool4(self.relu(self.conv4b(x)))
            x = self.relu(self.conv5a(x))
            x = self.pool5(self.relu(self.conv5b(x)))
            x = x.view(-1, 8192)
            x = self.dropout(self.relu(self.fc6(x)))
            x = self.dropout(self.relu(self.fc7(x)))
            return self.fc8(x)
    return C3D()


def tensor_record(t, digest):
    rec = {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', '')}
    if t.dtype == torch.int64:
        rec['values'] = t.reshape(-1).tolist()
    elif digest:
        rec['wsum64'] = '%016x' % weighted_word_sum(t)
    else:
        rec['hex'] = tensor_hex(t.detach())
    return rec


def weighted_word_sum(t):
    """Digest of a big tensor: Σ_i w_i·(2i+1) mod 2^64 over its little-endian 32-bit words w_i
    in logical order. Position- and value-sensitive; tests/support/module_cases.cpp computes
    the same."""
    import numpy as np
    w = np.frombuffer(t.detach().contiguous().numpy().tobytes(), dtype='<u4').astype(np.uint64)
    idx = np.arange(w.size, dtype=np.uint64)
    with np.errstate(over='ignore'):
        return int(np.sum(w * (np.uint64(2) * idx + np.uint64(1)), dtype=np.uint64))


def write_modules(path):
    cases = []
    for i, (type_, args) in enumerate(MODULE_CASES):
        seed = 1000 + i
        torch.manual_seed(seed)
        m = build_torch_module(type_, args)
        digest = type_ == 'C3D'
        state = [[k, tensor_record(v, digest)] for k, v in m.state_dict().items()]
        params = [k for k, _ in m.named_parameters()]
        modules = [[k, type(v).__name__] for k, v in m.named_modules()]
        cases.append({'type': type_, 'args': args, 'seed': seed, 'state_dict': state,
                      'named_parameters': params, 'named_modules': modules,
                      'repr': repr(m) if type_ not in ('SeedMLP',) else None,
                      'next_state_fnv1a64': '%016x' % fnv1a64(
                          torch.get_rng_state().numpy().tobytes())})
        print(type_, 'done', file=sys.stderr)
    with open(path, 'w') as f:
        json.dump({'generator': 'tools/torch_golden.py modules',
                   'torch_version': torch.__version__, 'cases': cases}, f, indent=0)


# --------------------------------------------------------------------------------------------
# torchsummary (sksq96/pytorch-summary 1.5.1 is not packaged in Debian): its summary_string,
# transcribed with the released version's rule that the model itself gets no row.
# --------------------------------------------------------------------------------------------
def torchsummary_string(model, input_size, batch_size=-1, tuple_first=False):
    """tuple_first: a module returning a tuple (nn.MultiheadAttention) stands for its first
    element; torchsummary 1.5.1 itself fails on it (list(output.size()))."""
    import numpy as np
    from collections import OrderedDict
    nn = torch.nn
    summary, hooks = OrderedDict(), []

    def register_hook(module):
        def hook(module, input, output):
            if tuple_first and isinstance(output, tuple):
                output = output[0]
            class_name = str(module.__class__).split('.')[-1].split("'")[0]
            m_key = '%s-%i' % (class_name, len(summary) + 1)
            summary[m_key] = OrderedDict()
            summary[m_key]['output_shape'] = list(output.size())
            summary[m_key]['output_shape'][0] = batch_size
            params = 0
            if hasattr(module, 'weight') and hasattr(module.weight, 'size'):
                params += torch.prod(torch.LongTensor(list(module.weight.size())))
                summary[m_key]['trainable'] = module.weight.requires_grad
            if hasattr(module, 'bias') and hasattr(module.bias, 'size'):
                params += torch.prod(torch.LongTensor(list(module.bias.size())))
            summary[m_key]['nb_params'] = params
        if (not isinstance(module, nn.Sequential) and not isinstance(module, nn.ModuleList)
                and not (module == model)):
            hooks.append(module.register_forward_hook(hook))

    if isinstance(input_size, tuple):
        input_size = [input_size]
    x = [torch.rand(2, *in_size) for in_size in input_size]
    model.apply(register_hook)
    model(*x)
    for h in hooks:
        h.remove()
    out = '-' * 64 + '\n'
    out += '{:>20}  {:>25} {:>15}'.format('Layer (type)', 'Output Shape', 'Param #') + '\n'
    out += '=' * 64 + '\n'
    total_params = total_output = trainable_params = 0
    for layer in summary:
        out += '{:>20}  {:>25} {:>15}'.format(layer, str(summary[layer]['output_shape']),
                                              '{0:,}'.format(summary[layer]['nb_params'])) + '\n'
        total_params += summary[layer]['nb_params']
        total_output += np.prod(summary[layer]['output_shape'])
        if summary[layer].get('trainable') is True:
            trainable_params += summary[layer]['nb_params']
    total_input_size = abs(np.prod(sum(input_size, ())) * batch_size * 4. / (1024 ** 2.))
    total_output_size = abs(2. * total_output * 4. / (1024 ** 2.))
    total_params_size = abs(total_params * 4. / (1024 ** 2.))
    total_size = total_params_size + total_output_size + total_input_size
    out += '=' * 64 + '\n'
    out += 'Total params: {0:,}'.format(total_params) + '\n'
    out += 'Trainable params: {0:,}'.format(trainable_params) + '\n'
    out += 'Non-trainable params: {0:,}'.format(total_params - trainable_params) + '\n'
    out += '-' * 64 + '\n'
    out += 'Input size (MB): %0.2f' % total_input_size + '\n'
    out += 'Forward/backward pass size (MB): %0.2f' % total_output_size + '\n'
    out += 'Params size (MB): %0.2f' % total_params_size + '\n'
    out += 'Estimated Total Size (MB): %0.2f' % total_size + '\n'
    out += '-' * 64 + '\n'
    return out


def write_summaries(folder):
    torch.set_num_threads(2)
    import torchvision
    jobs = [('seed_mlp', lambda: build_torch_module('SeedMLP', {}), (3,), 5),
            ('c3d', lambda: build_c3d(101), (3, 16, 112, 112), 1),
            ('resnet50', torchvision.models.resnet50, (3, 224, 224), -1),
            ('vgg11_bn', torchvision.models.vgg11_bn, (3, 224, 224), -1),
            ('densenet121', torchvision.models.densenet121, (3, 224, 224), -1),
            ('mobilenet_v2', torchvision.models.mobilenet_v2, (3, 224, 224), -1)]
    # He et al. 2016's CIFAR ResNet-20 (akamaster/pytorch_resnet_cifar10's definition).
    sys.path.insert(0, os.path.join(ROOT, 'tools', 'golden'))
    import cifar_resnet_ref
    jobs.append(('cifar-resnet20', cifar_resnet_ref.resnet20, (3, 32, 32), -1))
    for name, make, input_size, batch in jobs:
        torch.manual_seed(0)
        model = make()
        text = torchsummary_string(model, input_size, batch)
        path = os.path.join(folder, 'summary_%s.txt' % name)
        with open(path, 'w') as f:
            f.write(text)
        print('wrote', path)
    # Forward outputs: manual_seed(0), build, x = torch.rand(batch, *input), eval forward.
    forwards = {}
    for name, make, input_size, batch in [('seed_mlp', lambda: build_torch_module('SeedMLP', {}),
                                           (3,), 5),
                                          ('c3d', lambda: build_c3d(101), (3, 16, 112, 112), 1)]:
        torch.manual_seed(0)
        model = make().eval()
        x = torch.rand(batch, *input_size)
        with torch.no_grad():
            y = model(x)
        forwards[name] = {'input_shape': list(x.shape), 'output_shape': list(y.shape),
                          'output': y.reshape(-1).tolist()}
    # `weightinit forward resnet18` (seed 0): the constructors' draws and torchvision's init
    # loop, then torch.rand(1, 3, 224, 224) from the same generator.
    torch.manual_seed(0)
    model = torchvision.models.resnet18().eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        y = model(x)
    forwards['resnet18'] = {'input_shape': list(x.shape), 'output_shape': list(y.shape),
                            'output': y.reshape(-1).tolist()}
    path = os.path.join(folder, 'model_forward.json')
    with open(path, 'w') as f:
        json.dump(forwards, f)
    print('wrote', path)
    # print(name, parameter) for the seed MLP built after torch.manual_seed(0), as seed 004 does
    torch.manual_seed(0)
    model = build_torch_module('SeedMLP', {})
    path = os.path.join(folder, 'params_seed_mlp.txt')
    with open(path, 'w') as f:
        for name, parameter in model.named_parameters():
            f.write('%s %s\n' % (name, parameter))
    print('wrote', path)


# --------------------------------------------------------------------------------------------
# The seed tour: test01..test07 of seed document 004 on one stream seeded once with 40
# --------------------------------------------------------------------------------------------
def write_seed_tour(path):
    nn = torch.nn
    out = []

    def show(title, linear):
        out.append('# ' + title)
        out.append(repr(linear.weight.data))

    torch.manual_seed(40)
    linear = nn.Linear(5, 3); nn.init.uniform_(tensor=linear.weight, a=0.0, b=1.0)
    show('test01: nn.init.uniform_(linear.weight, a=0.0, b=1.0)', linear)
    linear = nn.Linear(5, 3); nn.init.normal_(linear.weight, mean=0, std=1)
    show('test02: nn.init.normal_(linear.weight, mean=0, std=1)', linear)
    linear = nn.Linear(5, 3); nn.init.zeros_(linear.weight)
    show('test03: nn.init.zeros_(linear.weight)', linear)
    linear = nn.Linear(5, 3); nn.init.ones_(linear.weight)
    show('test04: nn.init.ones_(linear.weight)', linear)
    linear = nn.Linear(5, 3); nn.init.constant_(linear.weight, 5)
    show('test05: nn.init.constant_(linear.weight, 5)', linear)
    linear = nn.Linear(5, 3); nn.init.kaiming_normal_(linear.weight)
    show('test06: nn.init.kaiming_normal_(linear.weight)', linear)
    linear = nn.Linear(5, 3); nn.init.kaiming_uniform_(linear.weight)
    show('test06: nn.init.kaiming_uniform_(linear.weight)', linear)
    linear = nn.Linear(5, 3); nn.init.xavier_normal_(linear.weight)
    show('test07: nn.init.xavier_normal_(linear.weight)', linear)
    linear = nn.Linear(5, 3); nn.init.xavier_uniform_(linear.weight)
    show('test07: nn.init.xavier_uniform_(linear.weight)', linear)
    with open(path, 'w') as f:
        f.write('\n'.join(out) + '\n')


# The OpenBLAS kernel set the golden sampling files are generated (and checked) with.
GOLDEN_OPENBLAS_CORETYPE = 'Haswell'


# --------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    g = sub.add_parser('golden')
    g.add_argument('--mode', choices=['avx2', 'avx512', 'default'], required=True)
    g.add_argument('--out')
    d = sub.add_parser('differential')
    d.add_argument('--mode', choices=['avx2', 'avx512', 'default'], required=True)
    d.add_argument('--suite', choices=['sampling', 'init', 'timm'], default='sampling')
    d.add_argument('--cases', type=int, default=600,
                   help='number of cases (for --suite init: per function)')
    d.add_argument('--master-seed', type=int, default=None,
                   help='seed of the case seeds (default: random; printed)')
    d.add_argument('--case-seed', type=int, default=None, help='run this one case only')
    d.add_argument('--checker', required=True, help='path of the wi_case_check executable')
    d.add_argument('--exclude', default='',
                   help='init functions to leave out, comma-separated (orthogonal_ under a '
                        'PyTorch whose LAPACK is not OpenBLAS: tools/orthogonal_distance.py)')
    su = sub.add_parser('summaries')
    su.add_argument('--out', default=os.path.join(ROOT, 'tests', 'golden'))
    mo = sub.add_parser('modules')
    mo.add_argument('--out', default=os.path.join(ROOT, 'tests', 'golden', 'modules.json'))
    t = sub.add_parser('seed-tour')
    t.add_argument('--out', default=os.path.join(ROOT, 'tests', 'golden', 'seed_tour_torch.txt'))
    m = sub.add_parser('demo')
    m.add_argument('--out', default=os.path.join(ROOT, 'examples', 'demo_expected.inc'))
    args = ap.parse_args()

    if args.cmd == 'golden':
        # orthogonal_'s QR rounds differently under each OpenBLAS kernel set (Haswell,
        # SkylakeX, Cooperlake, ...), which OpenBLAS picks per CPU when it loads. The golden
        # files pin Haswell (runs on any AVX2 CPU); tests/CMakeLists.txt pins it for golden_test.
        os.environ['OPENBLAS_CORETYPE'] = GOLDEN_OPENBLAS_CORETYPE
    import_torch(getattr(args, 'mode', 'avx2'))
    if args.cmd == 'golden':
        out = args.out or os.path.join(ROOT, 'tests', 'golden', 'sampling_%s.json' % args.mode)
        cases = golden_cases(args.mode)
        with open(out, 'w') as f:
            json.dump({'generator': 'tools/torch_golden.py golden --mode %s' % args.mode,
                       'torch_version': torch.__version__,
                       'openblas_coretype': GOLDEN_OPENBLAS_CORETYPE, 'cases': cases}, f,
                      indent=0)
        print('wrote %d cases to %s' % (len(cases), out))
    elif args.cmd == 'summaries':
        write_summaries(args.out)
    elif args.cmd == 'modules':
        write_modules(args.out)
        print('wrote', args.out)
    elif args.cmd == 'seed-tour':
        write_seed_tour(args.out)
        print('wrote', args.out)
    elif args.cmd == 'demo':
        write_demo(args.out)
        print('wrote', args.out)
    else:
        if args.case_seed is not None:
            seeds = [args.case_seed]
        else:
            master = args.master_seed if args.master_seed is not None else random.randrange(2**31)
            count = args.cases * {'init': len(INIT_FUNCTIONS), 'timm': len(TIMM_FUNCTIONS)}.get(
                args.suite, 1)
            print('differential %s: torch %s (%s), mode %s, %d cases, master seed %d'
                  % (args.suite, torch.__version__, sys.executable, args.mode, count, master))
            seeds = random.Random(master).sample(range(2**31), count)
            if args.suite == 'init':  # exactly args.cases per function: case_seed % 14 picks it
                seeds = [s - s % len(INIT_FUNCTIONS) + i % len(INIT_FUNCTIONS)
                         for i, s in enumerate(seeds)]
                excluded = [f for f in args.exclude.split(',') if f]
                unknown = [f for f in excluded if f not in INIT_FUNCTIONS]
                if unknown:
                    sys.exit('unknown --exclude %s: expected some of %s' % (unknown, INIT_FUNCTIONS))
                seeds = [s for s in seeds if INIT_FUNCTIONS[s % len(INIT_FUNCTIONS)] not in excluded]
        make = {'init': init_differential_case, 'timm': timm_differential_case,
                'sampling': differential_case}[args.suite]
        cases = [make(s, args.mode) for s in seeds]
        with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as f:
            json.dump({'cases': cases}, f)
            path = f.name
        try:
            r = subprocess.run([args.checker, path], capture_output=True, text=True)
        finally:
            os.unlink(path)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        for line in r.stdout.splitlines():
            if line.startswith('FAIL'):
                cs = line.split('case_seed ')[1].split(')')[0]
                print('  reproduce: %s tools/torch_golden.py differential --suite %s '
                      '--mode %s --case-seed %s --checker %s'
                      % (sys.executable, args.suite, args.mode, cs, args.checker))
        sys.exit(r.returncode)


if __name__ == '__main__':
    main()
