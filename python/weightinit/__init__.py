"""weightinit: neural-network parameter initialization, bit-identical to PyTorch.

``weightinit.nn.init`` has every ``torch.nn.init`` function with torch's names, arguments and
results. It fills CPU ``torch.Tensor``s and NumPy arrays in place, without a copy, and draws from a
``torch.Generator`` (leaving it in the state torch would) or from a :class:`Generator` of either
family. See docs/python.md.
"""
import os
import sys

# PyPI's PyTorch 2.x computes orthogonal_'s QR with MKL. When the environment has MKL's runtime
# (PyPI's mkl package puts it in <prefix>/lib), weightinit loads it too, on first use, to get
# torch's values (docs/rng.md); WEIGHTINIT_MKL_RT, when set, names another.
_mkl = os.path.join(sys.prefix, 'lib', 'libmkl_rt.so.2')
if 'WEIGHTINIT_MKL_RT' not in os.environ and os.path.exists(_mkl):
    os.environ['WEIGHTINIT_MKL_RT'] = _mkl

from . import _errors  # noqa: E402
from ._core import Generator, get_num_threads, set_num_threads  # noqa: E402
from ._generators import default_generator, manual_seed  # noqa: E402
from . import nn  # noqa: E402
from ._safetensors import save_safetensors  # noqa: E402
from ._summary import summary, summary_string  # noqa: E402

__all__ = ['Generator', 'default_generator', 'get_num_threads', 'manual_seed', 'nn',
           'save_safetensors', 'set_num_threads', 'summary', 'summary_string']
__version__ = '0.1.0'
