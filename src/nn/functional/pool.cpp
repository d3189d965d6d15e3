// SPDX-License-Identifier: MIT
// max_pool (1-d/2-d/3-d), avg_pool (2-d/3-d), adaptive_avg_pool2d and their backward kernels,
// float32 and float64: per-plane loops, OpenMP over planes (each plane is written by one
// thread, so results are deterministic).
#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nn/functional/common.h"
#include "nn/functional/pool_shape.h"
#include "weightinit/nn/functional.h"

namespace weightinit::nn::functional {

namespace {

using impl::PoolGeometry;
using impl::PoolKind;

/// Input indices begin, begin + step, ... < end read by one output index along one dim; `extent`
/// is the window's size counting the padding (avg pooling's count_include_pad divisor).
struct Window {
  std::int64_t begin, end, extent;
};
using Windows = std::array<std::vector<Window>, 3>;

/// Windows per dim as PyTorch's CPU kernels compute them. Max: start = o·stride − pad, end =
/// min(start + dil·(k − 1) + 1, in), start raised by dil until ≥ 0. Avg: end = min(start + k,
/// in + pad), extent = end − start, then both clamped to [0, in].
Windows windows(const PoolGeometry& g, PoolKind kind) {
  Windows w;
  for (std::size_t i = 0; i < 3; ++i) {
    for (std::int64_t o = 0; o < g.out[i]; ++o) {
      std::int64_t begin = o * g.stride[i] - g.pad[i];
      if (kind == PoolKind::Max) {
        const std::int64_t end = std::min(begin + g.dil[i] * (g.kernel[i] - 1) + 1, g.in[i]);
        while (begin < 0) begin += g.dil[i];
        w[i].push_back({begin, end, 0});
      } else {
        const std::int64_t end = std::min(begin + g.kernel[i], g.in[i] + g.pad[i]);
        w[i].push_back({std::max<std::int64_t>(begin, 0), std::min(end, g.in[i]), end - begin});
      }
    }
  }
  return w;
}

/// y[od, oh, ow] = max over the window of x (one plane, (D, H, W) → (OD, OH, OW)); padding
/// counts as −∞ and a NaN in the window wins, as in PyTorch.
template <class T>
void max_plane(const T* x, T* y, const PoolGeometry& g, const Windows& w) {
  const std::int64_t h_in = g.in[1], w_in = g.in[2];
  for (const Window& wd : w[0]) {
    for (const Window& wh : w[1]) {
      for (const Window& ww : w[2]) {
        T m = -std::numeric_limits<T>::infinity();
        for (std::int64_t t = wd.begin; t < wd.end; t += g.dil[0]) {
          for (std::int64_t h = wh.begin; h < wh.end; h += g.dil[1]) {
            const T* row = x + (t * h_in + h) * w_in;
            for (std::int64_t c = ww.begin; c < ww.end; c += g.dil[2]) {
              if (row[c] > m || std::isnan(row[c])) m = row[c];
            }
          }
        }
        *y++ = m;
      }
    }
  }
}

/// Whether the call is the common 2-d 2×2 / stride-2 pooling without padding or dilation, whose
/// windows all lie inside the input (the fast paths below).
bool is_plain_2x2(const PoolGeometry& g) {
  return g.in[0] == 1 && g.kernel[0] == 1 && g.kernel[1] == 2 && g.kernel[2] == 2 &&
         g.stride[1] == 2 && g.stride[2] == 2 && g.pad[1] == 0 && g.pad[2] == 0 && g.dil[1] == 1 &&
         g.dil[2] == 1 && 2 * g.out[1] <= g.in[1] && 2 * g.out[2] <= g.in[2];
}

/// max_plane for is_plain_2x2: the same scan (row by row, first maximum, a NaN wins) with the
/// window loops unrolled.
template <class T>
void max_plane_2x2(const T* x, T* y, const PoolGeometry& g) {
  const std::int64_t w_in = g.in[2];
  for (std::int64_t oh = 0; oh < g.out[1]; ++oh) {
    const T* r0 = x + 2 * oh * w_in;
    const T* r1 = r0 + w_in;
    for (std::int64_t ow = 0; ow < g.out[2]; ++ow) {
      const T v[4] = {r0[2 * ow], r0[2 * ow + 1], r1[2 * ow], r1[2 * ow + 1]};
      T m = -std::numeric_limits<T>::infinity();
      for (const T e : v) {
        if (e > m || std::isnan(e)) m = e;
      }
      *y++ = m;
    }
  }
}

/// max_plane_backward for is_plain_2x2, with max_plane's argmax rule.
template <class T>
void max_plane_backward_2x2(const T* x, const T* dy, T* dx, const PoolGeometry& g) {
  const std::int64_t w_in = g.in[2];
  for (std::int64_t oh = 0; oh < g.out[1]; ++oh) {
    const std::int64_t row0 = 2 * oh * w_in;
    for (std::int64_t ow = 0; ow < g.out[2]; ++ow) {
      const std::int64_t at[4] = {row0 + 2 * ow, row0 + 2 * ow + 1, row0 + w_in + 2 * ow,
                                  row0 + w_in + 2 * ow + 1};
      T m = -std::numeric_limits<T>::infinity();
      std::int64_t best = at[0];
      for (const std::int64_t i : at) {
        if (x[i] > m || std::isnan(x[i])) {
          m = x[i];
          best = i;
        }
      }
      dx[best] += *dy++;
    }
  }
}

/// dx[argmax of each window] += dy (one plane). The argmax is found by max_plane's scan: the
/// first maximum (the last NaN) in t, h, w order, and the window's first position when every
/// value is −∞, as PyTorch's max_pool indices.
template <class T>
void max_plane_backward(const T* x, const T* dy, T* dx, const PoolGeometry& g, const Windows& w) {
  const std::int64_t h_in = g.in[1], w_in = g.in[2];
  for (const Window& wd : w[0]) {
    for (const Window& wh : w[1]) {
      for (const Window& ww : w[2]) {
        const T grad = *dy++;
        if (wd.begin >= wd.end || wh.begin >= wh.end || ww.begin >= ww.end) continue;
        T m = -std::numeric_limits<T>::infinity();
        std::int64_t best = (wd.begin * h_in + wh.begin) * w_in + ww.begin;
        for (std::int64_t t = wd.begin; t < wd.end; t += g.dil[0]) {
          for (std::int64_t h = wh.begin; h < wh.end; h += g.dil[1]) {
            const std::int64_t row = (t * h_in + h) * w_in;
            for (std::int64_t c = ww.begin; c < ww.end; c += g.dil[2]) {
              const T v = x[row + c];
              if (v > m || std::isnan(v)) {
                m = v;
                best = row + c;
              }
            }
          }
        }
        dx[best] += grad;
      }
    }
  }
}

/// The divisor of an avg pooling window: the padded window size (count_include_pad) or the
/// number of input elements in it.
std::int64_t avg_divisor(const Window& wd, const Window& wh, const Window& ww,
                         bool count_include_pad) {
  return count_include_pad ? wd.extent * wh.extent * ww.extent
                           : (wd.end - wd.begin) * (wh.end - wh.begin) * (ww.end - ww.begin);
}

/// y[od, oh, ow] = (Σ window of x) / divisor (avg_divisor); a window wholly in the padding
/// gives 0.
template <class T>
void avg_plane(const T* x, T* y, const PoolGeometry& g, const Windows& w, bool count_include_pad) {
  const std::int64_t h_in = g.in[1], w_in = g.in[2];
  for (const Window& wd : w[0]) {
    for (const Window& wh : w[1]) {
      for (const Window& ww : w[2]) {
        if (wd.begin >= wd.end || wh.begin >= wh.end || ww.begin >= ww.end) {
          *y++ = T(0);
          continue;
        }
        T sum = T(0);  // accumulation in T, in t, h, w order, as PyTorch's CPU kernel
        for (std::int64_t t = wd.begin; t < wd.end; ++t) {
          for (std::int64_t h = wh.begin; h < wh.end; ++h) {
            const T* row = x + (t * h_in + h) * w_in;
            for (std::int64_t c = ww.begin; c < ww.end; ++c) sum += row[c];
          }
        }
        *y++ = sum / static_cast<T>(avg_divisor(wd, wh, ww, count_include_pad));
      }
    }
  }
}

/// dx[p] += dy / divisor for every input position p of each window (one plane).
template <class T>
void avg_plane_backward(const T* dy, T* dx, const PoolGeometry& g, const Windows& w,
                        bool count_include_pad) {
  const std::int64_t h_in = g.in[1], w_in = g.in[2];
  for (const Window& wd : w[0]) {
    for (const Window& wh : w[1]) {
      for (const Window& ww : w[2]) {
        const T grad = *dy++;
        if (wd.begin >= wd.end || wh.begin >= wh.end || ww.begin >= ww.end) continue;
        const T share = grad / static_cast<T>(avg_divisor(wd, wh, ww, count_include_pad));
        for (std::int64_t t = wd.begin; t < wd.end; ++t) {
          for (std::int64_t h = wh.begin; h < wh.end; ++h) {
            T* row = dx + (t * h_in + h) * w_in;
            for (std::int64_t c = ww.begin; c < ww.end; ++c) row[c] += share;
          }
        }
      }
    }
  }
}

/// Runs `plane(x_plane, y_plane)` over the N·C planes of x (contiguous, element type T), in
/// parallel.
template <class T, class PlaneFn>
Tensor over_planes(const Tensor& x, const PoolGeometry& g, PlaneFn plane) {
  Tensor y = Tensor::empty(g.out_sizes, impl::dtype_of<T>());
  const T* xp = x.data_ptr<T>();
  T* yp = y.data_ptr<T>();
  const std::int64_t in_p = g.in[0] * g.in[1] * g.in[2], out_p = g.out[0] * g.out[1] * g.out[2];
#pragma omp parallel for schedule(static) if (g.planes * in_p > impl::kParallelGrain)
  for (std::int64_t i = 0; i < g.planes; ++i) plane(xp + i * in_p, yp + i * out_p);
  return y;
}

/// The checks every pooling backward shares: grad_output has x's dtype and `out_sizes` (the
/// forward output's shape).
void check_grad_output(const Tensor& grad_output, const Tensor& x, const Shape& out_sizes,
                       const char* op) {
  impl::check_same_dtype(grad_output, x.dtype(), op, "grad_output");
  WEIGHTINIT_CHECK(grad_output.sizes() == out_sizes, ShapeError, op,
                   ": grad_output must have the forward output's size ", shape_str(out_sizes),
                   ", but got ", shape_str(grad_output.sizes()));
}

/// dx = zeros like x, then `plane(x_plane, dy_plane, dx_plane)` over the N·C planes, in
/// parallel (each plane of dx belongs to one iteration).
template <class T, class PlaneFn>
Tensor backward_planes(const Tensor& grad_output, const Tensor& x, const PoolGeometry& g,
                       PlaneFn plane) {
  const Tensor xc = x.contiguous(), dyc = grad_output.contiguous();
  Tensor dx = Tensor::zeros(x.sizes(), impl::dtype_of<T>());
  const T* xp = xc.data_ptr<T>();
  const T* dyp = dyc.data_ptr<T>();
  T* dxp = dx.data_ptr<T>();
  const std::int64_t in_p = g.in[0] * g.in[1] * g.in[2], out_p = g.out[0] * g.out[1] * g.out[2];
#pragma omp parallel for schedule(static) if (g.planes * in_p > impl::kParallelGrain)
  for (std::int64_t i = 0; i < g.planes; ++i) {
    plane(xp + i * in_p, dyp + i * out_p, dxp + i * in_p);
  }
  return dx;
}

}  // namespace

Tensor max_pool(const Tensor& x, const PoolOptions& options) {
  impl::check_floating(x, "max_pool", "input");
  const PoolGeometry g = impl::pool_geometry(x, options, PoolKind::Max);
  const Windows w = windows(g, PoolKind::Max);
  return impl::dispatch_float(x.dtype(), "max_pool", [&](auto tag) {
    using T = decltype(tag);
    if (is_plain_2x2(g)) {
      return over_planes<T>(x.contiguous(), g,
                            [&](const T* xi, T* yi) { max_plane_2x2(xi, yi, g); });
    }
    return over_planes<T>(x.contiguous(), g, [&](const T* xi, T* yi) { max_plane(xi, yi, g, w); });
  });
}

Tensor avg_pool(const Tensor& x, const PoolOptions& options) {
  impl::check_floating(x, "avg_pool", "input");
  const PoolGeometry g = impl::pool_geometry(x, options, PoolKind::Avg);
  const Windows w = windows(g, PoolKind::Avg);
  const bool include_pad = options.count_include_pad;
  return impl::dispatch_float(x.dtype(), "avg_pool", [&](auto tag) {
    using T = decltype(tag);
    return over_planes<T>(x.contiguous(), g,
                          [&](const T* xi, T* yi) { avg_plane(xi, yi, g, w, include_pad); });
  });
}

/// dx[p] = Σ over the windows whose argmax (max_pool's scan order, first maximum) is p of dy.
Tensor max_pool_backward(const Tensor& grad_output, const Tensor& x, const PoolOptions& options) {
  const char* op = "max_pool_backward";
  impl::check_floating(x, op, "input");
  const PoolGeometry g = impl::pool_geometry(x, options, PoolKind::Max);
  check_grad_output(grad_output, x, g.out_sizes, op);
  const Windows w = windows(g, PoolKind::Max);
  return impl::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    if (is_plain_2x2(g)) {
      return backward_planes<T>(grad_output, x, g, [&](const T* xi, const T* dyi, T* dxi) {
        max_plane_backward_2x2(xi, dyi, dxi, g);
      });
    }
    return backward_planes<T>(grad_output, x, g, [&](const T* xi, const T* dyi, T* dxi) {
      max_plane_backward(xi, dyi, dxi, g, w);
    });
  });
}

