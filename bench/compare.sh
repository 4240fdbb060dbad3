#!/usr/bin/env bash
# opadiag against `zip -6` on the same agent log folder: time, size and opadiag's peak memory.
# opadiag does more (it redacts every byte, hashes each file and scans the logs for findings);
# the goal is at least twice zip's speed, at most 10% larger, under 64 MiB of memory.
#
#   bench/compare.sh [SIZE] [RUNS]      # default 512MiB of logs, 3 runs each (best is kept)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-512MiB}
runs=${2:-3}
command -v zip >/dev/null || { echo "compare.sh: error: zip is not installed (apt-get install zip)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/opadiag" .
go run ./bench/genlog -dir "$work/agent" -size "$size" -files 4
bytes=$(du -sb "$work/agent" | cut -f1)

# seconds CMD...: wall-clock seconds of one run, with the peak RSS (KiB) left in $work/rss.
seconds() {
  /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>&1
  awk '{print $2}' "$work/t" >"$work/rss"
  awk '{print $1}' "$work/t"
}
best_zip=999999 best_op=999999 rss=0
for _ in $(seq "$runs"); do
  rm -f "$work/z.zip"; rm -rf "$work/out"
  t=$( (cd "$work" && seconds zip -6 -r -q z.zip agent) )
  best_zip=$(awk -v a="$best_zip" -v b="$t" 'BEGIN {print (b < a) ? b : a}')
  t=$(seconds "$work/opadiag" collect --agent-dir "$work/agent" --output "$work/out" --no-network \
      --max-file-size 4GiB --max-total-size 8GiB --quiet)
  best_op=$(awk -v a="$best_op" -v b="$t" 'BEGIN {print (b < a) ? b : a}')
  rss=$(awk -v a="$rss" -v b="$(cat "$work/rss")" 'BEGIN {print (b > a) ? b : a}')
done
zsize=$(stat -c %s "$work/z.zip")
osize=$(stat -c %s "$work"/out/*.zip)
awk -v n="$bytes" -v tz="$best_zip" -v to="$best_op" -v sz="$zsize" -v so="$osize" -v r="$rss" 'BEGIN {
  printf "input:            %.0f MiB of agent logs\n", n / 1048576
  printf "zip -6:           %.2f s (%.0f MB/s), %d bytes\n", tz, n / 1e6 / tz, sz
  printf "opadiag collect:  %.2f s (%.0f MB/s), %d bytes, peak RSS %.1f MiB\n", to, n / 1e6 / to, so, r / 1024
  printf "time ratio:       opadiag is %.2fx as fast as zip -6 (goal: 2x)\n", tz / to
  printf "size ratio:       opadiag bundle is %.3fx zip'"'"'s size (goal: at most 1.10x)\n", so / sz
}'
