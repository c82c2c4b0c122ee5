#!/usr/bin/env bash
# Regenerates every shipped asset from scratch (models, telemetry, sample images): trains every head-variant preset with
# the same seed, data and schedule, exports each to ONNX and keeps its telemetry.
#
#   assets/models/<preset>.onnx        exported model (BN folded; heatmap, wh, wh_pre)
#   assets/models/manifest.json        the list the explorer offers
#   assets/telemetry/<preset>.jsonl.gz per-channel telemetry for the explorer's Replay view: every step up to 200,
#                                      then every 40th (gzip; core/ and the explorer read it as is)
#
# Usage: scripts/make_assets.sh [--steps N] [--presets "broken leaky ..."] [--no-build]
#   --no-build  use the ttfnet-train already in build/native (while another build runs there)
# The recipe (seed, data, input size, schedule) is scripts/preset_recipe.args.
# Time: the README ("The failure, reproduced") says how long it took on the 2-core machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

steps=""
presets="broken leaky bias-init softplus leaky-bias"
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --steps) steps="$2"; shift 2 ;;
        --presets) presets="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        *) echo "usage: scripts/make_assets.sh [--steps N] [--presets \"broken leaky ...\"] [--no-build]" >&2; exit 2 ;;
    esac
done

# The recipe every preset shares; only --preset differs. Recorded in each model's telemetry header.
COMMON=()
while read -r line; do
    [[ -z "$line" || "$line" == \#* ]] && continue
    read -ra words <<< "$line"
    if [[ "${words[0]}" == --steps ]]; then
        [ -n "$steps" ] || steps="${words[1]}"
        continue
    fi
    COMMON+=("${words[@]}")
done < "$DEADZONE_ROOT/scripts/preset_recipe.args"
COMMON+=(--steps "$steps")

[ "$build" = 0 ] || bash "$DEADZONE_ROOT/scripts/build.sh" native >/dev/null
train="$NATIVE_BUILD/native_trainer/ttfnet-train"
models="$DEADZONE_ROOT/assets/models"
telemetry="$DEADZONE_ROOT/assets/telemetry"
runs="$DEADZONE_ROOT/build/asset_runs"
mkdir -p "$models" "$telemetry" "$runs"

start=$(date +%s)
for p in $presets; do
    echo "[assets] training $p ($steps steps)"
    "$train" --preset "$p" "${COMMON[@]}" --out "$runs/$p" --onnx "$models/$p.onnx" 2>&1 | tee "$runs/$p.log" | grep -E "^(done|  dead|error)"
    # The shipped copy keeps the dense first steps and then every 40th (the run records every 10th):
    # see scripts/thin_telemetry.mjs.
    rm -f "$telemetry/$p.jsonl"
    node "$DEADZONE_ROOT/scripts/thin_telemetry.mjs" "$runs/$p/telemetry.jsonl" "$telemetry/$p.jsonl.gz" 40
done

describe() {
    case "$1" in
        broken) echo "TTFNet as published: ReLU wh head, bias 0, normal(std 0.001) init" ;;
        leaky) echo "LeakyReLU(0.1) wh head" ;;
        bias-init) echo "ReLU wh head, final bias initialised to 0.1" ;;
        softplus) echo "Softplus wh head" ;;
        leaky-bias) echo "LeakyReLU(0.1) wh head, final bias 0.1" ;;
        *) echo "$1" ;;
    esac
}
{
    echo '{'
    echo '  "source": "scripts/make_assets.sh: '"${COMMON[*]}"'",'
    echo '  "training": "synthetic street scenes (ttfnet-synth, seed 1: person, car, sign), 128x128 input, 2000 SGD steps, batch 8",'
    echo '  "default_pair": ["broken", "leaky"],'
    echo '  "models": ['
    first=1
    for p in $presets; do
        [ $first = 1 ] || echo ','
        first=0
        printf '    {"name": "%s", "file": "%s.onnx", "telemetry": "../telemetry/%s.jsonl.gz", "description": "%s"}' "$p" "$p" "$p" "$(describe "$p")"
    done
    echo
    echo '  ]'
    echo '}'
} > "$models/manifest.json"
# Each model's measured figures (mAP@0.5, mean IoU, dead channels) into the manifest, for the explorer.
node "$DEADZONE_ROOT/bench/compare_presets.mjs" --runs "$runs" --manifest "$models/manifest.json"
# Sample images: two from the synthetic stream at a seed the models never saw, the generated blob
# images the explorer's tests use, and a public-domain photo taken from Debian's python3-skimage
# package (downloaded as a .deb and unpacked here, not installed). See assets/README.md.
images="$DEADZONE_ROOT/assets/images"
"$NATIVE_BUILD/native_trainer/ttfnet-synth" --seed 99 --count 2 --out "$images" >/dev/null
"$NATIVE_BUILD/tests/fixtures/make_test_models" "$runs/test_models" --images "$images" >/dev/null
(cd "$runs" && rm -f python3-skimage_*.deb && apt-get download -qq -o APT::Sandbox::User=root python3-skimage &&
    dpkg-deb --fsys-tarfile python3-skimage_*.deb |
    tar -xO ./usr/lib/python3/dist-packages/skimage/data/astronaut.png > "$images/astronaut.png")

echo "[assets] done in $(( $(date +%s) - start )) s; $(du -sh "$DEADZONE_ROOT/assets" | cut -f1) in assets/"
