// SPDX-License-Identifier: MIT
// The MKL runtime, loaded at run time: torch 2.x's erfinv (VML) and QR (LAPACK), as PyPI's
// PyTorch wheels compute them.
#pragma once

#include <cstdint>

namespace weightinit::detail {

/// MKL's vmsErfInv / vmdErfInv in the mode ATen's vml.h uses (VML_HA | VML_FTZDAZ_OFF |
/// VML_ERRMODE_IGNORE): PyPI's PyTorch 2.x links MKL 2024.2 statically and routes
/// `Tensor.erfinv_` there, so its bits are MKL's, not ATen's calc_erfinv. MKL is closed, so it
/// is loaded at run time from the MKL runtime PyPI's `mkl==2024.2.0` wheel ships
/// (libmkl_rt.so.2): the path in WEIGHTINIT_MKL_RT, else the loader's search path. Identical
/// to torch 2.14.1's erfinv on 10^6 float32 and float64 values in both capabilities (tested).
struct MklRuntime {
  void (*erfinv_f32)(std::int64_t n, const float* in, float* out, std::int64_t mode);
  void (*erfinv_f64)(std::int64_t n, const double* in, double* out, std::int64_t mode);
  std::int64_t mode;  ///< VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE
  /// MKL's LAPACK QR (Fortran ABI, LP64), which torch.linalg.qr — and so orthogonal_ — calls in
  /// the same wheels; nullptr when the runtime lacks them.
  void (*sgeqrf)(const int*, const int*, float*, const int*, float*, float*, const int*, int*);
  void (*dgeqrf)(const int*, const int*, double*, const int*, double*, double*, const int*, int*);
  void (*set_threads)(int);  ///< MKL_Set_Num_Threads (its QR's bits depend on the count)
  void (*sorgqr)(const int*, const int*, const int*, float*, const int*, const float*, float*,
                 const int*, int*);
  void (*dorgqr)(const int*, const int*, const int*, double*, const int*, const double*, double*,
                 const int*, int*);
};

/// The MKL runtime, loaded once (GNU OpenMP threading layer, as PyTorch's wheels link MKL);
/// nullptr when none can be loaded. Callers then use calc_erfinv / the linked LAPACK and
/// warn (docs/rng.md, "Exceptions").
const MklRuntime* mkl_runtime();

}  // namespace weightinit::detail
