// SPDX-License-Identifier: MIT
// weightinit's atomic safetensors writer over torch tensors and NumPy arrays.
#include <nanobind/stl/map.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bindings.h"
#include "weightinit/io/safetensors.h"

namespace weightinit::python {

namespace {

using io::StoredDType;

/// "bf16"/"bfloat16" or "f16"/"float16" as stored dtypes; ValueError otherwise.
std::optional<StoredDType> stored_from(const std::optional<std::string>& dtype) {
  if (!dtype) return std::nullopt;
  if (*dtype == "bf16" || *dtype == "bfloat16") return StoredDType::BF16;
  if (*dtype == "f16" || *dtype == "float16") return StoredDType::F16;
  throw ValueError(
      detail::concat("save_safetensors: dtype must be 'bf16' or 'f16' (or None to "
                     "keep each tensor's dtype), but got '",
                     *dtype, "'"));
}

void save(const std::string& path, const std::vector<std::pair<std::string, CpuArray>>& tensors,
          const std::map<std::string, std::string>& metadata,
          const std::optional<std::string>& dtype) {
  const std::optional<StoredDType> convert = stored_from(dtype);
  StateDict state;
  state.reserve(tensors.size());
  for (const auto& [name, array] : tensors) {
    state.emplace_back(name, array_view_or_int64(array, "save_safetensors"));
  }
  io::save_safetensors(path, state, metadata, convert);
}

}  // namespace

void bind_safetensors(nb::module_& m) {
  m.def("save_safetensors", &save, nb::arg("path"), nb::arg("tensors"), nb::arg("metadata"),
        nb::arg("dtype") = nb::none(), nb::call_guard<nb::gil_scoped_release>(),
        "Writes [(name, tensor)] to `path` as safetensors, atomically (temporary file, fsync, "
        "rename); dtype 'bf16'/'f16' rounds the floating tensors as torch's casts do.");
}

}  // namespace weightinit::python
