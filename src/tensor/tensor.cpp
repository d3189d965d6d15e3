// SPDX-License-Identifier: MIT
// Tensor storage, views and element access.
#include "weightinit/tensor/tensor.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>
#include <utility>

#include "detail/strided_loop.h"
#include "random/deferred_draw.h"
#include "tensor/memory_cache_impl.h"
#include "weightinit/tensor/deferred.h"
#include "weightinit/tensor/print.h"

namespace weightinit {

/// Owns one 64-byte-aligned allocation. Memory is left uninitialised, like torch.empty, so
/// that a fill touches each page once. Allocations of 4 MiB and more are 2 MiB-aligned and
/// advised as transparent huge pages (Linux madvise): a 100 MB model then takes ~50 page faults
/// instead of ~25,000, which is a third of the time of initializing it on this machine.
/// Freed blocks of 1 MiB and more go to the memory cache (memory_cache.h) for the next tensor of
/// the same size.
struct Tensor::Storage {
  struct DeferredTag {};
  /// No memory: a deferred tensor's storage.
  Storage(std::size_t size, DeferredTag) : nbytes(size), deferred(true) {}
  struct ExternalTag {};
  /// Memory owned elsewhere (from_blob), with whatever keeps it alive.
  Storage(void* memory, std::size_t size, std::shared_ptr<void> keep, ExternalTag)
      : data(memory), nbytes(size), keepalive(std::move(keep)), external(true) {}
  explicit Storage(std::size_t size) : nbytes(size) {
    constexpr std::size_t kAlign = 64, kHuge = std::size_t{2} << 20;
    const bool huge = nbytes >= 2 * kHuge;
    const std::size_t align = huge ? kHuge : kAlign;
    rounded = (nbytes + align - 1) / align * align;
    data = detail::take_cached_block(rounded);  // a freed block of this size (memory_cache.h)
    if (data != nullptr) return;
    data = rounded ? std::aligned_alloc(align, rounded) : nullptr;
    if (rounded && !data) {
      throw Error(detail::concat("out of memory: cannot allocate ", nbytes, " bytes"));
    }
#ifdef MADV_HUGEPAGE
    // Advice only: failure changes nothing. WEIGHTINIT_HUGE_PAGES=0 turns it off (with THP
    // defrag "madvise", a fault may stall while the kernel compacts memory for a huge page).
    static const bool enabled = [] {
      const char* v = std::getenv("WEIGHTINIT_HUGE_PAGES");
      return v == nullptr || std::string(v) != "0";
    }();
    if (huge && enabled) ::madvise(data, rounded, MADV_HUGEPAGE);
#endif
  }
  ~Storage() {
    if (!external) detail::give_back_block(data, rounded);
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data = nullptr;
  std::size_t nbytes = 0;
  std::size_t rounded = 0;          // the allocation's size (owned memory)
  std::shared_ptr<void> keepalive;  // external memory's owner, released with the storage
  bool deferred = false;
  bool external = false;
};

namespace {
thread_local bool t_deferred_allocation = false;
}  // namespace

bool deferred_allocation() { return t_deferred_allocation; }

DeferredAllocationGuard::DeferredAllocationGuard() : previous_(t_deferred_allocation) {
  t_deferred_allocation = true;
}
DeferredAllocationGuard::~DeferredAllocationGuard() { t_deferred_allocation = previous_; }

namespace {

template <class Fn>
decltype(auto) dispatch(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::Float32:
      return fn(float{});
    case DType::Float64:
      return fn(double{});
    case DType::Int64:
      return fn(std::int64_t{});
  }
  throw DTypeError("unknown dtype");
}

}  // namespace

Tensor::Tensor(std::shared_ptr<Storage> storage, DType dtype, Shape sizes, Shape strides,
               std::int64_t offset)
    : storage_(std::move(storage)),
      dtype_(dtype),
      sizes_(std::move(sizes)),
      strides_(std::move(strides)),
      offset_(offset),
      numel_(numel_of(sizes_)) {}

Tensor Tensor::empty(const Shape& sizes, DType dtype) {
  const std::int64_t n = numel_of(sizes);
  std::size_t nbytes = 0;
  WEIGHTINIT_CHECK(!__builtin_mul_overflow(static_cast<std::size_t>(n),
                                           weightinit::element_size(dtype), &nbytes),
                   ShapeError, "shape ", shape_str(sizes), " needs more than 2^64 bytes");
  if (t_deferred_allocation) {
    return Tensor(std::make_shared<Storage>(nbytes, Storage::DeferredTag{}), dtype, sizes,
                  contiguous_strides(sizes), 0);
  }
  return Tensor(std::make_shared<Storage>(nbytes), dtype, sizes, contiguous_strides(sizes), 0);
}

Tensor Tensor::from_blob(void* data, const Shape& sizes, const Shape& strides, DType dtype,
                         std::shared_ptr<void> keepalive) {
  WEIGHTINIT_CHECK(strides.size() == sizes.size(), ValueError, "from_blob: ", strides.size(),
                   " strides for a shape of ", sizes.size(), " dimensions ", shape_str(sizes));
  const std::int64_t n = numel_of(sizes);  // ShapeError for a negative size
  const std::size_t el = weightinit::element_size(dtype);
  std::size_t extent = n > 0 ? 1 : 0;  // elements from the first to the last one, inclusive
  for (std::size_t d = 0; d < sizes.size(); ++d) {
    WEIGHTINIT_CHECK(strides[d] >= 0, ValueError,
                     "from_blob: negative strides are not supported, "
                     "but got stride ",
                     strides[d], " in dimension ", d);
    if (n > 0 && sizes[d] > 1) {
      std::size_t span = 0;
      WEIGHTINIT_CHECK(!__builtin_mul_overflow(static_cast<std::size_t>(sizes[d] - 1),
                                               static_cast<std::size_t>(strides[d]), &span) &&
                           !__builtin_add_overflow(extent, span, &extent),
                       ShapeError, "from_blob: shape ", shape_str(sizes), " with strides ",
                       shape_str(strides), " reaches past 2^64 elements");
    }
  }
  std::size_t nbytes = 0;
  WEIGHTINIT_CHECK(!__builtin_mul_overflow(extent, el, &nbytes), ShapeError, "from_blob: shape ",
                   shape_str(sizes), " with strides ", shape_str(strides),
                   " needs more than 2^64 bytes");
  WEIGHTINIT_CHECK(n == 0 || data != nullptr, ValueError,
                   "from_blob: data is null for a tensor of ", n, " elements");
  WEIGHTINIT_CHECK(reinterpret_cast<std::uintptr_t>(data) % el == 0, ValueError,
                   "from_blob: data is not aligned to the ", el, "-byte elements of ",
                   dtype_name(dtype));
  return Tensor(
      std::make_shared<Storage>(data, nbytes, std::move(keepalive), Storage::ExternalTag{}), dtype,
      sizes, strides, 0);
}

Tensor Tensor::from_blob(void* data, const Shape& sizes, DType dtype,
                         std::shared_ptr<void> keepalive) {
  return from_blob(data, sizes, contiguous_strides(sizes), dtype, std::move(keepalive));
}

Tensor Tensor::deferred(const Shape& sizes, DType dtype) {
  const DeferredAllocationGuard guard;
  return empty(sizes, dtype);
}

bool Tensor::is_deferred() const { return storage_ != nullptr && storage_->deferred; }

void Tensor::check_materialized(const char* what) const {
  WEIGHTINIT_CHECK(!is_deferred(), Error, what, ": the tensor of shape ", shape_str(sizes_),
                   " is deferred (built under a DeferredAllocationGuard): it has a shape and a "
                   "dtype but no memory to read or write");
}

Tensor Tensor::zeros(const Shape& sizes, DType dtype) {
  Tensor t = empty(sizes, dtype);
  if (t.numel_ > 0 && !t.is_deferred()) std::memset(t.storage_->data, 0, t.storage_->nbytes);
  return t;
}

Tensor Tensor::full(const Shape& sizes, double value, DType dtype) {
  Tensor t = empty(sizes, dtype);
  if (!t.is_deferred()) t.fill_(value);
  return t;
}

template <class T>
Tensor Tensor::from_data(std::span<const T> values, const Shape& sizes) {
  // Given values are materialized even under a DeferredAllocationGuard.
  const bool deferred = std::exchange(t_deferred_allocation, false);
  Tensor t;
  try {
    t = empty(sizes, dtype_of<T>());
  } catch (...) {
    t_deferred_allocation = deferred;
    throw;
  }
  t_deferred_allocation = deferred;
  WEIGHTINIT_CHECK(static_cast<std::int64_t>(values.size()) == t.numel_, ShapeError, "shape ",
                   shape_str(sizes), " has ", t.numel_, " elements, but ", values.size(),
                   " values were given");
  if (!values.empty()) std::memcpy(t.storage_->data, values.data(), values.size_bytes());
  return t;
}
template Tensor Tensor::from_data<float>(std::span<const float>, const Shape&);
template Tensor Tensor::from_data<double>(std::span<const double>, const Shape&);
template Tensor Tensor::from_data<std::int64_t>(std::span<const std::int64_t>, const Shape&);

std::int64_t Tensor::wrap_dim(std::int64_t d) const {
  const std::int64_t n = dim();
  WEIGHTINIT_CHECK(d >= -n && d < n && n > 0, IndexError,
                   "Dimension out of range (expected to be in range of [", -n, ", ", n - 1,
                   "], but got ", d, ")");
  return d < 0 ? d + n : d;
}

std::int64_t Tensor::size(std::int64_t d) const { return sizes_[wrap_dim(d)]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides_[wrap_dim(d)]; }

bool Tensor::is_contiguous() const {
  std::int64_t expected = 1;
  for (std::size_t d = sizes_.size(); d-- > 0;) {
    if (sizes_[d] == 1) continue;
    if (strides_[d] != expected) return numel_ == 0;
    expected *= sizes_[d];
  }
  return true;
}

template <class T>
T* Tensor::data_ptr() const {
  WEIGHTINIT_CHECK(defined(), Error, "data_ptr() called on an undefined tensor");
  WEIGHTINIT_CHECK(dtype_of<T>() == dtype_, DTypeError, "expected a tensor of dtype ",
                   dtype_name(dtype_of<T>()), ", but it has dtype ", dtype_name(dtype_));
  check_materialized("data_ptr()");
  return static_cast<T*>(storage_->data) + offset_;
}
template float* Tensor::data_ptr<float>() const;
template double* Tensor::data_ptr<double>() const;
template std::int64_t* Tensor::data_ptr<std::int64_t>() const;

void* Tensor::raw_data() const {
  WEIGHTINIT_CHECK(defined(), Error, "raw_data() called on an undefined tensor");
  check_materialized("raw_data()");
  return static_cast<std::byte*>(storage_->data) +
         offset_ * static_cast<std::int64_t>(element_size());
}

std::int64_t Tensor::element_offset(std::span<const std::int64_t> index) const {
  WEIGHTINIT_CHECK(static_cast<std::int64_t>(index.size()) == dim(), IndexError, "expected ", dim(),
                   " indices for a tensor of shape ", shape_str(sizes_), ", but got ",
                   index.size());
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < index.size(); ++d) {
    std::int64_t i = index[d];
    WEIGHTINIT_CHECK(i >= -sizes_[d] && i < sizes_[d], IndexError, "index ", i,
                     " is out of bounds for dimension ", d, " with size ", sizes_[d]);
    if (i < 0) i += sizes_[d];
    offset += i * strides_[d];
  }
  return offset;
}

