# PNG decoding: libspng 0.7.3 over zlib 1.2.13, and libdeflate 1.14: the versions Debian 12 ships.
#
#   deadzone_spng        libspng    (#include <spng.h>)
#   deadzone_libdeflate  libdeflate (#include <libdeflate.h>)
#   deadzone_zlib        zlib       (#include <zlib.h>; the tests use its crc32 to write PNG fixtures)
#
# Native builds link Debian's libspng-dev, libdeflate-dev and zlib1g-dev. The wasm build compiles
# the same versions from their Debian source packages (scripts/setup.sh unpacks them;
# scripts/build.sh passes the folders), since Emscripten's own zlib port would be downloaded.
#
# Why not stb_image for PNG (it still decodes JPEG, BMP and GIF): PNG decoding was the largest part
# of the explorer's own work per dropped image. core/src/png_decode.cpp says how the two libraries
# share the work.
#
# The fuzz build (DEADZONE_FUZZ) compiles the same sources too, so that the sanitizers and libFuzzer's
# coverage see inside the PNG and gzip decoders.
if(EMSCRIPTEN OR DEADZONE_FUZZ)
  set(DEADZONE_SPNG_SRC_DIR ${CMAKE_SOURCE_DIR}/build/third_party/libspng-0.7.3 CACHE PATH "libspng source folder (scripts/setup.sh unpacks it)")
  set(DEADZONE_ZLIB_SRC_DIR ${CMAKE_SOURCE_DIR}/build/third_party/zlib-1.2.13 CACHE PATH "zlib source folder (scripts/setup.sh unpacks it)")
  set(DEADZONE_LIBDEFLATE_SRC_DIR ${CMAKE_SOURCE_DIR}/build/third_party/libdeflate-1.14 CACHE PATH "libdeflate source folder (scripts/setup.sh unpacks it)")
  foreach(probe ${DEADZONE_SPNG_SRC_DIR}/spng/spng.c ${DEADZONE_ZLIB_SRC_DIR}/inflate.c ${DEADZONE_LIBDEFLATE_SRC_DIR}/libdeflate.h)
    if(NOT EXISTS ${probe})
      message(FATAL_ERROR "${probe} not found: run scripts/setup.sh")
    endif()
  endforeach()

  # libspng needs inflate to decode, deflate and compress for its encoder (the tests write PNGs with it).
  set(z ${DEADZONE_ZLIB_SRC_DIR})
  add_library(deadzone_zlib STATIC
    ${z}/adler32.c ${z}/compress.c ${z}/crc32.c ${z}/deflate.c ${z}/inffast.c ${z}/inflate.c ${z}/inftrees.c
    ${z}/trees.c ${z}/zutil.c)
  target_include_directories(deadzone_zlib SYSTEM PUBLIC ${z})
  target_compile_options(deadzone_zlib PRIVATE -w)

  # Decompression (zlib for PNG, gzip for telemetry) and checksums only (x86/ and arm/ hold its CPU-specific variants, none for wasm).
  set(d ${DEADZONE_LIBDEFLATE_SRC_DIR}/lib)
  add_library(deadzone_libdeflate STATIC
    ${d}/adler32.c ${d}/crc32.c ${d}/deflate_decompress.c ${d}/utils.c ${d}/zlib_decompress.c ${d}/gzip_decompress.c
    ${d}/deflate_compress.c ${d}/gzip_compress.c) # compressors: only the tests call them (.jsonl.gz fixtures)
  if(NOT EMSCRIPTEN)
    target_sources(deadzone_libdeflate PRIVATE ${d}/x86/cpu_features.c ${d}/arm/cpu_features.c)
  endif()
  target_include_directories(deadzone_libdeflate SYSTEM PUBLIC ${DEADZONE_LIBDEFLATE_SRC_DIR})
  target_compile_options(deadzone_libdeflate PRIVATE -w)

  add_library(deadzone_spng STATIC ${DEADZONE_SPNG_SRC_DIR}/spng/spng.c)
  target_include_directories(deadzone_spng SYSTEM PUBLIC ${DEADZONE_SPNG_SRC_DIR}/spng)
  target_link_libraries(deadzone_spng PUBLIC deadzone_zlib)
  # spng.c picks its SIMD row filters by architecture macro and has none for wasm. Declaring the
  # target x86 (32-bit, so no x86-64 extras) with -msse2 selects its SSE2 filters, which
  # Emscripten's <emmintrin.h> maps onto wasm SIMD; nothing else in spng.c tests the macro. The
  # tests (core_tests_wasm) decode every filter type through them.
  if(EMSCRIPTEN)
    target_compile_definitions(deadzone_spng PRIVATE __i386__=1)
    target_compile_options(deadzone_spng PRIVATE -msse2)
  endif()
  target_compile_options(deadzone_spng PRIVATE -w)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(SPNG REQUIRED IMPORTED_TARGET spng)
  pkg_check_modules(LIBDEFLATE REQUIRED IMPORTED_TARGET libdeflate)
  add_library(deadzone_libdeflate INTERFACE)
  target_link_libraries(deadzone_libdeflate INTERFACE PkgConfig::LIBDEFLATE)
  find_package(ZLIB REQUIRED)
  add_library(deadzone_zlib INTERFACE)
  target_link_libraries(deadzone_zlib INTERFACE ZLIB::ZLIB)
  add_library(deadzone_spng INTERFACE)
  target_link_libraries(deadzone_spng INTERFACE PkgConfig::SPNG deadzone_zlib)
endif()
