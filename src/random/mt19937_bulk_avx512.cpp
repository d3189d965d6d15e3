// SPDX-License-Identifier: MIT
// The bulk MT19937 kernel built with AVX-512 (16 lanes); callers check cpu_has_avx512().
#include "random/mt19937_bulk_impl.h"

namespace weightinit::detail {

void mt19937_twist_temper_avx512(std::uint32_t* state, std::uint32_t* out) {
  mt_twist_temper(state, out);
}

}  // namespace weightinit::detail
