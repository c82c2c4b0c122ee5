# simdjson 3.0.1 (the version Debian 12 ships as libsimdjson-dev), compiled from bookworm's source
# package's single-header amalgamation for both builds (scripts/setup.sh unpacks it): core/ parses
# telemetry with it. Natively it picks its fastest kernel at run time (SSE4.2/AVX2/AVX-512); in wasm
# it runs its portable fallback kernel, still 10-20x nlohmann::json on telemetry lines (README,
# bench/replay_bench.mjs).
#
#   deadzone_simdjson   #include <simdjson.h>; exceptions off (the wasm build does not catch them)
set(DEADZONE_SIMDJSON_SRC_DIR ${CMAKE_SOURCE_DIR}/build/third_party/simdjson-3.0.1 CACHE PATH "simdjson source folder (scripts/setup.sh unpacks it)")
if(NOT EXISTS ${DEADZONE_SIMDJSON_SRC_DIR}/singleheader/simdjson.cpp)
  message(FATAL_ERROR "simdjson sources not found in ${DEADZONE_SIMDJSON_SRC_DIR}: run scripts/setup.sh")
endif()
add_library(deadzone_simdjson STATIC ${DEADZONE_SIMDJSON_SRC_DIR}/singleheader/simdjson.cpp)
target_include_directories(deadzone_simdjson SYSTEM PUBLIC ${DEADZONE_SIMDJSON_SRC_DIR}/singleheader)
target_compile_definitions(deadzone_simdjson PUBLIC SIMDJSON_EXCEPTIONS=0)
# -w: its "not a 64-bit platform" pragma message in wasm, and warnings in third-party code.
target_compile_options(deadzone_simdjson PRIVATE -w)
set_target_properties(deadzone_simdjson PROPERTIES POSITION_INDEPENDENT_CODE ON)
