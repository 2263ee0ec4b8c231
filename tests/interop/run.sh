#!/usr/bin/env bash
# One-shot interop run: install -> certs -> start servers -> check -> stop.
#
#   run.sh BINARY          (or: run.sh --self-test  to exercise the harness only)
#
# Env: BENCH (a starttls-bench binary: quick part 1 against the servers),
# INTEROP_DIR (default /tmp/starttls-interop), SKIP_INSTALL=1 to skip the
# package step (it is a fast no-op when everything is installed anyway),
# FORCE_CERTS=1 to regenerate the PKI, plus everything check.sh understands.
# Servers are always stopped again (trap), also when a stage fails.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop}
export DEBIAN_FRONTEND=noninteractive

if [[ $# -ne 1 ]]; then
    echo "usage: $0 BINARY | --self-test" >&2
    exit 2
fi
TARGET=$1
if [[ $TARGET != --self-test ]]; then
    [[ -x $TARGET ]] || {
        echo "run: BINARY '$TARGET' is not executable" >&2
        exit 2
    }
    TARGET=$(cd "$(dirname "$TARGET")" && pwd)/$(basename "$TARGET")
fi

declare -a TIMINGS=()
stage() { # name command...
    local name=$1 t rc=0
    shift
    t=$SECONDS
    echo "==== stage $name"
    "$@" || rc=$?
    TIMINGS+=("$(printf '%-8s %4ss  exit %s' "$name" "$((SECONDS - t))" "$rc")")
    echo "==== stage $name: $((SECONDS - t))s (exit $rc)"
    return "$rc"
}

STARTED=0
CHECK_OUT="$INTEROP_DIR/check.out"
rm -f "$CHECK_OUT"
finish() {
    local rc=$?
    if [[ $STARTED == 1 ]]; then
        stage stop "$HERE/servers.sh" stop || true
    fi
    echo "==== timings"
    printf '  %s\n' "${TIMINGS[@]}"
    echo "==== total $((SECONDS))s, exit $rc"
    # Repeat check.sh's summary as the very last line (for CI log readers).
    if [[ -s $CHECK_OUT ]]; then
        grep -E '^[0-9]+ passed, [0-9]+ failed$' "$CHECK_OUT" | tail -n 1 || true
    fi
    exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT TERM

if [[ ${SKIP_INSTALL:-0} == 1 ]]; then
    echo "==== stage install: skipped (SKIP_INSTALL=1)"
else
    stage install "$HERE/install.sh"
fi
if [[ ${FORCE_CERTS:-0} == 1 ]]; then
    stage certs env FORCE=1 "$HERE/certs.sh"
else
    stage certs "$HERE/certs.sh"
fi
stage harness "$HERE/servers.sh" self-test
STARTED=1
stage start "$HERE/servers.sh" restart
run_check() { "$HERE/check.sh" "$TARGET" | tee "$CHECK_OUT"; }
stage check run_check
# BENCH=path/to/starttls-bench: a quick part 1 against these real servers
# while they run (starttls-cert next to openssl s_client, per server, with
# the OS store and with --ca-trust only).
if [[ -n ${BENCH:-} ]]; then
    stage bench "$BENCH" --parts 1 --quick --runs 3 --cli "$TARGET" --interop "$INTEROP_DIR"
fi
