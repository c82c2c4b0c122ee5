#!/usr/bin/env bash
# Sets up (if needed), builds both targets and runs every test: the GoogleTest suites through
# ctest, core's suites again compiled to wasm (under Node), then the browser end-to-end tests
# (playwright-core driving Debian's Chromium), then core's parsers under libFuzzer (scripts/fuzz.sh).
# Ends with one summary line "tests: N passed, N failed" and a non-zero exit on any failure.
# Screenshots and logs go to test-output/.
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/env.sh"
start=$(date +%s)

bash "$here/setup.sh" || { echo "tests: setup failed"; exit 1; }
bash "$here/build.sh" all || { echo "tests: build failed"; exit 1; }

out="$DEADZONE_ROOT/test-output"
rm -rf "$out" && mkdir -p "$out"

echo "== ctest (GoogleTest) =="
(cd "$NATIVE_BUILD" && ctest --output-on-failure -j "$(nproc)") 2>&1 | tee "$out/ctest.log"
ctest_rc=${PIPESTATUS[0]}
ctest_total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$out/ctest.log" | tail -n 1)
ctest_failed=$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$out/ctest.log" | tail -n 1)
ctest_total=${ctest_total:-0}; ctest_failed=${ctest_failed:-$ctest_total}
[ "$ctest_rc" = 0 ] || [ "$ctest_failed" != 0 ] || ctest_failed=1

# core/ as the browser runs it: the same GoogleTest suites compiled to wasm (SIMD paths included).
echo "== core tests as wasm (GoogleTest under Node) =="
(cd "$DEADZONE_ROOT" && node --no-experimental-fetch "$WASM_BUILD/tests/core_tests_wasm.cjs") 2>&1 | tee "$out/core_wasm.log"
wasm_rc=${PIPESTATUS[0]}
wasm_passed=$(grep -c '^\[       OK \]' "$out/core_wasm.log")
wasm_failed=$(grep -c '^\[  FAILED  \] [A-Za-z].* (' "$out/core_wasm.log")
[ "$wasm_rc" = 0 ] || [ "$wasm_failed" != 0 ] || wasm_failed=1

echo "== ONNX parity, deadzone-scan CLI and browser end-to-end tests (node --test) =="
(cd "$DEADZONE_ROOT" && DEADZONE_TEST_OUTPUT="$out/e2e" node --test --test-reporter=spec tests/onnx/ tests/tools/ tests/e2e/) 2>&1 | tee "$out/e2e.log"
e2e_rc=${PIPESTATUS[0]}
e2e_passed=$(sed -n 's/^ℹ pass \([0-9]*\)$/\1/p' "$out/e2e.log" | tail -n 1)
e2e_failed=$(sed -n 's/^ℹ fail \([0-9]*\)$/\1/p' "$out/e2e.log" | tail -n 1)
e2e_passed=${e2e_passed:-0}; e2e_failed=${e2e_failed:-0}
[ "$e2e_rc" = 0 ] || [ "$e2e_failed" != 0 ] || e2e_failed=1

# The parsers of user files under libFuzzer with ASan/UBSan, a few seconds each from the committed
# seed corpus (which holds every input that once crashed them): one test per harness.
echo "== fuzzers (libFuzzer + ASan/UBSan, 10 s each; scripts/fuzz.sh) =="
bash "$here/fuzz.sh" --seconds 10 --seed 1 2>&1 | tee "$out/fuzz.log"
fuzz_passed=$(grep -c '^fuzz: .* ok,' "$out/fuzz.log")
fuzz_failed=$(grep -c '^fuzz: .* FAILED' "$out/fuzz.log")
[ "$fuzz_passed" -gt 0 ] || [ "$fuzz_failed" -gt 0 ] || fuzz_failed=1 # the build failed

passed=$(( ctest_total - ctest_failed + wasm_passed + e2e_passed + fuzz_passed ))
failed=$(( ctest_failed + wasm_failed + e2e_failed + fuzz_failed ))
echo
echo "ctest: $(( ctest_total - ctest_failed )) passed, $ctest_failed failed; core as wasm: $wasm_passed passed, $wasm_failed failed; browser: $e2e_passed passed, $e2e_failed failed; fuzzers: $fuzz_passed passed, $fuzz_failed failed; $(( $(date +%s) - start )) s"
echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
