#!/usr/bin/env bash
# Regenerates every shipped asset from scratch (models, telemetry, sample images): trains every head-variant preset with
# the same seed, data and schedule, exports each to ONNX and keeps its telemetry.
#
#   assets/models/<preset>.onnx        exported model (BN folded; heatmap, wh, wh_pre)
#   assets/models/manifest.json        the list the explorer offers
#   assets/telemetry/<preset>.jsonl.gz per-channel telemetry for the explorer's Replay view: every step up to 200,
#                                      then every 40th (gzip; core/ and the explorer read it as is)
#   assets/models/street-*.onnx, assets/telemetry/street-*.jsonl.gz, assets/images/street-*.jpg
#                                      the pair trained on real street footage (OpenCV's vtest.avi, labelled
#                                      automatically by scripts/street_data.py) and two held-out frames
#
# Usage: scripts/make_assets.sh [--part all|synthetic|street] [--steps N] [--presets "broken leaky ..."] [--no-build]
#   --part      only the synthetic presets, or only the street pair (default: all)
#   --steps     every run's steps instead of its recipe's (a quick check of the script)
#   --presets   the synthetic presets to train (the street part always trains its pair)
#   --no-build  use the ttfnet-train already in build/native (while another build runs there)
# The recipes (seed, data, input size, schedule) are scripts/preset_recipe.args and scripts/street_recipe.args.
# Time: the README ("The failure, reproduced" and "Real street footage") says how long it took on the 2-core machine.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

steps=""
presets="broken leaky bias-init"
street_presets="broken leaky"
part=all
build=1
usage() { echo "usage: scripts/make_assets.sh [--part all|synthetic|street] [--steps N] [--presets \"broken leaky ...\"] [--no-build]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        --part|--steps|--presets) [ $# -ge 2 ] || usage ;;
    esac
    case "$1" in
        --steps) steps="$2"; shift 2 ;;
        --presets) presets="$2"; shift 2 ;;
        --part) part="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        *) usage ;;
    esac
done
case "$part" in all|synthetic|street) ;; *) echo "make_assets.sh: --part is all, synthetic or street, not '$part'" >&2; exit 2 ;; esac
# Checked here, not by ttfnet-train after minutes of labelling.
[[ -z "$steps" || "$steps" =~ ^[1-9][0-9]*$ ]] || { echo "make_assets.sh: --steps is a positive number of steps, not '$steps'" >&2; exit 2; }

