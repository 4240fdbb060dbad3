#!/usr/bin/env bash
# End to end check of redact/testdata/unnamed: the corpus becomes an agent's logs, opadiag
# collects them (no network), and every entry of the zip and the console output is searched for
# every secret, whole or by any 8-byte piece that the ordinary text around it does not hold too.
# The ordinary strings must reach the bundle's logs unchanged.
#
#   bench/unnamed/e2e.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/opadiag" .
python3 bench/unnamed/gen.py redact/testdata/unnamed/corpus.tmpl "$work/corpus.txt"
cmp -s "$work/corpus.txt" redact/testdata/unnamed/corpus.txt || { echo "corpus.txt is stale: run gen.py"; exit 1; }
mkdir -p "$work/agent/logs"
printf '{"token":"Zq3xV9mK2pL7wR4tY8uB1nC6","environment":"production"}' >"$work/agent/Settings"
python3 - "$work" <<'PY'
import sys, re
work = sys.argv[1]
def blocks(p):
    for b in open(p, encoding="utf-8").read().rstrip("\n").split("\n### "):
        b = b[4:] if b.startswith("### ") else b
        name, rest = b.split("\n", 1)
        head, text = rest.split("---\n", 1)
        yield name, head, text + "\n"
with open(work + "/agent/logs/agent.log", "w", encoding="utf-8") as f:
    for _, _, t in blocks(work + "/corpus.txt"):
        f.write(t)
with open(work + "/agent/server-2026-12-03.log", "w", encoding="utf-8") as f:
    for _, _, t in blocks("redact/testdata/unnamed/ordinary.txt"):
        f.write(t)
PY
set +e
"$work/opadiag" collect --no-network --agent-dir "$work/agent" --output "$work/out" >"$work/console.txt" 2>&1
rc=$?
set -e
echo "opadiag exit $rc"
mkdir -p "$work/unz"
(cd "$work/unz" && unzip -q "$work"/out/*.zip)
python3 - "$work" <<'PY'
import sys, os, re
# A piece that is only letters is a word: the manifest records this machine's processes and
# environment, where words like "access_t" occur on their own.
work = sys.argv[1]
def blocks(p):
    for b in open(p, encoding="utf-8").read().rstrip("\n").split("\n### "):
        b = b[4:] if b.startswith("### ") else b
        name, rest = b.split("\n", 1)
        head, text = rest.split("---\n", 1)
        vals = [l.split(": ", 1)[1] for l in head.splitlines() if ": " in l]
        yield name, vals, text + "\n"
files = {"console": open(work + "/console.txt", encoding="utf-8", errors="replace").read()}
for root, _, names in os.walk(work + "/unz"):
    for n in names:
        p = os.path.join(root, n)
        files[os.path.relpath(p, work + "/unz")] = open(p, encoding="utf-8", errors="replace").read()
leaks = 0
known = dict(l.split(": ", 1) for l in open("redact/testdata/unnamed/known-leaks.txt").read().splitlines() if ": " in l)
corpus = list(blocks(work + "/corpus.txt"))
ordinary = "".join(t for _, _, t in corpus) + open(work + "/agent/Settings").read()
for kind, secrets, _ in corpus:
    for s in secrets:
        if kind not in known:
            ordinary = ordinary.replace(s, "\0")
for kind, secrets, text in corpus:
    if kind in known:
        print(f"known leak {kind}: {known[kind]}")
        continue
    for s in secrets:
        for fn, data in files.items():
            hit = s if s in data else next((s[i:i+8] for i in range(len(s) - 7)
                    if s[i:i+8] in data and s[i:i+8] not in ordinary and s[i:i+8] not in "[REDACTED]"
                    and not re.fullmatch(r"[A-Za-z_]+", s[i:i+8])), None)
            if hit:
                leaks += 1
                print(f"LEAK {kind} in {fn}: {hit!r} of {s!r}")
                break
logs = "".join(d for f, d in files.items() if f.endswith(".log"))
lost = 0
for kind, keeps, _ in blocks("redact/testdata/unnamed/ordinary.txt"):
    for k in keeps:
        if k not in logs:
            lost += 1
            print(f"LOST {kind}: {k!r}")
print(f"{leaks} leaks, {lost} ordinary strings lost, entries: {len(files) - 1}")
PY
