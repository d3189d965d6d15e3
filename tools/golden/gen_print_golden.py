"""Writes tests/golden/print_cases.json: PyTorch's repr() of a varied set of tensors.

Run from the repository root with the Python that has PyTorch (Debian's python3-torch):

    /usr/bin/python3 tools/golden/gen_print_golden.py [--out tests/golden/print_cases.json]

Each case records what weightinit needs to rebuild the tensor and format it the same way:
  name           a unique, descriptive name
  shape          sizes of the contiguous tensor the bits fill
  dtype          "float32" or "float64"
  bits           every element's IEEE-754 bit pattern as hex (8 digits for float32, 16 for
                 float64), in logical (row-major) order of the contiguous tensor
  transpose      optional [d0, d1]: the printed tensor is the contiguous one transposed,
                 a non-contiguous view
  requires_grad  true when the tensor requires grad (repr adds `requires_grad=True`)
  options        the torch.set_printoptions arguments that differ from the defaults
  repr           the text repr() gives
The tests in tests/tensor/print_test.cpp replay them. Seeds are fixed, so the output is stable
for a given PyTorch build.
"""

import argparse
import json
import math
import struct

import torch

DEFAULT_OPTIONS = dict(precision=4, threshold=1000, edgeitems=3, linewidth=80, sci_mode=None)


def bits_of(t):
    """Hex bit patterns of the elements of t (contiguous), in row-major order."""
    values = t.detach().contiguous().reshape(-1).tolist()
    if t.dtype == torch.float32:
        return ["%08x" % struct.unpack("<I", struct.pack("<f", v))[0] for v in values]
    return ["%016x" % struct.unpack("<Q", struct.pack("<d", v))[0] for v in values]


class Cases:
    def __init__(self):
        self.cases = []

    def add(self, name, t, options=None, transpose=None, requires_grad=False):
        """Records t (or t.transpose(*transpose)) printed with the given print options."""
        assert t.is_contiguous() and t.dtype in (torch.float32, torch.float64)
        assert all(c["name"] != name for c in self.cases), name
        options = options or {}
        # A transposed leaf that requires grad would print grad_fn=<...>: keep them apart.
        assert not (transpose and requires_grad)
        shown = t.detach().clone().requires_grad_(requires_grad)
        if transpose:
            shown = shown.transpose(*transpose)
            assert not shown.is_contiguous()
        torch.set_printoptions(**{**DEFAULT_OPTIONS, **options})
        try:
            text = repr(shown)
        finally:
            torch.set_printoptions(profile="default")
        case = {
            "name": name,
            "shape": list(t.shape),
            "dtype": str(t.dtype).replace("torch.", ""),
            "bits": bits_of(t),
            "repr": text,
        }
        if transpose:
            case["transpose"] = list(transpose)
        if requires_grad:
            case["requires_grad"] = True
        if options:
            case["options"] = options
        self.cases.append(case)


def f32(values):
    return torch.tensor(values, dtype=torch.float32)


def f64(values):
    return torch.tensor(values, dtype=torch.float64)


def add_random_shapes(c):
    g = torch.Generator().manual_seed(20240601)
    for shape in [(1,), (5,), (9,), (30,), (4, 6), (2, 3, 4), (2, 2, 3, 3), (1, 1, 1), (3, 1, 5)]:
        name = "randn_" + "x".join(map(str, shape))
        c.add(name, torch.randn(shape, generator=g))
    c.add("randn_1x40_row", torch.randn(1, 40, generator=g))
    c.add("randn_scaled_100_6x7", torch.randn(6, 7, generator=g) * 100)
    c.add("randn_float64_3x3", torch.randn(3, 3, generator=g, dtype=torch.float64))
    c.add("randn_float64_25", torch.randn(25, generator=g, dtype=torch.float64))
    c.add("rand_2x2x2x2x2", torch.rand(2, 2, 2, 2, 2, generator=g))
    c.add("transposed_4x3", torch.randn(4, 3, generator=g), transpose=(0, 1))
    c.add("transposed_3d_2x3x4_dims_0_2", torch.randn(2, 3, 4, generator=g), transpose=(0, 2))


def add_sci_mode(c):
    g = torch.Generator().manual_seed(7)
    c.add("tiny_1e-6", torch.randn(6, generator=g) * 1e-6)
    c.add("huge_1e9", torch.randn(5, generator=g) * 1e9)
    c.add("wide_ratio", f32([0.001, 5.0, 123.4]))
    c.add("wide_ratio_2d", torch.randn(3, 4, generator=g) * torch.logspace(-3, 3, 4))
    c.add("min_just_below_1e-4_float32", f32([1e-4, 1.0]))  # float32(1e-4) < 1e-4
    c.add("min_exactly_1e-4_float64", f64([1e-4, 0.5]))
    c.add("min_2e-4", f32([2e-4, 0.5]))
    c.add("ratio_exactly_1000_fixed", f32([0.5, 500.0]))
    c.add("ratio_above_1000_fixed", f32([0.5, 500.5]))
    c.add("max_above_1e8_fixed", f32([1.5e8 + 0.5, 1.0e8 + 8]))
    c.add("subnormal_float32", f32([1e-40, 1.0, -2.5]))
    c.add("subnormal_float64", f64([5e-324, 1.0]))
    c.add("float32_max", f32([3.4028234663852886e38, -1.5]))
    c.add("sci_exponent_3_digits", f64([1e-300, 1e300, -2.5e150]))


