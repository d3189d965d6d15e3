// SPDX-License-Identifier: MIT
// The torch profiles and the default one.
#include "weightinit/random/torch_profile.h"

#include <cstdlib>

#include "detail/text.h"
#include "weightinit/error.h"
#include "weightinit/random/generator.h"

namespace weightinit {

namespace {
constexpr const char* kTorch2Oracle =
    "PyTorch 2.14.1+cu130 from PyPI (MKL): ctest -L torch2, every CI run";
constexpr const char* kTorch215Oracle =
    "PyTorch 2.15.0+cu132 from PyPI (MKL): ctest torch215_*, every CI run";
constexpr const char* kTorch113Oracle =
    "Debian python3-torch 1.13.1 (OpenBLAS): golden files and ctest differential_*";
constexpr const char* kMklQr =
    "erfinv and orthogonal_'s QR are MKL's: exact with PyPI's mkl==2024.2.0 runtime "
    "(WEIGHTINIT_MKL_RT), else within 1 ulp (erfinv) and 512 eps (QR) (docs/rng.md)";
}  // namespace

const std::vector<TorchProfile>& torch_profiles() {
  static const std::vector<TorchProfile> profiles{
      {"2.15-avx512", TorchVersion::V2_12, ArithMode::Avx2, "avx512", true, kTorch215Oracle,
       kMklQr},
      {"2.15-avx2", TorchVersion::V2_12, ArithMode::Avx2, "avx2", true, kTorch215Oracle, kMklQr},
      {"2.15-default", TorchVersion::V2_12, ArithMode::Default, "default", true, kTorch215Oracle,
       kMklQr},
      {"2.14-avx512", TorchVersion::V2_12, ArithMode::Avx2, "avx512", true, kTorch2Oracle, kMklQr},
      {"2.14-avx2", TorchVersion::V2_12, ArithMode::Avx2, "avx2", true, kTorch2Oracle, kMklQr},
      {"2.14-default", TorchVersion::V2_12, ArithMode::Default, "default", true, kTorch2Oracle,
       kMklQr},
      {"2.0-avx2", TorchVersion::V2_0, ArithMode::Avx2, "avx2", false, "", ""},
      {"2.0-default", TorchVersion::V2_0, ArithMode::Default, "default", false, "", ""},
      {"1.13-avx2", TorchVersion::V1_13, ArithMode::Avx2, "avx2", true, kTorch113Oracle, ""},
      {"1.13-default", TorchVersion::V1_13, ArithMode::Default, "default", true, kTorch113Oracle,
       ""},
  };
  return profiles;
}

const TorchProfile& torch_profile(std::string_view name) {
  std::vector<std::string> names;
  for (const TorchProfile& p : torch_profiles()) {
    if (p.name == name) return p;
    names.push_back(p.name);
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const std::string best = detail::closest_within(std::string(name), names, 4);
  throw ValueError(detail::concat("unknown torch profile '", name, "'",
                                  best.empty() ? std::string() : " (did you mean '" + best + "'?)",
                                  ": expected one of ", list,
                                  " (weightinit list --torch-profiles)"));
}

std::string pytorch_cpu_capability() {
  if (const char* env = std::getenv("ATEN_CPU_CAPABILITY"); env != nullptr && *env != '\0') {
    const std::string value(env);
    if (value == "avx512" || value == "avx2" || value == "default") return value;
  }
  if (cpu_has_avx512()) return "avx512";
  return cpu_has_avx2_fma() ? "avx2" : "default";
}

const TorchProfile& default_torch_profile() {
  static const TorchProfile* chosen = [] {
    if (const char* env = std::getenv("WEIGHTINIT_TORCH_PROFILE"); env != nullptr && *env != '\0') {
      try {
        return &torch_profile(env);
      } catch (const ValueError& e) {
        throw ValueError(
            detail::concat("environment variable WEIGHTINIT_TORCH_PROFILE: ", e.what()));
      }
    }
    const std::string capability = pytorch_cpu_capability();
    for (const TorchProfile& p : torch_profiles()) {  // newest first
      if (p.verified && p.capability == capability) return &p;
    }
    return &torch_profiles().front();
  }();
  return *chosen;
}

void set_default_torch_profile(const TorchProfile& profile) {
  set_default_torch_version(profile.version);
  set_default_arith_mode(profile.arith);
}

void apply_torch_profile(Generator& gen, const TorchProfile& profile) {
  gen.set_torch_version(profile.version);
  gen.set_arith_mode(profile.arith);
}

}  // namespace weightinit
