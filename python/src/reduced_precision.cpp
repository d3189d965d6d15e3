// SPDX-License-Identifier: MIT
// bfloat16/float16 fills through float32 (see reduced_precision.h).
#include "reduced_precision.h"

#include <cstdint>
#include <optional>
#include <utility>

#include "detail/strided_loop.h"
#include "random/torch_draw_record.h"
#include "weightinit/error.h"
#include "weightinit/init/warnings.h"
#include "weightinit/io/safetensors.h"

namespace weightinit::python {

namespace {

bool is_bfloat16(const CpuArray& array) {
  return array.dtype().code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Bfloat) &&
         array.dtype().bits == 16 && array.dtype().lanes == 1;
}

bool is_float16(const CpuArray& array) {
  return array.dtype().code == static_cast<std::uint8_t>(nb::dlpack::dtype_code::Float) &&
         array.dtype().bits == 16 && array.dtype().lanes == 1;
}

/// Torch 2.12+'s uniform_ rule in the array's dtype: (from, to) when a value that rounds to
/// `to` becomes `from`. Plans `fill` on a tensor without memory first: the DTypeError for a
/// fill that draws anything but one uniform_ comes before any draw.
std::optional<std::pair<double, double>> plan_uniform(const Shape& sizes, const char* op,
                                                      const Generator& gen,
                                                      const std::function<void(Tensor&)>& fill) {
  std::vector<detail::TorchDraw> draws;
  {
    const WarningHandler previous = set_warning_handler([](std::string_view) {});
    try {
      detail::TorchDrawRecorder recorder(0);
      Tensor shape_only = Tensor::deferred(sizes);
      fill(shape_only);
      draws = std::move(recorder.draws);
    } catch (const ValueError&) {  // the arguments' own errors, as for float32
      set_warning_handler(previous);
      throw;
    } catch (const ShapeError&) {
      set_warning_handler(previous);
      throw;
    } catch (const Error&) {  // a fill that needs memory to plan (trunc_normal_, orthogonal_)
      set_warning_handler(previous);
      detail::TorchDraw unplanned;
      unplanned.kind = detail::TorchDraw::Kind::Normal;
      draws.push_back(unplanned);
    } catch (...) {
      set_warning_handler(previous);
      throw;
    }
    set_warning_handler(previous);
  }
  for (const detail::TorchDraw& d : draws) {
    WEIGHTINIT_CHECK(
        d.kind == detail::TorchDraw::Kind::Uniform || d.kind == detail::TorchDraw::Kind::Constant,
        DTypeError, op,
        " on a bfloat16 or float16 tensor with a torch generator is not supported "
        "yet (torch's reduced-precision normal_ is not the float32 draw rounded): "
        "fill a float32 tensor and convert it, or use a Philox generator");
  }
  if (draws.size() == 1 && draws[0].kind == detail::TorchDraw::Kind::Uniform &&
      gen.torch_version() == TorchVersion::V2_12) {
    return std::pair(draws[0].p0, draws[0].p1);
  }
  return std::nullopt;
}

}  // namespace

bool is_reduced_precision(const CpuArray& array) { return is_bfloat16(array) || is_float16(array); }

void fill_reduced_precision(const CpuArray& array, const char* op, Generator* gen,
                            const std::function<void(Tensor&)>& fill) {
  Shape sizes(array.ndim()), strides(array.ndim());
  for (std::size_t k = 0; k < array.ndim(); ++k) {
    sizes[k] = static_cast<std::int64_t>(array.shape(k));
    strides[k] = array.stride(k);
    WEIGHTINIT_CHECK(strides[k] >= 0, ValueError, op, ": negative strides are not supported");
    WEIGHTINIT_CHECK(strides[k] != 0 || sizes[k] <= 1, ValueError,
                     "unsupported operation: more than one element of the written-to tensor "
                     "refers to a single memory location. Please clone() the tensor before "
                     "performing the operation.");
  }
  const bool bf16 = is_bfloat16(array);
  const auto round = [bf16](float v) {
    return bf16 ? io::float_to_bf16_bits(v) : io::float_to_f16_bits(v);
  };
  std::optional<std::pair<double, double>> clamp;
  if (gen != nullptr && gen->family() == RngFamily::Torch)
    clamp = plan_uniform(sizes, op, *gen, fill);
  Tensor values = Tensor::empty(sizes);
  fill(values);
  const float* src = values.data_ptr<float>();
  auto* dst = static_cast<std::uint16_t*>(array.data());
  const std::uint16_t to_bits = clamp ? round(static_cast<float>(clamp->second)) : 0;
  const std::uint16_t from_bits = clamp ? round(static_cast<float>(clamp->first)) : 0;
  std::int64_t k = 0;
  const auto order =
      gen != nullptr ? detail::memory_order(sizes, strides) : detail::logical_order(sizes);
  detail::for_each_offset(sizes, strides, 0, order, [&](std::int64_t offset) {
    std::uint16_t bits = round(src[k++]);
    if (clamp && bits == to_bits) bits = from_bits;
    dst[offset] = bits;
  });
}

}  // namespace weightinit::python
