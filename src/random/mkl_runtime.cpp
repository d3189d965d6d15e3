// SPDX-License-Identifier: MIT
// Loading the MKL runtime (dlopen): MKL is closed and not a build dependency.
#include "random/mkl_runtime.h"

#include <dlfcn.h>

#include <cstdlib>

namespace weightinit::detail {

const MklRuntime* mkl_runtime() {
  static const MklRuntime* loaded = []() -> const MklRuntime* {
    const char* env = std::getenv("WEIGHTINIT_MKL_RT");
    const char* path = env != nullptr && *env != '\0' ? env : "libmkl_rt.so.2";
    void* handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) return nullptr;
    // One thread inside MKL: the values do not depend on it, and it must not start a pool.
    using SetLayer = int (*)(int);
    // GNU OpenMP, as the wheels link MKL (mkl_gnu_thread): MKL's sequential layer takes other
    // code paths for small QRs, and torch's QR bits depend on MKL's thread count, which
    // set_mkl_threads() makes ours (num_threads()).
    const char* layer = std::getenv("MKL_THREADING_LAYER");
    if (auto* set = reinterpret_cast<SetLayer>(::dlsym(handle, "MKL_Set_Threading_Layer"));
        set != nullptr && (layer == nullptr || *layer == '\0')) {
      set(3);  // MKL_THREADING_GNU
    }
    static MklRuntime fns{};
    fns.erfinv_f32 = reinterpret_cast<decltype(fns.erfinv_f32)>(::dlsym(handle, "vmsErfInv"));
    fns.erfinv_f64 = reinterpret_cast<decltype(fns.erfinv_f64)>(::dlsym(handle, "vmdErfInv"));
    fns.mode = 0x2 | 0x140000 | 0x100;  // VML_HA | VML_FTZDAZ_OFF | VML_ERRMODE_IGNORE
    fns.set_threads =
        reinterpret_cast<decltype(fns.set_threads)>(::dlsym(handle, "MKL_Set_Num_Threads"));
    fns.sgeqrf = reinterpret_cast<decltype(fns.sgeqrf)>(::dlsym(handle, "sgeqrf_"));
    fns.dgeqrf = reinterpret_cast<decltype(fns.dgeqrf)>(::dlsym(handle, "dgeqrf_"));
    fns.sorgqr = reinterpret_cast<decltype(fns.sorgqr)>(::dlsym(handle, "sorgqr_"));
    fns.dorgqr = reinterpret_cast<decltype(fns.dorgqr)>(::dlsym(handle, "dorgqr_"));
    if (fns.erfinv_f32 == nullptr || fns.erfinv_f64 == nullptr) return nullptr;
    return &fns;
  }();
  return loaded;
}

}  // namespace weightinit::detail
