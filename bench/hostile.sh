#!/usr/bin/env bash
# Hostile agent homes against the real binary: Settings in every broken state, the token in every
# form, logs built to exhaust memory, time or disk, reads that never return. For each case: wall
# time, peak RSS, where the token was found (none is the only good answer), inspect's verdict,
# what the manifest says was cut or left out, anything left in the output folder or $TMPDIR.
#
#   bench/hostile.sh [CASE...]     # default: every case; WORK=/dir keeps the fixtures there
# Needs python3, /usr/bin/time, setpriv (unreadable Settings are tried as nobody), mkfifo.
# Regular files whose read never returns: bench/hungfs (a FUSE file system, root only) —
#   go build -o /tmp/hungfs ./bench/hungfs && /tmp/hungfs -dir /tmp/hfm &
#   opadiag collect --agent-dir /tmp/hfm --no-network   # bundle after 14 s: 10 s + 2 s + 2 s
# The process exits only once the server answers or dies: a read already handed to a FUSE
# server waits uninterruptibly in the kernel.
set -uo pipefail
cd "$(dirname "$0")/.."
here=$PWD
work=${WORK:-$(mktemp -d /tmp/hostile.XXXXXX)}
mkdir -p "$work"
chmod 755 "$work"
token=${TOKEN:-9f2c4e1ab37d4c08a5e6b1f0d2c3e4a5}
bin=$work/opadiag
go build -o "$bin" . || exit 1
chmod 755 "$bin"
today=$(date -u +%F)

build() { # build CASE: the agent home of CASE
	local c=$1 h=$work/$c/agent
	rm -rf "$work/$c"
	python3 bench/hostile/fixtures.py "$work" "$c" "$token"
	case $c in
	log-300mb-line) python3 -c "import sys; sys.stdout.write('x'*(300<<20))" >"$h/logs/oneline.log"
		printf '%s\n' "$token" >>"$h/logs/oneline.log" ;;
	log-deep-json) python3 -c "import sys; sys.stdout.write('{\"a\":'*100000+'\"$token\"'+'}'*100000+'\n')" >"$h/logs/deep.log" ;;
	log-utf16)
		for v in le-bom be-bom le be; do
			python3 - "$h" "$v" "$token" <<'PY'
import sys
h, v, t = sys.argv[1:]
s = open(h + "/logs/agent.log").read()
order, bom = (v.split("-") + [""])[:2]
b = s.encode("utf-16-le" if order == "le" else "utf-16-be")
if bom: b = (b"\xff\xfe" if order == "le" else b"\xfe\xff") + b
open(h + f"/logs/u16-{v}.log", "wb").write(b)
open(h + f"/logs/u16-{v}-odd.log", "wb").write(b + b"\x41")
PY
		done ;;
	log-binary) head -c 5000000 /dev/urandom >"$h/logs/binary.log"
		{ printf 'text %s\n' "$token"; head -c 100 /dev/zero; printf '\n%s\n' "$token"; } >"$h/logs/nul.log" ;;
	log-growing) : >"$h/logs/grow.log"
		( end=$((SECONDS+40)); while [ $SECONDS -lt $end ] && [ -e "$h/logs/grow.log" ]; do
			python3 -c "import sys; sys.stdout.write(('grow $token ' + 'y'*200 + '\n')*20000)" >>"$h/logs/grow.log"; done ) &
		echo $! >"$work/$c/grower.pid"; sleep 1 ;;
	log-sparse) truncate -s 10G "$h/logs/sparse.log"; printf '%s\n' "$token" >>"$h/logs/sparse.log" ;;
	log-sparse-dated) truncate -s 10G "$h/server-$today.log" ;;
	log-links) ln -s loop1.log "$h/logs/loop2.log"; ln -s loop2.log "$h/logs/loop1.log"
		ln -s /dev/zero "$h/logs/zero.log"; ln -s /dev/zero "$h/server-2099-01-01.log"
		ln -s /etc/shadow "$h/logs/shadow.log"; ln -s "$h/logs" "$h/logs/self"
		mkfifo "$h/logs/fifo.log" ;;
	hung-fifo) rm "$h/server-$today.log"; mkfifo "$h/server-$today.log" ;;
	hung-fifo-open) rm "$h/server-$today.log"; mkfifo "$h/server-$today.log"
		# a writer holds the FIFO open and never writes: a reader's read blocks, not its open
		( exec 3<>"$h/server-$today.log"; sleep 120 ) & echo $! >"$work/$c/grower.pid" ;;
	log-100k-files) python3 - "$h" "$token" <<'PY'
import os, sys
h, t = sys.argv[1:]
for i in range(100000):
    with open(f"{h}/logs/f{i:06d}.log", "w") as f: f.write(f"line {i} token {t}\n")