double Tensor::item(std::span<const std::int64_t> index) const {
  const std::int64_t off = element_offset(index);
  return dispatch(dtype_, [&](auto zero) -> double {
    using T = decltype(zero);
    return static_cast<double>(data_ptr<T>()[off]);
  });
}

double Tensor::item() const {
  WEIGHTINIT_CHECK(numel_ == 1, ValueError, "a Tensor with ", numel_,
                   " elements cannot be converted to Scalar");
  return dispatch(dtype_, [&](auto zero) -> double {
    using T = decltype(zero);
    return static_cast<double>(*data_ptr<T>());
  });
}

void Tensor::set_item(std::span<const std::int64_t> index, double value) {
  const std::int64_t off = element_offset(index);
  dispatch(dtype_, [&](auto zero) {
    using T = decltype(zero);
    data_ptr<T>()[off] = static_cast<T>(value);
  });
}

Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  d0 = wrap_dim(d0);
  d1 = wrap_dim(d1);
  Shape sizes = sizes_, strides = strides_;
  std::swap(sizes[d0], sizes[d1]);
  std::swap(strides[d0], strides[d1]);
  return Tensor(storage_, dtype_, sizes, strides, offset_);
}

Tensor Tensor::t() const {
  WEIGHTINIT_CHECK(dim() <= 2, ShapeError,
                   "t() expects a tensor with <= 2 dimensions, but self is ", dim(), "D");
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::permute(const Shape& dims) const {
  WEIGHTINIT_CHECK(static_cast<std::int64_t>(dims.size()) == dim(), ShapeError,
                   "permute(): number of dimensions in the tensor input does not match "
                   "the length of the desired ordering of dimensions i.e. input.dim() = ",
                   dim(), " is not equal to len(dims) = ", dims.size());
  Shape sizes(dims.size()), strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::int64_t d = wrap_dim(dims[i]);
    WEIGHTINIT_CHECK(!seen[d], ValueError, "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sizes[i] = sizes_[d];
    strides[i] = strides_[d];
  }
  return Tensor(storage_, dtype_, sizes, strides, offset_);
}

Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  d = wrap_dim(d);
  WEIGHTINIT_CHECK(index >= -sizes_[d] && index < sizes_[d], IndexError, "index ", index,
                   " is out of bounds for dimension ", d, " with size ", sizes_[d]);
  if (index < 0) index += sizes_[d];
  Shape sizes = sizes_, strides = strides_;
  sizes.erase(sizes.begin() + d);
  strides.erase(strides.begin() + d);
  return Tensor(storage_, dtype_, sizes, strides, offset_ + index * strides_[d]);
}

