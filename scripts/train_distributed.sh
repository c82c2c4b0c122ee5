#!/usr/bin/env bash
# Starts N ttfnet-train processes on this host as one data-parallel run, the way torchrun does:
# each gets RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT, and the trainer joins their
# c10d process group (native_trainer/include/ttfnet/distributed.h). --batch is the global batch.
#
#   scripts/train_distributed.sh --nproc 2 [--master-port P] [--node-rank R --nnodes M --master-addr HOST]
#                                -- <ttfnet-train arguments>
#
# On several hosts run it once per host with the same --nnodes, --master-addr and --master-port and
# each host's --node-rank (0 on the master's host): ranks are node_rank * nproc + local rank.
# Rank 0's output goes to the terminal; the others' to <out>/rank-<r>.log (the --out folder, or
# runs/ttfnet). If one process fails, the others are stopped and its status is returned.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

nproc=""
nnodes=1
node_rank=0
master_addr=127.0.0.1
master_port=""
usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit "${1:-2}"
}
need_value() { [ $# -ge 2 ] && [[ "$2" != -* ]] || { echo "train_distributed.sh: $1 needs a value" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
    --nproc | --nnodes | --node-rank | --master-addr | --master-port) need_value "$@" ;;&
    --nproc) nproc="$2"; shift 2 ;;
    --nnodes) nnodes="$2"; shift 2 ;;
    --node-rank) node_rank="$2"; shift 2 ;;
    --master-addr) master_addr="$2"; shift 2 ;;
    --master-port) master_port="$2"; shift 2 ;;
    -h | --help) usage 0 ;;
    --) shift; break ;;
    *) echo "train_distributed.sh: unknown option '$1' (the trainer's arguments go after --)" >&2; usage ;;
    esac
done
[ -n "$nproc" ] || { echo "train_distributed.sh: --nproc N is required (processes on this host)" >&2; usage; }
for v in nproc nnodes node_rank; do
    if ! [[ "${!v}" =~ ^[0-9]+$ ]]; then echo "train_distributed.sh: --${v//_/-} must be a whole number, got '${!v}'" >&2; exit 2; fi
done
[ "$nproc" -ge 1 ] || { echo "train_distributed.sh: --nproc must be at least 1" >&2; exit 2; }
[ "$node_rank" -lt "$nnodes" ] || { echo "train_distributed.sh: --node-rank must be below --nnodes" >&2; exit 2; }

trainer="$ROOT/build/native/native_trainer/ttfnet-train"
[ -x "$trainer" ] || { echo "train_distributed.sh: $trainer is not built (bash scripts/build.sh native)" >&2; exit 2; }

# A free port on a single host; several hosts must agree on one, so there it must be given.
if [ -z "$master_port" ]; then
    [ "$nnodes" -eq 1 ] || { echo "train_distributed.sh: --master-port is required with --nnodes > 1" >&2; exit 2; }
    master_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi

out=runs/ttfnet # the trainer's default --out
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[$i]}" in
    --out) out="${args[$((i + 1))]:-$out}" ;;
    --out=*) out="${args[$i]#--out=}" ;;
    esac
done
mkdir -p "$out"

world=$((nnodes * nproc))
pids=()
declare -A rank_of # pid -> rank
stop_all() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
for ((local = 0; local < nproc; local++)); do
    rank=$((node_rank * nproc + local))
    if [ "$rank" -eq 0 ]; then
        RANK=$rank WORLD_SIZE=$world LOCAL_RANK=$local MASTER_ADDR=$master_addr MASTER_PORT=$master_port \
            "$trainer" "$@" &
    else
        RANK=$rank WORLD_SIZE=$world LOCAL_RANK=$local MASTER_ADDR=$master_addr MASTER_PORT=$master_port \
            "$trainer" "$@" >"$out/rank-$rank.log" 2>&1 &
    fi
    pids+=($!)
    rank_of[$!]=$rank
done
echo "train_distributed.sh: $nproc processes (ranks $((node_rank * nproc))..$((node_rank * nproc + nproc - 1)) of $world)," \
    "rendezvous at $master_addr:$master_port; other ranks log to $out/rank-<r>.log" >&2

# The first process to fail stops the rest; its status is the script's.
status=0
while [ ${#pids[@]} -gt 0 ]; do
    set +e
    wait -n -p done_pid "${pids[@]}"
    s=$?
    set -e
    remaining=()
    for p in "${pids[@]}"; do [ "$p" = "$done_pid" ] || remaining+=("$p"); done
    pids=("${remaining[@]+"${remaining[@]}"}")
    if [ "$s" -ne 0 ] && [ "$status" -eq 0 ]; then
        status=$s
        failed=${rank_of[$done_pid]}
        echo "train_distributed.sh: rank $failed exited with status $s; stopping the others" >&2
        # Its reason, when it is not rank 0 (whose output is already on the terminal).
        [ "$failed" -eq 0 ] || tail -n 5 "$out/rank-$failed.log" | sed "s/^/  rank $failed: /" >&2
        stop_all
    fi
done
exit "$status"
