// SPDX-License-Identifier: MIT
// im2col / col2im over up to 3 spatial dims, and the direct single-channel convolution.
#include "nn/functional/im2col.h"

#include <algorithm>

namespace weightinit::nn::functional::impl {

bool ConvGeometry::pointwise() const {
  for (int i = 0; i < 3; ++i) {
    if (kernel[i] != 1 || stride[i] != 1 || pad[i] != 0) return false;
  }
  return true;
}

namespace {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

/// The kernel tap (kd, kh, kw) of one im2col row and its valid output columns: the image
/// column is iw = ow·sw + offset, inside [0, W) exactly for ow in [lo, hi).
struct Tap {
  std::int64_t kd, kh, offset, lo, hi;
};

Tap tap_of(const ConvGeometry& g, std::int64_t k) {
  const std::int64_t kw = k % g.kernel[2], kh = (k / g.kernel[2]) % g.kernel[1];
  const std::int64_t kd = k / (g.kernel[2] * g.kernel[1]);
  const std::int64_t offset = kw * g.dil[2] - g.pad[2], sw = g.stride[2], ow = g.out[2];
  std::int64_t lo = offset >= 0 ? 0 : ceil_div(-offset, sw);
  std::int64_t hi = g.in[2] - offset <= 0 ? 0 : ceil_div(g.in[2] - offset, sw);
  hi = std::clamp<std::int64_t>(hi, 0, ow);
  lo = std::min(lo, hi);
  return {kd, kh, offset, lo, hi};
}

/// Calls fn(q, row) for the grid rows q = od·OH + oh in [q0, q1), where row = id·H + ih is the
/// image row read at tap t (id = od·sd − pd + kd·dd, ih = oh·sh − ph + kh·dh), or −1 when it
/// lies in the padding. (od, oh) advance without a division per row.
template <class Fn>
void for_each_row(const ConvGeometry& g, const Tap& t, std::int64_t q0, std::int64_t q1, Fn fn) {
  std::int64_t od = q0 / g.out[1], oh = q0 % g.out[1];
  for (std::int64_t q = q0; q < q1; ++q) {
    const std::int64_t id = od * g.stride[0] - g.pad[0] + t.kd * g.dil[0];
    const std::int64_t ih = oh * g.stride[1] - g.pad[1] + t.kh * g.dil[1];
    const bool inside = id >= 0 && id < g.in[0] && ih >= 0 && ih < g.in[1];
    fn(q, inside ? id * g.in[1] + ih : -1);
    if (++oh == g.out[1]) {
      oh = 0;
      ++od;
    }
  }
}

}  // namespace

void im2col(const float* image, std::int64_t channels, const ConvGeometry& g, std::int64_t q0,
            std::int64_t q1, float* col) {
  const std::int64_t taps = g.kernel_numel(), rows = channels * taps;
  const std::int64_t ow = g.out[2], width = (q1 - q0) * ow, sw = g.stride[2];
  for (std::int64_t r = 0; r < rows; ++r) {
    const float* plane = image + (r / taps) * g.in_numel();  // image[c]
    const Tap t = tap_of(g, r % taps);
    for_each_row(g, t, q0, q1, [&](std::int64_t q, std::int64_t row) {
      float* dst = col + r * width + (q - q0) * ow;
      if (row < 0) {
        std::fill(dst, dst + ow, 0.0f);
        return;
      }
      const float* src = plane + row * g.in[2];
      std::fill(dst, dst + t.lo, 0.0f);
      if (sw == 1) {
        std::copy(src + t.lo + t.offset, src + t.hi + t.offset, dst + t.lo);
      } else {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j] = src[j * sw + t.offset];
      }
      std::fill(dst + t.hi, dst + ow, 0.0f);
    });
  }
}

void col2im(const float* col, std::int64_t channels, const ConvGeometry& g, std::int64_t q0,
            std::int64_t q1, float* image) {
  const std::int64_t taps = g.kernel_numel();
  const std::int64_t ow = g.out[2], width = (q1 - q0) * ow, sw = g.stride[2];
  for (std::int64_t c = 0; c < channels; ++c) {
    float* plane = image + c * g.in_numel();
    for (std::int64_t k = 0; k < taps; ++k) {
      const Tap t = tap_of(g, k);
      const float* src_row = col + (c * taps + k) * width;
      for_each_row(g, t, q0, q1, [&](std::int64_t q, std::int64_t row) {
        if (row < 0) return;
        float* dst = plane + row * g.in[2];
        const float* src = src_row + (q - q0) * ow;
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j * sw + t.offset] += src[j];
      });
    }
  }
}

void conv_plane_direct(const float* image, const float* filter, const ConvGeometry& g, float* out) {
  const std::int64_t ow = g.out[2], sw = g.stride[2];
  for (std::int64_t k = 0; k < g.kernel_numel(); ++k) {
    const Tap t = tap_of(g, k);
    const float wk = filter[k];
    for_each_row(g, t, 0, g.out_rows(), [&](std::int64_t q, std::int64_t row) {
      if (row < 0) return;
      const float* src = image + row * g.in[2];
      float* dst = out + q * ow;
      if (sw == 1) {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j] += wk * src[j + t.offset];
      } else {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j] += wk * src[j * sw + t.offset];
      }
    });
  }
}

}  // namespace weightinit::nn::functional::impl
