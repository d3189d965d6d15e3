#!/usr/bin/python3
"""Golden vectors and differential tests for weightinit's sampling ops, made by real PyTorch.

Run with Debian's Python, which has python3-torch (the python3 on PATH may not):

  /usr/bin/python3 tools/torch_golden.py golden --mode avx2      # writes tests/golden/sampling_avx2.json
  /usr/bin/python3 tools/torch_golden.py golden --mode default   # writes tests/golden/sampling_default.json
  /usr/bin/python3 tools/torch_golden.py demo                    # writes examples/demo_expected.inc
  /usr/bin/python3 tools/torch_golden.py seed-tour               # writes tests/golden/seed_tour_torch.txt
  /usr/bin/python3 tools/torch_golden.py differential --mode avx2 --cases 600 \
          --checker build/tests/wi_case_check                    # random cases, torch vs weightinit
  /usr/bin/python3 tools/torch_golden.py differential --mode avx2 --case-seed 1234 \
          --checker build/tests/wi_case_check                    # replay one failing case

--mode selects PyTorch's CPU kernels through ATEN_CPU_CAPABILITY (avx2, or default = no AVX2),
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
    want = {'avx2': 'AVX2', 'default': 'NO AVX'}[mode]
    if not shown or want not in shown[0]:
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
    if op == 'state':
        return torch.get_rng_state().numpy().tobytes().hex()
    if op == 'initial_seed':
        return '%016x' % torch.initial_seed()
    if op == 'init':
        t = make_tensor(step)
        fn = getattr(torch.nn.init, step['fn'])
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            fn(t, **step.get('args', {}))
        return tensor_hex(t)
    raise ValueError(op)


def run_case(case):
    # Everything runs on the default generator: torch 1.13's nn.init has no generator= argument.
    torch.manual_seed(case['seed'])
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
    while len(shape) > 2 and math.prod(shape) > 20000:
        shape[0] = max(1, shape[0] // 2)
    return shape


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
        lo = rng.uniform(-3, 1) * args['std'] + args['mean'] * rng.choice([0, 1])
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


def init_differential_case(case_seed, mode):
    rng = random.Random(case_seed)
    fn = INIT_FUNCTIONS[case_seed % len(INIT_FUNCTIONS)]
    case = {'id': 'init:' + fn, 'case_seed': case_seed, 'mode': mode, 'seed': random_seed(rng),
            'steps': [random_init_step(rng, fn), {'op': 'state'}]}
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


# --------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    g = sub.add_parser('golden')
    g.add_argument('--mode', choices=['avx2', 'default'], required=True)
    g.add_argument('--out')
    d = sub.add_parser('differential')
    d.add_argument('--mode', choices=['avx2', 'default'], required=True)
    d.add_argument('--suite', choices=['sampling', 'init'], default='sampling')
    d.add_argument('--cases', type=int, default=600,
                   help='number of cases (for --suite init: per function)')
    d.add_argument('--master-seed', type=int, default=None,
                   help='seed of the case seeds (default: random; printed)')
    d.add_argument('--case-seed', type=int, default=None, help='run this one case only')
    d.add_argument('--checker', required=True, help='path of the wi_case_check executable')
    t = sub.add_parser('seed-tour')
    t.add_argument('--out', default=os.path.join(ROOT, 'tests', 'golden', 'seed_tour_torch.txt'))
    m = sub.add_parser('demo')
    m.add_argument('--out', default=os.path.join(ROOT, 'examples', 'demo_expected.inc'))
    args = ap.parse_args()

    import_torch(getattr(args, 'mode', 'avx2'))
    if args.cmd == 'golden':
        out = args.out or os.path.join(ROOT, 'tests', 'golden', 'sampling_%s.json' % args.mode)
        cases = golden_cases(args.mode)
        with open(out, 'w') as f:
            json.dump({'generator': 'tools/torch_golden.py golden --mode %s' % args.mode,
                       'torch_version': torch.__version__, 'cases': cases}, f, indent=0)
        print('wrote %d cases to %s' % (len(cases), out))
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
            count = args.cases * (len(INIT_FUNCTIONS) if args.suite == 'init' else 1)
            print('differential %s: mode %s, %d cases, master seed %d'
                  % (args.suite, args.mode, count, master))
            seeds = random.Random(master).sample(range(2**31), count)
            if args.suite == 'init':  # exactly args.cases per function: case_seed % 14 picks it
                seeds = [s - s % len(INIT_FUNCTIONS) + i % len(INIT_FUNCTIONS)
                         for i, s in enumerate(seeds)]
        make = init_differential_case if args.suite == 'init' else differential_case
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
                print('  reproduce: /usr/bin/python3 tools/torch_golden.py differential --suite %s '
                      '--mode %s --case-seed %s --checker %s'
                      % (args.suite, args.mode, cs, args.checker))
        sys.exit(r.returncode)


if __name__ == '__main__':
    main()
