// SPDX-License-Identifier: MIT
// conv (1-d/2-d/3-d) and conv_transpose2d, forward and backward, float32 and float64: PyTorch's
// shape checks, im2col / col2im + gemm, direct loops for single-channel groups.
#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include "nn/functional/common.h"
#include "nn/functional/conv_onednn.h"
#include "nn/functional/im2col.h"
#include "weightinit/nn/conv_backend.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

using impl::ConvGeometry;

/// Bytes of the im2col buffer per chunk of output rows (16 MiB, 4 Mi floats): bounds memory for
/// large 3-d inputs while keeping each gemm large.
constexpr std::int64_t kColumnBytes = std::int64_t{1} << 24;

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
/// Every operand must have the input's dtype (float32 or float64); `op` names the caller in the
/// dtype errors.
ConvCall load(const Tensor& x, const Tensor& weight, const Tensor& bias, bool transposed,
              const char* op) {
  ConvCall c;
  c.x = impl::contiguous_float(x, op, "input");
  impl::check_same_dtype(weight, c.x.dtype(), op, "weight");
  c.w = weight.contiguous();
  if (bias.defined()) {
    impl::check_same_dtype(bias, c.x.dtype(), op, "bias");
    c.b = bias.contiguous();
  }
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
template <class T>
void fill_bias(Tensor& y, const Tensor& b) {
  const std::int64_t n = y.size(0), o = y.size(1), p = y.numel() / std::max<std::int64_t>(n * o, 1);
  T* yp = y.data_ptr<T>();
  const T* bp = b.defined() ? b.data_ptr<T>() : nullptr;
  for (std::int64_t i = 0; i < n * o; ++i) {
    std::fill(yp + i * p, yp + (i + 1) * p, bp ? bp[i % o] : T(0));
  }
}

/// Output rows of the grid per im2col chunk, so that a chunk of T fits kColumnBytes.
template <class T>
std::int64_t rows_per_chunk(std::int64_t col_rows, std::int64_t grid_rows,
                            std::int64_t grid_width) {
  const std::int64_t budget = kColumnBytes / static_cast<std::int64_t>(sizeof(T));
  const std::int64_t per_row = std::max<std::int64_t>(col_rows * grid_width, 1);
  return std::clamp<std::int64_t>(budget / per_row, 1, std::max<std::int64_t>(grid_rows, 1));
}

template <class T>
std::unique_ptr<T[]> column_buffer(std::int64_t col_rows, std::int64_t chunk, std::int64_t width) {
  return std::make_unique_for_overwrite<T[]>(static_cast<std::size_t>(col_rows * chunk * width));
}

Tensor finish(Tensor y, bool unbatched) {
  if (!unbatched) return y;
  Shape sizes(y.sizes().begin() + 1, y.sizes().end());
  return y.view(sizes);
}

/// A convolution lowered to matrix products. The grid side (conv output / transposed-conv
/// input) has groups·ga channels, the image side (conv input / transposed-conv output)
/// groups·gb, and the weight is (groups·ga, gb, *kernel) — (O, C/groups, *k) for conv,
/// (C_in, C_out/groups, *k) for conv_transpose2d. Per sample n and group grp:
///   grid[n, grp] = W_grp · im2col(image[n, grp])      (W_grp: ga × gb·taps)
/// is conv's forward, and image[n, grp] += col2im(W_grpᵀ · grid[n, grp]) its adjoint.
struct Lowering {
  ConvGeometry g;
  std::int64_t batch = 0, groups = 1, ga = 0, gb = 0;

  std::int64_t taps() const { return g.kernel_numel(); }
  std::int64_t col_rows() const { return gb * g.kernel_numel(); }
  std::int64_t grid_p() const { return g.out_numel(); }
  std::int64_t image_p() const { return g.in_numel(); }
  /// Offsets of (n, grp)'s block in the grid, the image and the weight.
  std::int64_t grid_at(std::int64_t n, std::int64_t grp) const {
    return (n * groups + grp) * ga * grid_p();
  }
  std::int64_t image_at(std::int64_t n, std::int64_t grp) const {
    return (n * groups + grp) * gb * image_p();
  }
  std::int64_t weight_at(std::int64_t grp) const { return grp * ga * col_rows(); }
};

// ------------------------------------------------------------------------------------------
// Matrix-product kernels. The loops over (sample, group, chunk) are serial and the gemm calls
// multi-threaded (the BLAS's threads; see im2col.h for why im2col / col2im stay serial). Every
// accumulation runs in a fixed order — BLAS partitions M×N between threads, never K — so the
// results do not depend on timing.

/// grid[n, grp] = W_grp · im2col(image[n, grp]) (+ grid when `accumulate`; it then holds the
/// bias): one gemm per (sample, group, chunk of grid rows). Conv's forward, and conv_transpose's
/// dx = conv(dy).
template <class T>
void lower(const Lowering& L, const T* image, const T* w, T* grid, bool accumulate) {
  const ConvGeometry& g = L.g;
  const std::int64_t col_rows = L.col_rows(), out_p = L.grid_p(), ow = g.out[2];
  const std::int64_t chunk = rows_per_chunk<T>(col_rows, g.out_rows(), ow);
  const bool pointwise = g.pointwise();
  const T beta = accumulate ? T(1) : T(0);
  std::unique_ptr<T[]> col;
  if (!pointwise) col = column_buffer<T>(col_rows, chunk, ow);
  for (std::int64_t n = 0; n < L.batch; ++n) {
    for (std::int64_t grp = 0; grp < L.groups; ++grp) {
      const T* xg = image + L.image_at(n, grp);  // (gb, *in)
      const T* wg = w + L.weight_at(grp);        // (ga, gb·taps)
      T* yg = grid + L.grid_at(n, grp);          // (ga, *out)
      if (pointwise) {                           // the image is its own column matrix
        impl::gemm(false, false, L.ga, out_p, L.gb, T(1), wg, L.gb, xg, out_p, beta, yg, out_p);
        continue;
      }
      for (std::int64_t q0 = 0; q0 < g.out_rows(); q0 += chunk) {
        const std::int64_t q1 = std::min(q0 + chunk, g.out_rows()), width = (q1 - q0) * ow;
        impl::im2col(xg, L.gb, g, q0, q1, col.get());
        impl::gemm(false, false, L.ga, width, col_rows, T(1), wg, col_rows, col.get(), width, beta,
                   yg + q0 * ow, out_p);
      }
    }
  }
}

/// image[n, grp] += col2im(W_grpᵀ · grid[n, grp]): col (gb·taps × width) = W_grpᵀ · the grid
/// chunk, one gemm per (sample, group, chunk of grid rows), then scattered into the image.
/// conv_transpose2d's forward (image prefilled with the bias).
template <class T>
void lift(const Lowering& L, const T* grid, const T* w, T* image) {
  const ConvGeometry& g = L.g;
  const std::int64_t col_rows = L.col_rows(), grid_p = L.grid_p(), ow = g.out[2];
  const std::int64_t chunk = rows_per_chunk<T>(col_rows, g.out_rows(), ow);
  auto col = column_buffer<T>(col_rows, chunk, ow);
  for (std::int64_t n = 0; n < L.batch; ++n) {
    for (std::int64_t grp = 0; grp < L.groups; ++grp) {
      const T* xg = grid + L.grid_at(n, grp);  // (ga, *grid)
      const T* wg = w + L.weight_at(grp);      // (ga, gb·taps)
      T* yg = image + L.image_at(n, grp);      // (gb, *image)
      for (std::int64_t q0 = 0; q0 < g.out_rows(); q0 += chunk) {
        const std::int64_t q1 = std::min(q0 + chunk, g.out_rows()), width = (q1 - q0) * ow;
        impl::gemm(true, false, col_rows, width, L.ga, T(1), wg, col_rows, xg + q0 * ow, grid_p,
                   T(0), col.get(), width);
        impl::col2im(col.get(), L.gb, g, q0, q1, yg);
      }
    }
  }
}

/// Backward of grid = lower(image) (conv): given dgrid, per (sample, group, chunk) in order
///   col = im2col(image_grp);  dW_grp += dgrid_grp · colᵀ;  dimage_grp += col2im(W_grpᵀ·dgrid_grp)
/// (col is reused for W_grpᵀ·dgrid). dimage and dw must be zeroed; dimage may be null (dx not
/// wanted: only dW is computed).
template <class T>
void lower_backward(const Lowering& L, const T* image, const T* dgrid, const T* w, T* dimage,
                    T* dw) {
  const ConvGeometry& g = L.g;
  const std::int64_t col_rows = L.col_rows(), grid_p = L.grid_p(), ow = g.out[2];
  const std::int64_t chunk = rows_per_chunk<T>(col_rows, g.out_rows(), ow);
  const bool pointwise = g.pointwise();
  std::unique_ptr<T[]> col;
  if (!pointwise) col = column_buffer<T>(col_rows, chunk, ow);
  for (std::int64_t n = 0; n < L.batch; ++n) {
    for (std::int64_t grp = 0; grp < L.groups; ++grp) {
      const T* xg = image + L.image_at(n, grp);  // (gb, *image)
      const T* dyg = dgrid + L.grid_at(n, grp);  // (ga, *grid)
      const T* wg = w + L.weight_at(grp);        // (ga, gb·taps)
      T* dxg = dimage == nullptr ? nullptr : dimage + L.image_at(n, grp);
      T* dwg = dw + L.weight_at(grp);
      if (pointwise) {  // dW += dy·xᵀ, dx = Wᵀ·dy
        impl::gemm(false, true, L.ga, L.gb, grid_p, T(1), dyg, grid_p, xg, grid_p, T(1), dwg, L.gb);
        if (dxg != nullptr) {
          impl::gemm(true, false, L.gb, grid_p, L.ga, T(1), wg, L.gb, dyg, grid_p, T(0), dxg,
                     grid_p);
        }
        continue;
      }
      for (std::int64_t q0 = 0; q0 < g.out_rows(); q0 += chunk) {
        const std::int64_t q1 = std::min(q0 + chunk, g.out_rows()), width = (q1 - q0) * ow;
        impl::im2col(xg, L.gb, g, q0, q1, col.get());
        impl::gemm(false, true, L.ga, col_rows, width, T(1), dyg + q0 * ow, grid_p, col.get(),
                   width, T(1), dwg, col_rows);
        if (dxg == nullptr) continue;
        impl::gemm(true, false, col_rows, width, L.ga, T(1), wg, col_rows, dyg + q0 * ow, grid_p,
                   T(0), col.get(), width);
        impl::col2im(col.get(), L.gb, g, q0, q1, dxg);
      }
    }
  }
}

/// Backward of image = lift(grid) (conv_transpose2d): given dimage, per (sample, group, chunk)
///   col = im2col(dimage_grp);  dW_grp += grid_grp · colᵀ;  dgrid_grp = W_grp · col.
/// dw must be zeroed; dgrid is overwritten.
template <class T>
void lift_backward(const Lowering& L, const T* grid, const T* dimage, const T* w, T* dgrid, T* dw) {
  const ConvGeometry& g = L.g;
  const std::int64_t col_rows = L.col_rows(), grid_p = L.grid_p(), ow = g.out[2];
  const std::int64_t chunk = rows_per_chunk<T>(col_rows, g.out_rows(), ow);
  // output_padding < dilation can make the image larger than the grid even for a 1×1 kernel.
  const bool pointwise = g.pointwise() && g.in == g.out;
  std::unique_ptr<T[]> col;
  if (!pointwise) col = column_buffer<T>(col_rows, chunk, ow);
  for (std::int64_t n = 0; n < L.batch; ++n) {
    for (std::int64_t grp = 0; grp < L.groups; ++grp) {
      const T* xg = grid + L.grid_at(n, grp);      // (ga, *grid): the forward input
      const T* dyg = dimage + L.image_at(n, grp);  // (gb, *image): dL/d(forward output)
      const T* wg = w + L.weight_at(grp);          // (ga, gb·taps)
      T* dxg = dgrid + L.grid_at(n, grp);
      T* dwg = dw + L.weight_at(grp);
      if (pointwise) {  // dW += x·dyᵀ, dx = W·dy
        impl::gemm(false, true, L.ga, L.gb, grid_p, T(1), xg, grid_p, dyg, grid_p, T(1), dwg, L.gb);
        impl::gemm(false, false, L.ga, grid_p, L.gb, T(1), wg, L.gb, dyg, grid_p, T(0), dxg,
                   grid_p);
        continue;
      }
      for (std::int64_t q0 = 0; q0 < g.out_rows(); q0 += chunk) {
        const std::int64_t q1 = std::min(q0 + chunk, g.out_rows()), width = (q1 - q0) * ow;
        impl::im2col(dyg, L.gb, g, q0, q1, col.get());
        impl::gemm(false, true, L.ga, col_rows, width, T(1), xg + q0 * ow, grid_p, col.get(), width,
                   T(1), dwg, col_rows);
        impl::gemm(false, false, L.ga, width, col_rows, T(1), wg, col_rows, col.get(), width, T(0),
                   dxg + q0 * ow, grid_p);
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// Direct kernels for an image side of one channel per group (gb = 1: depthwise convs, 1-channel
// inputs). OpenMP splits independent outputs (one plane or one filter per task), each summed in
// a fixed order, so results do not depend on the thread count.

/// grid[n, o] += direct conv of image[n, o / ga] with w[o]; grid is prefilled (bias or zeros).
template <class T>
void lower_direct(const Lowering& L, const T* image, const T* w, T* grid) {
  const std::int64_t outs = L.groups * L.ga, in_p = L.image_p(), out_p = L.grid_p();
  const std::int64_t taps = L.taps(), planes = L.batch * outs;
#pragma omp parallel for schedule(static) if (planes * out_p * taps > impl::kParallelGrain)
  for (std::int64_t plane = 0; plane < planes; ++plane) {
    const std::int64_t n = plane / outs, o = plane % outs;
    impl::conv_plane_direct(image + (n * L.groups + o / L.ga) * in_p, w + o * taps, L.g,
                            grid + plane * out_p);
  }
}

/// image[n, c] += Σ_{a < ga} direct adjoint of grid[n, c·ga + a] with w[c·ga + a] (c = group);
/// one (n, c) image plane per task, its ga filters in order.
template <class T>
void lift_direct(const Lowering& L, const T* grid, const T* w, T* image) {
  const std::int64_t in_p = L.image_p(), out_p = L.grid_p(), taps = L.taps();
  const std::int64_t planes = L.batch * L.groups;
#pragma omp parallel for schedule(static) if (planes * L.ga * out_p * taps > impl::kParallelGrain)
  for (std::int64_t plane = 0; plane < planes; ++plane) {
    const std::int64_t n = plane / L.groups, c = plane % L.groups;
    for (std::int64_t a = 0; a < L.ga; ++a) {
      const std::int64_t o = c * L.ga + a;
      impl::conv_plane_direct_adjoint(grid + (n * L.groups * L.ga + o) * out_p, w + o * taps, L.g,
                                      image + plane * in_p);
    }
  }
}

/// dw[o, tap] += Σ_n Σ_p grid[n, o, p]·image[n, o / ga, index(p, tap)]: one filter per task,
/// samples in order.
template <class T>
void weight_grad_direct(const Lowering& L, const T* grid, const T* image, T* dw) {
  const std::int64_t outs = L.groups * L.ga, in_p = L.image_p(), out_p = L.grid_p();
  const std::int64_t taps = L.taps();
#pragma omp parallel for schedule(static) if (L.batch * outs * out_p * taps > impl::kParallelGrain)
  for (std::int64_t o = 0; o < outs; ++o) {
    for (std::int64_t n = 0; n < L.batch; ++n) {
      impl::conv_plane_direct_filter(image + (n * L.groups + o / L.ga) * in_p,
                                     grid + (n * outs + o) * out_p, L.g, dw + o * taps);
    }
  }
}

/// db[c] = Σ_n Σ_p dy[n, c, p] of a contiguous (N, C, *) tensor, summed in double per channel
/// (one channel per task, samples and positions in order).
template <class T>
Tensor bias_grad(const Tensor& dy) {
  const std::int64_t n = dy.size(0), ch = dy.size(1);
  const std::int64_t p = dy.numel() / std::max<std::int64_t>(n * ch, 1);
  Tensor db = Tensor::empty({ch}, impl::dtype_of<T>());
  const T* src = dy.data_ptr<T>();
  T* dst = db.data_ptr<T>();
#pragma omp parallel for schedule(static) if (dy.numel() > impl::kParallelGrain)
  for (std::int64_t c = 0; c < ch; ++c) {
    double sum = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
      const T* row = src + (i * ch + c) * p;
      for (std::int64_t j = 0; j < p; ++j) sum += static_cast<double>(row[j]);
    }
    dst[c] = static_cast<T>(sum);
  }
  return db;
}

// ------------------------------------------------------------------------------------------
// Shapes.

/// The output spatial sizes of conv: (in + 2·padding − dilation·(kernel − 1) − 1) / stride + 1.
Shape conv_grid(const ConvCall& c) {
  Shape grid;
  for (std::size_t i = 0; i < c.dims; ++i) {
    const std::int64_t d = static_cast<std::int64_t>(i) + 2, in = c.x.size(d);
    const std::int64_t span = c.dilation[i] * (c.w.size(d) - 1) + 1;
    grid.push_back((in + 2 * c.padding[i] - span) / c.stride[i] + 1);
  }
  return grid;
}

Shape spatial(const Tensor& t) { return Shape(t.sizes().begin() + 2, t.sizes().end()); }

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

/// The lowering of conv (grid = output, image = input) or conv_transpose2d (grid = input,
/// image = output); `image` / `grid` are the spatial sizes of each side.
Lowering lowering(const ConvCall& c, bool transposed, const Shape& image, const Shape& grid) {
  Lowering L;
  L.g = geometry(c, image, grid);
  L.batch = c.x.size(0);
  L.groups = c.groups;
  if (transposed) {
    L.ga = c.x.size(1) / c.groups;  // C_in / groups
    L.gb = c.w.size(1);             // C_out / groups
  } else {
    L.ga = c.w.size(0) / c.groups;  // C_out / groups
    L.gb = c.x.size(1) / c.groups;  // C_in / groups
  }
  return L;
}

/// grad_output made contiguous and batched; it must have the forward output's dtype and size
/// (unbatched when the input was): ShapeError "conv_backward: expected grad_output of size
/// [2, 4, 5, 5] (the forward output's), but got [2, 4, 5, 6]".
Tensor load_grad_output(const Tensor& grad_output, const ConvCall& c, const Shape& out_sizes,
                        const char* op) {
  impl::check_same_dtype(grad_output, c.x.dtype(), op, "grad_output");
  Shape want = out_sizes;
  if (c.unbatched) want.erase(want.begin());
  WEIGHTINIT_CHECK(grad_output.sizes() == want, ShapeError, op, ": expected grad_output of size ",
                   shape_str(want), " (the forward output's), but got ",
                   shape_str(grad_output.sizes()));
  return grad_output.contiguous().view(out_sizes);
}

/// The oneDNN description of a checked, batched (non-transposed) convolution.
impl::ConvShape conv_shape(const ConvCall& c, const Shape& grid) {
  impl::ConvShape s;
  s.batch = c.x.size(0);
  s.in_channels = c.x.size(1);
  s.out_channels = c.w.size(0);
  s.groups = c.groups;
  s.image = spatial(c.x);
  s.grid = grid;
  s.kernel = spatial(c.w);
  s.stride = c.stride;
  s.padding = c.padding;
  s.dilation = c.dilation;
  return s;
}

/// Whether a float32 convolution goes to oneDNN: the backend says so and nothing is empty
/// (the reference path handles empty batches and channels).
bool use_onednn(const ConvCall& c, const Tensor& y) {
  return c.x.dtype() == DType::Float32 && c.x.numel() > 0 && c.w.numel() > 0 && y.numel() > 0 &&
         conv_backend() == ConvBackend::OneDnn;
}

/// dx (when wanted) and dW of a float32 convolution through oneDNN; false when oneDNN has no
/// primitive for the shape (grads is then left empty for the reference path).
bool onednn_backward(const ConvCall& c, const Shape& grid, const Tensor& dy, bool need_input,
                     Grads& grads) {
  const impl::ConvShape s = conv_shape(c, grid);
  Tensor dw = Tensor::empty(c.w.sizes(), DType::Float32);
  if (!impl::onednn_conv_backward_weights(s, c.x.data_ptr<float>(), dy.data_ptr<float>(),
                                          dw.data_ptr<float>())) {
    return false;
  }
  if (need_input) {
    Tensor dx = Tensor::empty(c.x.sizes(), DType::Float32);
    if (!impl::onednn_conv_backward_data(s, dy.data_ptr<float>(), c.w.data_ptr<float>(),
                                         dx.data_ptr<float>())) {
      return false;
    }
    grads.input = dx;
  }
  grads.weight = dw;
  return true;
}

}  // namespace

Tensor conv(const Tensor& x, const Tensor& weight, const Tensor& bias, const ConvOptions& options) {
  ConvCall c = load(x, weight, bias, false, "conv");
  set_options(c, options, {0});
  check_forward_shapes(c);
  const Shape grid = conv_grid(c);
  Shape out_sizes{c.x.size(0), c.w.size(0)};
  out_sizes.insert(out_sizes.end(), grid.begin(), grid.end());
  Tensor y = Tensor::empty(out_sizes, c.x.dtype());
  if (use_onednn(c, y) &&
      impl::onednn_conv_forward(conv_shape(c, grid), c.x.data_ptr<float>(), c.w.data_ptr<float>(),
                                c.b.defined() ? c.b.data_ptr<float>() : nullptr,
                                y.data_ptr<float>())) {
    return finish(y, c.unbatched);
  }
  const Lowering L = lowering(c, false, spatial(c.x), grid);
  impl::dispatch_float(c.x.dtype(), "conv", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = c.x.data_ptr<T>();
    const T* wp = c.w.data_ptr<T>();
    if (L.gb == 1) {  // one input channel per group
      fill_bias<T>(y, c.b);
      lower_direct<T>(L, xp, wp, y.data_ptr<T>());
    } else {
      if (c.b.defined()) fill_bias<T>(y, c.b);
      lower<T>(L, xp, wp, y.data_ptr<T>(), c.b.defined());
    }
  });
  return finish(y, c.unbatched);
}

Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias,
                        const ConvOptions& options, const Shape& output_padding) {
  ConvCall c = load(x, weight, bias, true, "conv_transpose2d");
  set_options(c, options, output_padding);
  const Shape out = transposed_output(c);
  // im2col's image is the transposed conv's output; its column grid is the input.
  const Lowering L = lowering(c, true, out, spatial(c.x));
  Tensor y = Tensor::empty({c.x.size(0), c.w.size(1) * c.groups, out[0], out[1]}, c.x.dtype());
  impl::dispatch_float(c.x.dtype(), "conv_transpose2d", [&](auto tag) {
    using T = decltype(tag);
    fill_bias<T>(y, c.b);
    lift<T>(L, c.x.data_ptr<T>(), c.w.data_ptr<T>(), y.data_ptr<T>());
  });
  return finish(y, c.unbatched);
}

Grads conv_backward(const Tensor& grad_output, const Tensor& x, const Tensor& weight, bool has_bias,
                    const ConvOptions& options, bool need_input) {
  constexpr const char* op = "conv_backward";
  ConvCall c = load(x, weight, Tensor(), false, op);
  set_options(c, options, {0});
  check_forward_shapes(c);
  const Shape grid = conv_grid(c);
  Shape out_sizes{c.x.size(0), c.w.size(0)};
  out_sizes.insert(out_sizes.end(), grid.begin(), grid.end());
  const Tensor dy = load_grad_output(grad_output, c, out_sizes, op);
  Grads grads;
  if (use_onednn(c, dy) && onednn_backward(c, grid, dy, need_input, grads)) {
    if (has_bias) grads.bias = bias_grad<float>(dy);
    if (need_input) grads.input = finish(grads.input, c.unbatched);
    return grads;
  }
  const Lowering L = lowering(c, false, spatial(c.x), grid);
  if (need_input) grads.input = Tensor::zeros(c.x.sizes(), c.x.dtype());
  grads.weight = Tensor::zeros(c.w.sizes(), c.x.dtype());
  impl::dispatch_float(c.x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = c.x.data_ptr<T>();
    const T* wp = c.w.data_ptr<T>();
    const T* dyp = dy.data_ptr<T>();
    T* dxp = need_input ? grads.input.data_ptr<T>() : nullptr;
    T* dwp = grads.weight.data_ptr<T>();
    if (L.gb == 1) {
      if (need_input) lift_direct<T>(L, dyp, wp, dxp);
      weight_grad_direct<T>(L, dyp, xp, dwp);
    } else {
      lower_backward<T>(L, xp, dyp, wp, dxp, dwp);
    }
    if (has_bias) grads.bias = bias_grad<T>(dy);
  });
  if (need_input) grads.input = finish(grads.input, c.unbatched);
  return grads;
}

