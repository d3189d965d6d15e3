// SPDX-License-Identifier: MIT
// weightinit's exceptions and warnings, as Python sees them.
#include <string>

#include "bindings.h"
#include "weightinit/error.h"
#include "weightinit/init/warnings.h"

namespace weightinit::python {

namespace {

/// Raises weightinit._errors.<name>(message). The classes live in Python because each derives
/// from two builtins (ValueError and RuntimeError, say): torch raises ValueError from its Python
/// checks and RuntimeError from its C++ ones, and code written for torch catches either.
void raise(const char* name, const char* message) {
  nb::object cls = nb::module_::import_("weightinit._errors").attr(name);
  PyErr_SetString(cls.ptr(), message);
}

void translate(const std::exception_ptr& error, void*) {
  try {
    std::rethrow_exception(error);
  } catch (const DTypeError& e) {
    raise("DTypeError", e.what());
  } catch (const ShapeError& e) {
    raise("ShapeError", e.what());
  } catch (const IndexError& e) {
    raise("IndexError", e.what());
  } catch (const ValueError& e) {
    raise("ValueError", e.what());
  } catch (const IoError& e) {
    raise("IoError", e.what());
  } catch (const Error& e) {
    raise("Error", e.what());
  }
}

/// Each warning becomes a Python UserWarning, raised from the caller's line. Under
/// `warnings.simplefilter("error")` the warning is an exception: it propagates out of the call,
/// before anything is drawn (every init warns before it fills, as torch does).
void warn_in_python(std::string_view message) {
  nb::gil_scoped_acquire gil;
  const std::string text(message);
  if (PyErr_WarnEx(PyExc_UserWarning, text.c_str(), 1) != 0) throw nb::python_error();
}

}  // namespace

void bind_errors(nb::module_& /*m*/) {
  nb::register_exception_translator(translate);
  set_warning_handler(warn_in_python);
}

}  // namespace weightinit::python
