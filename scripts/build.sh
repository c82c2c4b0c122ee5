#!/usr/bin/env bash
# Builds DeadZone from the one top-level CMakeLists:
#   native  core + native_trainer + GoogleTest suites   -> build/native
#   wasm    core + explorer (Emscripten)                -> build/wasm/app/deadzone.{js,wasm}
# Usage: scripts/build.sh [native|wasm|all]   (default: all; run scripts/setup.sh first)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
what="${1:-all}"
jobs="${DEADZONE_JOBS:-$(nproc)}"

# Configures a build folder once; again when it was configured with another stb (older checkouts
# used Debian's /usr/include/stb). Such a folder is also cleaned: GCC's dependency files name the
# header's resolved path, so objects built against the old stb would otherwise be kept.
needs_configure() {
    [ -f "$1/CMakeCache.txt" ] && grep -qx "DEADZONE_STB_DIR:PATH=$STB_DIR" "$1/CMakeCache.txt" && return 1
    if [ -f "$1/build.ninja" ]; then
        echo "[build] $1 was built with another stb: cleaning it"
        cmake --build "$1" --target clean >/dev/null
    fi
    return 0
}

build_native() {
    echo "[build] native -> $NATIVE_BUILD"
    if needs_configure "$NATIVE_BUILD"; then
        cmake -S "$DEADZONE_ROOT" -B "$NATIVE_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEADZONE_STB_DIR="$STB_DIR" >/dev/null
    fi
    cmake --build "$NATIVE_BUILD" -j "$jobs"
}

build_wasm() {
    echo "[build] wasm -> $WASM_BUILD"
    if needs_configure "$WASM_BUILD"; then
        emcmake cmake -S "$DEADZONE_ROOT" -B "$WASM_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DDEADZONE_STB_DIR="$STB_DIR" \
            -DDEADZONE_SPNG_SRC_DIR="$SPNG_SRC_DIR" -DDEADZONE_ZLIB_SRC_DIR="$ZLIB_SRC_DIR" \
            -DDEADZONE_LIBDEFLATE_SRC_DIR="$LIBDEFLATE_SRC_DIR" -DDEADZONE_LIBJPEG_TURBO_SRC_DIR="$LIBJPEG_TURBO_SRC_DIR" \
            -DSDL2_DIR="$SDL2_WASM_PREFIX/lib/cmake/SDL2" -DDEADZONE_IMGUI_DIR="$IMGUI_DIR" >/dev/null
    fi
    cmake --build "$WASM_BUILD" -j "$jobs"
}

case "$what" in
    native) build_native ;;
    wasm) build_wasm ;;
    all) build_native && build_wasm ;;
    *) echo "usage: scripts/build.sh [native|wasm|all]" >&2; exit 2 ;;
esac