PY
	;;
	log-bad-names) printf 'a %s\n' "$token" >"$h/logs/$(printf 'new\nline.log')"
		printf 'b %s\n' "$token" >"$h/logs/$(printf 'bad\xff\xfename.log')"
		printf 'c %s\n' "$token" >"$h/logs/$(printf 'tab\tand\rcr.log')" ;;
	settings-fifo) rm "$h/Settings"; mkfifo "$h/Settings"; rm "$h/uncaughtException"; mkfifo "$h/uncaughtException" ;;
	settings-devzero) rm "$h/Settings"; ln -s /dev/zero "$h/Settings"; rm "$h/uncaughtException"; ln -s /dev/urandom "$h/uncaughtException" ;;
	log-300mb-lines-uncapped) python3 -c "
import sys
line = ('y' * 1000 + ' token=$token ' + 'z' * 1000) * 150000
sys.stdout.write(line + '\n' + 'last $token\n')" >"$h/logs/big.log" ;;
	tokenfile) printf 'x\n' >"$h/logs/$token.log"; printf 'x\n' >"$h/logs/server-$token.log"
		mkdir -p "$h/logs/$token"; printf 'y %s\n' "$token" >"$h/logs/$token/inner.log" ;;
	esac
}

run() { # run CASE [nobody]
	local c=$1 as=${2:-} d=$work/$1 out tmp res
	out=$d/out tmp=$d/tmp
	mkdir -p "$out" "$tmp"
	local pre=()
	if [ "$as" = nobody ]; then
		chmod -R a+rX "$d"; chmod 000 "$d/agent/Settings" 2>/dev/null
		chown 65534:65534 "$out" "$tmp"
		pre=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	fi
	local extra=()
	[ "$c" = log-300mb-lines-uncapped ] && extra=(--max-file-size 1GiB --max-total-size 2GiB)
	local start=$(date +%s.%N)
	env TMPDIR="$tmp" AGENT_TOKEN="$token" /usr/bin/time -v -o "$d/time.txt" "${pre[@]}" \
		timeout -k 5 300 "$bin" collect --agent-dir "$d/agent" --output "$out" --no-network --json "${extra[@]}" \
		>"$d/stdout.json" 2>"$d/stderr.txt"
	local rc=$? end=$(date +%s.%N)
	[ -f "$d/grower.pid" ] && kill "$(cat "$d/grower.pid")" 2>/dev/null
	local rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$d/time.txt")
	local zip=$(ls "$out"/*.zip 2>/dev/null | head -1)
	local found=$(python3 bench/hostile/check.py "$token" "${zip:--}" "$d/stdout.json" "$d/stderr.txt")
	local verdict=none
	[ -n "$zip" ] && { "$bin" inspect "$zip" >"$d/inspect.txt" 2>&1 && verdict=valid || verdict="INVALID($?)"; }
	local left=$(cd "$out" && ls -A | grep -v '\.zip$' | tr '\n' ' ')$(ls -A "$tmp" | tr '\n' ' ')
	local notes=""
	[ -n "$zip" ] && notes=$(unzip -p "$zip" manifest.json | python3 -c '
import json, sys
m = json.load(sys.stdin)
out = []
r = m.get("redaction", {})
if r.get("strict"): out.append("strict")
for f in m.get("files", []):
    bits = [k for k in ("truncated", "stalled") if f.get(k)]
    if bits: out.append(f["path"] + ":" + "+".join(bits))
om = m.get("omitted", []) or []
for o in om[:6]:
    out.append("omit " + str(o.get("path", o.get("source", "?")))[-40:] + ":" + str(o.get("reason", ""))[:50])
if len(om) > 6: out.append("... %d omitted" % len(om))
for k, v in (m.get("omitted_counts") or {}).items(): out.append(f"{k}={v}")
for c in m.get("collectors", []):
    if c.get("status") not in ("ok",): out.append(c["name"] + ":" + c.get("status", ""))
print(" | ".join(out)[:400])
' 2>&1)
	printf '%-26s rc=%s wall=%5.1fs rss=%4sMiB token=%s inspect=%s left=[%s]\n    %s\n' \
		"$c${as:+ (as $as)}" "$rc" "$(echo "$end - $start" | bc)" "$rss" "$found" "$verdict" "$left" "$notes"
}

all="settings-readable settings-unreadable settings-utf16-le-bom settings-utf16-be-bom settings-utf16-le-nobom
settings-utf16-be-nobom settings-utf8bom settings-oversized settings-oversized-tail settings-truncated
settings-truncated-after settings-trailing settings-dupkeys settings-dupkeys2 settings-comments settings-missing
settings-tmp settings-tmp-only settings-tmp-other settings-deep settings-deep-obj settings-nested-token tokenfile
log-300mb-line log-deep-json log-utf16 log-binary log-growing log-sparse log-sparse-dated log-links
log-100k-files log-bad-names hung-fifo hung-fifo-open settings-fifo settings-devzero log-300mb-lines-uncapped"
for c in ${@:-$all}; do
	build "$c"
	if [ "$c" = settings-unreadable ]; then run "$c" nobody; else run "$c"; fi
done
echo "fixtures and bundles in $work"
