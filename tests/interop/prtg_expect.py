#!/usr/bin/env python3
"""Compare starttls-cert PRTG JSON output with the expectations for a server.

Usage: prtg_expect.py OUTPUT_FILE LABEL VARIANT PROTO EXPECTED_FP

Prints one "PASS label: ..." / "FAIL label: ..." line per check and exits 0
when all passed, 1 otherwise. Expectations per certificate variant:
  good, good-ec : Days to Expiration > 0, Root Authority Trusted 0,
                  Self-Signed 0, Common Name Check $EXPECT_CN_OK (default 5)
  selfsigned    : Self-Signed 1, Root Authority Trusted 1, Days > 0
  expired       : Days to Expiration < 0, Self-Signed 0
  inter-expiring: Days to Expiration > 0 (the leaf is fine), Self-Signed 0,
                  Chain Days to Expiration < 17 (the intermediate expires 9
                  days after the PKI was made)
  all           : Public Key Length 2048 (256 for good-ec), text names the
                  common name, the SHA-1 thumbprint (upper hex) == EXPECTED_FP
                  and "STARTTLS Protocol: <PROTO upper>".
  new channels  : Chain Days to Expiration with the same limits as Days to
                  Expiration, equal to Days (the leaf expires first in every
                  variant) and, when CHAIN_PEM names the chain the server
                  sends, within a day of its earliest notAfter as openssl
                  reads it; Critical Findings (LimitMaxError 0) and Warning
                  Findings (LimitMaxWarning 0): good 0/0, selfsigned 0/>=1
                  (not trusted), expired >=1 critical; and the state PRTG
                  derives from the limits: Up, Warning, Down.
"""
import calendar
import json
import os
import re
import subprocess
import sys
import time


def earliest_not_after_days(chain_pem):
    """Whole days (rounded down) until the earliest notAfter in a PEM file."""
    text = open(chain_pem, encoding="ascii").read()
    blocks = re.findall(r"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----",
                        text, re.S)
    ends = []
    for block in blocks:
        out = subprocess.run(["openssl", "x509", "-noout", "-enddate"], input=block,
                             capture_output=True, text=True, check=True).stdout
        stamp = out.strip().split("=", 1)[1]
        ends.append(calendar.timegm(time.strptime(stamp, "%b %d %H:%M:%S %Y %Z")))
    return (min(ends) - int(time.time())) // 86400


def prtg_state(result):
    """Up/Warning/Down as PRTG derives it from limits (LimitMode 1) and the
    shipped lookups of the SSL certificate sensor."""
    worst = 0
    for c in result:
        v = float(c.get("value", 0))
        st = 0
        if str(c.get("LimitMode")) == "1":
            if ("LimitMinWarning" in c and v < float(c["LimitMinWarning"])) or \
               ("LimitMaxWarning" in c and v > float(c["LimitMaxWarning"])):
                st = 1
            if ("LimitMinError" in c and v < float(c["LimitMinError"])) or \
               ("LimitMaxError" in c and v > float(c["LimitMaxError"])):
                st = 2
        lookup = str(c.get("ValueLookup", ""))
        if lookup.endswith(".trustedroot") and v == 1:
            st = max(st, 1)
        if lookup.endswith(".cncheck") and v in (1, 6):
            st = 2
        worst = max(worst, st)
    return ["Up", "Warning", "Down"][worst]


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
    items = {}
    for item in prtg.get("result", []):
        items[item.get("channel")] = item
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
    elif variant == "inter-expiring":
        chan("Days to Expiration", lambda v: v > 35, "> 35")
        chan("Self-Signed", lambda v: v == 0, "== 0")
        chan("Common Name Check", lambda v: v == cn_ok, "== %g" % cn_ok)
        chan("Chain Days to Expiration", lambda v: v < 17, "< 17 (error limit)")
    else:
        check("known variant", False, variant)

    # The channels that carry the rest of the check's verdict.
    chain = items.get("Chain Days to Expiration", {})
    days = items.get("Days to Expiration", {})
    check("Chain Days to Expiration has the limits of Days to Expiration",
          all(chain.get(k) == days.get(k) for k in
              ("LimitMode", "LimitMinWarning", "LimitMinError")) and "LimitMinError" in chain,
          "chain=%r days=%r" % (chain, days))
    if "Days to Expiration" in channels and variant != "inter-expiring":
        d = channels["Days to Expiration"]
        chan("Chain Days to Expiration", lambda v: v == d, "== Days to Expiration %g" % d)
    chain_pem = os.environ.get("CHAIN_PEM", "")
    if chain_pem and os.path.exists(chain_pem):
        want = earliest_not_after_days(chain_pem)
        chan("Chain Days to Expiration", lambda v: abs(v - want) <= 1,
             "within a day of openssl's earliest notAfter in the chain sent (%d)" % want)
    crit = items.get("Critical Findings", {})
    warn = items.get("Warning Findings", {})
    check("Critical Findings: LimitMode 1, LimitMaxError 0",
          str(crit.get("LimitMode")) == "1" and str(crit.get("LimitMaxError")) == "0",
          "got %r" % crit)
    check("Warning Findings: LimitMode 1, LimitMaxWarning 0",
          str(warn.get("LimitMode")) == "1" and str(warn.get("LimitMaxWarning")) == "0",
          "got %r" % warn)
    # A server only a legacy capture reads (TLS 1.0 only, or only suites
    # modern clients refuse) locks modern clients out: one warning finding.
    legacy = os.environ.get("LEGACY_CAPTURE") == "1"
    if variant in ("good", "good-ec", "rsapss") and legacy:
        chan("Critical Findings", lambda v: v == 0, "== 0")
        chan("Warning Findings", lambda v: v == 1, "== 1 (legacy capture)")
        want_state = "Warning"
    elif variant in ("good", "good-ec", "rsapss"):
        chan("Critical Findings", lambda v: v == 0, "== 0")
        chan("Warning Findings", lambda v: v == 0, "== 0")
        want_state = "Up"
    elif variant == "selfsigned":
        chan("Critical Findings", lambda v: v == 0, "== 0")
        chan("Warning Findings", lambda v: v >= 1, ">= 1")
        want_state = "Warning"
    else:
        chan("Critical Findings", lambda v: v >= 1, ">= 1")
        want_state = "Down"
    if variant == "inter-expiring":
        lead = "Critical: intermediate 'Interop Test Expiring Intermediate CA' "
        text = str(prtg.get("text", ""))
        check("text leads with the intermediate's expiry in words",
              text.startswith(lead) and " -" not in text[len(lead):len(lead) + 12],
              "text=%r" % text[:200])
    got_state = prtg_state(prtg.get("result", []))
    check("PRTG state from the channels is %s" % want_state, got_state == want_state,
          "got %s" % got_state)

    text = str(prtg.get("text", ""))
    m = re.search(r"Thumbprint:\s*([0-9A-Fa-f:]+)", text)
    got_fp = m.group(1).replace(":", "") if m else ""
    check("thumbprint in text == openssl s_client SHA-1 %s" % want_fp,
          got_fp == want_fp, "text=%r" % text)
    check("text names Common Name mail.interop.test",
          "Common Name: mail.interop.test" in text, "text=%r" % text)
    shown = {"postgres": "PostgreSQL", "postgres-direct": "PostgreSQL direct TLS", "mysql": "MySQL",
             "xmpp-server": "XMPP s2s", "sieve": "ManageSieve"}.get(proto, proto.upper())
    check("text says STARTTLS Protocol: %s" % shown,
          re.search(r"STARTTLS Protocol:\s*%s\b" % re.escape(shown), text) is not None,
          "text=%r" % text)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