/// dx[p] = Σ over the windows containing p of dy / divisor (the forward's divisor).
Tensor avg_pool_backward(const Tensor& grad_output, const Tensor& x, const PoolOptions& options) {
  const char* op = "avg_pool_backward";
  impl::check_floating(x, op, "input");
  const PoolGeometry g = impl::pool_geometry(x, options, PoolKind::Avg);
  check_grad_output(grad_output, x, g.out_sizes, op);
  const Windows w = windows(g, PoolKind::Avg);
  const bool include_pad = options.count_include_pad;
  return impl::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    return backward_planes<T>(grad_output, x, g, [&](const T* /*xi*/, const T* dyi, T* dxi) {
      avg_plane_backward(dyi, dxi, g, w, include_pad);
    });
  });
}

namespace {

/// PyTorch's adaptive_avg_pool2d checks; returns the output (OH, OW).
Shape adaptive_output(const Tensor& x, const Shape& output_size) {
  WEIGHTINIT_CHECK(output_size.size() == 1 || output_size.size() == 2, ValueError,
                   "adaptive_avg_pool2d: output_size must be 2");
  const Shape out = output_size.size() == 1 ? Shape(2, output_size[0]) : output_size;
  WEIGHTINIT_CHECK(out[0] >= 0 && out[1] >= 0, ValueError,
                   "adaptive_avg_pool2d: elements of output_size must be greater than or equal to "
                   "0 but received {",
                   out[0], ", ", out[1], "}");
  WEIGHTINIT_CHECK(x.dim() == 3 || x.dim() == 4, ShapeError,
                   "adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got ",
                   shape_str(x.sizes()));
  for (const std::int64_t d : {x.dim() - 2, x.dim() - 1}) {
    WEIGHTINIT_CHECK(x.size(d) > 0, ShapeError,
                     "adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch "
                     "dimensions, but input has sizes ",
                     shape_str(x.sizes()), " with dimension ", d, " being empty");
  }
  return out;
}

/// Adaptive window [⌊i·in/out⌋, ⌈(i+1)·in/out⌉) of output index i.
std::int64_t adaptive_begin(std::int64_t i, std::int64_t in, std::int64_t out) {
  return i * in / out;
}
std::int64_t adaptive_end(std::int64_t i, std::int64_t in, std::int64_t out) {
  return ((i + 1) * in + out - 1) / out;
}

/// The adaptive pooling's planes (N·C or C), input (H, W), output (OH, OW) and output shape.
struct AdaptiveGeometry {
  std::int64_t planes, h, w, oh, ow;
  Shape out_sizes;
};

AdaptiveGeometry adaptive_geometry(const Tensor& x, const Shape& output_size) {
  const Shape out = adaptive_output(x, output_size);
  AdaptiveGeometry g{0, x.size(-2), x.size(-1), out[0], out[1], {}};
  g.out_sizes.assign(x.sizes().begin(), x.sizes().end() - 2);
  g.planes = numel_of(g.out_sizes);
  g.out_sizes.insert(g.out_sizes.end(), out.begin(), out.end());
  return g;
}

}  // namespace

