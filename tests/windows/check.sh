#!/usr/bin/env bash
# Run the Linux build and the Windows build (under Wine) of starttls-cert
# against the interop servers of tests/interop/ and compare their outputs.
#
#   tests/windows/check.sh LINUX_BINARY WINDOWS_EXE
#
# Needs: the interop servers running (tests/interop/servers.sh start, which
# writes $INTEROP_DIR/servers.env), wine64 (Debian bookworm's package: run
# tests/windows/build.sh first) and python3. The shim DLL
# bcryptprimitives.dll (built by build.sh) must be next to WINDOWS_EXE, or
# be given with SHIM_DLL=path: Wine 8 has no bcryptprimitives.dll and
# Rust's std needs its ProcessPrng.
#
# Every case runs both binaries with the same arguments (validity time pinned
# with --at, same --ca-trust file given by the same relative path, same
# working directory) and compares exit code and stdout after removing what
# legitimately differs between two runs: json "timings_ms", the "timing" line
# of text output ("timings ...") and nagios' time= perfdata. prtg and prtg-v2 output must be
# identical byte for byte.
#
# Environment:
#   INTEROP_DIR   default /tmp/starttls-interop
#   WINEPREFIX    default: a fresh prefix in a temp dir, removed at the end
#   FORMATS       default "json prtg prtg-v2 nagios text"
#   KEEP_WORK=1   keep the work dir (outputs of every run) for inspection
set -uo pipefail

log() { printf '[windows-check] %s\n' "$*"; }
die() {
    printf '[windows-check] ERROR: %s\n' "$*" >&2
    exit 2
}

