#!/usr/bin/env python3
"""Expand redact/testdata/unnamed/corpus.tmpl into corpus.txt: every «a:KIND» becomes a
random (seeded, so reproducible) secret of that kind, «=literal» a literal secret. Each block of
corpus.txt is "### kind", "secret: value" lines, "---", then the log text."""
import base64, random, re, string, sys, uuid

R = random.Random(20261203)
B62 = string.ascii_letters + string.digits
B64U = B62 + "-_"
B64 = B62 + "+/"
HEX = "0123456789abcdef"
LOW = string.ascii_lowercase + string.digits
WORDS = ["Winter", "Summer", "Celigo", "Falcon", "Orange", "Rocket", "Harbor", "Marble", "Violet", "Copper"]

def r(alpha, n):
    return "".join(R.choice(alpha) for _ in range(n))

def pw(i):
    if i % 2:
        return R.choice(WORDS) + R.choice(WORDS) + str(R.randint(10, 9999)) + R.choice("!*.-_")
    return r(B62 + "!*_.~-", 16)

def gen(kind):
    m = re.fullmatch(r"PW(\d*)", kind)
    if m:
        return pw(int(m.group(1) or 0))
    m = re.fullmatch(r"(B62|B64U|B64|HEX|LOWER)_?(\d+)[A-Z]?", kind)
    if m:
        alpha = {"B62": B62, "B64U": B64U, "B64": B64, "HEX": HEX, "LOWER": LOW}[m.group(1)]
        v = r(alpha, int(m.group(2)))
        if alpha is HEX or alpha is LOW:
            return v
        # make sure it has a digit, as real keys do
        return v[:-1] + R.choice(string.digits)
    t = {
        "GLPAT": lambda: "glpat-" + r(B64U, 20),
        "GLDT": lambda: "gldt-" + r(B64U, 20),
        "NPM": lambda: "npm_" + r(B62, 36),
        "PYPI": lambda: "pypi-AgEIcHlwaS5vcmc" + r(B64U, 70),
        "DCKR": lambda: "dckr_pat_" + r(B64U, 27),
        "BASICB64": lambda: base64.b64encode(("celigo:" + pw(1)).encode()).decode(),
        "SHPAT": lambda: "shpat_" + r(HEX, 32),
        "SHPSS": lambda: "shpss_" + r(HEX, 32),
        "ATATT": lambda: "ATATT3xFfGF0" + r(B64U, 170) + "=" + r(HEX.upper(), 8),
        "OPENAI": lambda: "sk-" + r(B62, 20) + "T3BlbkFJ" + r(B62, 20),
        "OPENAIPROJ": lambda: "sk-proj-" + r(B64U, 100),
        "ANTH": lambda: "sk-ant-api03-" + r(B64U, 93) + "AA",
        "HF": lambda: "hf_" + r(B62, 34),
        "MAILGUN": lambda: "key-" + r(HEX, 32),
        "MAILCHIMP": lambda: r(HEX, 32) + "-us12",
        "UUID": lambda: str(uuid.UUID(int=R.getrandbits(128), version=4)),
        "UUID2": lambda: str(uuid.UUID(int=R.getrandbits(128), version=4)).upper(),
        "SQUARE": lambda: "EAAA" + r(B64U, 60),
        "SQ0CSP": lambda: "sq0csp-" + r(B64U, 43),
        "BRAINTREE": lambda: "access_token$production$" + r(LOW, 16) + "$" + r(HEX, 32),
        "OKTA": lambda: "00" + r(B64U, 40),
        "NTLM": lambda: "TlRMTVNTUAADAAAAGAAYAEgAAAA" + r(B64, 180) + "==",
        "NEGO": lambda: "YIIGhgYGKwYBBQUCoIIGejCCBnag" + r(B64, 200) + "=",
        "SIDPART": lambda: r(B64U, 32),
        "SIDSIG": lambda: r(B64, 43),
        "HEX32U": lambda: r("0123456789ABCDEF", 32),
        "ASPNET": lambda: r("abcdefghijklmnopqrstuvwxyz012345", 24),
        "DOPV1": lambda: "dop_v1_" + r(HEX, 64),
        "HVS": lambda: "hvs." + r(B64U, 90),
        "HVB": lambda: "hvb." + r(B64U, 130),
        "ATLAS": lambda: r(B62, 14) + ".atlasv1." + r(B62, 67),
        "DAPI": lambda: "dapi" + r(HEX, 32),
        "PWENC": lambda: r(B62, 6) + "%40" + r(B62, 5) + "%23" + r(B62, 4),
        "KEYTAB": lambda: "BQIAAAB" + r(B64, 200) + "=",
        "OSSH1": lambda: "b3BlbnNzaC1rZXktdjEAAAAACmFlczI1Ni1jdHIAAAAGYmNyeXB0AAAAGAAAABD" + r(B64, 6),
        "OSSH2": lambda: r(B64, 70),
        "PPK1": lambda: r(B64, 64),
        "PPK2": lambda: r(B64, 40),
        "PK8A": lambda: "MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI" + r(B64, 16),
        "PK8B": lambda: r(B64, 64),
        "PFX": lambda: "MIIKcQIBAzCCCjcGCSqGSIb3DQEHAaCCCigEggokMIIKIDCCBNcGCSqGSIb3DQEHBqCCBMgw" + r(B64, 300) + "=",
        "JWE": lambda: "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ." + r(B64U, 342) + "." + r(B64U, 22) + "." + r(B64U, 200) + "." + r(B64U, 22),
        "JWKD": lambda: r(B64U, 43),
        "CS1": lambda: r(B62, 40),
        "RT1": lambda: "5Aep861" + r(B62 + "._", 80),
        "CODE": lambda: r(B64U, 40),
        "VERIFIER": lambda: r(B64U, 43),
        "SAML": lambda: "PHNhbWxwOlJlc3BvbnNl" + r(B64, 400).replace("+", "%2B").replace("/", "%2F") + "%3D",
        "STS": lambda: "IQoJb3JpZ2luX2VjE" + r(B64, 300).replace("+", "%2B").replace("/", "%2F") + "%3D%3D",
        "STS2": lambda: "IQoJb3JpZ2luX2VjE" + r(B64, 300) + "==",
        "GCPK": lambda: "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ" + r(B64, 150),
        "AZCS": lambda: r(B62, 3) + "8Q~" + r(B62 + "_~.-", 34),
        "AZCS2": lambda: r(B62, 3) + "7Q~" + r(B62 + "_~.-", 34),
        "FCM": lambda: "AAAA" + r(B64U, 7) + ":APA91b" + r(B64U, 134),
        "DISCORD": lambda: "MT" + r(B64U, 24) + "." + r(B64U, 6) + "." + r(B64U, 38),
        "DISCWH": lambda: r(B64U, 68),
        "TELEGRAM": lambda: str(R.randint(10**9, 10**10 - 1)) + ":AA" + r(B64U, 33),
        "ZENDESK": lambda: r(B62, 40),
        "FRESH": lambda: r(B62, 20),
        "HUBSPOT": lambda: "pat-na1-" + str(uuid.UUID(int=R.getrandbits(128), version=4)),
        "SHOPHMAC": lambda: r(B64, 43) + "=",
        "GHOAUTH": lambda: "gho_" + r(B62, 36),
        "K8STOK": lambda: r(LOW, 6) + "." + r(LOW, 16),
        "K8SKEY": lambda: "LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo" + r(B64, 200) + "=",
        "ENC": lambda: r(B64, 31) + "=",
        "NRLIC": lambda: r(HEX, 36) + "NRAL",
        "CLOUDSEC": lambda: r(B64U, 27),
        "APR1": lambda: "$apr1$" + r(B62, 8) + "$" + r(B62 + "./", 22),
        "ASANA": lambda: "2/120" + r(string.digits, 13) + "/120" + r(string.digits, 13) + ":" + r(HEX, 32),
        "AIRTABLE": lambda: r(B62, 14) + "." + r(HEX, 64),
        "CFSIG": lambda: r(B62 + "-~", 170),
        "SASSIG": lambda: r(B64, 43).replace("+", "%2B").replace("/", "%2F") + "%3D",
        "XKEYSIB": lambda: "xkeysib-" + r(HEX, 64) + "-" + r(B62, 16),
        "HEX64": lambda: r(HEX, 64),
        "PMAK": lambda: "PMAK-" + r(HEX, 24) + "-" + r(HEX, 34),
        "NRAK": lambda: "NRAK-" + r(string.ascii_uppercase + string.digits, 27),
        "SUPABASE": lambda: "sbp_" + r(HEX, 40),
        "SGP": lambda: "sgp_" + r(HEX, 40),
        "PULUMI": lambda: "pul-" + r(HEX, 40),
        "PSCALE": lambda: "pscale_tkn_" + r(B64U, 43),
        "DYNATRACE": lambda: "dt0c01." + r(string.ascii_uppercase + string.digits, 24) + "." + r(string.ascii_uppercase + string.digits, 64),
        "MAPBOX": lambda: "sk.eyJ1IjoiY2VsaWdvIiwiYSI6ImNs" + r(B64U, 20) + "." + r(B64U, 22),
        "TWITTERB": lambda: "AAAAAAAAAAAAAAAAAAAAA" + r(B62, 10) + "%3D" + r(B62, 50),
        "INTERCOM": lambda: base64.b64encode(("tok:" + str(uuid.UUID(int=R.getrandbits(128), version=4))).encode()).decode(),
        "AGE": lambda: "AGE-SECRET-KEY-1" + r("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58),
        "TSKEY": lambda: "tskey-auth-k" + r(B62, 10) + "CNTRL-" + r(B62, 30),
        "FIGMA": lambda: "figd_" + r(B64U, 40),
        "SHIPPO": lambda: "shippo_live_" + r(HEX, 40),
        "FLW": lambda: "FLWSECK-" + r(HEX, 32) + "-X",
        "JWKK": lambda: r(B64U, 22),
        "VAULTB64": lambda: "\n".join(r(HEX, 80) for _ in range(3)),
    }
    m = re.fullmatch(r"(HEX64)[A-Z]", kind)
    if m:
        kind = m.group(1)
    return t[kind]()

def main(src, dst):
    out = []
    blocks = re.split(r"^### ", open(src, encoding="utf-8").read(), flags=re.M)[1:]
    for blk in blocks:
        name, text = blk.split("\n", 1)
        vals = {}
        secrets = []
        def sub(m):
            tag = m.group(1)
            if tag.startswith("="):
                v = tag[1:]
            else:
                if tag not in vals:
                    vals[tag] = gen(tag[2:])
                v = vals[tag]
            if v not in secrets:
                secrets.append(v)
            return v
        text = re.sub(r"«([^»]+)»", sub, text)
        out.append("### " + name + "\n" + "".join("secret: " + s + "\n" for s in secrets) + "---\n" + text)
    open(dst, "w", encoding="utf-8").write("".join(out))

main(*sys.argv[1:3])
