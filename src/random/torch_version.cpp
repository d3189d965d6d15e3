// SPDX-License-Identifier: MIT
// Torch-version names and the process-wide default.
#include "weightinit/random/torch_version.h"

#include <charconv>
#include <cstdlib>
#include <optional>

#include "weightinit/error.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/torch_profile.h"

namespace weightinit {

std::string_view torch_version_name(TorchVersion version) {
  switch (version) {
    case TorchVersion::V1_13:
      return "1.13";
    case TorchVersion::V2_0:
      return "2.0";
    case TorchVersion::V2_12:
      return "2.12";
  }
  return "?";
}

TorchVersion parse_torch_version(std::string_view name) {
  int major = -1, minor = -1;
  const char* p = name.data();
  const char* end = name.data() + name.size();
  auto r = std::from_chars(p, end, major);
  if (r.ec == std::errc() && r.ptr < end && *r.ptr == '.') {
    r = std::from_chars(r.ptr + 1, end, minor);
  }
  const bool parsed = r.ec == std::errc() && minor >= 0 && (r.ptr == end || *r.ptr == '.');
  if (parsed && major == 1 && minor == 13) return TorchVersion::V1_13;
  if (parsed && major == 2 && minor < 12) return TorchVersion::V2_0;
  if (parsed && (major == 2 || major > 2)) return TorchVersion::V2_12;
  throw ValueError(detail::concat("unsupported torch version '", name,
                                  "': expected 1.13, 2.0 .. 2.11, or 2.12 and later"));
}

namespace {
std::optional<TorchVersion>& default_version_slot() {
  static std::optional<TorchVersion> version;
  return version;
}
}  // namespace

TorchVersion default_torch_version() {
  auto& slot = default_version_slot();
  if (!slot) {
    const char* env = std::getenv("WEIGHTINIT_TORCH_VERSION");
    slot = (env && *env) ? parse_torch_version(env) : default_torch_profile().version;
  }
  return *slot;
}

void set_default_torch_version(TorchVersion version) {
  default_version_slot() = version;
  default_generator().set_torch_version(version);
}

}  // namespace weightinit
