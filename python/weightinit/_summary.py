"""summary: torchsummary's table for a torch model (forward hooks gather the rows in Python;
weightinit's C++ formats them exactly as torchsummary prints them)."""
import math
import sys

from . import _core


def _rows(model, input_size):
    """Runs `model` on ``torch.rand(2, *size)`` per input (from torch's default generator, as
    torchsummary does) with a forward hook on every module but the model itself, Sequential and
    ModuleList; returns (layer, output shape, params, trainable) per call."""
    torch = sys.modules['torch']
    rows, hooks = [], []

    def hook(module, inputs, output):
        params, trainable = 0, False
        weight, bias = getattr(module, 'weight', None), getattr(module, 'bias', None)
        if hasattr(weight, 'size'):
            params += math.prod(weight.size())
            trainable = weight.requires_grad
        if hasattr(bias, 'size'):
            params += math.prod(bias.size())
        name = '%s-%d' % (type(module).__name__, len(rows) + 1)
        rows.append([name, list(output.size()), params, trainable])

    for module in model.modules():
        if not isinstance(module, (torch.nn.Sequential, torch.nn.ModuleList)) and \
                module is not model:
            hooks.append(module.register_forward_hook(hook))
    try:
        model(*[torch.rand(2, *size) for size in input_size])
    finally:
        for h in hooks:
            h.remove()
    return rows


def summary_string(model, input_size, batch_size=-1):
    """torchsummary.summary_string's table as a str: one row per forward call of each module
    (not the model, Sequential or ModuleList), with the output shape (dim 0 = batch_size), the
    numel of the module's weight and bias, and torchsummary's totals and size estimates.
    `input_size` is a shape tuple or a list of them; the model runs on torch.rand(2, *shape)."""
    sizes = [tuple(input_size)] if isinstance(input_size, tuple) else \
        [tuple(s) for s in input_size]
    rows = _rows(model, sizes)
    for row in rows:
        row[1][0] = batch_size
    total_params = sum(r[2] for r in rows)
    trainable = sum(r[2] for r in rows if r[3])
    total_output = sum(math.prod(r[1]) for r in rows)
    input_mb = abs(math.prod(sum(sizes, ())) * batch_size * 4. / (1024 ** 2.))
    output_mb = abs(2. * total_output * 4. / (1024 ** 2.))
    params_mb = abs(total_params * 4. / (1024 ** 2.))
    return _core.format_summary([tuple(r) for r in rows], total_params, trainable, input_mb,
                                output_mb, params_mb, params_mb + output_mb + input_mb)


def summary(model, input_size, batch_size=-1):
    """Prints summary_string's table, like ``torchsummary.summary(model, input_size,
    batch_size)`` on the CPU."""
    print(summary_string(model, input_size, batch_size), end='')
