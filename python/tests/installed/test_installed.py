"""The package as `pip install .` put it in the environment (scripts/check-pip-install.sh):
importable from site-packages, with its stubs, and giving torch's values."""
import os
import sysconfig

import torch

import weightinit
from weightinit.nn import init as wi


def test_the_package_comes_from_site_packages():
    package = os.path.realpath(os.path.dirname(weightinit.__file__))
    assert package.startswith(os.path.realpath(sysconfig.get_paths()['purelib'])) or \
        package.startswith(os.path.realpath(sysconfig.get_paths()['platlib'])), package


def test_the_stubs_and_the_typed_marker_ship():
    package = os.path.dirname(weightinit.__file__)
    stub = open(os.path.join(package, '_core.pyi')).read()
    assert 'class Generator' in stub and 'def uniform_(' in stub
    assert os.path.exists(os.path.join(package, 'py.typed'))


def test_an_installed_fill_equals_torchs():
    g1, g2 = torch.Generator().manual_seed(2026), torch.Generator().manual_seed(2026)
    ours = wi.kaiming_normal_(torch.empty(256, 128), generator=g1)
    theirs = torch.nn.init.kaiming_normal_(torch.empty(256, 128), generator=g2)
    assert torch.equal(ours.view(torch.int32), theirs.view(torch.int32))
    assert torch.equal(g1.get_state(), g2.get_state())
