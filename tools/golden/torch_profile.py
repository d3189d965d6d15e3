"""The weightinit torch profile (weightinit list --torch-profiles) of the running PyTorch."""


def profile_of(torch):
    """'1.13-avx2', '2.14-avx512', ...: the release (1.13, or 2.14 for every 2.12+ build, whose
    sampling agrees) and the capability torch runs (ATEN_CPU_CAPABILITY or its own pick)."""
    major, minor = (int(x) for x in torch.__version__.split('+')[0].split('.')[:2])
    if (major, minor) < (2, 0):
        line = [l for l in torch.__config__.show().splitlines() if 'CPU capability' in l]
        capability = 'default' if line and 'NO AVX' in line[0] else 'avx2'
        return '1.13-' + capability
    capability = torch.backends.cpu.get_cpu_capability().lower()
    if (major, minor) in ((2, 14), (2, 15)):  # the verified 2.x releases
        release = '%d.%d' % (major, minor)
    else:
        release = '2.14' if (major, minor) >= (2, 12) else '2.0'
    return '%s-%s' % (release, capability)
