// SPDX-License-Identifier: MIT
// Which PyTorch release's sampling kernels the samplers reproduce.
#pragma once

#include <cstdint>
#include <string_view>

namespace weightinit {

/// PyTorch changed a few CPU sampling details between releases (docs/rng.md, "Versions").
/// For float32 the releases agree everywhere except where noted, so the choice rarely matters.
enum class TorchVersion : std::uint8_t {
  /// 1.13.x: verified bit for bit against Debian's python3-torch 1.13.1.
  V1_13,
  /// 2.0 to 2.11: the scalar Box-Muller uses log1p(-u2) instead of log(1-u2), which moves
  /// some float64 normal_ values (fewer than 16 elements, or non-contiguous) by up to 2 ulp.
  /// Built from PyTorch's source; not yet verified against a running 2.x build.
  V2_0,
  /// 2.12 and later: as V2_0, plus uniform_ returns `from` when the rounded result equals
  /// `to`, DEFAULT-mode normal_ uses an explicit fma, and trunc_normal_ is a rejection
  /// sampler. Verified bit for bit against PyTorch 2.14.1 from PyPI (torch profiles 2.14-*).
  V2_12,
};

/// "1.13", "2.0" or "2.12".
std::string_view torch_version_name(TorchVersion version);

/// Parses "1.13", "2.0".."2.11" (→ V2_0) or "2.12" and later (→ V2_12); throws ValueError.
TorchVersion parse_torch_version(std::string_view name);

/// The version new generators get: `WEIGHTINIT_TORCH_VERSION` if set, else that of
/// default_torch_profile() (V2_12: PyTorch 2.14, what users run, unless
/// WEIGHTINIT_TORCH_PROFILE names another).
TorchVersion default_torch_version();

/// Changes the version new generators get, and that of default_generator().
void set_default_torch_version(TorchVersion version);

}  // namespace weightinit
