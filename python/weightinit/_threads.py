"""The thread count of one call: ``with Threads(n): ...`` (None leaves it as it is)."""
from ._core import get_num_threads, set_num_threads


class Threads:
    """Sets weightinit's (and torch's: one OpenMP runtime) thread count on the calling thread
    for a block, and restores it afterwards."""

    def __init__(self, n):
        self.n = n
        self.previous = None

    def __enter__(self):
        if self.n is not None:
            self.previous = get_num_threads()
            set_num_threads(self.n)
        return self

    def __exit__(self, *exc):
        if self.previous is not None:
            set_num_threads(self.previous)
        return False
