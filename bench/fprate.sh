#!/usr/bin/env bash
# The redactor's false-positive rate on realistic agent logs that hold no secret: genlog -clean
# writes them (IDs, hashes, URLs, stack traces, payloads, but no credential), opadiag collects
# them, and every replacement the manifest counts in the logs is a false positive.
#
#   bench/fprate.sh [SIZE]      # default 200MiB of logs
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-200MiB}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/opadiag" .
go run ./bench/genlog -dir "$work/agent" -size "$size" -files 4 -clean
"$work/opadiag" collect --agent-dir "$work/agent" --output "$work/out" --no-network \
  --max-file-size 4GiB --max-total-size 8GiB --quiet >/dev/null
go run ./bench/fprate "$work"/out/*.zip