def add_int_mode(c):
    c.add("int_simple", f32([1.0, 2.0]))
    c.add("int_mixed_zeros", f32([1.0, -3.0, 0.0, 7.0, 12.0]))
    c.add("int_ratio_exactly_1000", f32([1.0, 1000.0]))
    c.add("int_ratio_above_1000_sci", f32([1.0, 1001.0]))
    c.add("int_above_1e8_sci", f32([1.0, 2e8, 0.0]))
    c.add("int_1e8_exactly", f32([1e8, 2e5]))
    c.add("int_arange_40", torch.arange(40, dtype=torch.float32))
    c.add("int_arange_3d", torch.arange(24, dtype=torch.float32).reshape(2, 3, 4) - 12)
    c.add("int_float64", f64([[4.0, -8.0], [15.0, 16.0]]))
    c.add("int_large_negative", f32([-123456.0, 7.0, 99.0]))


def add_special_values(c):
    nan, inf = math.nan, math.inf
    c.add("nan_inf_fixed", f32([nan, 1.5, inf, -inf, -2.25]))
    c.add("nan_inf_int", f32([nan, 1.0, inf, -inf]))
    c.add("nan_inf_sci", f32([nan, 1e-6, inf, -inf, 3.0]))
    c.add("all_nan", f32([nan, nan]))
    c.add("negative_nan", -f32([nan, 1.0]))
    c.add("all_inf", f32([inf, -inf, inf]))
    c.add("nan_2d_float64", f64([[nan, 0.25], [-0.5, inf]]))
    c.add("neg_zero_int", f32([-0.0, 1.0]))
    c.add("neg_zero_fixed", f32([-0.0, 1.5]))
    c.add("neg_zero_sci", f32([-0.0, 1e-5]))
    c.add("neg_zero_only", f32([-0.0, 0.0, -0.0]))
    c.add("all_zero_2x3", torch.zeros(2, 3))
    c.add("all_zero_float64", torch.zeros(4, dtype=torch.float64))
    c.add("rounding", f32([0.99995, 0.00015, 1.23445, -0.33335, 2.5]))
    c.add("rounding_fixed", f64([0.99995, 1.23445, -0.33335, 2.5, 0.12345, 0.01255]))
    c.add("rounding_to_int_width", f32([9.99996, 0.5]))
    c.add("scalar_fixed", torch.tensor(1.5))
    c.add("scalar_neg_zero", torch.tensor(-0.0))
    c.add("scalar_int", torch.tensor(3.0))
    c.add("scalar_zero", torch.tensor(0.0))
    c.add("scalar_nan", torch.tensor(math.nan))
    c.add("scalar_tiny", torch.tensor(1e-7))
    c.add("scalar_float64", torch.tensor(-2.0 / 3.0, dtype=torch.float64))


def add_empty(c):
    c.add("empty_0", torch.empty(0))
    c.add("empty_0x3", torch.empty(0, 3))
    c.add("empty_2x0x4", torch.empty(2, 0, 4))
    c.add("empty_float64_0", torch.empty(0, dtype=torch.float64))
    c.add("empty_float64_0x3", torch.empty(0, 3, dtype=torch.float64))
    c.add("empty_requires_grad", torch.empty(0, 3, dtype=torch.float64), requires_grad=True)


def add_summarized(c):
    g = torch.Generator().manual_seed(1234)
    c.add("summarized_1d_2000", torch.randn(2000, generator=g))
    c.add("summarized_2d_40x50", torch.randn(40, 50, generator=g))
    c.add("summarized_3d_12x10x10", torch.randn(12, 10, 10, generator=g))
    c.add("summarized_4d_8x8x4x5", torch.randn(8, 8, 4, 5, generator=g))
    c.add("summarized_2d_short_rows_500x3", torch.randn(500, 3, generator=g))
    c.add("summarized_2d_wide_2x600", torch.randn(2, 600, generator=g))
    # The width comes from the shown edges only: the hidden middle has a huge value.
    big_middle = torch.randn(1500, generator=g)
    big_middle[700] = 1e9
    c.add("summarized_hidden_huge_value", big_middle)
    c.add("summarized_float64_1001", torch.randn(1001, generator=g, dtype=torch.float64))
    c.add("threshold_exactly_1000", torch.randn(1000, generator=g))


