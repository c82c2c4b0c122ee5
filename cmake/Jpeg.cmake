# JPEG decoding: libjpeg-turbo 2.1.5, the version Debian 12 ships, so that DeadZone's pixels are the
# ones PIL, OpenCV and torchvision give for the same file (they decode with libjpeg-turbo too, with
# its default slow-integer IDCT and fancy upsampling).
#
#   deadzone_jpeg   libjpeg API (#include <jpeglib.h>), libjpeg 6.2 ABI as Debian's libjpeg62-turbo
#
# Native builds link Debian's libjpeg62-turbo-dev (with its x86 SIMD). The wasm and fuzz builds
# compile the same version from its Debian source package (scripts/setup.sh unpacks it) without
# SIMD: libjpeg-turbo's SIMD and C paths give identical pixels for these settings (its own test suite
# checks both against the same checksums), and core's tests check the wasm build against OpenCV's.
if(EMSCRIPTEN OR DEADZONE_FUZZ)
  set(DEADZONE_LIBJPEG_TURBO_SRC_DIR ${CMAKE_SOURCE_DIR}/build/third_party/libjpeg-turbo-2.1.5 CACHE PATH
      "libjpeg-turbo source folder (scripts/setup.sh unpacks it)")
  set(j ${DEADZONE_LIBJPEG_TURBO_SRC_DIR})
  if(NOT EXISTS ${j}/jdapistd.c)
    message(FATAL_ERROR "${j}/jdapistd.c not found: run scripts/setup.sh")
  endif()
  # The three headers libjpeg-turbo's own CMakeLists.txt generates, with the values it would use here:
  # libjpeg 6.2 API, 8-bit samples, arithmetic decoding and memory sources on, no SIMD.
  set(JPEG_LIB_VERSION 62)
  set(VERSION 2.1.5)
  set(LIBJPEG_TURBO_VERSION_NUMBER 2001005)
  set(C_ARITH_CODING_SUPPORTED 1)
  set(D_ARITH_CODING_SUPPORTED 1)
  set(MEM_SRCDST_SUPPORTED 1)
  set(BITS_IN_JSAMPLE 8)
  set(BUILD deadzone)
  set(INLINE "__inline__ __attribute__((always_inline))")
  set(THREAD_LOCAL "") # only the TurboJPEG API (not built) keeps per-thread error text
  set(SIZE_T ${CMAKE_SIZEOF_VOID_P})
  set(HAVE_BUILTIN_CTZL 1)
  set(COPYRIGHT_YEAR "1991-2023")
  set(generated ${CMAKE_BINARY_DIR}/libjpeg-turbo)
  configure_file(${j}/jconfig.h.in ${generated}/jconfig.h)
  configure_file(${j}/jconfigint.h.in ${generated}/jconfigint.h)
  configure_file(${j}/jversion.h.in ${generated}/jversion.h)

  # Decompression only (jdatasrc.c: jpeg_mem_src), with the shared and arithmetic-decoding parts.
  add_library(deadzone_jpeg STATIC
    ${j}/jdapimin.c ${j}/jdapistd.c ${j}/jdatasrc.c ${j}/jdcoefct.c ${j}/jdcolor.c ${j}/jddctmgr.c ${j}/jdhuff.c
    ${j}/jdicc.c ${j}/jdinput.c ${j}/jdmainct.c ${j}/jdmarker.c ${j}/jdmaster.c ${j}/jdmerge.c ${j}/jdphuff.c
    ${j}/jdpostct.c ${j}/jdsample.c ${j}/jdtrans.c ${j}/jerror.c ${j}/jidctflt.c ${j}/jidctfst.c ${j}/jidctint.c
    ${j}/jidctred.c ${j}/jquant1.c ${j}/jquant2.c ${j}/jutils.c ${j}/jmemmgr.c ${j}/jmemnobs.c ${j}/jaricom.c
    ${j}/jdarith.c ${j}/jcomapi.c ${j}/jsimd_none.c)
  target_include_directories(deadzone_jpeg SYSTEM PUBLIC ${j} ${generated})
  target_compile_options(deadzone_jpeg PRIVATE -w)
else()
  find_package(JPEG REQUIRED)
  add_library(deadzone_jpeg INTERFACE)
  target_link_libraries(deadzone_jpeg INTERFACE JPEG::JPEG)
endif()
