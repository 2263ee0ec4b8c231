#!/usr/bin/env python3
"""Print a mailbox server's dialogue byte for byte (Python reprs), for the
simulator's personalities: the greeting, the capability command, STARTTLS
(STLS), and inside TLS the goodbye with everything the server sends.

    capture_mailbox.py imap|pop3|sieve PORT [HOST]

The sim's Dovecot, Cyrus and Courier dialogues (sim/src/mailbox_dialogue.rs)
were captured this way from the Debian 12 servers. The certificate is not
checked: only the bytes matter here.
"""
import socket
import ssl
import sys

COMMANDS = {
    # protocol: (capability command, STARTTLS command, goodbye)
    "imap": (b"a CAPABILITY\r\n", b"b STARTTLS\r\n", b"c LOGOUT\r\n"),
    "pop3": (b"CAPA\r\n", b"STLS\r\n", b"QUIT\r\n"),
    "sieve": (None, b"STARTTLS\r\n", b"LOGOUT\r\n"),
}


def read(sock, wait=1.0):
    """Everything the server sends until it is quiet for `wait` seconds."""
    sock.settimeout(wait)
    buf = b""
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return buf + b"<EOF>"
            buf += data
    except (socket.timeout, ssl.SSLWantReadError):
        return buf


def say(sock, line):
    print("C:", repr(line))
    sock.sendall(line)
    print("S:", repr(read(sock)))


def main(proto, port, host="127.0.0.1"):
    capability, starttls, goodbye = COMMANDS[proto]
    sock = socket.create_connection((host, int(port)), timeout=5)
    print("S:", repr(read(sock)))
    if capability:
        say(sock, capability)
    say(sock, starttls)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    tls = ctx.wrap_socket(sock, server_hostname=host)
    print("TLS:", tls.version())
    print("S (after the handshake):", repr(read(tls)))
    say(tls, goodbye)


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4) or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    main(*sys.argv[1:])
