// SPDX-License-Identifier: MIT
// Pooling geometry: PyTorch's checks (max_pool1d/2d/3d, avg_pool2d/3d) and output sizes.
#include "nn/functional/pool_shape.h"

#include <string>

#include "weightinit/error.h"

namespace weightinit::nn::functional::impl {

namespace {

/// The pooling call after its options are expanded to one entry per spatial dim.
struct PoolCall {
  PoolKind kind = PoolKind::Max;
  std::size_t dims = 0;
  std::string name;  // "max_pool2d", ...
  bool unbatched = false;
  Shape k, s, p, d;
};

std::size_t spatial_dims(const Tensor& x, const PoolOptions& o, PoolKind kind) {
  std::size_t dims = 0;
  if (o.kernel.size() == 2 || o.kernel.size() == 3) {
    dims = o.kernel.size();
  } else if (o.kernel.size() == 1 && x.dim() >= 2 && x.dim() <= 5) {
    dims = x.dim() == 2 ? 1 : static_cast<std::size_t>(x.dim() - 2);
  }
  const bool max = kind == PoolKind::Max;
  WEIGHTINIT_CHECK(dims >= (max ? 1u : 2u) && dims <= 3, ShapeError, max ? "max_pool" : "avg_pool",
                   " expects an input (N, C, *spatial) with ", max ? "1 to 3" : "2 or 3",
                   " spatial dims and a kernel_size of one entry or one per spatial dim, but got "
                   "input of size ",
                   shape_str(x.sizes()), " and kernel_size=", shape_str(o.kernel));
  return dims;
}

/// PyTorch's message for an option of the wrong length.
std::string length_message(const PoolCall& c, const std::string& param, std::size_t got) {
  if (c.dims == 1) {
    const bool no_comma = param == "kernel_size" || param == "dilation";
    return c.name + "() " + param + " must be " + (param == "stride" ? "None, " : "") + "an int, " +
           "list of ints" + (no_comma ? "" : ",") + " or tuple of ints of size 1 but got size " +
           std::to_string(got);
  }
  const bool avg3 = c.kind == PoolKind::Avg && c.dims == 3;
  std::string must = " must either be ";
  if (avg3) {
    must = " must be ";
  } else if (param == "dilation") {
    must = " must be either ";
  } else if (param == "padding" && c.kind == PoolKind::Max) {
    must = " must be either be ";
  }
  return c.name + ": " + param + must + (param == "stride" ? "omitted, " : "") +
         "a single int, or a tuple of " + (c.dims == 2 ? "two" : "three") + " ints";
}

Shape expand(const PoolCall& c, const Shape& v, const std::string& param) {
  WEIGHTINIT_CHECK(v.size() == 1 || v.size() == c.dims, ValueError,
                   length_message(c, param, v.size()));
  return v.size() == 1 ? Shape(c.dims, v[0]) : v;
}

PoolCall resolve(const Tensor& x, const PoolOptions& o, PoolKind kind) {
  PoolCall c;
  c.kind = kind;
  c.dims = spatial_dims(x, o, kind);
  c.name =
      std::string(kind == PoolKind::Max ? "max_pool" : "avg_pool") + std::to_string(c.dims) + "d";
  c.k = expand(c, o.kernel, "kernel_size");
  c.s = o.stride.empty() ? c.k : expand(c, o.stride, "stride");
  c.p = expand(c, o.padding, "padding");
  if (kind == PoolKind::Max) {
    c.d = expand(c, o.dilation, "dilation");
  } else {
    for (const std::int64_t v : o.dilation) {
      WEIGHTINIT_CHECK(
          v == 1, ValueError, c.name,
          ": dilation is not supported (it must be 1), but got dilation=", shape_str(o.dilation));
    }
    c.d = Shape(c.dims, 1);
  }
  return c;
}

/// Input rank, then non-empty non-batch dims, with each op's message: max_pool1d and the 2-d
/// ops use one "optional 0 dim batch size" message for both, the 3-d ops name their function
/// (and, as PyTorch, print the empty dim's size, 0, where its index is meant).
void check_input(PoolCall& c, const Tensor& x) {
  const std::string shape = shape_str(x.sizes());
  const std::string lo = std::to_string(c.dims + 1), hi = std::to_string(c.dims + 2);
  const std::string optional_batch = "Expected " + lo + "D or " + hi +
                                     "D (batch mode) tensor with optional 0 dim batch size for "
                                     "input, but got:" +
                                     shape;
  std::string rank_message =
      "non-empty " + lo + "D or " + hi + "D (batch mode) tensor expected for input";
  if (c.dims == 1) rank_message = c.name + ": " + optional_batch;
  if (c.dims == 2 && c.kind == PoolKind::Avg) rank_message = optional_batch;
  const auto dims = static_cast<std::int64_t>(c.dims);
  WEIGHTINIT_CHECK(x.dim() == dims + 1 || x.dim() == dims + 2, ShapeError, rank_message);
  c.unbatched = x.dim() == dims + 1;
  bool empty = false;
  for (std::int64_t i = c.unbatched ? 0 : 1; i < x.dim(); ++i) empty = empty || x.size(i) == 0;
  if (!empty) return;
  if (c.dims == 1) throw ShapeError(rank_message);
  if (c.dims == 2) throw ShapeError(optional_batch);
  const std::string fn =
      c.kind == PoolKind::Max ? "max_pool3d_with_indices_out_cpu_template()" : "avg_pool3d()";
  throw ShapeError(fn +
                   ": Expected input's non-batch dimensions to have positive length, but "
                   "input has a shape of " +
                   shape + " and non-batch dimension 0 has length zero!");
}

}  // namespace

std::int64_t pooling_output_size(std::int64_t in, std::int64_t kernel, std::int64_t pad,
                                 std::int64_t stride, std::int64_t dilation, bool ceil_mode) {
  // div_rtn: division rounding towards −∞.
  const std::int64_t num =
      in + 2 * pad - dilation * (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  std::int64_t q = num / stride;
  if (num % stride != 0 && ((num % stride < 0) != (stride < 0))) --q;
  std::int64_t out = q + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

namespace {

/// check_max_pool1d of PyTorch: its own messages; an output size of 0 is allowed (empty result).
std::int64_t output_1d(const PoolCall& c, std::int64_t in, bool ceil_mode) {
  const std::int64_t k = c.k[0], s = c.s[0], p = c.p[0], d = c.d[0];
  const std::string& n = c.name;
  WEIGHTINIT_CHECK(k > 0, ValueError, n, "() kernel_size must be greater than zero, but got ", k);
  WEIGHTINIT_CHECK(s > 0, ValueError, n, "() stride must be greater than zero, but got ", s);
  WEIGHTINIT_CHECK(p >= 0, ValueError, n, "() padding must be non-negative, but got ", p);
  WEIGHTINIT_CHECK(p <= k / 2, ValueError, n,
                   "() padding should be at most half of kernel size, but got padding=", p,
                   " and kernel_size=", k);
  WEIGHTINIT_CHECK(d > 0, ValueError, n, "() dilation must be greater than zero, but got ", d);
  const std::int64_t out = pooling_output_size(in, k, p, s, d, ceil_mode);
  WEIGHTINIT_CHECK(out >= 0, ShapeError, n, "() Invalid computed output size: ", out);
  return out;
}

/// "kT: 2 kH: 2 kW: 2" (or "kH: 2 kW: 2" in 2-d), as pool2d/3d_shape_check print options.
std::string per_dim(const char* prefix, const Shape& v) {
  const char* letters = v.size() == 2 ? "HW" : "THW";
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    s += (i ? " " : "") + std::string(prefix) + letters[i] + ": " + std::to_string(v[i]);
  }
  return s;
}

/// "2x0x2x2": channels followed by the spatial sizes.
std::string planes_str(std::int64_t channels, const Shape& sizes) {
  std::string s = std::to_string(channels);
  for (const std::int64_t v : sizes) s += "x" + std::to_string(v);
  return s;
}

/// pooling_output_shape per dim, then pool2d_shape_check / pool3d_shape_check.
Shape outputs_nd(const PoolCall& c, std::int64_t channels, const Shape& in, bool ceil_mode) {
  Shape out;
  for (std::size_t i = 0; i < c.dims; ++i) {
    WEIGHTINIT_CHECK(c.s[i] != 0, ValueError, "stride should not be zero");
    WEIGHTINIT_CHECK(c.p[i] >= 0, ValueError, "pad must be non-negative, but got pad: ", c.p[i]);
    WEIGHTINIT_CHECK(c.p[i] <= c.k[i] / 2, ValueError,
                     "pad should be at most half of kernel size, but got pad=", c.p[i],
                     " and kernel_size=", c.k[i]);
    out.push_back(pooling_output_size(in[i], c.k[i], c.p[i], c.s[i], c.d[i], ceil_mode));
  }
  const auto all_positive = [](const Shape& v) {
    for (const std::int64_t e : v) {
      if (e <= 0) return false;
    }
    return true;
  };
  WEIGHTINIT_CHECK(all_positive(c.k), ValueError,
                   "kernel size should be greater than zero, but got ", per_dim("k", c.k));
  WEIGHTINIT_CHECK(all_positive(c.s), ValueError, "stride should be greater than zero, but got ",
                   per_dim("d", c.s));
  WEIGHTINIT_CHECK(all_positive(c.d), ValueError, "dilation should be greater than zero, but got ",
                   per_dim("dilation", c.d));
  if (c.kind == PoolKind::Avg && c.dims == 3) {
    WEIGHTINIT_CHECK(in[0] >= c.k[0] && in[1] >= c.k[1] && in[2] >= c.k[2], ShapeError,
                     "input image (T: ", in[0], " H: ", in[1], " W: ", in[2],
                     ") smaller than kernel size (", per_dim("k", c.k), ")");
  }
  WEIGHTINIT_CHECK(all_positive(out), ShapeError, "Given input size: (", planes_str(channels, in),
                   "). Calculated output size: (", planes_str(channels, out),
                   "). Output size is too small");
  return out;
}

}  // namespace

PoolGeometry pool_geometry(const Tensor& x, const PoolOptions& options, PoolKind kind) {
  PoolCall c = resolve(x, options, kind);
  check_input(c, x);
  const auto nd = static_cast<std::int64_t>(c.dims);
  const Shape& sizes = x.sizes();
  const Shape lead(sizes.begin(), sizes.end() - nd), in(sizes.end() - nd, sizes.end());
  const Shape out = c.dims == 1 ? Shape{output_1d(c, in[0], options.ceil_mode)}
                                : outputs_nd(c, x.size(-nd - 1), in, options.ceil_mode);
  PoolGeometry g;
  g.dims = c.dims;
  g.planes = numel_of(lead);
  const std::size_t shift = 3 - c.dims;
  for (std::size_t i = 0; i < c.dims; ++i) {
    g.in[shift + i] = in[i];
    g.out[shift + i] = out[i];
    g.kernel[shift + i] = c.k[i];
    g.stride[shift + i] = c.s[i];
    g.pad[shift + i] = c.p[i];
    g.dil[shift + i] = c.d[i];
  }
  g.out_sizes = lead;
  g.out_sizes.insert(g.out_sizes.end(), out.begin(), out.end());
  return g;
}

}  // namespace weightinit::nn::functional::impl
