// SPDX-License-Identifier: MIT
// weightinit._core.Generator: torch's MT19937 generator (torch.Generator's state and draws) and
// weightinit's counter-based Philox family.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "bindings.h"
#include "weightinit/error.h"
#include "weightinit/random/generator.h"
#include "weightinit/random/torch_profile.h"

namespace weightinit::python {

namespace {

/// A Python int as torch.manual_seed takes it: [0, 2^64), or a negative int64, which maps to
/// its two's complement.
std::uint64_t seed_from(const nb::int_& seed) {
  const unsigned long long as_unsigned = PyLong_AsUnsignedLongLong(seed.ptr());
  if (!PyErr_Occurred()) return as_unsigned;
  PyErr_Clear();
  const long long as_signed = PyLong_AsLongLong(seed.ptr());
  if (!PyErr_Occurred()) return static_cast<std::uint64_t>(as_signed);
  PyErr_Clear();
  throw ValueError(
      detail::concat("seed must be in [-2^63, 2^64), but found ", nb::str(seed).c_str()));
}

/// A generator of `family` ("torch" or "philox") seeded with `seed`; the torch family takes
/// `profile` ("2.15-avx512", ...; default_torch_profile() when absent).
Generator make_generator(const nb::int_& seed, const std::string& family,
                         const std::optional<std::string>& profile) {
  const std::uint64_t s = seed_from(seed);
  if (parse_rng_family(family) == RngFamily::Philox) {
    WEIGHTINIT_CHECK(!profile, ValueError,
                     "a torch profile applies to the torch family only, but found family "
                     "'philox' with profile '",
                     *profile, "'");
    return Generator::philox(s);
  }
  Generator gen(s);
  apply_torch_profile(gen, profile ? torch_profile(*profile) : default_torch_profile());
  return gen;
}

/// A torch-family generator in the state `state` (torch.Generator.get_state()'s 5056 bytes),
/// computing as the running PyTorch does: release `version` ("2.14.1") and CPU capability
/// `capability` (torch.backends.cpu.get_cpu_capability(), lower case).
Generator from_torch_state(nb::bytes state, const std::string& version,
                           const std::string& capability) {
  TorchProfile profile;
  profile.name = version + "-" + capability;
  profile.version = parse_torch_version(version);
  profile.capability = capability;
  profile.arith = parse_arith_mode(capability == "default" ? "default" : "avx2");
  Generator gen(0);
  apply_torch_profile(gen, profile);
  gen.set_state(std::span(static_cast<const std::uint8_t*>(state.data()), state.size()));
  return gen;
}

nb::bytes state_of(const Generator& gen) {
  const auto state = gen.get_state();
  return nb::bytes(state.data(), state.size());
}

std::string describe(const Generator& gen) {
  if (gen.family() == RngFamily::Philox) {
    return detail::concat("weightinit.Generator(seed=", gen.initial_seed(),
                          ", family='philox', stream='", gen.stream_name(), "')");
  }
  return detail::concat("weightinit.Generator(seed=", gen.initial_seed(),
                        ", family='torch', torch ", torch_version_name(gen.torch_version()),
                        ", arithmetic ", arith_mode_name(gen.arith_mode()), ")");
}

}  // namespace

void bind_generator(nb::module_& m) {
  nb::class_<Generator>(m, "Generator",
                        "A random generator. family='torch': torch.Generator's MT19937, with its "
                        "state bytes and draws; family='philox': counter-based streams, one per "
                        "parameter name, the same values whatever the sharding.")
      .def(
          "__init__",
          [](Generator* self, const nb::int_& seed, const std::string& family,
             const std::optional<std::string>& profile) {
            new (self) Generator(make_generator(seed, family, profile));
          },
          nb::arg("seed") = nb::int_(Generator::kDefaultSeed), nb::arg("family") = "torch",
          nb::arg("profile") = nb::none(),
          "Generator(seed=67280421310721, family='torch', profile=None). `profile` names the "
          "PyTorch build whose kernels the torch family reproduces ('2.15-avx512', ...).")
      .def_static("_from_torch_state", &from_torch_state, nb::arg("state"), nb::arg("version"),
                  nb::arg("capability"))
      .def(
          "manual_seed",
          [](Generator& gen, const nb::int_& seed) -> Generator& {
            return gen.manual_seed(seed_from(seed));
          },
          nb::arg("seed"), nb::rv_policy::reference,
          "Re-seeds like torch.Generator.manual_seed and returns the generator.")
      .def("initial_seed", &Generator::initial_seed, "The seed last given.")
      .def("get_state", &state_of,
           "The 5056 bytes torch.Generator.get_state() holds for the same state (torch family).")
      .def(
          "set_state",
          [](Generator& gen, nb::bytes state) -> Generator& {
            gen.set_state(std::span(static_cast<const std::uint8_t*>(state.data()), state.size()));
            return gen;
          },
          nb::arg("state"), nb::rv_policy::reference,
          "Restores a state from get_state() or bytes(torch.Generator.get_state().numpy()).")
      .def_prop_ro("family",
                   [](const Generator& gen) { return std::string(rng_family_name(gen.family())); })
      .def("discard", &Generator::discard, nb::arg("words"),
           "Advances the torch family's stream by `words` 32-bit draws in constant time.")
      .def("words_drawn", &Generator::words_drawn,
           "The 32-bit words drawn since the last seed or set_state (torch family).")
      .def("set_stream", &Generator::set_stream, nb::arg("name"),
           "Philox: selects the stream `name` (a parameter's name) and restarts its counters.")
      .def_prop_ro("stream", &Generator::stream_name, "The current Philox stream's name.")
      .def("random", &Generator::random, "One 32-bit draw.")
      .def("__repr__", &describe);
}

}  // namespace weightinit::python