Tensor Tensor::slice(std::int64_t d, std::int64_t start, std::int64_t end,
                     std::int64_t step) const {
  d = wrap_dim(d);
  WEIGHTINIT_CHECK(step > 0, ValueError, "slice step must be positive, but got ", step);
  const std::int64_t n = sizes_[d];
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<std::int64_t>(start, 0, n);
  end = std::clamp<std::int64_t>(end, start, n);
  Shape sizes = sizes_, strides = strides_;
  sizes[d] = (end - start + step - 1) / step;
  strides[d] *= step;
  return Tensor(storage_, dtype_, sizes, strides, offset_ + start * strides_[d]);
}

Tensor Tensor::view(const Shape& sizes) const {
  WEIGHTINIT_CHECK(is_contiguous(), ShapeError,
                   "view() needs a contiguous tensor; call contiguous() first");
  WEIGHTINIT_CHECK(numel_of(sizes) == numel_, ShapeError, "shape ", shape_str(sizes),
                   " is invalid for input of size ", numel_);
  return Tensor(storage_, dtype_, sizes, contiguous_strides(sizes), offset_);
}

Tensor Tensor::clone() const {
  Tensor out = empty(sizes_, dtype_);
  out.copy_(*this);
  return out;
}

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::to(DType dtype) const {
  Tensor out = empty(sizes_, dtype);
  out.copy_(*this);
  return out;
}

