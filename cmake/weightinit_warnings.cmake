include_guard(GLOBAL)

# Warnings for the project's own targets; WEIGHTINIT_WERROR turns them into errors.
function(weightinit_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                         -Wno-sign-conversion)
  if(WEIGHTINIT_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
