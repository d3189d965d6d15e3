// SPDX-License-Identifier: MIT
// Tensor: a dense, owning, strided N-dimensional array of float32 or float64.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "weightinit/dtype.h"
#include "weightinit/error.h"
#include "weightinit/tensor/shape.h"

namespace weightinit {

/// A dense N-dimensional array with shared storage, int64 sizes and strides (in elements) and
/// a storage offset, like a CPU `torch.Tensor`. Fresh tensors are contiguous row-major; views
/// made by transpose/permute/select/slice share the storage and may be non-contiguous.
/// Copying a Tensor copies the handle (both refer to the same storage), as in PyTorch.
/// Tensors with more than 2^31 elements are supported; all indexing is int64.
class Tensor {
 public:
  /// An undefined tensor (defined() is false), like `torch::Tensor()`.
  Tensor() = default;

  /// Uninitialised contiguous tensor, like `torch.empty(sizes, dtype=dtype)`.
  static Tensor empty(const Shape& sizes, DType dtype = DType::Float32);
  /// Contiguous tensor of zeros, like `torch.zeros`.
  static Tensor zeros(const Shape& sizes, DType dtype = DType::Float32);
  /// Contiguous tensor filled with `value` (rounded to dtype), like `torch.full`.
  static Tensor full(const Shape& sizes, double value, DType dtype = DType::Float32);
  /// A deferred tensor: shape, strides and dtype but no memory, like a tensor on PyTorch's
  /// "meta" device. Views of it are deferred too. Reading or writing its elements throws
  /// Error ("... is deferred ..."); Tensor::empty/zeros/full make deferred tensors while a
  /// DeferredAllocationGuard is alive (weightinit/tensor/deferred.h).
  static Tensor deferred(const Shape& sizes, DType dtype = DType::Float32);
  /// A tensor over memory it does not own, like `torch.from_blob`: element i0..in lies at
  /// `data` + Σ i_k·strides[k] elements. Writes go straight into `data` (no copy), which must
  /// stay valid while any tensor or view of it lives; `keepalive`, when given, is held until
  /// the last one is gone (a NumPy array or DLPack capsule, say). Made with memory even under
  /// a DeferredAllocationGuard. ValueError for a null `data` with elements, a `data` not aligned
  /// to the element size, a stride count that is not the number of dimensions, or a negative
  /// stride; ShapeError for a negative size or an extent past 2^64 bytes.
  static Tensor from_blob(void* data, const Shape& sizes, const Shape& strides, DType dtype,
                          std::shared_ptr<void> keepalive = nullptr);
  /// from_blob over contiguous row-major memory.
  static Tensor from_blob(void* data, const Shape& sizes, DType dtype,
                          std::shared_ptr<void> keepalive = nullptr);
  /// Contiguous copy of `values` (row-major) with shape `sizes`; numel must match.
  template <class T>
  static Tensor from_data(std::span<const T> values, const Shape& sizes);

  bool defined() const { return storage_ != nullptr; }
  /// True for a tensor without memory (Tensor::deferred, or made under a
  /// DeferredAllocationGuard).
  bool is_deferred() const;
  DType dtype() const { return dtype_; }
  std::int64_t dim() const { return static_cast<std::int64_t>(sizes_.size()); }
  const Shape& sizes() const { return sizes_; }
  const Shape& strides() const { return strides_; }
  /// Size of dimension `d`; negative `d` counts from the end, as in PyTorch.
  std::int64_t size(std::int64_t d) const;
  std::int64_t stride(std::int64_t d) const;
  std::int64_t numel() const { return numel_; }
  std::int64_t storage_offset() const { return offset_; }
  std::size_t element_size() const { return weightinit::element_size(dtype_); }
  /// True when the strides are the row-major strides of sizes (size-1 dims are ignored).
  bool is_contiguous() const;
  /// True when both tensors view the same storage.
  bool shares_storage_with(const Tensor& other) const { return storage_ == other.storage_; }

  /// Pointer to the element at index (0, ..., 0). Throws DTypeError when T does not match.
  template <class T>
  T* data_ptr() const;
  /// Untyped pointer to the element at index (0, ..., 0).
  void* raw_data() const;

  /// Element at `index` (one entry per dim, negative entries wrap), converted to double.
  double item(std::span<const std::int64_t> index) const;
  double item(std::initializer_list<std::int64_t> index) const {
    return item(std::span<const std::int64_t>(index.begin(), index.size()));
  }
  /// Value of a one-element tensor, converted to double.
  double item() const;
  /// Sets the element at `index` to `value` (rounded to dtype).
  void set_item(std::span<const std::int64_t> index, double value);
  void set_item(std::initializer_list<std::int64_t> index, double value) {
    set_item(std::span<const std::int64_t>(index.begin(), index.size()), value);
  }

  /// View with dims d0 and d1 swapped (shares storage), like `Tensor.transpose`.
  Tensor transpose(std::int64_t d0, std::int64_t d1) const;
  /// 2-D transpose; a tensor with fewer than 2 dims is returned as is, like `Tensor.t`.
  Tensor t() const;
  /// View with dims reordered, like `Tensor.permute`.
  Tensor permute(const Shape& dims) const;
  /// View of index `index` along `dim`, which is removed, like `Tensor.select` / `t[i]`.
  Tensor select(std::int64_t dim, std::int64_t index) const;
  /// View of [start, end) with `step` along `dim`, like `t[start:end:step]`.
  Tensor slice(std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1) const;
  /// View with new sizes over the same elements; requires a contiguous tensor.
  Tensor view(const Shape& sizes) const;

  /// Deep copy into a new contiguous tensor.
  Tensor clone() const;
  /// This tensor when contiguous, a contiguous clone otherwise.
  Tensor contiguous() const;
  /// Copy converted to `dtype` (round to nearest).
  Tensor to(DType dtype) const;
  /// Sets every element to `value` (rounded to dtype); returns *this.
  Tensor& fill_(double value);
  /// Copies `src` (same shape, any dtype and strides) into this tensor; returns *this.
  Tensor& copy_(const Tensor& src);

  /// Elements in logical (row-major index) order.
  template <class T>
  std::vector<T> to_vector() const;

  /// PyTorch's repr: `tensor([[0.6779, 0.0173]])`, with the global print options.
  std::string str() const;

 private:
  struct Storage;
  Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape sizes, Shape strides,
         std::int64_t offset);
  std::int64_t wrap_dim(std::int64_t d) const;
  void check_materialized(const char* what) const;
  std::int64_t element_offset(std::span<const std::int64_t> index) const;

  std::shared_ptr<Storage> storage_;
  DType dtype_ = DType::Float32;
  Shape sizes_;
  Shape strides_;
  std::int64_t offset_ = 0;
  std::int64_t numel_ = 0;
};

/// Writes `t.str()`.
std::ostream& operator<<(std::ostream& os, const Tensor& t);

}  // namespace weightinit
