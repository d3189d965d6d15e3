// SPDX-License-Identifier: MIT
// The process-wide choice of convolution backend (weightinit/nn/conv_backend.h).
#include "weightinit/nn/conv_backend.h"

#include <atomic>
#include <cstdlib>
#include <string>

#include "weightinit/error.h"

namespace weightinit::nn {

namespace {

ConvBackend from_environment() {
  const char* env = std::getenv("WEIGHTINIT_CONV_BACKEND");
  if (env == nullptr || *env == '\0') return ConvBackend::Auto;
  return parse_conv_backend(env);
}

std::atomic<ConvBackend>& chosen() {
  static std::atomic<ConvBackend> backend{from_environment()};
  return backend;
}

}  // namespace

bool onednn_available() {
#ifdef WEIGHTINIT_HAVE_ONEDNN
  return true;
#else
  return false;
#endif
}

ConvBackend parse_conv_backend(std::string_view name) {
  if (name == "auto") return ConvBackend::Auto;
  if (name == "reference") return ConvBackend::Reference;
  if (name == "onednn") return ConvBackend::OneDnn;
  throw ValueError("unknown convolution backend '" + std::string(name) +
                   "': expected auto, reference or onednn");
}

void set_conv_backend(ConvBackend backend) {
  WEIGHTINIT_CHECK(backend != ConvBackend::OneDnn || onednn_available(), ValueError,
                   "the oneDNN convolution backend is not in this build (configure with "
                   "libdnnl-dev installed and WEIGHTINIT_ONEDNN=ON)");
  chosen().store(backend);
}

ConvBackend conv_backend() {
  const ConvBackend b = chosen().load();
  if (b == ConvBackend::Auto)
    return onednn_available() ? ConvBackend::OneDnn : ConvBackend::Reference;
  WEIGHTINIT_CHECK(b != ConvBackend::OneDnn || onednn_available(), ValueError,
                   "WEIGHTINIT_CONV_BACKEND=onednn, but oneDNN is not in this build");
  return b;
}

}  // namespace weightinit::nn