[[ $# -eq 2 ]] || die "usage: $0 LINUX_BINARY WINDOWS_EXE"
LINUX_BIN=$(readlink -f "$1")
WIN_EXE=$(readlink -f "$2")
[[ -x $LINUX_BIN ]] || die "Linux binary $1 not found or not executable"
[[ -f $WIN_EXE ]] || die "Windows exe $2 not found"
SHIM_DLL=${SHIM_DLL:-$(dirname "$WIN_EXE")/bcryptprimitives.dll}
[[ -f $SHIM_DLL ]] || die "shim $SHIM_DLL not found (run tests/windows/build.sh)"

INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop}
ENV_FILE="$INTEROP_DIR/servers.env"
[[ -s $ENV_FILE ]] || die "$ENV_FILE missing: start the interop servers first (tests/interop/certs.sh && tests/interop/servers.sh start)"
# shellcheck disable=SC1090
source "$ENV_FILE"

WINE=${WINE:-}
if [[ -z $WINE ]]; then
    for w in wine64 /usr/lib/wine/wine64 wine; do
        if command -v "$w" >/dev/null 2>&1; then
            WINE=$(command -v "$w")
            break
        fi
    done
fi
[[ -n $WINE ]] || die "wine not found (apt-get install wine64, or run tests/windows/build.sh)"
WINESERVER=${WINESERVER:-}
if [[ -z $WINESERVER ]]; then
    for w in wineserver /usr/lib/wine/wineserver; do
        if command -v "$w" >/dev/null 2>&1; then
            WINESERVER=$(command -v "$w")
            break
        fi
    done
fi
command -v python3 >/dev/null || die "python3 not found"

AT=2027-01-01T00:00:00Z
FORMATS=${FORMATS:-json prtg prtg-v2 nagios text}

WORK=$(mktemp -d /tmp/starttls-windows-check.XXXXXX)
OWN_PREFIX=0
if [[ -z ${WINEPREFIX:-} ]]; then
    export WINEPREFIX="$WORK/wineprefix"
    OWN_PREFIX=1
fi
export WINEDEBUG=${WINEDEBUG:--all}
# Native (our shim) before builtin for bcryptprimitives; Wine 8 has no
# builtin one anyway. mscoree/mshtml disabled: no Mono/Gecko install prompts.
export WINEDLLOVERRIDES="bcryptprimitives=n,b;mscoree,mshtml="
export WINEARCH=win64
unset DISPLAY WAYLAND_DISPLAY

cleanup() {
    if [[ -n $WINESERVER ]]; then
        "$WINESERVER" -k >/dev/null 2>&1 || true
    fi
    if [[ ${KEEP_WORK:-0} == 1 ]]; then
        log "work dir kept: $WORK"
    elif [[ $OWN_PREFIX == 1 ]]; then
        rm -rf "$WORK"
    else
        # do not delete a prefix the caller gave us
        find "$WORK" -mindepth 1 -maxdepth 1 ! -name wineprefix -exec rm -rf {} + 2>/dev/null
        rmdir "$WORK" 2>/dev/null || true
    fi
}
trap cleanup EXIT

# Both binaries run from the same directory with the same relative file
# names, so paths in messages are the same.
RUN="$WORK/run"
mkdir -p "$RUN" "$WORK/out"
cp "$WIN_EXE" "$RUN/starttls-cert.exe"
cp "$SHIM_DLL" "$RUN/bcryptprimitives.dll"
cp "$CA_ROOT" "$RUN/root.pem"
cd "$RUN" || die "cannot cd to $RUN"

t=$SECONDS
if [[ ! -f $WINEPREFIX/system.reg ]]; then
    log "creating Wine prefix $WINEPREFIX (wineboot -i) ..."
    # Without wine32 wineboot complains about syswow64\rundll32.exe: harmless.
    "$WINE" wineboot -i >"$WORK/wineboot.log" 2>&1 || {
        cat "$WORK/wineboot.log" >&2
        die "wineboot -i failed"
    }
fi
# Keep one wineserver up for all runs (saves its start-up on every exe run).
[[ -n $WINESERVER ]] && "$WINESERVER" -p >/dev/null 2>&1
log "wineboot: $((SECONDS - t))s (prefix $WINEPREFIX)"

# Smoke test: the exe starts at all (this is where a missing ProcessPrng
# shows: exit code 53 and no output with WINEDEBUG=-all).
t=$SECONDS
ver=$("$WINE" ./starttls-cert.exe --version 2>"$WORK/version.err")
rc=$?
if [[ $rc -ne 0 || $ver != starttls-cert* ]]; then
    cat "$WORK/version.err" >&2
    die "the Windows exe does not start under Wine (exit $rc, output '$ver'); is bcryptprimitives.dll next to it?"
fi
log "Windows exe starts under $("$WINE" --version 2>/dev/null): $ver ($((SECONDS - t))s)"
log "Linux binary: $("$LINUX_BIN" --version)"

# Normalises one output file in place for comparison.
normalize() { # format file
    python3 - "$1" "$2" <<'PY'
import json, re, sys
fmt, path = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8", newline="") as f:
    s = f.read()
# The operating system's words for an I/O error differ ("No such file or
# directory (os error 2)" on Linux, "File not found. (os error 2)" under
# Wine, "The system cannot find the file specified. (os error 2)" on
# Windows); the error number must match.
s = re.sub(r"(?<=: )[^:\"\n]*?\(os error (\d+)\)", r"<os error \1>", s)
if fmt == "json":
    try:
        doc = json.loads(s)
    except ValueError as e:
        s = "NOT JSON (%s):\n%s" % (e, s)
    else:
        if isinstance(doc, dict):
            doc.pop("timings_ms", None)
            # A legacy capture's first attempt has timings of its own.
            first = (doc.get("tls") or {}).get("first_attempt")
            if isinstance(first, dict):
                first.pop("timings_ms", None)
        s = json.dumps(doc, indent=2) + "\n"
elif fmt == "nagios":
    s = re.sub(r"\btime=[0-9.]+ms", "time=<T>ms", s)
elif fmt == "text":
    s = re.sub(r"(?m)^(  timings? +).*$", r"\1<T>", s)
with open(path, "w", encoding="utf-8", newline="") as f:
    f.write(s)
PY
}

# Checks the Linux output on its own, so that both binaries failing the same
# way (no server listening, empty output) is not a PASS. EXPECT=check: the
# certificate was fetched; EXPECT=error: a well-formed error report.
sane() { # format file
    EXPECT=$EXPECT python3 - "$1" "$2" <<'PY'
import json, os, sys
fmt, path = sys.argv[1], sys.argv[2]
expect = os.environ["EXPECT"]
s = open(path, encoding="utf-8").read()
if not s.strip():
    sys.exit("empty output")
if expect == "check" and "could not connect" in s:
    sys.exit("no server: " + s.strip()[:200])
if fmt in ("prtg", "prtg-v2", "json"):
    doc = json.loads(s)
    if fmt == "prtg":
        got = "check" if "result" in doc["prtg"] else "error"
    elif fmt == "prtg-v2":
        assert doc.get("version") == 2, "no version 2"
        got = "check" if doc.get("channels") else "error"
    else:
        got = "check" if "certificate" in doc else "error"
    if got != expect:
        sys.exit("expected %s output, got %s: %s" % (expect, got, s.strip()[:200]))
PY
}

PASSED=0
FAILED=0
FAILED_CASES=()

run_case() { # name format args...
    local name=$1 fmt=$2
    shift 2
    local id="${name}.${fmt}" lo rc_l rc_w
    lo="$WORK/out/$id"
    if [[ -n ${STDIN_LINE:-} ]]; then
        # PRTG Script v2 style: no arguments, the parameter line on stdin.
        printf '%s\n' "$STDIN_LINE --format $fmt --at $AT" >"$lo.stdin"
    else
        set -- "$@" --format "$fmt" --at "$AT"
        : >"$lo.stdin"
    fi
    "$LINUX_BIN" "$@" >"$lo.linux" 2>"$lo.linux.err" <"$lo.stdin"
    rc_l=$?
    "$WINE" ./starttls-cert.exe "$@" >"$lo.windows" 2>"$lo.windows.err" <"$lo.stdin"
    rc_w=$?
    cp "$lo.linux" "$lo.linux.raw"
    cp "$lo.windows" "$lo.windows.raw"
    normalize "$fmt" "$lo.linux"
    normalize "$fmt" "$lo.windows"
    local problem=""
    if [[ $rc_l -ne $rc_w ]]; then
        problem="exit codes differ: linux $rc_l, windows $rc_w"
    elif ! cmp -s "$lo.linux" "$lo.windows"; then
        problem="outputs differ"
    elif ! sane "$fmt" "$lo.linux.raw" 2>"$lo.sane.err"; then
        problem="output not sane: $(tail -n 1 "$lo.sane.err")"
    fi
    if [[ -z $problem ]]; then
        PASSED=$((PASSED + 1))
        printf 'PASS %-34s exit %s\n' "$id" "$rc_l"
    else
        FAILED=$((FAILED + 1))
        FAILED_CASES+=("$id")
        printf 'FAIL %-34s %s\n' "$id" "$problem"
        diff -u --label "linux $id" --label "windows $id" "$lo.linux" "$lo.windows" | head -n 40
        if [[ -s $lo.windows.err ]]; then
            echo "--- windows stderr:"
            head -n 10 "$lo.windows.err"
        fi
    fi
}

t_checks=$SECONDS
EXPECT=check
# name  host-args...   (every case gets --ca-trust root.pem unless it says otherwise)
for server in $SERVERS; do
    id=${server^^}
    id=${id//-/_}
    port_var=${id}_PORT
    proto_var=${id}_PROTO
    port=${!port_var}
    proto=${!proto_var}
    for fmt in $FORMATS; do
        run_case "$server" "$fmt" 127.0.0.1 "$port" "$proto" --ca-trust root.pem
    done
done

# Name validation with an SNI name (the PRTG-typical parameters).
for server in smtp-good lmtp-good ldap-good smtp-selfsigned; do
    id=${server^^}
    id=${id//-/_}
    port_var=${id}_PORT
    proto_var=${id}_PROTO
    for fmt in json prtg; do
        run_case "$server-cnsan" "$fmt" 127.0.0.1 "${!port_var}" "${!proto_var}" \
            --sni-domain mail.interop.test --name-validation cn-san --ca-trust root.pem
        run_case "$server-cnsan-wrongname" "$fmt" 127.0.0.1 "${!port_var}" "${!proto_var}" \
            --sni-domain other.interop.test --name-validation cn-san --ca-trust root.pem
    done
done

# Only the --ca-trust file, no system store.
for fmt in json prtg; do
    run_case smtp-good-only-ca-file "$fmt" 127.0.0.1 "$SMTP_GOOD_PORT" smtp --no-system-ca-trust --ca-trust root.pem
    run_case ldap-good-only-ca-file "$fmt" 127.0.0.1 "$LDAP_GOOD_PORT" ldap --no-system-ca-trust --ca-trust root.pem
done

# The old Python sensor's parameter string, and the Script v2 stdin line.
for fmt in json prtg prtg-v2; do
    run_case smtp-good-params "$fmt" 127.0.0.1 --ca-trust root.pem \
        --params "port: $SMTP_GOOD_PORT, protocol: smtp, cert_domainname: mail.interop.test, cert_domainname_validation: cn_san"
    STDIN_LINE="127.0.0.1 $LDAP_GOOD_PORT ldap --sni-domain mail.interop.test --name-validation cn-san --ca-trust root.pem" \
        run_case ldap-good-stdin "$fmt"
done

# Errors that do not depend on the machine.
EXPECT=error
for fmt in json prtg; do
    run_case missing-ca-file "$fmt" 127.0.0.1 "$SMTP_GOOD_PORT" smtp --ca-trust does-not-exist.pem
    run_case bad-protocol-arg "$fmt" 127.0.0.1 "$SMTP_GOOD_PORT" imap
done
log "checks: $((SECONDS - t_checks))s"

# Not compared, only reported: the system store alone. The Linux build reads
# /etc/ssl/certs; Wine's crypt32 builds its Root store from the host's
# certificates too, so a public-CA-only store is expected on both sides.
sys_l=$("$LINUX_BIN" 127.0.0.1 "$SMTP_GOOD_PORT" smtp --format json --at "$AT" </dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("status"), (d.get("certificate") or {}).get("trust", d.get("error")))' 2>&1)
sys_w=$("$WINE" ./starttls-cert.exe 127.0.0.1 "$SMTP_GOOD_PORT" smtp --format json --at "$AT" </dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("status"), (d.get("certificate") or {}).get("trust", d.get("error")))' 2>&1)
log "system store only (info, not compared): linux: $sys_l"
log "system store only (info, not compared): windows: $sys_w"

if ((FAILED > 0)); then
    log "failed: ${FAILED_CASES[*]}"
    KEEP_WORK=1
fi
echo "windows: $PASSED passed, $FAILED failed"
((FAILED == 0))
