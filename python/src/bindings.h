// SPDX-License-Identifier: MIT
// The parts of the Python extension weightinit._core, each bound by its own file.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include "weightinit/tensor/tensor.h"

namespace weightinit::python {

namespace nb = nanobind;

/// Any CPU array: a torch.Tensor (through DLPack) or a NumPy array, of any dtype and strides.
/// Functions take it with noconvert(), so nanobind never hands them a converted copy.
using CpuArray = nb::ndarray<nb::device::cpu>;

/// A Tensor over `array`'s memory (Tensor::from_blob; no copy): float32 or float64, any
/// non-negative strides. Throws DTypeError "{op} expects a float32 or float64 tensor, but got
/// dtype {dtype}" for other dtypes, and ValueError with torch's "unsupported operation: more
/// than one element of the written-to tensor refers to a single memory location" when two
/// elements share memory (a zero stride over more than one element).
Tensor array_view(const CpuArray& array, const char* op);

/// array_view that also takes int64 arrays (the dtype of counters, num_batches_tracked).
Tensor array_view_or_int64(const CpuArray& array, const char* op);

/// Maps weightinit's exceptions to weightinit._errors' classes (each also a RuntimeError, as
/// torch's C++ checks raise), and its warnings to Python's UserWarning.
void bind_errors(nb::module_& m);

/// weightinit._core.Generator: the torch and Philox families.
void bind_generator(nb::module_& m);

/// The torch.nn.init functions over arrays, each with a required Generator.
void bind_init(nb::module_& m);

/// save_safetensors: a state dict to a safetensors file, atomically.
void bind_safetensors(nb::module_& m);

/// format_summary: torchsummary's table (diag::Summary) for rows gathered in Python.
void bind_summary(nb::module_& m);

/// set_num_threads / get_num_threads.
void bind_threads(nb::module_& m);

/// apply_policy: weightinit's init policies over a torch model's parameters.
void bind_policy(nb::module_& m);

}  // namespace weightinit::python
