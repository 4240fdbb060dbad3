#!/usr/bin/env python3
"""Builds hostile agent homes for bench/hostile.sh: python3 fixtures.py ROOT CASE TOKEN.

Each case is one agent home at ROOT/CASE/agent. Logs name the token in every form an agent and
its libraries write it; Settings and logs are as broken as the case says."""
import base64, datetime, json, os, sys, urllib.parse

root, case, token = sys.argv[1], sys.argv[2], sys.argv[3]
home = os.path.join(root, case, "agent")
os.makedirs(os.path.join(home, "logs"), exist_ok=True)
today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
settings = {"token": token, "environment": "production", "dbPassword": "hunter2", "port": 8443}
sjson = json.dumps(settings)


def w(rel, data, mode=0o644):
    p = os.path.join(home, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(p, mode)
    return p


def token_log(t):
    """Every form of the token the acceptance checks name."""
    b = ("x" * 5 + "agent:" + t + ":tail").encode()
    lines = []
    half = len(t) // 2
    lines.append(f"{today}T10:00:00.000Z level=info, as is {t}")
    lines.append(f"{today}T10:00:01.000Z level=info, upper {t.upper()}")
    lines.append(f"{today}T10:00:02.000Z level=info, wrapped {t[:half]}\n{t[half:]} end")
    lines.append(f"{today}T10:00:03.000Z level=info, inspect {{ token: '{t[:half]}' +\n  '{t[half:]}' }}")
    lines.append(f"{today}T10:00:04.000Z level=info, pct-lower " + "".join("%%%02x" % c for c in t.encode()))
    lines.append(f"{today}T10:00:05.000Z level=info, pct-upper " + "".join("%%%02X" % c for c in t.encode()))
    lines.append(f"{today}T10:00:05.500Z level=info, quoted " + urllib.parse.quote(t, safe=""))
    lines.append(f"{today}T10:00:06.000Z level=info, json-escaped " + json.dumps({"t": t}).replace("/", "\\/"))
    for off in range(3):
        enc = base64.b64encode(b"." * off + b * 3).decode()
        wrapped = "\n".join(enc[i:i + 76] for i in range(0, len(enc), 76))
        lines.append(f"{today}T10:00:07.00{off}Z level=debug, body base64\n{wrapped}")
    lines.append(f"{today}T10:00:08.000Z level=error, GET https://api.integrator.io/v1/agents/heartbeat?env=prod&token={urllib.parse.quote(t, safe='')}&x=1 failed")
    lines.append(f"{today}T10:00:09.000Z level=debug, headers Authorization: {t}")
    lines.append(f"{today}T10:00:09.500Z level=debug, Authorization: Bearer {t}")
    lines.append(f"{today}T10:00:10.000Z level=debug, " + json.dumps({"message": "registered", "value": "tok " + t + " ok"}))
    lines.append(f"{today}T10:00:11.000Z level=debug, hex-surrounded deadbeef{t}cafe0123 and 00{t}")
    lines.append(f"{today}T10:00:12.000Z level=error, ENOENT: no such file, open '/var/tmp/{t}.json'")
    lines.append(f"{today}T10:00:13.000Z level=debug, cmd=node agent.js --token {t}")
    return "\n".join(lines) + "\n"


def u16(s, order, bom):
    enc = s.encode("utf-16-le" if order == "le" else "utf-16-be")
    if bom:
        enc = (b"\xff\xfe" if order == "le" else b"\xfe\xff") + enc
    return enc


log = token_log(token)
crash = (f"Error: connect ECONNREFUSED\n    at ws://api.integrator.io/agent?token={token}\n"
         f"uncaughtException token={token}\n")

# Settings variants
if case == "settings-readable" or case.startswith("log-") or case.startswith("hung") or case in ("tokenfile", "procs"):
    w("Settings", sjson, 0o600)
elif case == "settings-unreadable":
    w("Settings", sjson, 0o000)
elif case.startswith("settings-utf16"):
    _, _, order, bom = case.split("-")  # settings-utf16-le-bom
    w("Settings", u16(sjson, order, bom == "bom"), 0o600)
elif case == "settings-utf8bom":
    w("Settings", b"\xef\xbb\xbf" + sjson.encode(), 0o600)
elif case == "settings-oversized":
    w("Settings", '{"token":"%s","pad":"%s"}' % (token, "x" * (9 << 20)), 0o600)
elif case == "settings-oversized-tail":
    w("Settings", '{"pad":"%s","token":"%s"}' % ("x" * (9 << 20), token), 0o600)
elif case == "settings-truncated":
    w("Settings", sjson[: sjson.index(token) + 10], 0o600)
elif case == "settings-truncated-after":
    w("Settings", sjson[:-5], 0o600)
elif case == "settings-trailing":
    w("Settings", sjson + "\x00\x00garbage{{" + token, 0o600)
elif case == "settings-dupkeys":
    w("Settings", '{"token":"%s","token":"%s","environment":"x"}' % (token, "ffffffffffffffffffff0000" ), 0o600)
elif case == "settings-dupkeys2":
    w("Settings", '{"token":"decoydecoydecoy123456","token":"%s"}' % token, 0o600)
elif case == "settings-comments":
    w("Settings", '// agent settings\n{\n /* the token */ "token": "%s", // here\n "environment":"x"}' % token, 0o600)
elif case == "settings-missing":
    pass
elif case == "settings-tmp":
    w("Settings", sjson, 0o600)
    w("Settings-tmp", sjson[:-7], 0o600)
elif case == "settings-tmp-only":
    w("Settings-tmp", sjson[:-7], 0o600)
elif case == "settings-tmp-other":
    w("Settings", sjson, 0o600)
    w("Settings-tmp", json.dumps({"token": token[::-1]}), 0o600)
elif case == "settings-deep":
    # about 200 KB nested 100,000 deep
    w("Settings", "[" * 100000 + '"' + token + '"' + "]" * 100000, 0o600)
elif case == "settings-deep-obj":
    w("Settings", '{"token":"%s","x":' % token + "[" * 100000 + "]" * 100000 + "}", 0o600)
elif case == "settings-nested-token":
    w("Settings", json.dumps({"a": {"token": token}}), 0o600)
else:
    w("Settings", sjson, 0o600)

w(f"server-{today}.log", log)
w("uncaughtException", crash)
w("logs/agent.log", log)
