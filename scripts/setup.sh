#!/usr/bin/env bash
# Installs everything DeadZone needs on a Debian 12 machine, offline except for Debian's apt and the
# npm registry. Idempotent: with everything present it only checks, in a few seconds.
#
#   1. Debian packages (compilers incl. clang for the fuzzers, LibTorch, ONNX, Emscripten, Chromium, ...)
#   2. Dear ImGui 1.90.1, SDL2 2.26.5, stb (stb_image 2.30), libspng 0.7.3, libdeflate 1.14,
#      zlib 1.2.13 and simdjson 3.0.1 *sources* from Debian source packages,
#      fetched with a private apt configuration (the system's apt sources are left untouched) into
#      build/third_party
#   3. SDL2 compiled once for wasm with emcmake, cached in build/third_party/sdl2-wasm
#   4. npm packages pinned by package-lock.json (onnxruntime-web/-node, playwright-core, pngjs)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TP="$ROOT/build/third_party"
source "$ROOT/scripts/env.sh"

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

APT_PACKAGES=(
    build-essential cmake ninja-build pkg-config git ca-certificates dpkg-dev xz-utils
    libgtest-dev libgmock-dev
    libtorch-dev libgloo-dev libonnx-dev libprotobuf-dev protobuf-compiler
    nlohmann-json3-dev libcli11-dev libyaml-cpp-dev zlib1g-dev libspng-dev libdeflate-dev libjpeg62-turbo-dev
    emscripten nodejs npm
    chromium fonts-dejavu-core
    clang libclang-rt-14-dev clang-format clang-tidy
    python3-opencv python3-numpy
    debian-archive-keyring
)

# --- 1. Debian packages --------------------------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine that already has Node.js from elsewhere (node + npm on PATH) doesn't need Debian's.
if command -v node >/dev/null && command -v npm >/dev/null; then
    filtered=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || filtered+=("$p"); done
    missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# --- 2. Third-party sources: ImGui, SDL2, stb, libspng, libdeflate, zlib, simdjson (private apt config)
# stb (JPEG, BMP, GIF) comes from trixie's source package, the same copy for native and wasm builds.
# PNG goes through libdeflate and libspng instead (see cmake/Png.cmake and core/src/png_decode.cpp).
# Those and zlib are bookworm's: the versions of the -dev packages the native build links.
fetch_sources() {
    local apt_dir="$TP/apt"
    mkdir -p "$apt_dir/lists/partial" "$TP/src"
    cat > "$apt_dir/src.sources" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    # APT::Sandbox::User=root: the cache folder belongs to us, not to the _apt user.
    local o=(-o "Dir::Etc::sourcelist=$apt_dir/src.sources" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt_dir/lists"
             -o APT::Sandbox::User=root)
    log "fetching ImGui, SDL2, stb, libspng, libdeflate, zlib, libjpeg-turbo and simdjson source packages"
    apt-get "${o[@]}" update -qq
    (cd "$TP/src" && apt-get "${o[@]}" source --download-only imgui/trixie libsdl2/bookworm libstb/trixie \
        libspng/bookworm libdeflate/bookworm zlib/bookworm libjpeg-turbo/bookworm simdjson/bookworm)
}
unpack_orig() { # $1 glob of the orig tarball, $2 destination folder
    local tarball dest="$2"
    tarball=$(ls "$TP"/src/$1 | head -n 1)
    rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
    # -m: files get the time of unpacking, so objects built against an older copy are rebuilt.
    tar -xmf "$tarball" -C "$dest.tmp" --strip-components=1
    rm -rf "$dest" && mv "$dest.tmp" "$dest"
}
# Each source once: a checkout that has ImGui and SDL2 already only fetches what is new.
unpack_missing() { # $1 probe file, $2 orig tarball glob, $3 destination folder
    [ -f "$1" ] && return
    ls "$TP"/src/$2 >/dev/null 2>&1 || fetch_sources
    unpack_orig "$2" "$3"
}
unpack_missing "$IMGUI_DIR/imgui.cpp" 'imgui_1.90.1*.orig.tar.*' "$IMGUI_DIR"
unpack_missing "$SDL2_SRC_DIR/CMakeLists.txt" 'libsdl2_2.26.5*.orig.tar.*' "$SDL2_SRC_DIR"
unpack_missing "$STB_DIR/stb_image.h" 'libstb_*.orig.tar.*' "$STB_DIR"
unpack_missing "$SPNG_SRC_DIR/spng/spng.c" 'libspng_0.7.3*.orig.tar.*' "$SPNG_SRC_DIR"
unpack_missing "$ZLIB_SRC_DIR/inflate.c" 'zlib_1.2.13*.orig.tar.*' "$ZLIB_SRC_DIR"
unpack_missing "$LIBDEFLATE_SRC_DIR/libdeflate.h" 'libdeflate_1.14*.orig.tar.*' "$LIBDEFLATE_SRC_DIR"
unpack_missing "$LIBJPEG_TURBO_SRC_DIR/jdapistd.c" 'libjpeg-turbo_2.1.5*.orig.tar.*' "$LIBJPEG_TURBO_SRC_DIR"
unpack_missing "$SIMDJSON_SRC_DIR/singleheader/simdjson.cpp" 'simdjson_3.0.1*.orig.tar.*' "$SIMDJSON_SRC_DIR"

# --- 3. SDL2 for wasm (once) ---------------------------------------------------------------------
if [ ! -f "$SDL2_WASM_PREFIX/lib/libSDL2.a" ]; then
    log "building SDL2 for wasm (once, ~3 minutes)"
    rm -rf "$TP/build-sdl2"
    emcmake cmake -S "$SDL2_SRC_DIR" -B "$TP/build-sdl2" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DSDL_SHARED=OFF -DSDL_STATIC=ON -DSDL_TEST=OFF -DSDL_THREADS=OFF \
        -DCMAKE_INSTALL_PREFIX="$SDL2_WASM_PREFIX" >"$TP/build-sdl2.log" 2>&1 \
        && cmake --build "$TP/build-sdl2" --target install >>"$TP/build-sdl2.log" 2>&1 \
        || { tail -n 40 "$TP/build-sdl2.log"; echo "SDL2 wasm build failed; full log: $TP/build-sdl2.log" >&2; exit 1; }
fi

# --- 4. npm packages (pinned by package-lock.json) -----------------------------------------------
stamp="$ROOT/node_modules/.deadzone-lock"
if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    log "installing npm packages"
    # onnxruntime-node's install script would try to download GPU binaries; its CPU binary ships in
    # the package itself.
    (cd "$ROOT" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)
    cp "$ROOT/package-lock.json" "$stamp"
fi

log "ready"
