// SPDX-License-Identifier: MIT
// The bulk MT19937 kernel built with -mavx2 (8 lanes); callers check cpu_has_avx2_fma().
#include "random/mt19937_bulk_impl.h"

namespace weightinit::detail {

void mt19937_twist_temper_avx2(std::uint32_t* state, std::uint32_t* out) {
  mt_twist_temper(state, out);
}

}  // namespace weightinit::detail