/// y[i, j] = mean of x[h0:h1, w0:w1] with h0 = ⌊i·H/OH⌋, h1 = ⌈(i+1)·H/OH⌉ (same for w), summed
/// in the element type and divided by the window height then width, as PyTorch's CPU kernel.
Tensor adaptive_avg_pool2d(const Tensor& x, const Shape& output_size) {
  impl::check_floating(x, "adaptive_avg_pool2d", "input");
  const AdaptiveGeometry g = adaptive_geometry(x, output_size);
  const Tensor xc = x.contiguous();
  return impl::dispatch_float(x.dtype(), "adaptive_avg_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t h = g.h, w = g.w, oh = g.oh, ow = g.ow;
    Tensor y = Tensor::empty(g.out_sizes, impl::dtype_of<T>());
    const T* xp = xc.data_ptr<T>();
    T* yp = y.data_ptr<T>();
#pragma omp parallel for schedule(static) if (g.planes * h * w > impl::kParallelGrain)
    for (std::int64_t p = 0; p < g.planes; ++p) {
      const T* xi = xp + p * h * w;
      T* yi = yp + p * oh * ow;
      for (std::int64_t i = 0; i < oh; ++i) {
        const std::int64_t h0 = adaptive_begin(i, h, oh), h1 = adaptive_end(i, h, oh);
        for (std::int64_t j = 0; j < ow; ++j) {
          const std::int64_t w0 = adaptive_begin(j, w, ow), w1 = adaptive_end(j, w, ow);
          T sum = T(0);
          for (std::int64_t r = h0; r < h1; ++r) {
            for (std::int64_t c = w0; c < w1; ++c) sum += xi[r * w + c];
          }
          yi[i * ow + j] = sum / static_cast<T>(h1 - h0) / static_cast<T>(w1 - w0);
        }
      }
    }
    return y;
  });
}

