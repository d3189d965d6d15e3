// SPDX-License-Identifier: MIT
// Choosing the instruction set of the Philox stream fills at run time.
#include "random/philox_isa.h"

#include "weightinit/error.h"
#include "weightinit/random/arith_mode.h"

namespace weightinit::detail {

std::string_view philox_isa_name(PhiloxIsa isa) {
  switch (isa) {
    case PhiloxIsa::Avx512:
      return "avx512";
    case PhiloxIsa::Avx2:
      return "avx2";
    case PhiloxIsa::Scalar:
      break;
  }
  return "scalar";
}

bool philox_isa_supported(PhiloxIsa isa) {
  switch (isa) {
    case PhiloxIsa::Avx512:
      return cpu_has_avx512();
    case PhiloxIsa::Avx2:
      return cpu_has_avx2_fma();
    case PhiloxIsa::Scalar:
      break;
  }
  return true;
}

PhiloxIsa philox_best_isa() {
  static const PhiloxIsa best = philox_isa_supported(PhiloxIsa::Avx512) ? PhiloxIsa::Avx512
                                : philox_isa_supported(PhiloxIsa::Avx2) ? PhiloxIsa::Avx2
                                                                        : PhiloxIsa::Scalar;
  return best;
}

const PhiloxKernels& philox_kernels(PhiloxIsa isa) {
  WEIGHTINIT_CHECK(philox_isa_supported(isa), ValueError, "this CPU cannot run the ",
                   philox_isa_name(isa), " Philox kernels");
  switch (isa) {
    case PhiloxIsa::Avx512:
      return philox_kernels_avx512();
    case PhiloxIsa::Avx2:
      return philox_kernels_avx2();
    case PhiloxIsa::Scalar:
      break;
  }
  return philox_kernels_scalar();
}

}  // namespace weightinit::detail
