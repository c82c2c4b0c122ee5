# A wasm program that runs under Node (tests and benchmarks of core/): reads the real file system
# (NODERAWFS), grows its heap, exits with main's status, and is named <output_name>.cjs because the
# repository's package.json makes .js files ES modules and this is Emscripten's CommonJS. Does
# nothing outside an Emscripten build.
function(deadzone_node_program target output_name)
  if(NOT EMSCRIPTEN)
    return()
  endif()
  target_link_options(${target} PRIVATE -sENVIRONMENT=node -sNODERAWFS=1 -sALLOW_MEMORY_GROWTH=1 -sEXIT_RUNTIME=1)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${output_name} SUFFIX ".cjs")
endfunction()