Grads conv_transpose2d_backward(const Tensor& grad_output, const Tensor& x, const Tensor& weight,
                                bool has_bias, const ConvOptions& options,
                                const Shape& output_padding) {
  constexpr const char* op = "conv_transpose2d_backward";
  ConvCall c = load(x, weight, Tensor(), true, op);
  set_options(c, options, output_padding);
  const Shape out = transposed_output(c);
  const Tensor dy =
      load_grad_output(grad_output, c, {c.x.size(0), c.w.size(1) * c.groups, out[0], out[1]}, op);
  const Lowering L = lowering(c, true, out, spatial(c.x));
  Grads grads;
  grads.input = Tensor::empty(c.x.sizes(), c.x.dtype());
  grads.weight = Tensor::zeros(c.w.sizes(), c.x.dtype());
  impl::dispatch_float(c.x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* xp = c.x.data_ptr<T>();
    const T* wp = c.w.data_ptr<T>();
    const T* dyp = dy.data_ptr<T>();
    T* dxp = grads.input.data_ptr<T>();
    T* dwp = grads.weight.data_ptr<T>();
    if (L.gb == 1) {  // dx = conv(dy) with one dy channel per group
      grads.input.fill_(0.0);
      lower_direct<T>(L, dyp, wp, dxp);
      weight_grad_direct<T>(L, xp, dyp, dwp);
    } else {
      lift_backward<T>(L, xp, dyp, wp, dxp, dwp);
    }
    if (has_bias) grads.bias = bias_grad<T>(dy);
  });
  grads.input = finish(grads.input, c.unbatched);
  return grads;
}

}  // namespace weightinit::nn::functional
