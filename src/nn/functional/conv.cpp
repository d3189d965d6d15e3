// SPDX-License-Identifier: MIT
// conv (1-d/2-d/3-d) and conv_transpose2d: PyTorch's shape checks, im2col / col2im + sgemm.
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include "nn/functional/common.h"
#include "nn/functional/im2col.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

using impl::ConvGeometry;

/// Floats of the im2col buffer per chunk of output rows (16 MiB): bounds memory for large 3-d
/// inputs while keeping each sgemm large.
constexpr std::int64_t kColumnBudget = std::int64_t{1} << 22;

/// A checked convolution call: contiguous operands, x batched (N, C, *), options expanded.
struct ConvCall {
  Tensor x, w, b;
  bool unbatched = false;
  std::size_t dims = 0;  // spatial dims
  Shape stride, padding, dilation, output_padding;
  std::int64_t groups = 1;
};

std::string op_name(std::size_t dims, bool transposed) {
  return std::string(transposed ? "conv_transpose" : "conv") + std::to_string(dims) + "d";
}

/// Loads the operands; x may be unbatched (one dim less than the weight), as F.convNd allows.
ConvCall load(const Tensor& x, const Tensor& weight, const Tensor& bias, bool transposed) {
  const char* op = transposed ? "conv_transpose2d" : "conv";
  ConvCall c;
  c.x = impl::contiguous_f32(x, op, "input");
  c.w = impl::contiguous_f32(weight, op, "weight");
  if (bias.defined()) c.b = impl::contiguous_f32(bias, op, "bias");
  const std::int64_t wd = c.w.dim();
  WEIGHTINIT_CHECK(wd >= 3 && wd <= 5, ShapeError, op,
                   " expects a weight of 3, 4 or 5 dims (out, in/groups, *kernel), but got weight "
                   "of size ",
                   shape_str(c.w.sizes()));
  WEIGHTINIT_CHECK(!transposed || wd == 4, ShapeError,
                   "conv_transpose2d expects a 4-D weight (in, out/groups, kH, kW), but got weight "
                   "of size ",
                   shape_str(c.w.sizes()));
  c.dims = static_cast<std::size_t>(wd - 2);
  WEIGHTINIT_CHECK(c.x.dim() == wd || c.x.dim() == wd - 1, ShapeError, "Expected ", wd - 1,
                   "D (unbatched) or ", wd, "D (batched) input to ", op_name(c.dims, transposed),
                   ", but got input of size: ", shape_str(c.x.sizes()));
  if (c.x.dim() == wd - 1) {
    Shape sizes = c.x.sizes();
    sizes.insert(sizes.begin(), 1);
    c.x = c.x.view(sizes);
    c.unbatched = true;
  }
  return c;
}

/// Expands the options and applies PyTorch's sign checks, in its order.
void set_options(ConvCall& c, const ConvOptions& o, const Shape& output_padding) {
  WEIGHTINIT_CHECK(o.groups > 0, ValueError, "non-positive groups is not supported");
  c.groups = o.groups;
  c.stride = impl::expand_conv_param(o.stride, c.dims, "stride");
  c.padding = impl::expand_conv_param(o.padding, c.dims, "padding");
  c.dilation = impl::expand_conv_param(o.dilation, c.dims, "dilation");
  c.output_padding = impl::expand_conv_param(output_padding, c.dims, "output_padding");
  const auto any = [](const Shape& s, auto pred) { return std::any_of(s.begin(), s.end(), pred); };
  WEIGHTINIT_CHECK(!any(c.padding, [](auto v) { return v < 0; }), ValueError,
                   "negative padding is not supported");
  WEIGHTINIT_CHECK(!any(c.output_padding, [](auto v) { return v < 0; }), ValueError,
                   "negative output_padding is not supported");
  WEIGHTINIT_CHECK(!any(c.stride, [](auto v) { return v <= 0; }), ValueError,
                   "non-positive stride is not supported");
  WEIGHTINIT_CHECK(!any(c.dilation, [](auto v) { return v <= 0; }), ValueError,
                   "non-positive dilation is not supported");
}

