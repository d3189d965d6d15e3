"""Writes tests/golden/functional_cases.json: torch.nn.functional forward results from real PyTorch.

Run from the repository root with the Python that has PyTorch (Debian's python3-torch 1.13.1;
the python3 on PATH may have none):

    /usr/bin/python3 tools/golden/gen_functional_golden.py
    /usr/bin/python3 tools/golden/gen_functional_golden.py --out other.json   # elsewhere

Every case is built in torch with a fixed seed (torch.manual_seed(1000 + case index)): the
inputs, the weights, the options, and what the torch.nn.functional call returns. Each case holds
  name      a unique, descriptive name
  op        the weightinit::nn::functional function: linear, conv, conv_transpose2d, max_pool,
            avg_pool, adaptive_avg_pool2d, batch_norm, layer_norm, relu, leaky_relu, elu, selu,
            gelu, tanh, sigmoid, softmax, log_softmax, embedding, flatten, add, cat
  args      the non-tensor arguments, named as in weightinit (stride, padding, dilation, groups,
            output_padding, kernel, ceil_mode, count_include_pad, output_size, training,
            momentum, eps, normalized_shape, negative_slope, alpha, dim, indices, index_shape,
            start_dim, end_dim); an empty "stride" list means stride = kernel
  inputs    tensors by argument name (x, weight, bias, running_mean, running_var)
  expected  torch's results: "out", and for batch_norm in training the updated "running_mean"
            and "running_var"
A tensor is {"shape": [...], "data": base64 of the float32 values (little-endian) in row-major
order}, plus "permute": [...] when the argument is that permutation of the stored contiguous
tensor (a non-contiguous view). tests/nn/functional_test.cpp replays every case and compares
with max|ours - torch| / max|torch| <= 1e-5 (absolute floor 1e-6).
"""

import argparse
import base64
import json
import os

import torch
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def encode(t):
    """{"shape", "data"} of a float32 tensor (made contiguous first)."""
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": base64.b64encode(t.numpy().tobytes()).decode("ascii")}


class Cases:
    def __init__(self):
        self.cases = []

    def seed(self):
        """Seeds torch for the next case, so each case is reproducible on its own."""
        torch.manual_seed(1000 + len(self.cases))

    def add(self, name, op, args, inputs, expected):
        """inputs: name -> tensor, or (base, permutation) for a permuted (non-contiguous) view."""
        assert all(c["name"] != name for c in self.cases), name
        recs = {}
        for key, value in inputs.items():
            if value is None:
                continue
            if isinstance(value, tuple):
                base, perm = value
                rec = encode(base)
                rec["permute"] = list(perm)
                recs[key] = rec
            else:
                recs[key] = encode(value)
        exp = {k: encode(v) for k, v in expected.items()}
        self.cases.append({"name": name, "op": op, "args": args, "inputs": recs, "expected": exp})


def view(value):
    """The tensor an input record describes (applies the permutation)."""
    if isinstance(value, tuple):
        base, perm = value
        out = base.permute(*perm)
        assert not out.is_contiguous()
        return out
    return value


def listify(v, n):
    return list(v) if isinstance(v, (list, tuple)) else [v] * n


# ---------------------------------------------------------------------------------------------
def add_linear(c):
    def case(name, x_shape, out, bias=True, permute_x=None, permute_w=False):
        c.seed()
        in_f = x_shape[-1]
        if permute_x:
            base = torch.randn([x_shape[i] for i in permute_x])
            inv = [permute_x.index(i) for i in range(len(x_shape))]
            x = (base, inv)
        else:
            x = torch.randn(x_shape)
        w = (torch.randn(in_f, out), (1, 0)) if permute_w else torch.randn(out, in_f)
        b = torch.randn(out) if bias else None
        y = F.linear(view(x), view(w), b)
        c.add(name, "linear", {}, {"x": x, "weight": w, "bias": b}, {"out": y})

    case("linear_2d_bias", [4, 7], 5)
    case("linear_2d_nobias", [4, 7], 5, bias=False)
    case("linear_3d_input", [2, 3, 6], 4)
    case("linear_1d_input", [6], 3)
    case("linear_noncontig_input", [4, 7], 5, permute_x=[1, 0])
    case("linear_noncontig_weight", [3, 7], 5, permute_w=True)
    case("linear_wide", [16, 64], 32)
    case("linear_zero_in_features", [2, 0], 3)


