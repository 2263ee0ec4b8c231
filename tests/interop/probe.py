#!/usr/bin/env python3
"""Reference STARTTLS client for the interop harness (stdlib only).

Usage:
  probe.py clean    smtp|lmtp|ldap HOST PORT   well-behaved session, ends with QUIT/unbind
  probe.py clean    postgres|mysql HOST PORT   SSLRequest, TLS, close_notify (no goodbye
                                               message exists before authentication)
  probe.py drop     postgres|mysql HOST PORT   SSLRequest, half a TLS handshake, TCP close
                                               (the unclean control the server must log)
  probe.py drop     postgres-direct HOST PORT  the same without the SSLRequest (PostgreSQL
                                               17 direct TLS)
  probe.py greeting HOST PORT                  SMTP: wait for the complete (multi-line)
                                               greeting without sending anything, then
                                               EHLO/STARTTLS/EHLO/QUIT; report timings
  probe.py pregreet HOST PORT                  SMTP: talk right after the first 220- line
                                               (a protocol violation postscreen must log)

Prints one JSON object on stdout. Exit code 0 when the session went as
expected for the mode, 1 otherwise.
"""
import hashlib
import json
import socket
import ssl
import sys
import time

SNI = "mail.interop.test"
TIMEOUT = 20.0


class Lines:
    """Line reader over a (possibly TLS) socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def readline(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise EOFError("connection closed by server (buffer=%r)" % self.buf)
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self, stamps=None, t0=None):
        """Read a complete SMTP/LMTP reply; returns (code, [lines])."""
        lines = []
        while True:
            line = self.readline()
            if stamps is not None:
                stamps.append([round(time.monotonic() - t0, 3), line])
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return int(line[:3]), lines


def tls_wrap(sock):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = ctx.wrap_socket(sock, server_hostname=SNI)
    der = tls.getpeercert(binary_form=True)
    return tls, hashlib.sha1(der).hexdigest().upper(), tls.version()


def cmd(sock, rd, line):
    sock.sendall(line.encode() + b"\r\n")
    return rd.reply()


def smtp_session(proto, host, port, mode):
    out = {"mode": mode, "proto": proto}
    t0 = time.monotonic()
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    rd = Lines(sock)
    stamps = []
    hello = "LHLO" if proto == "lmtp" else "EHLO"
    if mode == "pregreet":
        first = rd.readline()
        stamps.append([round(time.monotonic() - t0, 3), first])
        out["greeting"] = stamps
        sock.sendall(b"EHLO early.interop.test\r\n")
        try:
            code, lines = rd.reply(stamps, t0)
            out["after_early_talk"] = lines
        except (EOFError, OSError) as exc:
            out["after_early_talk"] = str(exc)
        sock.close()
        out["ok"] = first.startswith("220-")
        return out
    code, _ = rd.reply(stamps, t0)
    out["greeting"] = stamps
    out["greeting_seconds"] = stamps[-1][0]
    out["greeting_lines"] = len(stamps)
    if code != 220:
        out["ok"] = False
        return out
    code, caps = cmd(sock, rd, hello + " probe.interop.test")
    if code != 250 or not any("STARTTLS" in c for c in caps):
        out.update(ok=False, error="no STARTTLS in %r" % caps)
        return out
    code, lines = cmd(sock, rd, "STARTTLS")
    if code != 220:
        out.update(ok=False, error="STARTTLS refused: %r" % lines)
        return out
    tls, fp, ver = tls_wrap(sock)
    out.update(fingerprint=fp, tls_version=ver)
    rd = Lines(tls)
    code, _ = cmd(tls, rd, hello + " probe.interop.test")
    code2, _ = cmd(tls, rd, "QUIT")
    tls.close()
    out["ok"] = code == 250 and code2 == 221
    return out


def ber_len(data, i):
    first = data[i]
    if first < 0x80:
        return first, i + 1
    n = first & 0x7F
    return int.from_bytes(data[i + 1:i + 1 + n], "big"), i + 1 + n


def ldap_session(host, port):
    out = {"mode": "clean", "proto": "ldap"}
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    oid = b"1.3.6.1.4.1.1466.20037"
    ext = b"\x80" + bytes([len(oid)]) + oid
    msg = b"\x02\x01\x01" + b"\x77" + bytes([len(ext)]) + ext
    sock.sendall(b"\x30" + bytes([len(msg)]) + msg)
    buf = b""
    while True:
        chunk = sock.recv(4096)
        if not chunk:
            out.update(ok=False, error="closed before ExtendedResponse")
            return out
        buf += chunk
        if len(buf) >= 2:
            length, start = ber_len(buf, 1)
            if len(buf) >= start + length:
                break
    # SEQUENCE { messageID, [APPLICATION 24] { ENUMERATED resultCode, ... } }
    i = start
    _, j = ber_len(buf, i + 1)          # messageID INTEGER
    i = j + buf[i + 1]
    if buf[i] != 0x78:
        out.update(ok=False, error="not an ExtendedResponse: %r" % buf)
        return out
    _, j = ber_len(buf, i + 1)
    result_code = buf[j + 2]            # ENUMERATED 0a 01 XX
    out["starttls_result"] = result_code
    if result_code != 0:
        out["ok"] = False
        return out
    tls, fp, ver = tls_wrap(sock)
    out.update(fingerprint=fp, tls_version=ver)
    tls.sendall(b"\x30\x05\x02\x01\x02\x42\x00")  # UnbindRequest, messageID 2
    try:
        tls.unwrap()
    except (ssl.SSLError, OSError):
        pass
    tls.close()
    out["ok"] = True
    return out


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise OSError("closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def db_preamble(proto, sock):
    """PostgreSQL SSLRequest / MySQL handshake + SSLRequest; None when TLS may start."""
    if proto in ("postgres-direct", "tls"):
        return None  # direct TLS (PostgreSQL 17, any port): the ClientHello comes first
    if proto == "postgres":
        sock.sendall(b"\x00\x00\x00\x08\x04\xd2\x16\x2f")
        answer = recv_exact(sock, 1)
        return None if answer == b"S" else "answered %r" % answer
    header = recv_exact(sock, 4)
    payload = recv_exact(sock, int.from_bytes(header[:3], "little"))
    if payload[:1] != b"\x0a":
        return "not a v10 handshake: %r" % payload[:80]
    caps = int.from_bytes(payload[payload.index(b"\0") + 14:payload.index(b"\0") + 16], "little")
    if not caps & 0x800:
        return "no CLIENT_SSL"
    flags = 0x1 | 0x4 | 0x200 | 0x800 | 0x2000 | 0x8000 | 0x80000
    body = flags.to_bytes(4, "little") + (1 << 24).to_bytes(4, "little") + b"\x21" + b"\0" * 23
    sock.sendall(len(body).to_bytes(3, "little") + b"\x01" + body)
    return None


def db_session(proto, host, port, mode):
    out = {"mode": mode, "proto": proto}
    sock = socket.create_connection((host, port), timeout=TIMEOUT)
    error = db_preamble(proto, sock)
    if error:
        out.update(ok=False, error=error)
        return out
    if mode == "drop":
        # The first bytes of a ClientHello record, then a TCP close.
        sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00")
        sock.close()
        out["ok"] = True
        return out
    tls, fp, ver = tls_wrap(sock)
    out.update(fingerprint=fp, tls_version=ver)
    try:
        tls.unwrap()
    except (ssl.SSLError, OSError):
        pass
    tls.close()
    out["ok"] = True
    return out


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    mode = argv[1]
    if mode == "clean":
        proto, host, port = argv[2], argv[3], int(argv[4])
        if proto == "ldap":
            out = ldap_session(host, port)
        elif proto in ("postgres", "mysql"):
            out = db_session(proto, host, port, "clean")
        else:
            out = smtp_session(proto, host, port, "clean")
    elif mode == "drop":
        out = db_session(argv[2], argv[3], int(argv[4]), "drop")
    elif mode in ("greeting", "pregreet"):
        out = smtp_session("smtp", argv[2], int(argv[3]), mode)
    else:
        sys.stderr.write(__doc__)
        return 2
    print(json.dumps(out))
    return 0 if out.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
