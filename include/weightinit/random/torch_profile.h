// SPDX-License-Identifier: MIT
// Torch profiles: everything about a PyTorch build that moves the bits of its CPU sampling.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "weightinit/random/arith_mode.h"
#include "weightinit/random/torch_version.h"

namespace weightinit {

class Generator;

/// A PyTorch build as weightinit reproduces it: the release's sampling behaviour (TorchVersion:
/// log1p in the scalar Box-Muller, the uniform_ clamp, the trunc_normal_ algorithm) and the CPU
/// capability whose kernels it runs (ATEN_CPU_CAPABILITY), which fixes the arithmetic
/// (ArithMode: fused multiply-adds and avx_mathfun in the AVX2/AVX-512 kernels, separate
/// roundings and glibc in the default ones). Both capabilities with FMA give the same bits on
/// every function checked, so avx512 runs the Avx2 arithmetic; any CPU computes any profile.
struct TorchProfile {
  std::string name;        ///< "2.14-avx512": release, then capability
  TorchVersion version;    ///< the release's behaviour
  ArithMode arith;         ///< the capability's arithmetic
  std::string capability;  ///< ATEN_CPU_CAPABILITY: avx512, avx2 or default
  /// Verified: the differential tests pass bit for bit against that real build in every CI run
  /// (verified_with names it). Modelled: built from PyTorch's source, never run against it.
  bool verified = false;
  std::string verified_with;
  std::string exceptions;  ///< named, measured exceptions (docs/rng.md), or ""
};

/// Every profile, newest release first: 2.15-{avx512,avx2,default} and 2.14-{...} (verified
/// against PyTorch 2.15.0 and 2.14.1 from PyPI; the same sampling), 2.0-{avx2,default} (2.0 ..
/// 2.11, modelled), 1.13-{avx2,default} (verified against Debian's python3-torch 1.13.1).
const std::vector<TorchProfile>& torch_profiles();

/// The profile called `name`; ValueError otherwise: "unknown torch profile 'x' (did you mean
/// '2.14-avx2'?): expected one of 2.14-avx512, ...".
const TorchProfile& torch_profile(std::string_view name);

/// The capability PyTorch picks on this CPU, as its DispatchStub does: ATEN_CPU_CAPABILITY when
/// set, else avx512 with AVX-512 F/BW/VL/DQ and FMA, avx2 with AVX2 and FMA, else default.
std::string pytorch_cpu_capability();

/// The profile of new generators and default_generator(): WEIGHTINIT_TORCH_PROFILE when set,
/// else the newest verified 2.x profile for pytorch_cpu_capability() (2.15-avx512 on this
/// project's machines).
const TorchProfile& default_torch_profile();

/// Makes `profile` the default: set_default_torch_version and set_default_arith_mode.
void set_default_torch_profile(const TorchProfile& profile);

/// Gives `gen` the profile's version and arithmetic.
void apply_torch_profile(Generator& gen, const TorchProfile& profile);

}  // namespace weightinit
