#!/usr/bin/env python3
"""Compare starttls-cert PRTG JSON output with the expectations for a server.

Usage: prtg_expect.py OUTPUT_FILE LABEL VARIANT PROTO EXPECTED_FP

Prints one "PASS label: ..." / "FAIL label: ..." line per check and exits 0
when all passed, 1 otherwise. Expectations per certificate variant:
  good, good-ec : Days to Expiration > 0, Root Authority Trusted 0,
                  Self-Signed 0, Common Name Check $EXPECT_CN_OK (default 5)
  selfsigned    : Self-Signed 1, Root Authority Trusted 1, Days > 0
  expired       : Days to Expiration < 0, Self-Signed 0
  all           : Public Key Length 2048 (256 for good-ec), text names the
                  common name, the SHA-1 thumbprint (upper hex) == EXPECTED_FP
                  and "STARTTLS Protocol: <PROTO upper>".
"""
import json
import os
import re
import sys


def main(argv):
    out_file, label, variant, proto, want_fp = argv[1:6]
    results = []

    def check(name, ok, detail=""):
        results.append(ok)
        print("%s %s: %s%s" % ("PASS" if ok else "FAIL", label, name,
                               "" if ok else " -- " + detail))

    raw = open(out_file, encoding="utf-8", errors="replace").read()
    try:
        doc = json.loads(raw)
        prtg = doc["prtg"]
    except (ValueError, KeyError, TypeError) as exc:
        check("output is PRTG JSON", False, "%s; output was: %r" % (exc, raw[:500]))
        return 1
    if str(prtg.get("error", "0")) not in ("0", ""):
        check("no PRTG error", False, "error=%r text=%r" % (prtg.get("error"), prtg.get("text")))
        return 1
    check("output is PRTG JSON without error", True)

    channels = {}
    for item in prtg.get("result", []):
        try:
            channels[item["channel"]] = float(item["value"])
        except (KeyError, TypeError, ValueError):
            pass

    def chan(name, pred, expect_desc):
        if name not in channels:
            check("channel %r present" % name, False, "channels: %s" % sorted(channels))
            return
        v = channels[name]
        check("%s %s (got %g)" % (name, expect_desc, v), pred(v), "got %g" % v)

    cn_ok = float(os.environ.get("EXPECT_CN_OK", "5"))
    key_len = 256 if variant.endswith("-ec") else 2048
    chan("Public Key Length", lambda v: v == key_len, "== %d" % key_len)
    if variant in ("good", "good-ec", "rsapss"):
        chan("Days to Expiration", lambda v: v > 0, "> 0")
        chan("Root Authority Trusted", lambda v: v == 0, "== 0")
        chan("Self-Signed", lambda v: v == 0, "== 0")
        chan("Common Name Check", lambda v: v == cn_ok, "== %g" % cn_ok)
    elif variant == "selfsigned":
        chan("Days to Expiration", lambda v: v > 0, "> 0")
        chan("Self-Signed", lambda v: v == 1, "== 1")
        chan("Root Authority Trusted", lambda v: v == 1, "== 1")
    elif variant == "expired":
        chan("Days to Expiration", lambda v: v < 0, "< 0")
        chan("Self-Signed", lambda v: v == 0, "== 0")
    else:
        check("known variant", False, variant)

    text = str(prtg.get("text", ""))
    m = re.search(r"Thumbprint:\s*([0-9A-Fa-f:]+)", text)
    got_fp = m.group(1).replace(":", "") if m else ""
    check("thumbprint in text == openssl s_client SHA-1 %s" % want_fp,
          got_fp == want_fp, "text=%r" % text)
    check("text names Common Name mail.interop.test",
          "Common Name: mail.interop.test" in text, "text=%r" % text)
    check("text says STARTTLS Protocol: %s" % proto.upper(),
          re.search(r"STARTTLS Protocol:\s*%s\b" % proto.upper(), text) is not None,
          "text=%r" % text)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
