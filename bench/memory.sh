#!/usr/bin/env bash
# Peak memory and throughput of `opadiag collect` over one large log with the size caps lifted.
# Acceptance: peak RSS under 64 MiB for a 1 GiB log, since nothing reads a whole log into memory.
#
#   bench/memory.sh [SIZE]      # default 1GiB
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1GiB}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/opadiag" .
go run ./bench/genlog -dir "$work/agent" -size "$size" -files 0
bytes=$(stat -c %s "$work/agent/logs/agent.log")
/usr/bin/time -v "$work/opadiag" collect --agent-dir "$work/agent" --output "$work/out" --no-network \
  --max-file-size 4GiB --max-total-size 8GiB --quiet 2>"$work/time.txt" >/dev/null
rss_kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
secs=$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
zip=$(ls "$work"/out/*.zip)
printf 'log:          %s bytes\n' "$bytes"
zbytes=$(stat -c %s "$zip")
awk -v b="$bytes" -v z="$zbytes" -v s="$secs" -v r="$rss_kib" 'BEGIN {
  printf "bundle:       %d bytes (%.1f%% of the log)\n", z, z * 100 / b
  printf "wall time:    %.2f s (%.0f MB/s)\n", s, b / 1e6 / s
  printf "peak RSS:     %.1f MiB\n", r / 1024
}'
