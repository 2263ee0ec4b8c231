#!/usr/bin/env python3
"""A syslog socket for one private daemon: receives datagrams on a Unix
socket and appends them, one line each, to a file; exits when the daemon
whose PID file it watches is gone.

    syslog_sink.py SOCKET LOGFILE PIDFILE

nnrpd logs through syslog only; servers.sh runs it in a private mount
namespace whose /dev/log is this socket, so its log is a file like the
other servers' and nothing system-wide is used.
"""
import os
import socket
import sys
import time


def alive(pidfile):
    try:
        with open(pidfile) as f:
            os.kill(int(f.read().strip()), 0)
        return True
    except (OSError, ValueError):
        return False


def main(path, logfile, pidfile):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    sock.settimeout(1.0)
    started = time.monotonic()
    with open(logfile, "a", buffering=1) as out:
        while True:
            try:
                data = sock.recv(65536)
            except socket.timeout:
                # Give the daemon a few seconds to write its PID file.
                if time.monotonic() - started > 5 and not alive(pidfile):
                    return
                continue
            line = data.decode("utf-8", "replace").rstrip("\n\0")
            out.write(time.strftime("%H:%M:%S ") + line + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:4])