/// PyTorch's group checks on weight dim 0 (its message prints the sizes in double brackets).
void check_groups(const ConvCall& c) {
  const Shape& ws = c.w.sizes();
  WEIGHTINIT_CHECK(ws[0] >= c.groups, ShapeError, "Given groups=", c.groups,
                   ", expected weight to be at least ", c.groups,
                   " at dimension 0, but got weight of size ", shape_str(ws), " instead");
  WEIGHTINIT_CHECK(ws[0] % c.groups == 0, ShapeError, "Given groups=", c.groups,
                   ", expected weight to be divisible by ", c.groups,
                   " at dimension 0, but got weight of size [", shape_str(ws), "] instead");
}

/// check_shape_forward of PyTorch for a (non-transposed) convolution.
void check_forward_shapes(const ConvCall& c) {
  check_groups(c);
  const Shape& ws = c.w.sizes();
  WEIGHTINIT_CHECK(c.x.size(1) == ws[1] * c.groups, ShapeError, "Given groups=", c.groups,
                   ", weight of size ", shape_str(ws), ", expected input", shape_str(c.x.sizes()),
                   " to have ", ws[1] * c.groups, " channels, but got ", c.x.size(1),
                   " channels instead");
  WEIGHTINIT_CHECK(!c.b.defined() || (c.b.dim() == 1 && c.b.size(0) == ws[0]), ShapeError,
                   "Given weight of size ", shape_str(ws),
                   ", expected bias to be 1-dimensional with ", ws[0],
                   " elements, but got bias of size ", shape_str(c.b.sizes()), " instead");
  std::ostringstream padded, kernel;
  bool fits = true;
  for (std::size_t i = 0; i < c.dims; ++i) {
    const std::int64_t in = c.x.size(static_cast<std::int64_t>(i) + 2) + 2 * c.padding[i];
    const std::int64_t k = c.dilation[i] * (ws[i + 2] - 1) + 1;
    fits = fits && in >= k;
    padded << (i ? " x " : "") << in;
    kernel << (i ? " x " : "") << k;
  }
  WEIGHTINIT_CHECK(fits, ShapeError, "Calculated padded input size per channel: (", padded.str(),
                   "). Kernel size: (", kernel.str(),
                   "). Kernel size can't be greater than actual input size");
}

/// The geometry with the spatial dims right-aligned into 3; `image` are the sizes of the side
/// im2col reads (conv input / transposed-conv output), `grid` the other side.
ConvGeometry geometry(const ConvCall& c, const Shape& image, const Shape& grid) {
  ConvGeometry g;
  const std::size_t shift = 3 - c.dims;
  for (std::size_t i = 0; i < c.dims; ++i) {
    g.in[shift + i] = image[i];
    g.out[shift + i] = grid[i];
    g.kernel[shift + i] = c.w.size(static_cast<std::int64_t>(i) + 2);
    g.stride[shift + i] = c.stride[i];
    g.pad[shift + i] = c.padding[i];
    g.dil[shift + i] = c.dilation[i];
  }
  return g;
}

/// y (N, O, P) = bias broadcast over n and p, or zeros without bias (serial: see im2col.h).
void fill_bias(Tensor& y, const Tensor& b) {
  const std::int64_t n = y.size(0), o = y.size(1), p = y.numel() / std::max<std::int64_t>(n * o, 1);
  float* yp = y.data_ptr<float>();
  const float* bp = b.defined() ? b.data_ptr<float>() : nullptr;
  for (std::int64_t i = 0; i < n * o; ++i) {
    std::fill(yp + i * p, yp + (i + 1) * p, bp ? bp[i % o] : 0.0f);
  }
}

/// Output rows of the grid per im2col chunk, so that a chunk fits kColumnBudget.
std::int64_t rows_per_chunk(std::int64_t col_rows, std::int64_t grid_rows,
                            std::int64_t grid_width) {
  const std::int64_t per_row = std::max<std::int64_t>(col_rows * grid_width, 1);
  return std::clamp<std::int64_t>(kColumnBudget / per_row, 1, std::max<std::int64_t>(grid_rows, 1));
}

Tensor finish(Tensor y, bool unbatched) {
  if (!unbatched) return y;
  Shape sizes(y.sizes().begin() + 1, y.sizes().end());
  return y.view(sizes);
}

}  // namespace

