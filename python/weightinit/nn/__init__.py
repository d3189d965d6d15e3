"""weightinit.nn: ``weightinit.nn.init``, torch.nn.init's functions."""
from . import init

__all__ = ['init']
