// SPDX-License-Identifier: MIT
// Generator: seeding, the torch-compatible state blob, and the default generator.
#include "weightinit/random/generator.h"

#include <cstring>
#include <random>

#include "weightinit/error.h"
#include "weightinit/random/mt19937_jump.h"

namespace weightinit {

namespace {

// Byte layout of torch's CPUGeneratorImplState on x86-64 (aten/src/ATen/CPUGeneratorImpl.cpp):
// the legacy THGeneratorState POD (the MT words widened to uint64) followed by the float cache.
constexpr std::size_t kSeedAt = 0;            // uint64 the_initial_seed
constexpr std::size_t kLeftAt = 8;            // int32 left
constexpr std::size_t kSeededAt = 12;         // int32 seeded
constexpr std::size_t kNextAt = 16;           // uint64 next
constexpr std::size_t kWordsAt = 24;          // uint64 state[624]
constexpr std::size_t kNormalYAt = 5024;      // double normal_y (the cached double sample)
constexpr std::size_t kNormalValidAt = 5040;  // int32 normal_is_valid
constexpr std::size_t kFloatSampleAt = 5048;  // float next_float_normal_sample
constexpr std::size_t kFloatValidAt = 5052;   // bool is_next_float_normal_sample_valid

template <class T>
void put(std::uint8_t* blob, std::size_t at, T value) {
  std::memcpy(blob + at, &value, sizeof(T));
}

template <class T>
T get(const std::uint8_t* blob, std::size_t at) {
  T value;
  std::memcpy(&value, blob + at, sizeof(T));
  return value;
}

}  // namespace

Generator::Generator(std::uint64_t seed)
    : Generator(seed, default_arith_mode(), default_torch_version()) {}

Generator::Generator(std::uint64_t seed, ArithMode mode, TorchVersion version)
    : engine_(seed), mode_(mode), version_(version) {}

Generator Generator::philox(std::uint64_t seed) {
  Generator gen(seed);
  gen.family_ = RngFamily::Philox;
  gen.set_stream("");
  return gen;
}

Generator& Generator::manual_seed(std::uint64_t seed) {
  engine_.seed_with(seed);
  next_double_normal_.reset();
  next_float_normal_.reset();
  if (family_ == RngFamily::Philox) set_stream("");
  return *this;
}

void Generator::set_stream(std::string_view name) {
  if (family_ != RngFamily::Philox) return;
  stream_name_ = std::string(name);
  philox_key_ = weightinit::philox_key(engine_.seed(), name);
  philox_offset_ = 0;
  philox_words_ = 0;
}

std::uint32_t Generator::philox_word() {
  // Words of calls 2^63, 2^63 + 1, ...: far above any fill's calls (one per 2 or 4 elements).
  const std::uint64_t call = (std::uint64_t{1} << 63) + philox_words_ / 4;
  const std::uint32_t word = philox_words(philox_key_, call)[philox_words_ % 4];
  ++philox_words_;
  return word;
}

std::string_view rng_family_name(RngFamily family) {
  return family == RngFamily::Torch ? "torch" : "philox";
}

RngFamily parse_rng_family(std::string_view name) {
  if (name == "torch") return RngFamily::Torch;
  if (name == "philox") return RngFamily::Philox;
  throw ValueError("unknown --rng '" + std::string(name) + "': expected torch or philox");
}

std::array<std::uint8_t, Generator::kStateBytes> Generator::get_state() const {
  WEIGHTINIT_CHECK(family_ == RngFamily::Torch, ValueError,
                   "get_state() is torch's MT19937 state; a Philox generator's state is its seed, "
                   "stream name and offsets");
  std::array<std::uint8_t, kStateBytes> blob{};  // padding stays zero, as in torch
  std::uint8_t* b = blob.data();
  put<std::uint64_t>(b, kSeedAt, engine_.seed());
  put<std::int32_t>(b, kLeftAt, engine_.left());
  put<std::int32_t>(b, kSeededAt, 1);
  put<std::uint64_t>(b, kNextAt, engine_.next_index());
  for (int i = 0; i < Mt19937::kStateSize; ++i) {
    put<std::uint64_t>(b, kWordsAt + 8 * static_cast<std::size_t>(i), engine_.state()[i]);
  }
  if (next_double_normal_) {
    put<double>(b, kNormalYAt, *next_double_normal_);
    put<std::int32_t>(b, kNormalValidAt, 1);
  }
  if (next_float_normal_) {
    put<float>(b, kFloatSampleAt, *next_float_normal_);
    put<std::uint8_t>(b, kFloatValidAt, 1);
  }
  return blob;
}

void Generator::set_state(std::span<const std::uint8_t> state) {
  WEIGHTINIT_CHECK(state.size() == kStateBytes, ValueError,
                   "Expected a CPUGeneratorImplState of size ", kStateBytes,
                   " but found the input RNG state size to be ", state.size());
  const std::uint8_t* b = state.data();
  std::array<std::uint32_t, Mt19937::kStateSize> words{};
  for (int i = 0; i < Mt19937::kStateSize; ++i) {
    words[i] = static_cast<std::uint32_t>(
        get<std::uint64_t>(b, kWordsAt + 8 * static_cast<std::size_t>(i)));
  }
  Mt19937 engine;
  const bool valid =
      get<std::int32_t>(b, kSeededAt) != 0 &&
      engine.set_raw(get<std::uint64_t>(b, kSeedAt), get<std::int32_t>(b, kLeftAt),
                     static_cast<std::uint32_t>(get<std::uint64_t>(b, kNextAt)), words);
  WEIGHTINIT_CHECK(valid, ValueError, "Invalid mt19937 state: left=", get<std::int32_t>(b, kLeftAt),
                   " must be in [1, 624], next=", get<std::uint64_t>(b, kNextAt),
                   " must be <= 624, and seeded must be set");
  engine_ = engine;
  next_double_normal_.reset();
  next_float_normal_.reset();
  if (get<std::int32_t>(b, kNormalValidAt) != 0) next_double_normal_ = get<double>(b, kNormalYAt);
  if (get<std::uint8_t>(b, kFloatValidAt) != 0) next_float_normal_ = get<float>(b, kFloatSampleAt);
}

Generator& default_generator() {
  // Like torch's default CPU generator: a nondeterministic seed until manual_seed is called.
  static Generator gen([] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32) | rd();
  }());
  return gen;
}

Generator& manual_seed(std::uint64_t seed) { return default_generator().manual_seed(seed); }

void Generator::discard(std::uint64_t words) {
  WEIGHTINIT_CHECK(family_ == RngFamily::Torch, ValueError,
                   "discard needs a generator of the torch family: a Philox stream's fills are "
                   "indexed by element, not drawn in order");
  mt19937_discard(engine_, words);
}

}  // namespace weightinit
