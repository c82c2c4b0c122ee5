#!/usr/bin/env bash
# The main job: set up (if needed), build the explorer and serve it on the bundled assets.
# Usage: scripts/explore.sh [--port 8080] [--host 127.0.0.1]
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
bash "$here/build.sh" wasm
source "$here/env.sh"
exec node "$DEADZONE_ROOT/web/serve.mjs" "$@"
