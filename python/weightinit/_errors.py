"""The exceptions weightinit raises.

torch raises ``ValueError`` from its Python checks and ``RuntimeError`` from its C++ ones, and
code written for torch catches one or the other. Each class here derives from the builtin that
names its kind *and* from ``RuntimeError``, so either ``except`` clause works.
"""
import builtins


class Error(RuntimeError):
    """Any error from weightinit's C++ core."""


class ValueError(builtins.ValueError, Error):
    """An argument breaks a rule (std < 0, a > b, an unknown name)."""


class ShapeError(ValueError):
    """A shape the operation refuses (too few dimensions, say)."""


class IndexError(builtins.IndexError, Error):
    """An index out of range."""


class DTypeError(TypeError, Error):
    """A dtype the operation does not fill (integers, bfloat16 today)."""


class IoError(OSError, Error):
    """A file that cannot be read or written."""


class DeviceError(ValueError):
    """A tensor that is not in CPU memory."""
