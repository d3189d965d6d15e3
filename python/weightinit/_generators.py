"""Which generator a fill draws from, and torch.Generator's state carried across a fill.

A fill given a ``torch.Generator`` (or none, while torch is imported) runs on a weightinit
generator made from the torch generator's state bytes, computing as the running PyTorch does
(its release and CPU capability); afterwards the torch generator gets the new state. So
``weightinit.nn.init.X_(t, generator=g)`` leaves ``g`` exactly where ``torch.nn.init.X_`` would,
and calls of either library can be mixed on one stream.
"""
import sys

from ._core import Generator

_default = None


def default_generator():
    """weightinit's own default generator (torch family, torch's default seed): what fills draw
    from when no generator is given and torch has not been imported."""
    global _default
    if _default is None:
        _default = Generator()
    return _default


def manual_seed(seed):
    """Seeds weightinit's default generator and, when torch is imported, torch's, like
    ``torch.manual_seed``. Returns weightinit's default generator."""
    torch = sys.modules.get('torch')
    if torch is not None:
        torch.manual_seed(seed)
    return default_generator().manual_seed(seed)


def _torch_build(torch):
    """(release, capability) of the running PyTorch: ('2.14', 'avx512'), say."""
    release = '.'.join(torch.__version__.split('+')[0].split('.')[:2])
    capability = torch.backends.cpu.get_cpu_capability().lower()
    return release, capability if capability in ('avx512', 'avx2') else 'default'


class Draw:
    """The weightinit generator(s) of one fill, and the torch generators to update afterwards.

    ``with Draw(generator) as gen: ...`` yields a weightinit Generator. On a normal exit every
    torch generator involved gets its new state; on an exception nothing is written back.
    """

    def __init__(self, generator):
        torch = sys.modules.get('torch')
        if generator is None:
            generator = torch.default_generator if torch is not None else default_generator()
        self._torch = torch
        self._pairs = []  # (torch.Generator, weightinit Generator)
        self.generator = self._bridge(generator)

    def _bridge(self, generator):
        if isinstance(generator, Generator):
            return generator
        torch = self._torch
        if torch is None or not isinstance(generator, torch.Generator):
            raise TypeError('generator must be a torch.Generator or a weightinit.Generator, '
                            'but got %s' % type(generator).__name__)
        if generator.device.type != 'cpu':
            raise ValueError('weightinit draws from CPU generators, but the generator is on %s'
                             % generator.device)
        for torch_gen, ours in self._pairs:
            if torch_gen is generator:
                return ours
        release, capability = _torch_build(torch)
        ours = Generator._from_torch_state(generator.get_state().numpy().tobytes(), release,
                                           capability)
        self._pairs.append((generator, ours))
        return ours

    def default(self):
        """The generator torch's sparse_ takes its permutations from: torch's default one."""
        torch = self._torch
        return self._bridge(torch.default_generator if torch is not None
                            else default_generator())

    def __enter__(self):
        return self.generator

    def __exit__(self, kind, value, traceback):
        if kind is None:
            for torch_gen, ours in self._pairs:
                state = bytearray(ours.get_state())
                torch_gen.set_state(self._torch.frombuffer(state, dtype=self._torch.uint8))
        return False
