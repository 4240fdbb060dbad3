#!/usr/bin/env bash
# --obfuscate's cost: a plain collect against an obfuscated one of the same realistic agent logs
# (goal: at most 1.5x the time), each pass of the obfuscator alone in CPU seconds per byte (goal:
# 250 MB/s per core or more), and peak memory on a log naming a million distinct addresses (goal:
# 64 MiB). CPU time is reported beside wall time: on a shared machine wall time is noise.
#
#   bench/obfuscate.sh [SIZE] [RUNS]      # default 200MiB of logs, 3 runs each (best is kept)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200MiB}
runs=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/opadiag" .
go build -o "$work/obf" ./bench/obfuscate
go run ./bench/genlog -dir "$work/agent" -size "$size" -files 4
# Lines of about 250 bytes: 300 MiB names each of the million addresses at least once.
go run ./bench/genlog -dir "$work/distinct" -size 300MiB -files 0 -addresses 1000000 -hosts 100000
logs=("$work"/agent/server-*.log "$work"/agent/logs/agent.log)
bytes=$(cat "${logs[@]}" | wc -c)

# measure CMD...: best wall seconds, its CPU seconds (user+sys) and peak RSS (KiB) over $runs runs,
# printed as "wall cpu rss".
measure() {
  local best="" line
  for _ in $(seq "$runs"); do
    rm -rf "$work/out" && mkdir "$work/out"
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" >/dev/null 2>&1
    line=$(awk '{printf "%s %.2f %s", $1, $2 + $3, $4}' "$work/t")
    if [ -z "$best" ] || awk -v a="$line" -v b="$best" 'BEGIN {split(a, x, " "); split(b, y, " "); exit !(x[1] < y[1])}'; then
      best=$line
    fi
  done
  echo "$best"
}
collect=("$work/opadiag" collect --agent-dir "$work/agent" --output "$work/out" --no-network
  --max-file-size 4GiB --max-total-size 8GiB --quiet)
read -r pw pc pr <<<"$(measure "${collect[@]}")"
read -r ow oc orss <<<"$(measure "${collect[@]}" --obfuscate)"
read -r _ rc _ <<<"$(measure "$work/obf" -pass redact "${logs[@]}")"
read -r _ lc _ <<<"$(measure "$work/obf" -pass learn "${logs[@]}")"
read -r _ xc _ <<<"$(measure "$work/obf" -pass replace "${logs[@]}")"
dbytes=$(stat -c %s "$work/distinct/logs/agent.log")
read -r dw dc drss <<<"$(measure "$work/obf" -pass both -mapping "$work/mapping.json" "$work/distinct/logs/agent.log")"
entries=$(grep -c '^    "' "$work/mapping.json")
awk -v n="$bytes" -v pw="$pw" -v pc="$pc" -v pr="$pr" -v ow="$ow" -v oc="$oc" -v orss="$orss" \
  -v rc="$rc" -v lc="$lc" -v xc="$xc" -v dn="$dbytes" -v dw="$dw" -v dc="$dc" -v drss="$drss" -v e="$entries" 'BEGIN {
  printf "input:                 %.0f MiB of agent logs\n", n / 1048576
  printf "collect:               %.2f s wall, %.2f s CPU, peak RSS %.1f MiB\n", pw, pc, pr / 1024
  printf "collect --obfuscate:   %.2f s wall, %.2f s CPU, peak RSS %.1f MiB\n", ow, oc, orss / 1024
  printf "ratio:                 %.2fx wall, %.2fx CPU (goal: at most 1.5x)\n", ow / pw, oc / pc
  printf "redaction writer:      %.0f MB per CPU second\n", n / 1e6 / rc
  printf "learning pass:         %.0f MB per CPU second (goal: 250)\n", n / 1e6 / lc
  printf "replacing pass:        %.0f MB per CPU second (goal: 250)\n", n / 1e6 / xc
  printf "distinct log:          %.0f MiB naming %d identifiers: both passes and the mapping in %.2f s CPU, peak RSS %.1f MiB (goal: 64)\n", dn / 1048576, e, dc, drss / 1024
}'