def conv_fn(dims):
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]


def add_conv(c):
    def case(name, x_shape, out_c, kernel, stride=1, padding=0, dilation=1, groups=1, bias=True,
             permute_x=None, dims=None):
        c.seed()
        dims = dims or len(x_shape) - 2
        in_c = x_shape[0] if len(x_shape) == dims + 1 else x_shape[1]
        if permute_x:
            base = torch.randn([x_shape[i] for i in permute_x])
            x = (base, [permute_x.index(i) for i in range(len(x_shape))])
        else:
            x = torch.randn(x_shape)
        w = torch.randn([out_c, in_c // groups] + listify(kernel, dims)) * 0.5
        b = torch.randn(out_c) if bias else None
        y = conv_fn(dims)(view(x), w, b, stride=stride, padding=padding, dilation=dilation,
                          groups=groups)
        args = {"stride": list(stride) if isinstance(stride, (list, tuple)) else [stride],
                "padding": list(padding) if isinstance(padding, (list, tuple)) else [padding],
                "dilation": list(dilation) if isinstance(dilation, (list, tuple)) else [dilation],
                "groups": groups}
        c.add(name, "conv", args, {"x": x, "weight": w, "bias": b}, {"out": y})

    # 1-d
    case("conv1d_basic", [2, 3, 10], 4, 3)
    case("conv1d_stride2_pad1", [2, 3, 11], 4, 3, stride=2, padding=1)
    case("conv1d_dilation2_pad2", [1, 3, 12], 2, 3, padding=2, dilation=2)
    case("conv1d_groups3", [2, 6, 9], 6, 3, groups=3)
    case("conv1d_depthwise_mult2", [1, 4, 8], 8, 3, padding=1, groups=4)
    case("conv1d_1x1_nobias", [2, 5, 7], 3, 1, bias=False)
    case("conv1d_unbatched", [3, 10], 2, 4, stride=3, dims=1)
    # 2-d
    case("conv2d_basic_3x3", [2, 3, 8, 8], 4, 3)
    case("conv2d_stride2_pad1_odd", [2, 3, 9, 7], 5, 3, stride=2, padding=1)
    case("conv2d_asymmetric", [1, 2, 9, 10], 3, (3, 2), stride=(2, 1), padding=(1, 0),
         dilation=(1, 2))
    case("conv2d_dilation2_pad2", [1, 3, 10, 10], 4, 3, padding=2, dilation=2)
    case("conv2d_groups2", [1, 4, 7, 7], 6, 3, groups=2)
    case("conv2d_depthwise", [2, 5, 6, 6], 5, 3, padding=1, groups=5)
    case("conv2d_1x1", [2, 8, 5, 5], 6, 1)
    case("conv2d_1x1_stride2", [2, 8, 5, 5], 6, 1, stride=2)
    case("conv2d_1x1_pad1_nobias", [1, 4, 3, 3], 2, 1, padding=1, bias=False)
    case("conv2d_5x5_stride3_pad2", [1, 2, 11, 13], 3, 5, stride=3, padding=2)
    case("conv2d_kernel_equals_input", [3, 2, 3, 3], 4, 3)
    case("conv2d_noncontig_nhwc", [2, 3, 6, 5], 4, 3, padding=1, permute_x=[0, 2, 3, 1])
    case("conv2d_unbatched", [3, 6, 6], 2, 3, padding=1, dims=2)
    case("conv2d_wide_16to32", [2, 16, 16, 16], 32, 3, padding=1)
    case("conv2d_groups4_stride2_dil2", [1, 8, 12, 12], 8, 3, stride=2, padding=2, dilation=2,
         groups=4)
    case("conv2d_single_input_channel", [4, 1, 9, 9], 6, 3, padding=1)
    case("conv2d_depthwise_stride2_dil2_mult3", [2, 3, 11, 10], 9, 3, stride=2, padding=2,
         dilation=2, groups=3)
    case("conv2d_depthwise_noncontig_nobias", [2, 4, 7, 6], 4, (3, 2), padding=(1, 0), groups=4,
         bias=False, permute_x=[0, 2, 3, 1])
    # 3-d
    case("conv3d_c3d_3x3x3_pad1", [1, 3, 4, 8, 8], 4, 3, padding=1)
    case("conv3d_stride2_pad1", [1, 2, 5, 6, 7], 3, 3, stride=2, padding=1)
    case("conv3d_groups2_dilation", [2, 4, 5, 7, 7], 4, 3, padding=(0, 2, 2), dilation=(1, 2, 2),
         groups=2)
    case("conv3d_1x1x1", [1, 4, 3, 4, 5], 3, 1)
    case("conv3d_1x3x3_pad011", [1, 2, 3, 6, 6], 3, (1, 3, 3), padding=(0, 1, 1))
    case("conv3d_c3d_block_16ch", [1, 16, 4, 6, 6], 8, 3, padding=1)
    case("conv3d_unbatched", [2, 3, 4, 4], 2, 2, dims=3)
    case("conv3d_depthwise_stride2", [1, 3, 5, 6, 7], 3, 3, stride=2, padding=1, groups=3)
    case("conv2d_zero_batch", [0, 4, 8, 8], 3, 3)
    # Not a case: with 0 input channels torch 1.13 returns (N, 0, *out) (its "Empty" backend),
    # while weightinit returns the bias broadcast to (N, C_out, *out).


def add_conv_transpose(c):
    def case(name, x_shape, out_per_group, kernel, stride=1, padding=0, output_padding=0,
             dilation=1, groups=1, bias=True):
        c.seed()
        in_c = x_shape[0] if len(x_shape) == 3 else x_shape[1]
        x = torch.randn(x_shape)
        w = torch.randn([in_c, out_per_group] + listify(kernel, 2)) * 0.5
        b = torch.randn(out_per_group * groups) if bias else None
        y = F.conv_transpose2d(x, w, b, stride=stride, padding=padding,
                               output_padding=output_padding, groups=groups, dilation=dilation)
        lst = lambda v: list(v) if isinstance(v, (list, tuple)) else [v]
        args = {"stride": lst(stride), "padding": lst(padding), "dilation": lst(dilation),
                "groups": groups, "output_padding": lst(output_padding)}
        c.add(name, "conv_transpose2d", args, {"x": x, "weight": w, "bias": b}, {"out": y})

    case("convT2d_basic", [1, 3, 4, 4], 2, 3)
    case("convT2d_stride2_pad1_outpad1", [2, 3, 5, 5], 4, 3, stride=2, padding=1,
         output_padding=1)
    case("convT2d_stride23_outpad12", [1, 2, 4, 3], 3, (3, 4), stride=(2, 3), padding=(1, 0),
         output_padding=(1, 2))
    case("convT2d_dilation2_outpad1", [1, 2, 5, 5], 2, 3, dilation=2, output_padding=1)
    case("convT2d_groups2", [2, 4, 5, 5], 3, 3, stride=2, groups=2)
    case("convT2d_1x1_stride2_nobias", [1, 3, 4, 4], 2, 1, stride=2, bias=False)
    case("convT2d_4x4_stride2_pad1", [1, 4, 6, 6], 3, 4, stride=2, padding=1)
    case("convT2d_unbatched", [3, 4, 4], 2, 3, stride=2, padding=1, output_padding=1)


# ---------------------------------------------------------------------------------------------
def add_pool(c):
    def case(name, op, x_shape, kernel, stride=None, padding=0, dilation=1, ceil_mode=False,
             count_include_pad=True, dims=None, permute_x=None, nan_at=None):
        c.seed()
        dims = dims or len(x_shape) - 2
        if permute_x:
            base = torch.randn([x_shape[i] for i in permute_x])
            x = (base, [permute_x.index(i) for i in range(len(x_shape))])
        else:
            x = torch.randn(x_shape)
            if nan_at is not None:
                x.view(-1)[nan_at] = float("nan")
        if op == "max_pool":
            fn = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[dims]
            y = fn(view(x), kernel, stride, padding, dilation, ceil_mode=ceil_mode)
        else:
            fn = {2: F.avg_pool2d, 3: F.avg_pool3d}[dims]
            y = fn(view(x), kernel, stride, padding, ceil_mode=ceil_mode,
                   count_include_pad=count_include_pad)
        lst = lambda v: list(v) if isinstance(v, (list, tuple)) else [v]
        args = {"kernel": lst(kernel), "stride": [] if stride is None else lst(stride),
                "padding": lst(padding), "dilation": lst(dilation), "ceil_mode": ceil_mode,
                "count_include_pad": count_include_pad}
        c.add(name, op, args, {"x": x}, {"out": y})

    mp = "max_pool"
    case("max_pool1d_k3_s2", mp, [2, 3, 11], 3, 2)
    case("max_pool1d_k2_ceil", mp, [1, 2, 7], 2, ceil_mode=True)
    case("max_pool1d_k3_s2_pad1_dil2", mp, [2, 2, 12], 3, 2, 1, 2)
    case("max_pool1d_k4_s3_pad2_ceil", mp, [1, 3, 10], 4, 3, 2, ceil_mode=True)
    case("max_pool1d_empty_output", mp, [2, 3, 2], 3)
    case("max_pool1d_unbatched", mp, [3, 9], 2, dims=1)
    case("max_pool2d_k2", mp, [2, 3, 8, 8], 2)
    case("max_pool2d_k3_s2_odd", mp, [2, 3, 9, 7], 3, 2)
    case("max_pool2d_k3_s2_pad1_ceil", mp, [1, 2, 10, 10], 3, 2, 1, ceil_mode=True)
    case("max_pool2d_k2_s2_pad1_ceil_last_window_dropped", mp, [1, 2, 5, 5], 2, 2, 1,
         ceil_mode=True)
    case("max_pool2d_k2_ceil_5x5", mp, [1, 2, 5, 5], 2, ceil_mode=True)
    case("max_pool2d_k3_pad1_dil2", mp, [1, 2, 9, 9], 3, 1, 1, 2)
    case("max_pool2d_asymmetric", mp, [2, 2, 7, 9], (2, 3), (1, 2), (1, 1))
    case("max_pool2d_noncontig", mp, [2, 3, 6, 6], 2, permute_x=[0, 2, 3, 1])
    case("max_pool2d_nan_propagates", mp, [1, 1, 4, 4], 2, nan_at=5)
    case("max_pool2d_unbatched", mp, [3, 6, 6], (2, 2), dims=2)
    case("max_pool3d_c3d_pool1_1x2x2", mp, [1, 2, 4, 8, 8], (1, 2, 2), (1, 2, 2))
    case("max_pool3d_2x2x2_ceil_odd", mp, [1, 2, 5, 7, 7], 2, 2, ceil_mode=True)
    case("max_pool3d_c3d_pool5_pad011", mp, [1, 3, 2, 7, 7], 2, 2, (0, 1, 1))
    case("max_pool3d_k2_dil2", mp, [1, 2, 5, 5, 5], 2, 1, 0, 2)
    case("max_pool3d_k3_s2_pad1_ceil", mp, [2, 2, 6, 6, 6], 3, 2, 1, ceil_mode=True)
    case("max_pool2d_zero_batch", mp, [0, 2, 4, 4], 2)
    ap = "avg_pool"
    case("avg_pool2d_k2", ap, [2, 3, 8, 8], 2)
    case("avg_pool2d_k3_s2_pad1_include", ap, [1, 2, 7, 7], 3, 2, 1)
    case("avg_pool2d_k3_s2_pad1_exclude", ap, [1, 2, 7, 7], 3, 2, 1, count_include_pad=False)
    case("avg_pool2d_k3_s2_pad1_ceil_include", ap, [1, 2, 6, 6], 3, 2, 1, ceil_mode=True)
    case("avg_pool2d_k3_s2_pad1_ceil_exclude", ap, [1, 2, 6, 6], 3, 2, 1, ceil_mode=True,
         count_include_pad=False)
    case("avg_pool2d_k2_ceil_5x5", ap, [1, 2, 5, 5], 2, ceil_mode=True)
    case("avg_pool2d_k2_s2_pad1_ceil", ap, [1, 1, 5, 5], 2, 2, 1, ceil_mode=True)
    case("avg_pool2d_asymmetric", ap, [2, 2, 7, 9], (3, 2), (2, 1), (1, 0))
    case("avg_pool2d_noncontig", ap, [2, 3, 6, 6], 3, 1, permute_x=[0, 2, 3, 1])
    case("avg_pool2d_unbatched", ap, [3, 6, 6], (2, 2), dims=2)
    case("avg_pool3d_k2", ap, [1, 2, 4, 6, 6], 2)
    case("avg_pool3d_1x2x2", ap, [1, 2, 3, 6, 6], (1, 2, 2))
    case("avg_pool3d_k3_s2_pad1_ceil_include", ap, [1, 2, 5, 6, 7], 3, 2, 1, ceil_mode=True)
    case("avg_pool3d_k3_s2_pad1_ceil_exclude", ap, [1, 2, 5, 6, 7], 3, 2, 1, ceil_mode=True,
         count_include_pad=False)
    case("avg_pool3d_asymmetric", ap, [2, 1, 4, 7, 7], (2, 3, 3), (1, 2, 2), (1, 1, 1))


def add_adaptive(c):
    def case(name, x_shape, out):
        c.seed()
        x = torch.randn(x_shape)
        y = F.adaptive_avg_pool2d(x, out)
        c.add(name, "adaptive_avg_pool2d", {"output_size": list(out)}, {"x": x}, {"out": y})

    case("adaptive_avg_7x7_to_3x3", [2, 3, 7, 7], (3, 3))
    case("adaptive_avg_5x9_to_2x4", [1, 2, 5, 9], (2, 4))
    case("adaptive_avg_to_1x1", [2, 4, 6, 5], (1, 1))
    case("adaptive_avg_upsample_3x3_to_5x4", [1, 2, 3, 3], (5, 4))
    case("adaptive_avg_unbatched", [3, 6, 6], (4, 2))
    case("adaptive_avg_identity", [1, 2, 4, 4], (4, 4))


# ---------------------------------------------------------------------------------------------
def add_batch_norm(c):
    def case(name, x_shape, training, momentum=0.1, eps=1e-5, affine=True, permute_x=None,
             running=True):
        c.seed()
        ch = x_shape[1]
        if permute_x:
            base = torch.randn([x_shape[i] for i in permute_x]) * 2 + 0.5
            x = (base, [permute_x.index(i) for i in range(len(x_shape))])
        else:
            x = torch.randn(x_shape) * 2 + 0.5
        rm = torch.randn(ch) * 0.1
        rv = torch.rand(ch) + 0.5
        w = torch.randn(ch) if affine else None
        b = torch.randn(ch) if affine else None
        if not running:
            rm = rv = None
        inputs = {"x": x, "running_mean": rm if rm is None else rm.clone(),
                  "running_var": rv if rv is None else rv.clone(), "weight": w, "bias": b}
        y = F.batch_norm(view(x), rm, rv, w, b, training=training, momentum=momentum, eps=eps)
        expected = {"out": y}
        if training and running:
            expected.update({"running_mean": rm, "running_var": rv})
        args = {"training": training, "momentum": momentum, "eps": eps}
        c.add(name, "batch_norm", args, inputs, expected)

    case("batch_norm_train_2d", [8, 5], True)
    case("batch_norm_train_4d_m03_eps1e-3", [4, 3, 5, 5], True, momentum=0.3, eps=1e-3)
    case("batch_norm_train_no_affine", [3, 4, 6], True, affine=False)
    case("batch_norm_train_5d", [2, 3, 2, 3, 3], True)
    case("batch_norm_train_noncontig", [2, 3, 4, 4], True, permute_x=[0, 2, 3, 1])
    case("batch_norm_train_no_running_stats", [5, 3, 4], True, running=False)
    case("batch_norm_eval_4d", [4, 3, 5, 5], False)
    case("batch_norm_eval_3d_no_affine", [3, 4, 6], False, affine=False)


def add_layer_norm(c):
    def case(name, x_shape, norm_shape, affine=True, eps=1e-5, scale=1.0):
        c.seed()
        x = torch.randn(x_shape) * scale + 1.0
        w = torch.randn(norm_shape) if affine else None
        b = torch.randn(norm_shape) if affine else None
        y = F.layer_norm(x, norm_shape, w, b, eps)
        args = {"normalized_shape": list(norm_shape), "eps": eps}
        c.add(name, "layer_norm", args, {"x": x, "weight": w, "bias": b}, {"out": y})

    case("layer_norm_last_dim", [4, 10], (10,))
    case("layer_norm_last_two_dims", [2, 3, 4, 5], (4, 5))
    case("layer_norm_no_affine", [3, 2, 5], (5,), affine=False)
    case("layer_norm_eps1e-3_large_scale", [6, 16], (16,), eps=1e-3, scale=100.0)


# ---------------------------------------------------------------------------------------------
def special_input(shape):
    x = torch.randn(shape) * 3
    flat = x.view(-1)
    flat[:6] = torch.tensor([0.0, -0.0, 20.0, -20.0, 1e-4, -1e-4])
    return x


def add_activations(c):
    def case(name, op, fn, args=None, shape=(3, 4, 5), permute=None):
        c.seed()
        x = special_input(list(shape))
        inp = (x, permute) if permute else x
        y = fn(view(inp))
        c.add(name, op, args or {}, {"x": inp}, {"out": y})

    case("relu", "relu", F.relu)
    case("relu_noncontig", "relu", F.relu, permute=(2, 0, 1))
    case("leaky_relu_default", "leaky_relu", F.leaky_relu, {"negative_slope": 0.01})
    case("leaky_relu_0.2", "leaky_relu", lambda x: F.leaky_relu(x, 0.2), {"negative_slope": 0.2})
    case("elu_default", "elu", F.elu, {"alpha": 1.0})
    case("elu_alpha0.5", "elu", lambda x: F.elu(x, 0.5), {"alpha": 0.5})
    case("selu", "selu", F.selu)
    case("gelu", "gelu", F.gelu)
    case("tanh", "tanh", torch.tanh)
    case("sigmoid", "sigmoid", torch.sigmoid)
    case("sigmoid_noncontig", "sigmoid", torch.sigmoid, permute=(1, 2, 0))

    def softmax_case(name, op, shape, dim, scale=1.0, permute=None):
        c.seed()
        x = torch.randn(shape) * scale
        inp = (x, permute) if permute else x
        fn = F.softmax if op == "softmax" else F.log_softmax
        y = fn(view(inp), dim=dim)
        c.add(name, op, {"dim": dim}, {"x": inp}, {"out": y})

    for op in ("softmax", "log_softmax"):
        softmax_case(op + "_2d_dim_last", op, [4, 7], -1)
        softmax_case(op + "_2d_dim0", op, [4, 7], 0)
        softmax_case(op + "_3d_dim1", op, [2, 3, 4], 1)
        softmax_case(op + "_large_values_stable", op, [3, 6], 1, scale=60.0)
        softmax_case(op + "_1d", op, [9], 0)
        softmax_case(op + "_wide_inner_dim0", op, [3, 300], 0)
        softmax_case(op + "_noncontig_dim_last", op, [5, 4], -1, permute=(1, 0))
    softmax_case("softmax_0d", "softmax", [], 0)


def add_embedding_flatten(c):
    def emb(name, num, dim, idx):
        c.seed()
        w = torch.randn(num, dim)
        idx_t = torch.tensor(idx, dtype=torch.long)
        y = F.embedding(idx_t, w)
        args = {"indices": idx_t.reshape(-1).tolist(), "index_shape": list(idx_t.shape)}
        c.add(name, "embedding", args, {"weight": w}, {"out": y})

    emb("embedding_2d_indices", 10, 4, [[1, 2, 4, 5], [4, 3, 2, 9]])
    emb("embedding_1d_repeated", 5, 3, [0, 4, 4, 0, 2])
    emb("embedding_scalar_index", 6, 5, 3)

    def flat(name, shape, start, end, permute=None):
        c.seed()
        x = torch.randn(shape)
        inp = (x, permute) if permute else x
        y = torch.flatten(view(inp), start, end)
        c.add(name, "flatten", {"start_dim": start, "end_dim": end}, {"x": inp}, {"out": y})

    flat("flatten_default", [2, 3, 4, 5], 1, -1)
    flat("flatten_first_two", [2, 3, 4, 5], 0, 1)
    flat("flatten_single_dim", [2, 3, 4], 2, 2)
    flat("flatten_0d", [], 0, -1)
    flat("flatten_noncontig", [2, 3, 4], 0, -1, permute=(2, 0, 1))


def add_add_cat(c):
    """add (a residual connection's out += identity) and cat (DenseNet's features)."""
    c.seed()
    a, b = torch.randn(2, 3, 4, 5), torch.randn(5, 2, 3, 4)
    c.add("add_noncontig", "add", {}, {"a": a, "b": (b, (1, 2, 3, 0))},
          {"out": a + b.permute(1, 2, 3, 0)})

    def cat(name, shapes, dim, permute_first=None):
        """shapes: of the stored tensors (the first is permuted by permute_first)."""
        c.seed()
        xs = [torch.randn(s) for s in shapes]
        inputs = {"x%d" % i: x for i, x in enumerate(xs)}
        if permute_first:
            inputs["x0"] = (xs[0], permute_first)
        views = [view(inputs["x%d" % i]) for i in range(len(xs))]
        c.add(name, "cat", {"dim": dim}, inputs, {"out": torch.cat(views, dim)})

    cat("cat_channels", [(2, 3, 4, 4), (2, 1, 4, 4), (2, 5, 4, 4)], 1)
    cat("cat_first_dim", [(1, 3), (4, 3)], 0)
    cat("cat_last_dim_negative", [(2, 3, 1), (2, 3, 2)], -1)
    cat("cat_noncontig", [(2, 3, 4), (2, 2, 3)], 0, permute_first=(2, 0, 1))  # (4, 2, 3) first


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests/golden/functional_cases.json"))
    args = parser.parse_args()
    torch.set_default_dtype(torch.float32)
    c = Cases()
    with torch.no_grad():
        add_linear(c)
        add_conv(c)
        add_conv_transpose(c)
        add_pool(c)
        add_adaptive(c)
        add_batch_norm(c)
        add_layer_norm(c)
        add_activations(c)
        add_embedding_flatten(c)
        add_add_cat(c)
    doc = {"generator": "tools/golden/gen_functional_golden.py", "torch": torch.__version__,
           "cases": c.cases}
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s (%d bytes)" % (len(c.cases), args.out, os.path.getsize(args.out)))


if __name__ == "__main__":
    main()
