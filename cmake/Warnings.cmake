# The warnings every DeadZone target is built with, in one place. -Wmissing-declarations (GCC) and
# -Wmissing-prototypes (clang, the wasm build's compiler) flag a function defined outside an
# anonymous namespace without an earlier declaration: the project's rule is that every function is
# either file-local or declared in its module's header.
function(deadzone_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wmissing-declarations>
    $<$<CXX_COMPILER_ID:Clang>:-Wmissing-prototypes>)
endfunction()
