// SPDX-License-Identifier: MIT
// bfloat16/float16 fills through float32 (see reduced_precision.h).
#include "reduced_precision.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "detail/strided_loop.h"
#include "random/torch_draw_record.h"
#include "weightinit/error.h"
#include "weightinit/init/warnings.h"
#include "weightinit/io/safetensors.h"
#include "weightinit/random/sampling.h"
#include "weightinit/random/torch_version.h"

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

/// What a torch-family fill draws, learnt by running it on a tensor without memory, and the
/// warnings it gave (held back, so that a fill that is refused warns of nothing).
struct TorchPlan {
  std::vector<detail::TorchDraw> draws;
  std::vector<std::string> warnings;
  bool unplanned = false;  // a fill that needs memory to plan (trunc_normal_, orthogonal_)

  /// One normal_ (either path), and nothing else.
  bool is_one_normal() const {
    return !unplanned && draws.size() == 1 &&
           (draws[0].kind == detail::TorchDraw::Kind::Normal ||
            draws[0].kind == detail::TorchDraw::Kind::NormalScalar);
  }
  bool is_one_uniform() const {
    return !unplanned && draws.size() == 1 && draws[0].kind == detail::TorchDraw::Kind::Uniform;
  }
};

TorchPlan plan_torch_fill(const Shape& sizes, const std::function<void(Tensor&)>& fill) {
  TorchPlan plan;
  const WarningHandler previous =
      set_warning_handler([&plan](std::string_view w) { plan.warnings.emplace_back(w); });
  try {
    detail::TorchDrawRecorder recorder(0);
    Tensor shape_only = Tensor::deferred(sizes);
    fill(shape_only);
    plan.draws = std::move(recorder.draws);
  } catch (const ValueError&) {  // the arguments' own errors, as for float32
    set_warning_handler(previous);
    throw;
  } catch (const ShapeError&) {
    set_warning_handler(previous);
    throw;
  } catch (const Error&) {  // a fill that needs memory to plan (trunc_normal_, orthogonal_)
    plan.unplanned = true;
  } catch (...) {
    set_warning_handler(previous);
    throw;
  }
  set_warning_handler(previous);
  return plan;
}

/// Refuses, before anything is drawn, a torch-family fill whose reduced-precision result is
/// not known to be torch's: anything but constants, one uniform_, or (torch 2.12+) one normal_.
void check_supported(const TorchPlan& plan, const char* op, const Generator& gen) {
  using Kind = detail::TorchDraw::Kind;
  const bool deterministic_or_uniform =
      !plan.unplanned &&
      std::all_of(plan.draws.begin(), plan.draws.end(), [](const detail::TorchDraw& d) {
        return d.kind == Kind::Uniform || d.kind == Kind::Constant;
      });
  if (deterministic_or_uniform) return;
  WEIGHTINIT_CHECK(plan.is_one_normal(), DTypeError, op,
                   " on a bfloat16 or float16 tensor with a torch generator is not supported "
                   "yet (torch draws it in the reduced dtype's own arithmetic): fill a float32 "
                   "tensor and convert it, or use a Philox generator");
  WEIGHTINIT_CHECK(gen.torch_version() == TorchVersion::V2_12, DTypeError, op,
                   " on a bfloat16 or float16 tensor with a torch generator follows torch 2.12 "
                   "and later only (this generator's profile is torch ",
                   torch_version_name(gen.torch_version()),
                   "): fill a float32 tensor and convert it, or use a Philox generator");
}

/// Torch 2.12+'s normal_ on a bfloat16/float16 tensor, in float32 before rounding. With 16 or
/// more contiguous elements torch draws each full 16-block into a float32 buffer, transforms
/// it as the float32 normal_ does, and when n % 16 != 0 draws 16 fresh uniforms for the last 16
/// elements; unlike float32 it never draws the n % 16 uniforms of the partial block. So it is
/// the float32 normal_ of the first 16·⌊n/16⌋ elements, then a float32 normal_ of 16 written
/// over the last 16. Fewer or non-contiguous elements take the scalar double path in storage
/// order, as float32 does on a tensor of the same strides. Returns the values in storage order.
std::vector<float> reduced_precision_normal(const Shape& sizes, const Shape& strides, double mean,
                                            double std, Generator& gen) {
  const Tensor layout = Tensor::deferred(sizes);
  const std::int64_t n = layout.numel();
  std::vector<float> values(static_cast<std::size_t>(n));
  if (n == 0) return values;
  Tensor probe = Tensor::from_blob(values.data(), sizes, strides, DType::Float32);
  if (n >= 16 && probe.is_contiguous()) {
    const std::int64_t full = n / 16 * 16;
    Tensor blocks = Tensor::from_blob(values.data(), {full}, DType::Float32);
    weightinit::normal_(blocks, mean, std, gen);
    if (full != n) {
      Tensor tail = Tensor::from_blob(values.data() + n - 16, {16}, DType::Float32);
      weightinit::normal_(tail, mean, std, gen);
    }
    return values;
  }
  // The scalar path on a float32 tensor of the array's strides draws in storage order; gather
  // its values in that order.
  std::int64_t extent = 1;
  for (std::size_t k = 0; k < sizes.size(); ++k) extent += (sizes[k] - 1) * strides[k];
  std::vector<float> storage(static_cast<std::size_t>(extent));
  Tensor strided = Tensor::from_blob(storage.data(), sizes, strides, DType::Float32);
  weightinit::normal_(strided, mean, std, gen);
  std::int64_t k = 0;
  detail::for_each_offset(sizes, strides, 0, detail::memory_order(sizes, strides),
                          [&](std::int64_t offset) { values[k++] = storage[offset]; });
  return values;
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
  auto* dst = static_cast<std::uint16_t*>(array.data());
  const auto store = [&](const float* src, const std::vector<std::size_t>& order,
                         std::optional<std::pair<double, double>> clamp) {
    const std::uint16_t to_bits = clamp ? round(static_cast<float>(clamp->second)) : 0;
    const std::uint16_t from_bits = clamp ? round(static_cast<float>(clamp->first)) : 0;
    std::int64_t k = 0;
    detail::for_each_offset(sizes, strides, 0, order, [&](std::int64_t offset) {
      std::uint16_t bits = round(src[k++]);
      if (clamp && bits == to_bits) bits = from_bits;  // torch 2.12+'s uniform_ rule
      dst[offset] = bits;
    });
  };
  const bool torch_family = gen != nullptr && gen->family() == RngFamily::Torch;
  std::optional<std::pair<double, double>> clamp;
  if (torch_family) {
    TorchPlan plan = plan_torch_fill(sizes, fill);
    check_supported(plan, op, *gen);
    if (plan.is_one_normal()) {
      for (const std::string& w : plan.warnings) warn(w);
      const std::vector<float> values =
          reduced_precision_normal(sizes, strides, plan.draws[0].p0, plan.draws[0].p1, *gen);
      store(values.data(), detail::memory_order(sizes, strides), std::nullopt);
      return;
    }
    if (plan.is_one_uniform() && gen->torch_version() == TorchVersion::V2_12)
      clamp = std::pair(plan.draws[0].p0, plan.draws[0].p1);
  }
  Tensor values = Tensor::empty(sizes);
  fill(values);
  store(values.data_ptr<float>(),
        gen != nullptr ? detail::memory_order(sizes, strides) : detail::logical_order(sizes),
        clamp);
}

}  // namespace weightinit::python
