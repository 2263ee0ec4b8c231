#!/usr/bin/env bash
# Windows check in one go: build the Linux binary and the Windows exe from the
# same tree, then compare both against the interop servers under Wine.
#
#   tests/windows/run.sh [LINUX_BINARY]
#
# Stages (timed): build-linux (skipped when LINUX_BINARY is given),
# build-windows (tests/windows/build.sh: apt, rustup target, cross build,
# shim), servers (only when the interop servers are not already running:
# tests/interop/install.sh, certs.sh, servers.sh start -- and then stopped
# again at the end), check (tests/windows/check.sh).
#
# Meant for .ci/run after the interop servers are up; works stand-alone too.
# CARGO_TARGET_DIR is honoured (default: target/). The last line is
# check.sh's "windows: N passed, M failed".
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
INTEROP="$ROOT/tests/interop"
export INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop}
export DEBIAN_FRONTEND=noninteractive
TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

declare -a TIMINGS=()
stage() { # name command...
    local name=$1 t=$SECONDS rc=0
    shift
    echo "==== windows stage $name"
    "$@" || rc=$?
    TIMINGS+=("$(printf '%-14s %4ss  exit %s' "$name" "$((SECONDS - t))" "$rc")")
    echo "==== windows stage $name: $((SECONDS - t))s (exit $rc)"
    return "$rc"
}

STARTED_SERVERS=0
CHECK_OUT=$(mktemp /tmp/starttls-windows-run.XXXXXX)
finish() {
    local rc=$?
    if [[ $STARTED_SERVERS == 1 ]]; then
        stage stop-servers "$INTEROP/servers.sh" stop || true
    fi
    echo "==== windows timings"
    printf '  %s\n' "${TIMINGS[@]}"
    echo "==== windows total $((SECONDS))s, exit $rc"
    # check.sh's summary again as the very last line.
    grep -E '^windows: [0-9]+ passed, [0-9]+ failed$' "$CHECK_OUT" | tail -n 1 || true
    rm -f "$CHECK_OUT"
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

build_linux() {
    (cd "$ROOT" && nice -n "${NICE:-10}" cargo build --release -p starttls-cert)
}

if [[ $# -ge 1 ]]; then
    LINUX_BIN=$1
    echo "==== windows stage build-linux: skipped, using $LINUX_BIN"
else
    stage build-linux build_linux
    LINUX_BIN="$TARGET_DIR/release/starttls-cert"
fi
stage build-windows "$HERE/build.sh"
WIN_EXE="$TARGET_DIR/x86_64-pc-windows-gnu/release/starttls-cert.exe"

servers_up() {
    [[ -s $INTEROP_DIR/servers.env ]] && "$INTEROP/servers.sh" status >/dev/null 2>&1
}
start_servers() {
    "$INTEROP/install.sh"
    "$INTEROP/certs.sh"
    "$INTEROP/servers.sh" start
}
if servers_up; then
    echo "==== windows stage servers: already running (INTEROP_DIR=$INTEROP_DIR)"
else
    STARTED_SERVERS=1
    stage servers start_servers
fi

run_check() { "$HERE/check.sh" "$LINUX_BIN" "$WIN_EXE" | tee "$CHECK_OUT"; }
stage check run_check
