// SPDX-License-Identifier: MIT
// im2col / col2im over up to 3 spatial dims: the lowering of convolution to a matrix product,
// and the direct single-channel convolution with its two adjoints (for depthwise layers).
// Every kernel is instantiated for float and double.
#pragma once

#include <array>
#include <cstdint>

namespace weightinit::nn::functional::impl {

/// Geometry of a convolution with its spatial dims padded to 3 (leading dims of size 1, kernel 1,
/// stride 1, padding 0, dilation 1), so 1-d, 2-d and 3-d share one kernel. The "image" is the
/// side with `in` sizes, the "column grid" the side with `out` sizes:
/// out = (in + 2·pad − dil·(kernel − 1) − 1) / stride + 1 for a convolution.
struct ConvGeometry {
  std::array<std::int64_t, 3> in{1, 1, 1};   // image (D, H, W)
  std::array<std::int64_t, 3> out{1, 1, 1};  // column grid (OD, OH, OW)
  std::array<std::int64_t, 3> kernel{1, 1, 1};
  std::array<std::int64_t, 3> stride{1, 1, 1};
  std::array<std::int64_t, 3> pad{0, 0, 0};
  std::array<std::int64_t, 3> dil{1, 1, 1};

  std::int64_t kernel_numel() const { return kernel[0] * kernel[1] * kernel[2]; }
  std::int64_t in_numel() const { return in[0] * in[1] * in[2]; }
  std::int64_t out_numel() const { return out[0] * out[1] * out[2]; }
  /// Output rows (od, oh) of the column grid: OD·OH.
  std::int64_t out_rows() const { return out[0] * out[1]; }
  /// True when the column matrix equals the image (1×1×1 kernel, stride 1, no padding).
  bool pointwise() const;
};

/// Lowers grid rows q = od·OH + oh in [q0, q1) of a (channels, D, H, W) image into `col`, a
/// (channels·KD·KH·KW) × ((q1 − q0)·OW) row-major matrix: row r = ((c·KD + kd)·KH + kh)·KW + kw,
/// column (q − q0)·OW + ow holds
///   image[c, od·sd − pd + kd·dd, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw]  (0 outside the image).
/// Serial on purpose: it runs between multi-threaded sgemm calls, and OpenMP workers spinning
/// after a parallel region would take the cores from the BLAS threads (measured 1.3–3× slower).
template <class T>
void im2col(const T* image, std::int64_t channels, const ConvGeometry& g, std::int64_t q0,
            std::int64_t q1, T* col);

/// The adjoint of im2col: adds every entry of `col` (same layout and index map) into `image`,
/// which is accumulated, not cleared: image[c, index(r, q, ow)] += col[r, (q − q0)·OW + ow].
/// Serial and in a fixed order (channel, tap, row, column), like im2col, so it is
/// deterministic.
template <class T>
void col2im(const T* col, std::int64_t channels, const ConvGeometry& g, std::int64_t q0,
            std::int64_t q1, T* image);

/// Direct convolution of one image plane (D, H, W) with one filter (KD·KH·KW taps), accumulated
/// into `out` (OD, OH, OW): out[p] += Σ_tap filter[tap]·image[im2col's index map], taps in order.
/// For groups with a single input channel (depthwise), where a matrix product with one-row
/// operands would be all overhead.
template <class T>
void conv_plane_direct(const T* image, const T* filter, const ConvGeometry& g, T* out);

/// The adjoint of conv_plane_direct in the image: image[index(p, tap)] += filter[tap]·out[p]
/// for every grid position p and tap (taps in order); `image` is accumulated.
template <class T>
void conv_plane_direct_adjoint(const T* out, const T* filter, const ConvGeometry& g, T* image);

/// The adjoint of conv_plane_direct in the filter: dfilter[tap] += Σ_p out[p]·image[index(p,
/// tap)], each tap's sum over the grid in row-major order; `dfilter` is accumulated.
template <class T>
void conv_plane_direct_filter(const T* image, const T* out, const ConvGeometry& g, T* dfilter);

}  // namespace weightinit::nn::functional::impl
