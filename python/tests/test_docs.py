"""docs/python.md's examples and the package's docstring examples run, and print what they say
(doctest)."""
import doctest
import os

import torch

import weightinit.nn.init

DOCS = os.path.join(os.path.dirname(__file__), '..', '..', 'docs', 'python.md')
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_the_python_guide_runs_as_written():
    failures, tried = doctest.testfile(DOCS, module_relative=False, optionflags=FLAGS)
    assert tried > 10 and failures == 0


def test_the_docstring_examples_run_as_written():
    torch.manual_seed(0)
    failures, tried = doctest.testmod(weightinit.nn.init, optionflags=FLAGS)
    assert tried > 0 and failures == 0
