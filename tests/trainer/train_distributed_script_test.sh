#!/usr/bin/env bash
# scripts/train_distributed.sh: two local processes train as one run (rank 0 writes the checkpoint
# and a telemetry header with world_size 2, rank 1 logs to rank-1.log), and a process that fails
# (a global batch the world size does not divide) stops the run with its status.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
args=(--data synthetic --synthetic-size 8 --synthetic-val-size 2 --input-size 64 --steps 2 --threads 1
      --no-progress --head-channels 16 --wh-channels 8 --neck-channels 32 16 16)
bash "$ROOT/scripts/train_distributed.sh" --nproc 2 -- "${args[@]}" --batch 4 --out "$out/run" 2>"$out/stderr.txt" || { cat "$out/stderr.txt"; exit 1; }
grep -q "2 processes (Gloo" "$out/stderr.txt" || { echo "rank 0 did not say it runs in 2 processes"; cat "$out/stderr.txt"; exit 1; }
[ -f "$out/run/last.pt" ] || { echo "no checkpoint from rank 0"; exit 1; }
head -1 "$out/run/telemetry.jsonl" | grep -q '"world_size":2' || { echo "telemetry header lacks world_size 2"; exit 1; }
grep -q "rank 1 of 2" "$out/run/rank-1.log" || { echo "rank 1's log:"; cat "$out/run/rank-1.log"; exit 1; }
set +e
bash "$ROOT/scripts/train_distributed.sh" --nproc 2 -- "${args[@]}" --batch 3 --out "$out/bad" 2>"$out/bad.txt"
status=$?
set -e
[ "$status" -eq 2 ] || { echo "a failing process should end the run with its status 2, got $status"; cat "$out/bad.txt"; exit 1; }
grep -q "multiple of the world size 2" "$out/bad.txt" || { cat "$out/bad.txt"; exit 1; }
echo "ok"
