// SPDX-License-Identifier: MIT
// Which implementation runs the float32 convolutions: oneDNN (PyTorch's CPU convolution
// library) when the build found it, or the reference im2col + BLAS path.
#pragma once

#include <string_view>

namespace weightinit::nn {

/// The implementation of float32 conv / conv_backward (conv_transpose2d and float64 always use
/// the reference path).
enum class ConvBackend {
  Auto,       ///< oneDNN when this build has it, else the reference path (the default)
  Reference,  ///< im2col / col2im + BLAS gemm, and direct loops for one channel per group
  OneDnn,     ///< oneDNN's convolution primitives; a build without oneDNN throws ValueError
};

/// True when this build links oneDNN (CMake found libdnnl-dev; WEIGHTINIT_ONEDNN=ON).
bool onednn_available();

/// Selects the backend for the whole process (the default comes from the environment variable
/// WEIGHTINIT_CONV_BACKEND = auto | reference | onednn, else Auto). Both paths agree within
/// float32 rounding: 1e-5 relative (max |diff| / max |value|) on every shape the tests try.
/// A shape oneDNN cannot build a primitive for falls back to the reference path with a one-time
/// warning.
void set_conv_backend(ConvBackend backend);

/// The backend in force; Auto resolved: OneDnn or Reference.
ConvBackend conv_backend();

/// "auto", "reference" or "onednn"; ValueError for anything else ("unknown convolution backend
/// 'x': expected auto, reference or onednn").
ConvBackend parse_conv_backend(std::string_view name);

}  // namespace weightinit::nn
