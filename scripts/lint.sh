#!/usr/bin/env bash
# The repository's formatting and lint checks; any finding fails (scripts/test.sh runs this first).
#   C++ formatting   clang-format --dry-run against .clang-format, every tracked .cpp/.h
#   JavaScript       ESLint (eslint.config.js): web/, tests/, bench/, tools/, scripts/
#   core/            clang-tidy with .clang-tidy's checks, on the native build's compile commands
# Usage: scripts/lint.sh [--no-tidy]   (--no-tidy: skip clang-tidy, which needs build/native)
set -uo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
source "$here/env.sh"
cd "$DEADZONE_ROOT"
mkdir -p build
tidy=1
[ "${1:-}" = "--no-tidy" ] && tidy=0
failed=0

mapfile -t cxx < <(git ls-files '*.cpp' '*.h' | grep -v '^tests/fuzz/corpus/')
if clang-format --dry-run --Werror "${cxx[@]}" 2>"$DEADZONE_ROOT/build/lint-format.log"; then
    echo "lint: clang-format ok (${#cxx[@]} files)"
else
    failed=1
    echo "lint: clang-format: these files differ from .clang-format (clang-format -i FILE fixes them):"
    grep -o '^[^:]*\.\(cpp\|h\)' "$DEADZONE_ROOT/build/lint-format.log" | sort -u | sed 's/^/  /'
fi

if npx --no-install eslint --max-warnings 0 .; then
    echo "lint: eslint ok"
else
    failed=1
    echo "lint: eslint found problems (above)"
fi

if [ $tidy = 1 ]; then
    mapfile -t core < <(git ls-files 'core/src/*.cpp')
    if printf '%s\n' "${core[@]}" | xargs -P "$(nproc)" -n 4 clang-tidy -p "$NATIVE_BUILD" --quiet >"$DEADZONE_ROOT/build/lint-tidy.log" 2>&1; then
        echo "lint: clang-tidy ok (${#core[@]} files of core/)"
    else
        failed=1
        echo "lint: clang-tidy:"
        grep -E "(warning|error):" "$DEADZONE_ROOT/build/lint-tidy.log" | sort -u | head -40
    fi
fi
exit $failed