Tensor& Tensor::fill_(double value) {
  if (is_deferred()) {
    // Recorded by an active DrawRecorder (the streaming writer's planning pass), else an error.
    WEIGHTINIT_CHECK(detail::record_deferred_constant(*this, value), Error,
                     "fill_: the tensor of shape ", shape_str(sizes_),
                     " is deferred (built under a DeferredAllocationGuard): it has no memory");
    return *this;
  }
  dispatch(dtype_, [&](auto zero) {
    using T = decltype(zero);
    T* base = static_cast<T*>(storage_->data);
    const T v = static_cast<T>(value);
    if (is_contiguous()) {
      std::fill(base + offset_, base + offset_ + numel_, v);
    } else {
      detail::for_each_offset(sizes_, strides_, offset_, detail::logical_order(sizes_),
                              [&](std::int64_t off) { base[off] = v; });
    }
  });
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  WEIGHTINIT_CHECK(src.sizes_ == sizes_, ShapeError, "copy_: shape ", shape_str(src.sizes_),
                   " does not match ", shape_str(sizes_));
  check_materialized("copy_");
  src.check_materialized("copy_ (source)");
  // Gather src in logical order, then scatter in logical order: correct even when the two
  // views overlap in storage.
  dispatch(src.dtype_, [&](auto src_zero) {
    using S = decltype(src_zero);
    const std::vector<S> values = src.to_vector<S>();
    dispatch(dtype_, [&](auto dst_zero) {
      using D = decltype(dst_zero);
      D* base = static_cast<D*>(storage_->data);
      std::int64_t i = 0;
      detail::for_each_offset(sizes_, strides_, offset_, detail::logical_order(sizes_),
                              [&](std::int64_t off) { base[off] = static_cast<D>(values[i++]); });
    });
  });
  return *this;
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  std::vector<T> out;
  if (!defined()) return out;
  check_materialized("to_vector()");
  out.reserve(static_cast<std::size_t>(numel_));
  dispatch(dtype_, [&](auto zero) {
    using S = decltype(zero);
    const S* base = static_cast<const S*>(storage_->data);
    detail::for_each_offset(sizes_, strides_, offset_, detail::logical_order(sizes_),
                            [&](std::int64_t off) { out.push_back(static_cast<T>(base[off])); });
  });
  return out;
}
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;
template std::vector<std::int64_t> Tensor::to_vector<std::int64_t>() const;

std::string Tensor::str() const { return format_tensor(*this); }

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

}  // namespace weightinit