namespace {

/// y[n, grp·Og + o, p] = b[o] + Σ_r W_grp[o, r]·col[r, p], col = im2col of the group's Cg input
/// channels (r over channel × kernel tap): one sgemm per (sample, group, chunk of output rows).
/// x is (N, C, *in), w (O, Cg, *kernel), y (N, O, *out) prefilled with the bias when there is one.
void conv_forward(const ConvCall& c, const ConvGeometry& g, Tensor& y) {
  const std::int64_t channels = c.x.size(1), outs = c.w.size(0);
  const std::int64_t cg = channels / c.groups, og = outs / c.groups,
                     col_rows = cg * g.kernel_numel();
  const std::int64_t in_p = g.in_numel(), out_p = g.out_numel(), ow = g.out[2];
  const std::int64_t chunk = rows_per_chunk(col_rows, g.out_rows(), ow);
  const bool pointwise = g.pointwise();
  const float beta = c.b.defined() ? 1.0f : 0.0f;
  std::unique_ptr<float[]> col;
  if (!pointwise) col = std::make_unique_for_overwrite<float[]>(std::size_t(col_rows * chunk * ow));
  const float* xp = c.x.data_ptr<float>();
  const float* wp = c.w.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (std::int64_t n = 0; n < c.x.size(0); ++n) {
    for (std::int64_t grp = 0; grp < c.groups; ++grp) {
      const float* xg = xp + (n * channels + grp * cg) * in_p;  // (Cg, *in)
      const float* wg = wp + grp * og * col_rows;               // (Og, Cg·taps)
      float* yg = yp + (n * outs + grp * og) * out_p;           // (Og, *out)
      if (pointwise) {  // the image is its own column matrix
        impl::sgemm(false, false, og, out_p, cg, 1.0f, wg, cg, xg, out_p, beta, yg, out_p);
        continue;
      }
      for (std::int64_t q0 = 0; q0 < g.out_rows(); q0 += chunk) {
        const std::int64_t q1 = std::min(q0 + chunk, g.out_rows()), width = (q1 - q0) * ow;
        impl::im2col(xg, cg, g, q0, q1, col.get());
        impl::sgemm(false, false, og, width, col_rows, 1.0f, wg, col_rows, col.get(), width, beta,
                    yg + q0 * ow, out_p);
      }
    }
  }
}

/// Groups of one input channel (depthwise, or a 1-channel input): y[n, o] += direct
/// convolution of x[n, o / Og] with w[o], one (n, o) plane per OpenMP task (no BLAS involved).
void conv_single_channel(const ConvCall& c, const ConvGeometry& g, Tensor& y) {
  const std::int64_t channels = c.x.size(1), outs = c.w.size(0), og = outs / c.groups;
  const std::int64_t in_p = g.in_numel(), out_p = g.out_numel(), taps = g.kernel_numel();
  const std::int64_t planes = c.x.size(0) * outs;
  const float* xp = c.x.data_ptr<float>();
  const float* wp = c.w.data_ptr<float>();
  float* yp = y.data_ptr<float>();
#pragma omp parallel for schedule(static) if (planes * out_p * taps > impl::kParallelGrain)
  for (std::int64_t plane = 0; plane < planes; ++plane) {
    const std::int64_t n = plane / outs, o = plane % outs;
    impl::conv_plane_direct(xp + (n * channels + o / og) * in_p, wp + o * taps, g,
                            yp + plane * out_p);
  }
}

}  // namespace

Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvOptions& options) {
  ConvCall c = load(x, weight, bias, false);
  set_options(c, options, {0});
  check_forward_shapes(c);
  // out = (in + 2·padding − dilation·(kernel − 1) − 1) / stride + 1 per spatial dim.
  Shape image, grid, out_sizes{c.x.size(0), c.w.size(0)};
  for (std::size_t i = 0; i < c.dims; ++i) {
    const std::int64_t d = static_cast<std::int64_t>(i) + 2, in = c.x.size(d);
    const std::int64_t span = c.dilation[i] * (c.w.size(d) - 1) + 1;
    image.push_back(in);
    grid.push_back((in + 2 * c.padding[i] - span) / c.stride[i] + 1);
    out_sizes.push_back(grid.back());
  }
  Tensor y = Tensor::empty(out_sizes);
  const ConvGeometry g = geometry(c, image, grid);
  if (c.x.size(1) == c.groups) {  // one input channel per group
    fill_bias(y, c.b);
    conv_single_channel(c, g, y);
  } else {
    if (c.b.defined()) fill_bias(y, c.b);
    conv_forward(c, g, y);
  }
  return finish(y, c.unbatched);
}

