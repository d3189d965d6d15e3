// SPDX-License-Identifier: MIT
// Run-time choice of the bulk MT19937 kernel: the same bits on every ISA (integer operations
// only), vectorised by the compiler for AVX-512 or AVX2 where the CPU has them.
#include "random/mt19937_bulk_impl.h"
#include "weightinit/random/arith_mode.h"
#include "weightinit/random/mt19937.h"

namespace weightinit::detail {

void mt19937_twist_temper_avx2(std::uint32_t* state, std::uint32_t* out);
void mt19937_twist_temper_avx512(std::uint32_t* state, std::uint32_t* out);

namespace {
void twist_temper_portable(std::uint32_t* state, std::uint32_t* out) {
  mt_twist_temper(state, out);
}
}  // namespace

void mt19937_twist_temper(std::uint32_t* state, std::uint32_t* out) {
  static void (*const kernel)(std::uint32_t*, std::uint32_t*) =
      cpu_has_avx512()     ? mt19937_twist_temper_avx512
      : cpu_has_avx2_fma() ? mt19937_twist_temper_avx2
                           : twist_temper_portable;
  kernel(state, out);
}

}  // namespace weightinit::detail
