// SPDX-License-Identifier: MIT
// A CPU array (torch.Tensor or NumPy) seen as a weightinit Tensor, without a copy.
#include <string>

#include "bindings.h"
#include "weightinit/error.h"

namespace weightinit::python {

namespace {

/// NumPy's name for a DLPack dtype ("int32", "bfloat16", "float16", ...).
std::string dtype_text(const nb::dlpack::dtype& dtype) {
  const char* kind = "?";
  switch (static_cast<nb::dlpack::dtype_code>(dtype.code)) {
    case nb::dlpack::dtype_code::Int:
      kind = "int";
      break;
    case nb::dlpack::dtype_code::UInt:
      kind = "uint";
      break;
    case nb::dlpack::dtype_code::Float:
      kind = "float";
      break;
    case nb::dlpack::dtype_code::Bfloat:
      kind = "bfloat";
      break;
    case nb::dlpack::dtype_code::Complex:
      kind = "complex";
      break;
    case nb::dlpack::dtype_code::Bool:
      return "bool";
    default:
      return "dlpack code " + std::to_string(dtype.code) + ", " + std::to_string(dtype.bits) +
             " bits";
  }
  return std::string(kind) + std::to_string(dtype.bits);
}

}  // namespace

namespace {

Tensor view_of(const CpuArray& array, const char* op, bool allow_int64) {
  DType dtype;
  if (array.dtype() == nb::dtype<float>()) {
    dtype = DType::Float32;
  } else if (array.dtype() == nb::dtype<double>()) {
    dtype = DType::Float64;
  } else if (allow_int64 && array.dtype() == nb::dtype<std::int64_t>()) {
    dtype = DType::Int64;
  } else if (allow_int64) {
    throw DTypeError(detail::concat(op,
                                    " expects a float32, float64 or int64 tensor, but got "
                                    "dtype ",
                                    dtype_text(array.dtype())));
  } else {
    throw DTypeError(detail::concat(op, " expects a float32 or float64 tensor, but got dtype ",
                                    dtype_text(array.dtype())));
  }
  Shape sizes(array.ndim()), strides(array.ndim());
  for (std::size_t k = 0; k < array.ndim(); ++k) {
    sizes[k] = static_cast<std::int64_t>(array.shape(k));
    strides[k] = array.stride(k);
    WEIGHTINIT_CHECK(strides[k] != 0 || sizes[k] <= 1, ValueError,
                     "unsupported operation: more than one element of the written-to tensor "
                     "refers to a single memory location. Please clone() the tensor before "
                     "performing the operation.");
  }
  return Tensor::from_blob(array.data(), sizes, strides, dtype);
}

}  // namespace

Tensor array_view(const CpuArray& array, const char* op) { return view_of(array, op, false); }

Tensor array_view_or_int64(const CpuArray& array, const char* op) {
  return view_of(array, op, true);
}

}  // namespace weightinit::python
