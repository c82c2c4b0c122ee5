#!/usr/bin/env bash
# Builds core's libFuzzer harnesses (tests/fuzz, clang with AddressSanitizer and UBSan) in build/fuzz
# and runs each for a fixed time, starting from the committed seed corpus (tests/fuzz/corpus/<name>).
# New interesting inputs collect in build/fuzz/corpus/<name> (kept between runs); a crash, hang or
# sanitizer report is saved as build/fuzz/crashes/<name>-* and fails the run (make it a regression
# test: tests/core/image_variants_test.cpp, yolo_labels_test.cpp, ...).
#
# Usage: scripts/fuzz.sh [--seconds N] [--seed S] [--junit FILE] [name ...]
#        names: image_decode yolo_labels widerperson_labels telemetry onnx coco (default: all)
#        (10 s each by default, a new random seed per run; scripts/test.sh runs 10 s with --seed 1,
#        so that the same code fuzzes the same way in CI, and --junit for its summary: one test
#        case per harness)
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/env.sh"
known=(image_decode yolo_labels widerperson_labels telemetry onnx coco)
seconds=10
seed=0
junit=""
names=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "fuzz: --seconds wants a number of seconds"; exit 2; }; seconds="$2"; shift 2 ;;
        --seed) [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "fuzz: --seed wants a number"; exit 2; }; seed="$2"; shift 2 ;;
        --junit) [ -n "${2:-}" ] || { echo "fuzz: --junit wants a file"; exit 2; }; junit="$2"; shift 2 ;;
        -h|--help) sed -n 2,13p "$0"; exit 0 ;;
        *) [[ " ${known[*]} " == *" $1 "* ]] || { echo "fuzz: unknown harness '$1' (one of: ${known[*]})"; exit 2; }
           names+=("$1"); shift ;;
    esac
done
[ ${#names[@]} -gt 0 ] || names=("${known[@]}")
build="$DEADZONE_ROOT/build/fuzz"
mkdir -p "$build"

# Configured until it has a build.ninja: a first configure that failed (e.g. clang missing) is retried.
if [ ! -f "$build/build.ninja" ]; then
    if ! CC=clang CXX=clang++ cmake -S "$DEADZONE_ROOT" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DDEADZONE_FUZZ=ON -DDEADZONE_STB_DIR="$STB_DIR" -DDEADZONE_SPNG_SRC_DIR="$SPNG_SRC_DIR" -DDEADZONE_ZLIB_SRC_DIR="$ZLIB_SRC_DIR" \
        -DDEADZONE_LIBDEFLATE_SRC_DIR="$LIBDEFLATE_SRC_DIR" -DDEADZONE_LIBJPEG_TURBO_SRC_DIR="$LIBJPEG_TURBO_SRC_DIR" >"$build/configure.log" 2>&1; then
        echo "fuzz: configure failed (needs clang and libclang-rt-14-dev: scripts/setup.sh installs them):"
        tail -n 15 "$build/configure.log"
        rm -f "$build/CMakeCache.txt"
        exit 1
    fi
fi
if ! cmake --build "$build" -j "${DEADZONE_JOBS:-$(nproc)}" >"$build/build.log" 2>&1; then
    echo "fuzz: build failed:"
    grep -m 10 -E "error|Error" "$build/build.log" || tail -n 15 "$build/build.log"
    exit 1
fi

mkdir -p "$build/crashes"
failed=0
cases=""
xml_escape() { sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' -e 's/"/\&quot;/g'; }
for name in "${names[@]}"; do
    corpus="$build/corpus/$name"
    mkdir -p "$corpus"
    # -timeout: one input taking over 10 s is a hang; -rss_limit_mb: a parser's allocation running away.
    log="$build/$name.log"
    "$build/tests/fuzz/fuzz_$name" "$corpus" "$DEADZONE_ROOT/tests/fuzz/corpus/$name" -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -seed="$seed" \
        -artifact_prefix="$build/crashes/$name-" >"$log" 2>&1
    rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    if [ $rc = 0 ]; then
        echo "fuzz: $name ok, ${runs:-?} inputs in ${seconds} s"
        cases+="  <testcase classname=\"fuzz\" name=\"$name\"/>"$'\n'
    else
        failed=$((failed + 1))
        echo "fuzz: $name FAILED (exit $rc): $(grep -m1 -E 'ERROR|runtime error|deadly signal|timeout' "$log")"
        echo "      input saved in $build/crashes/, log in $log"
        why=$(grep -m1 -E 'ERROR|runtime error|deadly signal|timeout' "$log" | xml_escape)
        cases+="  <testcase classname=\"fuzz\" name=\"$name\"><failure message=\"exit $rc: $why\"/></testcase>"$'\n'
    fi
done
if [ -n "$junit" ]; then
    printf '<?xml version="1.0" encoding="UTF-8"?>\n<testsuite name="fuzz" tests="%d" failures="%d">\n%s</testsuite>\n' \
        "${#names[@]}" "$failed" "$cases" >"$junit"
fi
[ $failed = 0 ]
