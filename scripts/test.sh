#!/usr/bin/env bash
# Sets up (if needed), builds both targets and runs every test: the formatting and lint checks
# (scripts/lint.sh), the GoogleTest suites through ctest, core's suites again compiled to wasm
# (under Node), then the browser end-to-end tests (playwright-core driving Debian's Chromium), then
# core's parsers under libFuzzer (scripts/fuzz.sh).
# Ends with one summary line "tests: N passed, N failed" and a non-zero exit on any failure.
# Screenshots and logs go to test-output/.
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/env.sh"
start=$(date +%s)

bash "$here/setup.sh" || { echo "tests: setup failed"; exit 1; }
bash "$here/build.sh" all || { echo "tests: build failed"; exit 1; }
# Seconds per phase, for the summary: where CI time goes.
phase_start=$(date +%s)
times="setup+build $(( phase_start - start )) s"
lap() { local now; now=$(date +%s); times+=", $1 $(( now - phase_start )) s"; phase_start=$now; }

# LibTorch's OpenMP threads spin while they wait for work. ctest runs tests in parallel, and the
# spinning threads of one training test would take the cores the others need; waiting passively
# costs a test alone next to nothing. A caller's own setting is kept.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

out="$DEADZONE_ROOT/test-output"
rm -rf "$out" && mkdir -p "$out"

# Each runner writes a JUnit report next to its log; the counts come from those (junit_count.mjs).
# A runner counts one failure more than its report shows when it exits non-zero with no failed
# case, when its report cannot be counted, or when it ran no test at all.
count() { # count <name> <exit code> <report>... -> sets <name>_passed and <name>_failed
    local name=$1 rc=$2 passed failed skipped
    shift 2
    read -r passed failed skipped < <(node "$here/junit_count.mjs" "$@")
    [[ "$passed" =~ ^[0-9]+$ && "$failed" =~ ^[0-9]+$ ]] || { passed=0; failed=1; echo "tests: the $name report could not be counted"; }
    [ "$rc" = 0 ] || [ "$failed" != 0 ] || failed=1
    [ "$passed" -gt 0 ] || [ "$failed" != 0 ] || { failed=1; echo "tests: $name ran no test"; }
    [ "${skipped:-0}" = 0 ] || echo "tests: $name skipped $skipped"
    printf -v "${name}_passed" '%s' "$passed"
    printf -v "${name}_failed" '%s' "$failed"
}

# Formatting and lint (clang-format, ESLint, clang-tidy on core/): one test, failed on any finding.
echo "== lint (scripts/lint.sh) =="
bash "$here/lint.sh" 2>&1 | tee "$out/lint.log"
if [ "${PIPESTATUS[0]}" = 0 ]; then lint_passed=1 lint_failed=0; else lint_passed=0 lint_failed=1; fi
lap lint

echo "== ctest (GoogleTest) =="
(cd "$NATIVE_BUILD" && ctest --output-on-failure --no-tests=error --output-junit "$out/ctest.xml" -j "$(nproc)") 2>&1 | tee "$out/ctest.log"
count ctest "${PIPESTATUS[0]}" "$out/ctest.xml"
lap ctest

# core/ as the browser runs it: the same GoogleTest suites compiled to wasm (SIMD paths included).
echo "== core tests as wasm (GoogleTest under Node) =="
(cd "$DEADZONE_ROOT" && node --no-experimental-fetch "$WASM_BUILD/tests/core_tests_wasm.cjs" --gtest_output="xml:$out/core_wasm.xml") 2>&1 | tee "$out/core_wasm.log"
count wasm "${PIPESTATUS[0]}" "$out/core_wasm.xml"
lap wasm

echo "== ONNX parity, deadzone-scan CLI and browser end-to-end tests (node --test) =="
(cd "$DEADZONE_ROOT" && DEADZONE_TEST_OUTPUT="$out/e2e" node --test --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=junit --test-reporter-destination="$out/e2e.xml" tests/onnx/ tests/tools/ tests/e2e/) 2>&1 | tee "$out/e2e.log"
count e2e "${PIPESTATUS[0]}" "$out/e2e.xml"
lap browser

# The parsers of user files under libFuzzer with ASan/UBSan, a few seconds each from the committed
# seed corpus (which holds every input that once crashed them): one test per harness.
echo "== fuzzers (libFuzzer + ASan/UBSan, 10 s each; scripts/fuzz.sh) =="
bash "$here/fuzz.sh" --seconds 10 --seed 1 --junit "$out/fuzz.xml" 2>&1 | tee "$out/fuzz.log"
count fuzz "${PIPESTATUS[0]}" "$out/fuzz.xml"
lap fuzz

passed=$(( lint_passed + ctest_passed + wasm_passed + e2e_passed + fuzz_passed ))
failed=$(( lint_failed + ctest_failed + wasm_failed + e2e_failed + fuzz_failed ))
echo
echo "lint: $lint_passed passed, $lint_failed failed; ctest: $ctest_passed passed, $ctest_failed failed; core as wasm: $wasm_passed passed, $wasm_failed failed; browser: $e2e_passed passed, $e2e_failed failed; fuzzers: $fuzz_passed passed, $fuzz_failed failed; $(( $(date +%s) - start )) s ($times)"
echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
