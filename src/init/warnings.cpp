// SPDX-License-Identifier: MIT
// The warning handler: by default each distinct message goes to stderr once.
#include "weightinit/init/warnings.h"

#include <iostream>
#include <mutex>
#include <set>
#include <string>

namespace weightinit {

namespace {

void print_once(std::string_view message) {
  static std::mutex mutex;
  static std::set<std::string, std::less<>> seen;
  const std::lock_guard<std::mutex> lock(mutex);
  if (seen.find(message) != seen.end()) return;
  seen.emplace(message);
  std::cerr << "weightinit: warning: " << message << "\n";
}

WarningHandler& current_handler() {
  static WarningHandler handler = print_once;
  return handler;
}

}  // namespace

WarningHandler set_warning_handler(WarningHandler handler) {
  WarningHandler previous = std::move(current_handler());
  current_handler() = handler ? std::move(handler) : WarningHandler(print_once);
  return previous;
}

void warn(std::string_view message) { current_handler()(message); }

}  // namespace weightinit
