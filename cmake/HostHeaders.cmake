# Header-only libraries: nlohmann::json from its Debian package under /usr/include, stb from the
# Debian source package that scripts/setup.sh unpacks (DEADZONE_STB_DIR, set by scripts/build.sh).
#
# The wasm build cannot simply add -I/usr/include: that would pull the host's libc headers into an
# Emscripten compile. Instead each library's own folder is linked into a private include root in
# the build tree, so `#include <nlohmann/json.hpp>` and `#include <stb_image.h>` resolve to the
# Debian headers and nothing else from /usr/include leaks in.
set(DEADZONE_HOST_INCLUDE_ROOT ${CMAKE_BINARY_DIR}/host_include)
file(MAKE_DIRECTORY ${DEADZONE_HOST_INCLUDE_ROOT})

function(deadzone_host_header_dir target_name link_name host_dir probe_file)
  if(NOT EXISTS ${host_dir}/${probe_file})
    message(FATAL_ERROR "${host_dir}/${probe_file} not found: run scripts/setup.sh to install the Debian packages")
  endif()
  set(link ${DEADZONE_HOST_INCLUDE_ROOT}/${target_name})
  file(MAKE_DIRECTORY ${link})
  file(CREATE_LINK ${host_dir} ${link}/${link_name} SYMBOLIC)
  add_library(${target_name} INTERFACE)
  target_include_directories(${target_name} SYSTEM INTERFACE ${link})
endfunction()

# stb: #include <stb_image.h>  ->  ${DEADZONE_STB_DIR}/stb_image.h. The native and wasm builds must
# use the same stb_image, or the browser's prediction dump could differ from ttfnet-eval's.
set(DEADZONE_STB_DIR ${CMAKE_SOURCE_DIR}/build/third_party/stb CACHE PATH "Folder holding stb_image.h (scripts/setup.sh unpacks it)")
if(NOT EXISTS ${DEADZONE_STB_DIR}/stb_image.h)
  message(FATAL_ERROR "stb_image.h not found in ${DEADZONE_STB_DIR}: run scripts/setup.sh")
endif()
set(stb_link ${DEADZONE_HOST_INCLUDE_ROOT}/stb_headers)
file(MAKE_DIRECTORY ${stb_link})
foreach(h stb_image.h stb_image_write.h stb_image_resize.h)
  if(EXISTS ${DEADZONE_STB_DIR}/${h})
    file(CREATE_LINK ${DEADZONE_STB_DIR}/${h} ${stb_link}/${h} SYMBOLIC)
  endif()
endforeach()
add_library(deadzone_stb INTERFACE)
target_include_directories(deadzone_stb SYSTEM INTERFACE ${stb_link})

# nlohmann::json: #include <nlohmann/json.hpp>
deadzone_host_header_dir(deadzone_json nlohmann /usr/include/nlohmann json.hpp)
