# Shared paths and environment for DeadZone's scripts. Sourced, not executed.
DEADZONE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TP="$DEADZONE_ROOT/build/third_party"
IMGUI_DIR="$TP/imgui-1.90.1"
SDL2_SRC_DIR="$TP/SDL2-2.26.5"
STB_DIR="$TP/stb" # from trixie's libstb source package: stb_image 2.30, stb_image_write 1.16
# PNG decoding in the wasm build: the libspng, libdeflate and zlib that Debian 12 ships as libspng-dev,
# libdeflate-dev and zlib1g-dev (the native build links those packages), compiled from their sources.
SPNG_SRC_DIR="$TP/libspng-0.7.3"
LIBDEFLATE_SRC_DIR="$TP/libdeflate-1.14"
ZLIB_SRC_DIR="$TP/zlib-1.2.13"
# JPEG decoding: libjpeg-turbo 2.1.5 as Debian 12 ships it (native: libjpeg62-turbo-dev), compiled
# from its source package for wasm and the fuzzers.
LIBJPEG_TURBO_SRC_DIR="$TP/libjpeg-turbo-2.1.5"
# Telemetry parsing (core/): simdjson 3.0.1 as Debian 12 ships it, from its source package, both builds.
SIMDJSON_SRC_DIR="$TP/simdjson-3.0.1"
SDL2_WASM_PREFIX="$TP/sdl2-wasm"
NATIVE_BUILD="$DEADZONE_ROOT/build/native"
WASM_BUILD="$DEADZONE_ROOT/build/wasm"
# Emscripten 3.1.6 on Debian: Node must see Debian's node modules (acorn) or -O2 links fail, and the
# prebuilt system libraries must be used as they are instead of rebuilding the shared cache.
export NODE_PATH=/usr/share/nodejs
export EM_FROZEN_CACHE=1
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
