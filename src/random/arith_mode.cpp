// SPDX-License-Identifier: MIT
// Arithmetic-mode names, detection and the process-wide default.
#include "weightinit/random/arith_mode.h"

#include <cstdlib>
#include <optional>
#include <string>

#include "weightinit/error.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/torch_profile.h"

namespace weightinit {

std::string_view arith_mode_name(ArithMode mode) {
  return mode == ArithMode::Avx2 ? "avx2" : "default";
}

ArithMode parse_arith_mode(std::string_view name) {
  if (name == "avx2" || name == "avx512" || name == "AVX2" || name == "AVX512") {
    return ArithMode::Avx2;
  }
  if (name == "default" || name == "DEFAULT") return ArithMode::Default;
  throw ValueError(detail::concat("unknown arithmetic mode '", name,
                                  "': expected avx2 (also avx512) or default"));
}

bool cpu_has_avx2_fma() {
#if defined(__x86_64__) || defined(__i386__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

bool cpu_has_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  // __builtin_cpu_supports also checks that the OS saves the AVX-512 registers (XCR0).
  static const bool has = cpu_has_avx2_fma() && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512dq") &&
                          __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return has;
#else
  return false;
#endif
}

ArithMode detect_arith_mode() {
  for (const char* var : {"WEIGHTINIT_ARITH", "ATEN_CPU_CAPABILITY"}) {
    if (const char* value = std::getenv(var); value != nullptr && *value != '\0') {
      try {
        return parse_arith_mode(value);
      } catch (const ValueError& e) {
        throw ValueError(detail::concat("environment variable ", var, ": ", e.what()));
      }
    }
  }
  return default_torch_profile().arith;  // WEIGHTINIT_TORCH_PROFILE, else the CPU's capability
}

namespace {
std::optional<ArithMode>& default_mode_slot() {
  static std::optional<ArithMode> mode;
  return mode;
}
}  // namespace

ArithMode default_arith_mode() {
  auto& slot = default_mode_slot();
  if (!slot) slot = detect_arith_mode();
  return *slot;
}

void set_default_arith_mode(ArithMode mode) {
  default_mode_slot() = mode;
  default_generator().set_arith_mode(mode);
}

}  // namespace weightinit