# A recipe file as argv words (one flag per line, # comments); --steps is replaced by $2 when given.
read_recipe() {
    local line words
    RECIPE=()
    while read -r line; do
        [[ -z "$line" || "$line" == \#* ]] && continue
        read -ra words <<< "$line"
        [[ "${words[0]}" == --steps && -n "$2" ]] && words=(--steps "$2")
        RECIPE+=("${words[@]}")
    done < "$1"
}

[ "$build" = 0 ] || bash "$DEADZONE_ROOT/scripts/build.sh" native >/dev/null
train="$NATIVE_BUILD/native_trainer/ttfnet-train"
models="$DEADZONE_ROOT/assets/models"
telemetry="$DEADZONE_ROOT/assets/telemetry"
images="$DEADZONE_ROOT/assets/images"
runs="$DEADZONE_ROOT/build/asset_runs"
mkdir -p "$models" "$telemetry" "$runs"
start=$(date +%s)

# Trains preset $1 as model $2 with the RECIPE words (+ extra flags), exports it and ships its telemetry.
# The shipped copy keeps the dense first steps and then every 40th (the run records every 10th): see
# scripts/thin_telemetry.mjs.
train_model() {
    local preset="$1" name="$2" dir="$3"; shift 3
    echo "[assets] training $name (--preset $preset)"
    "$train" --preset "$preset" "${RECIPE[@]}" "$@" --out "$dir/$name" --onnx "$models/$name.onnx" 2>&1 |
        tee "$dir/$name.log" | grep -E "^(done|  dead|error)"
    rm -f "$telemetry/$name.jsonl"
    node "$DEADZONE_ROOT/scripts/thin_telemetry.mjs" "$dir/$name/telemetry.jsonl" "$telemetry/$name.jsonl.gz" 40
}

# A file from a Debian package, downloaded as a .deb into $runs and unpacked there, not installed.
from_debian_package() {
    local package="$1" member="$2" out="$3"
    (cd "$runs" && rm -f "${package}"_*.deb && apt-get download -qq -o APT::Sandbox::User=root "$package" &&
        dpkg-deb --fsys-tarfile "${package}"_*.deb | tar -xO "$member" > "$out" && rm -f "${package}"_*.deb)
}

if [ "$part" = all ] || [ "$part" = synthetic ]; then
    # Every synthetic preset shares scripts/preset_recipe.args; only --preset differs.
    read_recipe "$DEADZONE_ROOT/scripts/preset_recipe.args" "$steps"
    for p in $presets; do train_model "$p" "$p" "$runs"; done
    # Sample images: two from the synthetic stream at a seed the models never saw, the generated blob
    # images the explorer's tests use, and a public-domain photo from Debian's python3-skimage. See
    # assets/README.md.
    "$NATIVE_BUILD/native_trainer/ttfnet-synth" --seed 99 --count 2 --out "$images" >/dev/null
    "$NATIVE_BUILD/tests/fixtures/make_test_models" "$runs/test_models" --images "$images" >/dev/null
    from_debian_package python3-skimage ./usr/lib/python3/dist-packages/skimage/data/astronaut.png "$images/astronaut.png"
fi

if [ "$part" = all ] || [ "$part" = street ]; then
    # Real street footage: OpenCV's vtest.avi (Debian opencv-doc), labelled automatically, split by
    # time; the hand-checked frames' labels are assets/street/checked (see assets/street/README.md).
    video="$runs/vtest.avi"
    if [ -f /usr/share/doc/opencv-doc/examples/data/vtest.avi ]; then cp /usr/share/doc/opencv-doc/examples/data/vtest.avi "$video"
    else from_debian_package opencv-doc ./usr/share/doc/opencv-doc/examples/data/vtest.avi "$video"; fi
    street_data="$DEADZONE_ROOT/build/street_data"
    /usr/bin/python3 "$DEADZONE_ROOT/scripts/street_data.py" --video "$video" --out "$street_data" \
        --checked "$DEADZONE_ROOT/assets/street/checked"
    read_recipe "$DEADZONE_ROOT/scripts/street_recipe.args" "$steps"
    mkdir -p "$runs/street"
    for p in $street_presets; do train_model "$p" "street-$p" "$runs/street" --data "yolo:$street_data"; done
    # Two held-out, hand-checked frames from different moments, with their labels: the explorer's first samples.
    for f in 000696 000780; do
        cp "$street_data/checked/images/vtest-$f.jpg" "$images/street-$f.jpg"
        cp "$street_data/checked/labels/vtest-$f.txt" "$images/street-$f.txt"
    done
fi

# The manifest (every model in assets/models, the pairs), then each model's measured figures (mAP@0.5,
# mean IoU, dead channels) for the explorer: the synthetic presets on their validation split, the
# street pair on the hand-checked frames.
node "$DEADZONE_ROOT/scripts/write_manifest.mjs" "$models/manifest.json"
if [ "$part" = all ] || [ "$part" = synthetic ]; then
    node "$DEADZONE_ROOT/bench/compare_presets.mjs" --runs "$runs" --manifest "$models/manifest.json"
fi
if [ "$part" = all ] || [ "$part" = street ]; then
    node "$DEADZONE_ROOT/bench/compare_presets.mjs" --runs "$runs/street" --manifest "$models/manifest.json" \
        --val-data "yolo:$street_data/checked" \
        --val-on "ttfnet-eval --val --val-all: the hand-checked frames of the street footage's held-out part (assets/street)"
fi

echo "[assets] done in $(( $(date +%s) - start )) s; $(du -sh "$DEADZONE_ROOT/assets" | cut -f1) in assets/"
