// SPDX-License-Identifier: MIT
// max_pool (1-d/2-d/3-d), avg_pool (2-d/3-d), adaptive_avg_pool2d: per-plane loops, OpenMP over
// planes.
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
void max_plane(const float* x, float* y, const PoolGeometry& g, const Windows& w) {
  const std::int64_t h_in = g.in[1], w_in = g.in[2];
  for (const Window& wd : w[0]) {
    for (const Window& wh : w[1]) {
      for (const Window& ww : w[2]) {
        float m = -std::numeric_limits<float>::infinity();
        for (std::int64_t t = wd.begin; t < wd.end; t += g.dil[0]) {
          for (std::int64_t h = wh.begin; h < wh.end; h += g.dil[1]) {
            const float* row = x + (t * h_in + h) * w_in;
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

/// y[od, oh, ow] = (Σ window of x) / divisor, divisor = the padded window size (count_include_pad)
/// or the number of input elements in it; a window wholly in the padding gives 0.
void avg_plane(const float* x, float* y, const PoolGeometry& g, const Windows& w,
               bool count_include_pad) {
  const std::int64_t h_in = g.in[1], w_in = g.in[2];
  for (const Window& wd : w[0]) {
    for (const Window& wh : w[1]) {
      for (const Window& ww : w[2]) {
        if (wd.begin >= wd.end || wh.begin >= wh.end || ww.begin >= ww.end) {
          *y++ = 0.0f;
          continue;
        }
        float sum = 0.0f;  // float accumulation in t, h, w order, as PyTorch's CPU kernel
        for (std::int64_t t = wd.begin; t < wd.end; ++t) {
          for (std::int64_t h = wh.begin; h < wh.end; ++h) {
            const float* row = x + (t * h_in + h) * w_in;
            for (std::int64_t c = ww.begin; c < ww.end; ++c) sum += row[c];
          }
        }
        const std::int64_t divisor =
            count_include_pad ? wd.extent * wh.extent * ww.extent
                              : (wd.end - wd.begin) * (wh.end - wh.begin) * (ww.end - ww.begin);
        *y++ = sum / static_cast<float>(divisor);
      }
    }
  }
}

/// Runs `plane(x_plane, y_plane)` over the N·C planes of x, in parallel.
template <class PlaneFn>
Tensor over_planes(const Tensor& x, const PoolGeometry& g, PlaneFn plane) {
  Tensor y = Tensor::empty(g.out_sizes);
  const float* xp = x.data_ptr<float>();
  float* yp = y.data_ptr<float>();
  const std::int64_t in_p = g.in[0] * g.in[1] * g.in[2], out_p = g.out[0] * g.out[1] * g.out[2];
#pragma omp parallel for schedule(static) if (g.planes * in_p > impl::kParallelGrain)
  for (std::int64_t i = 0; i < g.planes; ++i) plane(xp + i * in_p, yp + i * out_p);
  return y;
}

}  // namespace

Tensor max_pool(const Tensor& x, const PoolOptions& options) {
  impl::check_float32(x, "max_pool", "input");
  const PoolGeometry g = impl::pool_geometry(x, options, PoolKind::Max);
  const Windows w = windows(g, PoolKind::Max);
  return over_planes(x.contiguous(), g,
                     [&](const float* xi, float* yi) { max_plane(xi, yi, g, w); });
}

Tensor avg_pool(const Tensor& x, const PoolOptions& options) {
  impl::check_float32(x, "avg_pool", "input");
  const PoolGeometry g = impl::pool_geometry(x, options, PoolKind::Avg);
  const Windows w = windows(g, PoolKind::Avg);
  const bool include_pad = options.count_include_pad;
  return over_planes(x.contiguous(), g,
                     [&](const float* xi, float* yi) { avg_plane(xi, yi, g, w, include_pad); });
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

}  // namespace

/// y[i, j] = mean of x[h0:h1, w0:w1] with h0 = ⌊i·H/OH⌋, h1 = ⌈(i+1)·H/OH⌉ (same for w), summed
/// in float and divided by the window height then width, as PyTorch's CPU kernel.
Tensor adaptive_avg_pool2d(const Tensor& x, const Shape& output_size) {
  impl::check_float32(x, "adaptive_avg_pool2d", "input");
  const Shape out = adaptive_output(x, output_size);
  const Tensor xc = x.contiguous();
  const std::int64_t h = xc.size(-2), w = xc.size(-1), oh = out[0], ow = out[1];
  Shape out_sizes(xc.sizes().begin(), xc.sizes().end() - 2);
  const std::int64_t planes = numel_of(out_sizes);
  out_sizes.insert(out_sizes.end(), out.begin(), out.end());
  Tensor y = Tensor::empty(out_sizes);
  const float* xp = xc.data_ptr<float>();
  float* yp = y.data_ptr<float>();
#pragma omp parallel for schedule(static) if (planes * h * w > impl::kParallelGrain)
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* xi = xp + p * h * w;
    float* yi = yp + p * oh * ow;
    for (std::int64_t i = 0; i < oh; ++i) {
      const std::int64_t h0 = i * h / oh, h1 = ((i + 1) * h + oh - 1) / oh;
      for (std::int64_t j = 0; j < ow; ++j) {
        const std::int64_t w0 = j * w / ow, w1 = ((j + 1) * w + ow - 1) / ow;
        float sum = 0.0f;
        for (std::int64_t r = h0; r < h1; ++r) {
          for (std::int64_t c = w0; c < w1; ++c) sum += xi[r * w + c];
        }
        yi[i * ow + j] = sum / static_cast<float>(h1 - h0) / static_cast<float>(w1 - w0);
      }
    }
  }
  return y;
}

}  // namespace weightinit::nn::functional