namespace {

/// PyTorch's checks of a transposed convolution (check_shape_forward and
/// slow_conv_transpose2d_shape_check); returns the output spatial sizes
/// out = (in − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1.
Shape transposed_output(const ConvCall& c) {
  check_groups(c);
  const Shape& ws = c.w.sizes();
  WEIGHTINIT_CHECK(c.x.size(1) == ws[0], ShapeError, "Given transposed=1, weight of size ",
                   shape_str(ws), ", expected input", shape_str(c.x.sizes()), " to have ", ws[0],
                   " channels, but got ", c.x.size(1), " channels instead");
  WEIGHTINIT_CHECK(!c.b.defined() || (c.b.dim() == 1 && c.b.size(0) == ws[1] * c.groups),
                   ShapeError, "Given transposed=1, weight of size ", shape_str(ws),
                   ", expected bias to be 1-dimensional with ", ws[1] * c.groups,
                   " elements, but got bias of size ", shape_str(c.b.sizes()), " instead");
  const Shape &op = c.output_padding, &s = c.stride, &d = c.dilation;
  WEIGHTINIT_CHECK((op[0] < s[0] || op[0] < d[0]) && (op[1] < s[1] || op[1] < d[1]), ValueError,
                   "output padding must be smaller than either stride or dilation, but got "
                   "output_padding_height: ",
                   op[0], " output_padding_width: ", op[1], " stride_height: ", s[0],
                   " stride_width: ", s[1], " dilation_height: ", d[0], " dilation_width: ", d[1]);
  Shape out;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::int64_t in = c.x.size(static_cast<std::int64_t>(i) + 2);
    out.push_back((in - 1) * s[i] - 2 * c.padding[i] + d[i] * (ws[i + 2] - 1) + op[i] + 1);
  }
  WEIGHTINIT_CHECK(out[0] >= 1 && out[1] >= 1, ShapeError, "Given input size per channel: (",
                   c.x.size(2), " x ", c.x.size(3), "). Calculated output size per channel: (",
                   out[0], " x ", out[1], "). Output size is too small");
  return out;
}

/// y_grp (Og, *out) += col2im(W_grpᵀ · x_grp): col (Og·taps × P_in) = W_grpᵀ (W_grp stored
/// (Cg, Og·taps)) times x_grp (Cg, P_in), one sgemm per (sample, group, chunk of input rows),
/// then scattered into the output (the adjoint of conv's im2col). y is prefilled with the bias.
void conv_transpose_forward(const ConvCall& c, const ConvGeometry& g, Tensor& y) {
  const std::int64_t channels = c.x.size(1), cg = channels / c.groups, og = c.w.size(1);
  const std::int64_t col_rows = og * g.kernel_numel(), in_p = g.out_numel(), out_p = g.in_numel();
  const std::int64_t iw = g.out[2], chunk = rows_per_chunk(col_rows, g.out_rows(), iw);
  auto col = std::make_unique_for_overwrite<float[]>(std::size_t(col_rows * chunk * iw));
  const float* xp = c.x.data_ptr<float>();
  const float* wp = c.w.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  for (std::int64_t n = 0; n < c.x.size(0); ++n) {
    for (std::int64_t grp = 0; grp < c.groups; ++grp) {
      const float* xg = xp + (n * channels + grp * cg) * in_p;  // (Cg, H, W)
      const float* wg = wp + grp * cg * col_rows;               // (Cg, Og·taps)
      float* yg = yp + (n * og * c.groups + grp * og) * out_p;  // (Og, OH, OW)
      for (std::int64_t q0 = 0; q0 < g.out_rows(); q0 += chunk) {
        const std::int64_t q1 = std::min(q0 + chunk, g.out_rows()), width = (q1 - q0) * iw;
        impl::sgemm(true, false, col_rows, width, cg, 1.0f, wg, col_rows, xg + q0 * iw, in_p, 0.0f,
                    col.get(), width);
        impl::col2im(col.get(), og, g, q0, q1, yg);
      }
    }
  }
}

}  // namespace

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvOptions& options, const Shape& output_padding) {
  ConvCall c = load(x, weight, bias, true);
  set_options(c, options, output_padding);
  const Shape out = transposed_output(c);
  // im2col's image is the transposed conv's output; its column grid is the input.
  const ConvGeometry g = geometry(c, out, {c.x.size(2), c.x.size(3)});
  Tensor y = Tensor::empty({c.x.size(0), c.w.size(1) * c.groups, out[0], out[1]});
  fill_bias(y, c.b);
  conv_transpose_forward(c, g, y);
  return finish(y, c.unbatched);
}

}  // namespace weightinit::nn::functional
