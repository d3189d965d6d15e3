// SPDX-License-Identifier: MIT
// Warnings from init functions (PyTorch's UserWarnings), through a replaceable handler.
#pragma once

#include <functional>
#include <string_view>

namespace weightinit {

/// Receives each warning's text.
using WarningHandler = std::function<void(std::string_view message)>;

/// Replaces the process-wide handler and returns the previous one. The default handler writes
/// each distinct message once to stderr as "weightinit: warning: {message}", like Python's
/// default warning filter. Passing an empty function restores the default.
WarningHandler set_warning_handler(WarningHandler handler);

/// Sends `message` to the current handler.
void warn(std::string_view message);

}  // namespace weightinit
