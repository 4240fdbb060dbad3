#!/usr/bin/env python3
"""python3 check.py TOKEN ZIP|- [TEXTFILE...]: prints where the token is found, in any form
(case-insensitive, across line breaks and util.inspect joins, %-decoded, \\/-unescaped, inside
base64 even wrapped), in the zip's entries and entry names and in the text files (console)."""
import base64, re, sys, urllib.parse, zipfile

token = sys.argv[1].lower()
tb = token.encode()


def forms(data: bytes):
    yield "raw", data
    d = data.lower()
    yield "lower", d
    yield "joined", re.sub(rb"' \+\s*'|\r?\n\s*", b"", d)
    yield "nows", re.sub(rb"\s+", b"", d)
    try:
        yield "pct", urllib.parse.unquote_to_bytes(data).lower()
    except Exception:
        pass
    yield "unescape", d.replace(b"\\/", b"/")
    if b"\x00" in data:
        for enc in ("utf-16-le", "utf-16-be"):
            yield enc, data.decode(enc, "ignore").lower().encode()
    flat = re.sub(rb"\r?\n", b"", data)
    for m in re.finditer(rb"[A-Za-z0-9+/]{24,}={0,2}", flat):
        s = m.group(0)
        for off in range(4):
            chunk = s[off:]
            chunk = chunk[: len(chunk) // 4 * 4]
            try:
                yield "base64", base64.b64decode(chunk).lower()
            except Exception:
                pass


def where(name, data):
    hits = set()
    for kind, d in forms(data):
        if tb in d:
            hits.add(kind)
    return hits


found = []
if sys.argv[2] != "-":
    z = zipfile.ZipFile(sys.argv[2])
    for info in z.infolist():
        if token in info.filename.lower():
            found.append(f"name:{info.filename}")
        h = where(info.filename, z.read(info))
        if h:
            found.append(f"{info.filename}[{','.join(sorted(h))}]")
for f in sys.argv[3:]:
    h = where(f, open(f, "rb").read())
    if h:
        found.append(f"{f.rsplit('/', 1)[-1]}[{','.join(sorted(h))}]")
print("; ".join(found) if found else "none")
