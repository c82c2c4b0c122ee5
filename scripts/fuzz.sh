#!/usr/bin/env bash
# Builds core's libFuzzer harnesses (tests/fuzz, clang with AddressSanitizer and UBSan) in build/fuzz
# and runs each for a fixed time, starting from the committed seed corpus (tests/fuzz/corpus/<name>).
# New interesting inputs collect in build/fuzz/corpus/<name> (kept between runs); a crash, hang or
# sanitizer report is saved as build/fuzz/crashes/<name>-* and fails the run (make it a regression
# test: tests/core/image_variants_test.cpp, yolo_labels_test.cpp, ...).
#
# Usage: scripts/fuzz.sh [--seconds N] [name ...]     names: image_decode yolo_labels telemetry onnx
#        (default: 10 s each, all four; scripts/test.sh runs the default)
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/env.sh"
seconds=10
names=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        -h|--help) sed -n 2,9p "$0"; exit 0 ;;
        *) names+=("$1"); shift ;;
    esac
done
[ ${#names[@]} -gt 0 ] || names=(image_decode yolo_labels telemetry onnx)
build="$DEADZONE_ROOT/build/fuzz"

if [ ! -f "$build/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$DEADZONE_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DDEADZONE_FUZZ=ON -DDEADZONE_STB_DIR="$STB_DIR" >/dev/null || { echo "fuzz: configure failed"; exit 1; }
fi
cmake --build "$build" -j "${DEADZONE_JOBS:-$(nproc)}" >/dev/null || { echo "fuzz: build failed (see cmake --build $build)"; exit 1; }

mkdir -p "$build/crashes"
failed=0
for name in "${names[@]}"; do
    corpus="$build/corpus/$name"
    mkdir -p "$corpus"
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a parser's allocation running away.
    log="$build/$name.log"
    "$build/tests/fuzz/fuzz_$name" "$corpus" "$DEADZONE_ROOT/tests/fuzz/corpus/$name" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$build/crashes/$name-" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ $rc = 0 ]; then
        echo "fuzz: $name ok, ${runs:-?} inputs in ${seconds} s"
    else
        failed=$((failed + 1))
        echo "fuzz: $name FAILED (exit $rc): $(grep -m1 -E 'ERROR|runtime error|deadly signal|timeout' "$log")"
        echo "      input saved in $build/crashes/, log in $log"
    fi
done
[ $failed = 0 ]
