// SPDX-License-Identifier: MIT
// im2col / col2im over up to 3 spatial dims, and the direct single-channel convolution with its
// adjoints; float and double instantiations.
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

template <class T>
void im2col(const T* image, std::int64_t channels, const ConvGeometry& g, std::int64_t q0,
            std::int64_t q1, T* col) {
  const std::int64_t taps = g.kernel_numel(), rows = channels * taps;
  const std::int64_t ow = g.out[2], width = (q1 - q0) * ow, sw = g.stride[2];
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* plane = image + (r / taps) * g.in_numel();  // image[c]
    const Tap t = tap_of(g, r % taps);
    for_each_row(g, t, q0, q1, [&](std::int64_t q, std::int64_t row) {
      T* dst = col + r * width + (q - q0) * ow;
      if (row < 0) {
        std::fill(dst, dst + ow, T(0));
        return;
      }
      const T* src = plane + row * g.in[2];
      std::fill(dst, dst + t.lo, T(0));
      if (sw == 1) {
        std::copy(src + t.lo + t.offset, src + t.hi + t.offset, dst + t.lo);
      } else {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j] = src[j * sw + t.offset];
      }
      std::fill(dst + t.hi, dst + ow, T(0));
    });
  }
}

template <class T>
void col2im(const T* col, std::int64_t channels, const ConvGeometry& g, std::int64_t q0,
            std::int64_t q1, T* image) {
  const std::int64_t taps = g.kernel_numel();
  const std::int64_t ow = g.out[2], width = (q1 - q0) * ow, sw = g.stride[2];
  for (std::int64_t c = 0; c < channels; ++c) {
    T* plane = image + c * g.in_numel();
    for (std::int64_t k = 0; k < taps; ++k) {
      const Tap t = tap_of(g, k);
      const T* src_row = col + (c * taps + k) * width;
      for_each_row(g, t, q0, q1, [&](std::int64_t q, std::int64_t row) {
        if (row < 0) return;
        T* dst = plane + row * g.in[2];
        const T* src = src_row + (q - q0) * ow;
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j * sw + t.offset] += src[j];
      });
    }
  }
}

template <class T>
void conv_plane_direct(const T* image, const T* filter, const ConvGeometry& g, T* out) {
  const std::int64_t ow = g.out[2], sw = g.stride[2];
  for (std::int64_t k = 0; k < g.kernel_numel(); ++k) {
    const Tap t = tap_of(g, k);
    const T wk = filter[k];
    for_each_row(g, t, 0, g.out_rows(), [&](std::int64_t q, std::int64_t row) {
      if (row < 0) return;
      const T* src = image + row * g.in[2];
      T* dst = out + q * ow;
      if (sw == 1) {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j] += wk * src[j + t.offset];
      } else {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j] += wk * src[j * sw + t.offset];
      }
    });
  }
}

template <class T>
void conv_plane_direct_adjoint(const T* out, const T* filter, const ConvGeometry& g, T* image) {
  const std::int64_t ow = g.out[2], sw = g.stride[2];
  for (std::int64_t k = 0; k < g.kernel_numel(); ++k) {
    const Tap t = tap_of(g, k);
    const T wk = filter[k];
    for_each_row(g, t, 0, g.out_rows(), [&](std::int64_t q, std::int64_t row) {
      if (row < 0) return;
      T* dst = image + row * g.in[2];
      const T* src = out + q * ow;
      if (sw == 1) {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j + t.offset] += wk * src[j];
      } else {
        for (std::int64_t j = t.lo; j < t.hi; ++j) dst[j * sw + t.offset] += wk * src[j];
      }
    });
  }
}

template <class T>
void conv_plane_direct_filter(const T* image, const T* out, const ConvGeometry& g, T* dfilter) {
  const std::int64_t ow = g.out[2], sw = g.stride[2];
  for (std::int64_t k = 0; k < g.kernel_numel(); ++k) {
    const Tap t = tap_of(g, k);
    double sum = 0.0;  // float32 too: one tap's sum runs over the whole plane
    for_each_row(g, t, 0, g.out_rows(), [&](std::int64_t q, std::int64_t row) {
      if (row < 0) return;
      const T* src = image + row * g.in[2];
      const T* dy = out + q * ow;
      for (std::int64_t j = t.lo; j < t.hi; ++j) {
        sum += static_cast<double>(dy[j]) * static_cast<double>(src[j * sw + t.offset]);
      }
    });
    dfilter[k] += static_cast<T>(sum);
  }
}

#define WEIGHTINIT_IM2COL_INSTANTIATE(T)                                                           \
  template void im2col<T>(const T*, std::int64_t, const ConvGeometry&, std::int64_t, std::int64_t, \
                          T*);                                                                     \
  template void col2im<T>(const T*, std::int64_t, const ConvGeometry&, std::int64_t, std::int64_t, \
                          T*);                                                                     \
  template void conv_plane_direct<T>(const T*, const T*, const ConvGeometry&, T*);                 \
  template void conv_plane_direct_adjoint<T>(const T*, const T*, const ConvGeometry&, T*);         \
  template void conv_plane_direct_filter<T>(const T*, const T*, const ConvGeometry&, T*);

WEIGHTINIT_IM2COL_INSTANTIATE(float)
WEIGHTINIT_IM2COL_INSTANTIATE(double)
#undef WEIGHTINIT_IM2COL_INSTANTIATE

}  // namespace weightinit::nn::functional::impl