def add_options(c):
    g = torch.Generator().manual_seed(99)
    c.add("precision_2", torch.randn(3, 3, generator=g), {"precision": 2})
    c.add("precision_0", torch.randn(5, generator=g), {"precision": 0})
    c.add("precision_8_float64", torch.randn(4, generator=g, dtype=torch.float64), {"precision": 8})
    c.add("precision_2_sci", torch.randn(4, generator=g) * 1e-7, {"precision": 2})
    c.add("threshold_5_1d", torch.randn(10, generator=g), {"threshold": 5})
    c.add("threshold_5_2d", torch.randn(8, 8, generator=g), {"threshold": 5})
    c.add("threshold_5_3d_small_dims", torch.randn(2, 3, 4, generator=g), {"threshold": 5})
    c.add("threshold_0_scalar", torch.tensor(2.5), {"threshold": 0})
    c.add("edgeitems_2_threshold_5", torch.randn(6, 7, generator=g),
          {"edgeitems": 2, "threshold": 5})
    c.add("edgeitems_1_3d", torch.randn(5, 5, 5, generator=g), {"edgeitems": 1, "threshold": 10})
    c.add("edgeitems_2_summarized_1d", torch.randn(1200, generator=g), {"edgeitems": 2})
    c.add("edgeitems_0_1d", torch.randn(8, generator=g), {"edgeitems": 0, "threshold": 5})
    c.add("linewidth_40", torch.randn(20, generator=g), {"linewidth": 40})
    c.add("linewidth_40_2d", torch.randn(3, 9, generator=g), {"linewidth": 40})
    c.add("linewidth_5_below_indent", torch.randn(4, generator=g), {"linewidth": 5})
    c.add("linewidth_200", torch.randn(40, generator=g), {"linewidth": 200})
    c.add("sci_mode_true", torch.randn(5, generator=g), {"sci_mode": True})
    c.add("sci_mode_true_int", f32([1.0, 2.0, -30.0]), {"sci_mode": True})
    c.add("sci_mode_true_wraps", torch.randn(12, generator=g), {"sci_mode": True})
    c.add("sci_mode_true_all_zero", torch.zeros(3), {"sci_mode": True})
    c.add("sci_mode_false_tiny", torch.randn(5, generator=g) * 1e-6, {"sci_mode": False})
    c.add("sci_mode_false_huge_int", f32([1e20, 2.0]), {"sci_mode": False})
    c.add("sci_mode_false_float32_max", f32([3.0e38, 1.0]), {"sci_mode": False})
    c.add("combined_options", torch.randn(4, 5, 6, generator=g),
          {"precision": 3, "threshold": 50, "edgeitems": 1, "linewidth": 50})


def add_requires_grad(c):
    g = torch.Generator().manual_seed(5)
    c.add("requires_grad_1d", torch.randn(3, generator=g), requires_grad=True)
    c.add("requires_grad_2d", torch.randn(2, 4, generator=g), requires_grad=True)
    c.add("requires_grad_float64", torch.randn(2, 2, generator=g, dtype=torch.float64),
          requires_grad=True)
    c.add("requires_grad_scalar", torch.tensor(0.25), requires_grad=True)
    # Lines near 80 columns: the suffix moves to its own line.
    for n in range(7, 11):
        c.add("requires_grad_suffix_wrap_%d" % n, torch.randn(n, generator=g), requires_grad=True)
    c.add("requires_grad_wrapped_rows", torch.randn(3, 12, generator=g), requires_grad=True)
    c.add("float64_suffix_wrap", torch.randn(8, generator=g, dtype=torch.float64))
    c.add("float64_requires_grad_wrap", torch.randn(7, generator=g, dtype=torch.float64),
          requires_grad=True)
    c.add("requires_grad_linewidth_30", torch.randn(2, generator=g), {"linewidth": 30},
          requires_grad=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="tests/golden/print_cases.json")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float32)
    torch.set_printoptions(profile="default")
    c = Cases()
    add_random_shapes(c)
    add_sci_mode(c)
    add_int_mode(c)
    add_special_values(c)
    add_empty(c)
    add_summarized(c)
    add_options(c)
    add_requires_grad(c)
    doc = {
        "generator": "tools/golden/gen_print_golden.py",
        "torch_version": torch.__version__,
        "cases": c.cases,
    }
    # One case per line keeps the file small (the bit lists) and its diffs readable.
    header = {k: v for k, v in doc.items() if k != "cases"}
    with open(args.out, "w") as f:
        f.write(json.dumps(header)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(case) for case in doc["cases"]))
        f.write("\n]}\n")
    print("wrote %d cases to %s" % (len(c.cases), args.out))


if __name__ == "__main__":
    main()