/// dx[r, c] = Σ over the output cells (i, j) whose window holds (r, c) of
/// dy[i, j] / (h1 − h0) / (w1 − w0).
Tensor adaptive_avg_pool2d_backward(const Tensor& grad_output, const Tensor& x) {
  const char* op = "adaptive_avg_pool2d_backward";
  impl::check_floating(x, op, "input");
  impl::check_same_dtype(grad_output, x.dtype(), op, "grad_output");
  // The output size is grad_output's last two dims (x's rank is checked first).
  const bool ranks_match = grad_output.dim() == x.dim() && x.dim() >= 2;
  const AdaptiveGeometry g = adaptive_geometry(
      x, ranks_match ? Shape{grad_output.size(-2), grad_output.size(-1)} : Shape{1, 1});
  WEIGHTINIT_CHECK(ranks_match, ShapeError, op,
                   ": grad_output must have the input's rank, but got grad_output of size ",
                   shape_str(grad_output.sizes()), " for input of size ", shape_str(x.sizes()));
  check_grad_output(grad_output, x, g.out_sizes, op);
  const Tensor dyc = grad_output.contiguous();
  return impl::dispatch_float(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t h = g.h, w = g.w, oh = g.oh, ow = g.ow;
    Tensor dx = Tensor::zeros(x.sizes(), impl::dtype_of<T>());
    const T* dyp = dyc.data_ptr<T>();
    T* dxp = dx.data_ptr<T>();
#pragma omp parallel for schedule(static) if (g.planes * h * w > impl::kParallelGrain)
    for (std::int64_t p = 0; p < g.planes; ++p) {
      const T* dyi = dyp + p * oh * ow;
      T* dxi = dxp + p * h * w;
      for (std::int64_t i = 0; i < oh; ++i) {
        const std::int64_t h0 = adaptive_begin(i, h, oh), h1 = adaptive_end(i, h, oh);
        for (std::int64_t j = 0; j < ow; ++j) {
          const std::int64_t w0 = adaptive_begin(j, w, ow), w1 = adaptive_end(j, w, ow);
          const T share = dyi[i * ow + j] / static_cast<T>(h1 - h0) / static_cast<T>(w1 - w0);
          for (std::int64_t r = h0; r < h1; ++r) {
            for (std::int64_t c = w0; c < w1; ++c) dxi[r * w + c] += share;
          }
        }
      }
    }
    return dx;
  });
}

}  // namespace weightinit::nn::functional
