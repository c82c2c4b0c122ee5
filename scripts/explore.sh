#!/usr/bin/env bash
# The main job: set up (if needed), build the explorer and serve it on the bundled assets.
# Usage: scripts/explore.sh [--port 8080] [--host 127.0.0.1] [--runs DIR]
#   --runs DIR   also serve a folder of training runs: the Replay view lists them and follows the ones
#                ttfnet-train is still writing (ttfnet-train --out DIR/NAME)
set -euo pipefail
here="$(dirname "${BASH_SOURCE[0]}")"
bash "$here/setup.sh"
bash "$here/build.sh" wasm
source "$here/env.sh"
exec node "$DEADZONE_ROOT/web/serve.mjs" "$@"
