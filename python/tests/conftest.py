"""Shared set-up of the pytest suite: one torch thread, and the package under test named."""
import os
import random

import pytest
import torch

import weightinit

torch.set_num_threads(1)


def pytest_report_header(config):
    return 'weightinit from %s; torch %s (%s)' % (
        os.path.dirname(weightinit.__file__), torch.__version__,
        torch.backends.cpu.get_cpu_capability())


def pytest_sessionstart(session):
    expected = os.environ.get('WEIGHTINIT_EXPECT_PACKAGE')
    if expected and os.path.realpath(os.path.dirname(weightinit.__file__)) != \
            os.path.realpath(expected):
        raise pytest.UsageError('testing weightinit from %s, expected %s'
                                % (weightinit.__file__, expected))


@pytest.fixture
def master_seed(request):
    """A fresh master seed per test (WEIGHTINIT_MASTER_SEED fixes it), printed on failure."""
    seed = int(os.environ.get('WEIGHTINIT_MASTER_SEED', random.randrange(2**31)))
    print('master seed %d (rerun: WEIGHTINIT_MASTER_SEED=%d pytest -k %s)'
          % (seed, seed, request.node.name))
    return seed


def same_bits(a, b):
    """True when two float tensors hold the same bits (NaN payloads and -0.0 included)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    view = torch.int32 if a.dtype == torch.float32 else torch.int64
    return torch.equal(a.contiguous().view(view), b.contiguous().view(view))
