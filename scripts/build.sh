#!/usr/bin/env bash
# Builds DeadZone from the one top-level CMakeLists:
#   native  core + native_trainer + GoogleTest suites   -> build/native
#   wasm    core + explorer (Emscripten)                -> build/wasm/app/deadzone.{js,wasm}
# Usage: scripts/build.sh [native|wasm|all]   (default: all; run scripts/setup.sh first)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
what="${1:-all}"
jobs="${DEADZONE_JOBS:-$(nproc)}"

build_native() {
    echo "[build] native -> $NATIVE_BUILD"
    [ -f "$NATIVE_BUILD/CMakeCache.txt" ] ||
        cmake -S "$DEADZONE_ROOT" -B "$NATIVE_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$NATIVE_BUILD" -j "$jobs"
}

build_wasm() {
    echo "[build] wasm -> $WASM_BUILD"
    [ -f "$WASM_BUILD/CMakeCache.txt" ] ||
        emcmake cmake -S "$DEADZONE_ROOT" -B "$WASM_BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release \
            -DSDL2_DIR="$SDL2_WASM_PREFIX/lib/cmake/SDL2" -DDEADZONE_IMGUI_DIR="$IMGUI_DIR" >/dev/null
    cmake --build "$WASM_BUILD" -j "$jobs"
}

case "$what" in
    native) build_native ;;
    wasm) build_wasm ;;
    all) build_native && build_wasm ;;
    *) echo "usage: scripts/build.sh [native|wasm|all]" >&2; exit 2 ;;
esac
