#!/usr/bin/env bash
# Run starttls-cert against every server started by servers.sh and compare
# its PRTG JSON with what the server really presents.
#
#   check.sh BINARY        harness self-test + BINARY checks
#   check.sh --self-test   harness self-test only (no BINARY needed)
#
# Per server it checks: openssl s_client sees the expected leaf (SHA-1), a
# reference client (probe.py) gets a clean session and the server log shows a
# clean end; BINARY's JSON channels match the certificate variant, its
# thumbprint equals the one openssl s_client saw, and the server log shows a
# clean session end for BINARY's connection (QUIT / unbind, no TLS errors).
# The channels beyond the classic five (Chain Days to Expiration, Critical and
# Warning Findings) are checked against the chain each server sends.
# The postscreen instance additionally checks the delayed multi-line greeting
# and that an early talker IS logged as PREGREET (so the check means something).
# Servers only a legacy capture reads (kinds *-tls10, *-rsacbc) are checked
# with the openssl s_client options they need; BINARY's JSON must say how the
# certificate was read, its leaf SHA-256 must equal s_client's, and the
# server log must show the aborted handshake a legacy capture leaves (our
# user_canceled alert after the certificate), not a clean end.
#
# Env: INTEROP_DIR (default /tmp/starttls-interop), EXPECT_CN_OK (default 5),
#      BINARY_TIMEOUT (default 60 s), BINARY_EXTRA_ARGS (appended to BINARY's args),
#      ONLY="name ..." (subset of servers), SKIP_SELFTEST=1.
# Prints PASS/FAIL per check and finally "N passed, M failed"; exit 1 on any failure.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop}
ENV_FILE="$INTEROP_DIR/servers.env"
BINARY_TIMEOUT=${BINARY_TIMEOUT:-60}
SNI=mail.interop.test

BINARY=${1:-}
if [[ -z $BINARY ]]; then
    echo "usage: $0 BINARY | --self-test" >&2
    exit 2
fi
if [[ $BINARY == --self-test ]]; then
    BINARY=""
elif [[ ! -x $BINARY ]]; then
    echo "check: BINARY '$BINARY' is not an executable file" >&2
    exit 2
fi
[[ -s $ENV_FILE ]] || {
    echo "check: $ENV_FILE missing -- run servers.sh start first" >&2
    exit 2
}
# shellcheck disable=SC1090
source "$ENV_FILE"

OUT="$INTEROP_DIR/check"
mkdir -p "$OUT"
PASSED=0
FAILED=0
FAILURES=()

pass() {
    PASSED=$((PASSED + 1))
    echo "PASS $*"
}
fail() {
    FAILED=$((FAILED + 1))
    FAILURES+=("$*")
    echo "FAIL $*"
}
result() { # ok-bool label...
    local ok=$1
    shift
    if [[ $ok == 1 ]]; then pass "$@"; else fail "$@"; fi
}

var() { # NAME FIELD -> value of ${NAME_FIELD} from servers.env
    local id=${1^^}
    id=${id//-/_}_$2
    printf '%s' "${!id}"
}

# --- log helpers ---------------------------------------------------------------

log_size() { stat -c %s "$1" 2>/dev/null || echo 0; }
log_since() { tail -c +"$(($2 + 1))" "$1" 2>/dev/null || true; }

# Wait (max 5s) until the new part of the log contains the end-of-session marker.
wait_log() { # file offset regex
    local i
    for ((i = 0; i < 50; i++)); do
        if log_since "$1" "$2" | grep -Eq "$3"; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

end_mark() { # kind -> regex marking the end of a client session in the log
    case $1 in
    postfix*) echo 'disconnect from' ;;
    postscreen) echo 'disconnect from|DISCONNECT' ;;
    dovecot) echo 'Disconnect' ;;
    dovecot-mail) echo 'Disconnected' ;;
    slapd*) echo 'closed' ;;
    ds389) echo 'Disconnect' ;;
    postgres | pg17) echo 'exited with exit code|could not accept SSL' ;;
    mariadb) echo 'Aborted connection' ;;
    vsftpd*) echo '"221 Goodbye."|without SSL shutdown' ;;
    prosody*) echo 'Destroying session|session closed|Disconnected' ;;
    ejabberd) echo 'Running hook c2s_terminated: ejabberd_c2s:process_terminated|Closing inbound s2s connection' ;;
    nnrpd) echo ' times user ' ;;
    proftpd) echo '^EXIT ' ;;
    stunnel) echo 'Connection (closed|reset)' ;;
    esac
}

# In a log segment: fail, printing the offending lines, when any line
# matches the extended regex (grep -E; `-i` as a third word ignores case).
must_not() { # segment-file regex [-i]
    local bad flags=(-E)
    [[ ${3:-} == -i ]] && flags+=(-i)
    if bad=$(grep "${flags[@]}" -- "$2" "$1"); then
        echo "error: $bad"
        return 1
    fi
}

# In a log segment: fail with `why` unless a line matches the basic regex.
must_have() { # segment-file regex why
    grep -q -- "$2" "$1" || {
        echo "$3"
        return 1
    }
}

# Judge the log segment written for one client session. Prints nothing and
# succeeds when clean; prints the reason (and fails) otherwise.
log_clean() { # kind segment-file
    local kind=$1 seg=$2 bad
    case $kind in
    postfix* | postscreen)
        if [[ $kind == postscreen ]]; then
            if bad=$(grep -E 'PREGREET|HANGUP|COMMAND (PIPELINING|TIME LIMIT)|NON-SMTP|BARE NEWLINE' "$seg"); then
                echo "postscreen complained: $bad"
                return 1
            fi
            must_have "$seg" 'PASS NEW' "no postscreen 'PASS NEW'" || return 1
        fi
        must_have "$seg" 'TLS connection established' "no 'TLS connection established'" || return 1
        must_not "$seg" 'lost connection|SSL_accept error|TLS library problem|timeout after|too many errors|fatal:|panic:' || return 1
        bad=$(grep 'disconnect from' "$seg" | head -n1)
        [[ $bad == *quit=1* ]] || {
            echo "no 'quit=1' in: ${bad:-<no disconnect line>}"
            return 1
        }
        ;;
    dovecot)
        must_not "$seg" 'Connection closed|SSL_accept|TLS handshak|[Ee]rror:|Warning:|Fatal:|Panic:|Disconnected' || return 1
        must_have "$seg" 'Disconnect from .*: Logged out' "no 'Disconnect from ...: Logged out' (client QUIT)"
        ;;
    dovecot-mail)
        # IMAP, POP3 and ManageSieve before login: a client that says its
        # goodbye (LOGOUT/QUIT) is "Aborted login by logging out"; one that
        # drops the connection is "Connection closed" or "disconnected in
        # the middle", a failed handshake an SSL/TLS error.
        must_not "$seg" 'Connection closed|in the middle|SSL_accept|TLS handshak|SSL_read|[Ee]rror:|Warning:|Fatal:|Panic:' || return 1
        must_have "$seg" 'Disconnected: Aborted login by logging out.*, TLS' \
            "no 'Aborted login by logging out ..., TLS' (client LOGOUT/QUIT inside TLS)"
        ;;
    slapd*)
        must_not "$seg" 'connection lost|TLS negotiation failure|err=[1-9]' || return 1
        must_have "$seg" 'TLS established' "no 'TLS established'" || return 1
        must_have "$seg" ' UNBIND' "no UNBIND" || return 1
        must_have "$seg" 'fd=[0-9][0-9]* closed$' "no clean 'closed'"
        ;;
    ds389)
        # 389-ds names how each connection ended: U1 is a clean unbind; B1
        # (bad BER or unclean close), A1 (aborted), T1/T2 (timeouts) are not.
        must_not "$seg" 'Disconnect - .* - (B[0-9]|A1|T[0-9]|P[0-9])|err=[1-9]' || return 1
        must_have "$seg" 'TLS1\.[23]' "no TLS line" || return 1
        must_have "$seg" ' UNBIND' "no UNBIND" || return 1
        must_have "$seg" 'Disconnect - Cleanly Closed Connection - U1' "no 'Cleanly Closed Connection - U1'"
        ;;
    postgres | pg17)
        # No goodbye exists before a startup packet (a Terminate is logged
        # as "invalid length of startup packet"): close_notify and close.
        must_not "$seg" 'could not accept SSL|SSL error|invalid length of startup packet|incomplete startup packet|unexpected EOF|FATAL|ERROR' || return 1
        must_have "$seg" 'SSL connection from' "no 'SSL connection from'" || return 1
        must_have "$seg" 'exited with exit code 0' "no 'exited with exit code 0'"
        ;;
    mariadb)
        must_not "$seg" '\[ERROR\]|error (reading|writing) communication packets|SSL' || return 1
        must_have "$seg" 'This connection closed normally without authentication' \
            "no 'closed normally without authentication'"
        ;;
    vsftpd-implicit)
        # twins: implicit TLS, so no AUTH TLS; QUIT inside TLS answered 221.
        must_not "$seg" 'without SSL shutdown|SSL_accept|OOPS' || return 1
        must_have "$seg" '"221 Goodbye."' "no '221 Goodbye.' (client QUIT)"
        ;;
    proftpd)
        # twins: the ExtendedLog lines ("AUTH AUTH TLS -> 234", "QUIT QUIT
        # -> 221", "EXIT" at the session's end) and mod_tls's TLSLog lines
        # in one file; a client that drops after the handshake sends no QUIT.
        must_not "$seg" 'unable to accept|negotiation failed|unexpected eof|shutdown' -i || return 1
        must_have "$seg" 'AUTH TLS -> 234' "no '234' to AUTH TLS" || return 1
        must_have "$seg" 'QUIT QUIT -> 221' "no 'QUIT' answered '221' (client QUIT)"
        ;;
    vsftpd)
        # The protocol log: AUTH TLS agreed, QUIT inside TLS answered 221;
        # a client that drops the connection leaves "Control connection
        # terminated without SSL shutdown."
        must_not "$seg" 'without SSL shutdown|SSL_accept|OOPS' || return 1
        must_have "$seg" '"234 ' "no '234' to AUTH TLS" || return 1
        must_have "$seg" '"221 Goodbye."' "no '221 Goodbye.' (client QUIT)"
        ;;
    prosody*)
        if bad=$(grep -E 'TLS handshake failed|not-well-formed|stream error|Traceback|error' "$seg" | grep -v 'debug.*stream error.*nil'); then
            echo "error: $bad"
            return 1
        fi
        must_have "$seg" 'Received </stream:stream>' "no 'Received </stream:stream>' (client closed its stream)"
        ;;
    ejabberd)
        # ejpg: the debug log quotes each stream's XML per session. A polite
        # client opens a new stream inside TLS and closes it, which
        # ejabberd answers with its own </stream:stream> over TLS (s2s also
        # logs "Stream reset by peer"); a client that drops after the
        # handshake gets no </stream:stream> (s2s: "Connection failed:
        # connection closed"), a failed handshake a TLS error. (The
        # patterns are basic regexes: "(tls|" is literal.)
        must_not "$seg" 'Connection failed|Failed to secure|TLS error|not-well-formed|\[error\]' || return 1
        must_have "$seg" '(tls|<[0-9.]*>) Received XML on stream = <<"<?xml' \
            "no stream header received inside TLS" || return 1
        must_have "$seg" '(tls|<[0-9.]*>) Send XML on stream = <<"</stream:stream>">>' \
            "no '</stream:stream>' sent back inside TLS (client closed its stream)"
        ;;
    nnrpd)
        # The -t trace: "> 382" to STARTTLS, the TLS line, "< QUIT" inside
        # TLS answered "> 205 Bye!"; a dropped client leaves no QUIT.
        must_not "$seg" 'SSL_accept|tls.*(fail|error)|cant |can.t ' -i || return 1
        must_have "$seg" '> 382 ' "no '382' to STARTTLS" || return 1
        if ! grep -q '< QUIT' "$seg" || ! grep -q '> 205 ' "$seg"; then
            echo "no 'QUIT' answered '205' (client QUIT)"
            return 1
        fi
        ;;
    stunnel)
        # TLS at once, nothing to say after it: a close_notify is the polite
        # end ("TLS closed (SSL_read)"); a TCP close without one is "TLS
        # socket closed" or a reset, a broken handshake an SSL_accept error.
        must_not "$seg" 'LOG[0-3]\[|SSL_accept|TLS socket closed|[Rr]eset' || return 1
        must_have "$seg" 'TLS accepted' "no 'TLS accepted'" || return 1
        must_have "$seg" 'TLS closed (SSL_read)' "no 'TLS closed (SSL_read)' (client close_notify)"
        ;;
    esac
}

check_log() { # label kind logfile offset
    local label=$1 kind=$2 file=$3 off=$4 seg why
    seg="$OUT/${label//\//.}.log-segment"
    wait_log "$file" "$off" "$(end_mark "$kind")" || true
    # postscreen logs DISCONNECT before smtpd's line when it drops; give smtpd a moment.
    sleep 0.2
    log_since "$file" "$off" >"$seg"
    why=$(log_clean "$kind" "$seg" | head -n 3 | paste -sd '|') || true
    if [[ -z $why ]]; then
        pass "$label: server log shows clean session end ($(basename "$file"))"
    else
        fail "$label: server log: $why (see $seg)"
    fi
}

is_legacy() { [[ $1 == *-tls10 || $1 == *-rsacbc ]]; } # kind
is_db() { [[ $1 == postgres || $1 == pg17 || $1 == mariadb ]]; } # kind
# Servers with no goodbye but close_notify: the databases before
# authentication, and TLS on any port with nothing said after it.
ends_with_close_notify() { is_db "$1" || [[ $1 == stunnel ]]; } # kind
# Protocols that start TLS at once: openssl s_client connects without -starttls.
is_implicit() { [[ $1 == smtps || $1 == imaps || $1 == pop3s || $1 == ldaps || $1 == ftps || $1 == xmpps || $1 == postgres-direct || $1 == tls ]]; } # proto

# Databases have no goodbye before authentication (and `tls` none at all), so
# s_client's close_notify-and-close is the polite end there too: its session must be
# logged clean, and a client that drops TCP halfway through the handshake
# (probe.py drop) must be flagged, or the log check would prove nothing.
db_control() { # name kind proto port logfile offset
    local name=$1 kind=$2 proto=$3 port=$4 logf=$5 off=$6 seg why
    wait_log "$logf" "$off" "$(end_mark "$kind")" || true
    sleep 0.2
    seg="$OUT/$name.s_client.log-segment"
    log_since "$logf" "$off" >"$seg"
    why=$(log_clean "$kind" "$seg" | head -n 1) || true
    if [[ -z $why ]]; then
        pass "$name: openssl s_client's close_notify and close (the polite end here) is logged clean"
    else
        fail "$name: openssl s_client's session logged unclean: $why (see $seg)"
    fi
    off=$(log_size "$logf")
    python3 "$HERE/probe.py" drop "$proto" 127.0.0.1 "$port" >/dev/null || true
    wait_log "$logf" "$off" "$(end_mark "$kind")" || true
    sleep 0.2
    seg="$OUT/$name.drop.log-segment"
    log_since "$logf" "$off" >"$seg"
    why=$(log_clean "$kind" "$seg" | head -n 1) || true
    if [[ -n $why ]]; then
        pass "$name: log check flags a TCP drop inside the handshake as unclean: ${why:0:110}"
    else
        fail "$name: log check did NOT flag a TCP drop inside the handshake (see $seg)"
    fi
}

ossl_opts() { # kind -> the s_client options the server needs
    case $1 in
    *-tls10) echo "-tls1 -cipher DEFAULT@SECLEVEL=0" ;;
    prosody-direct) ;; # twins: TLS at once, no -starttls xmpp
    prosody* | ejabberd) echo "-xmpphost $SNI" ;;
    esac
}

ossl_fp() { # proto port [digest [kind]] -> fingerprint (upper hex, no colons) of the leaf openssl s_client sees
    local proto=$1 port=$2 digest=${3:-sha1} kind=${4:-} starttls=()
    is_implicit "$proto" || starttls=(-starttls "$proto")
    # ejpg: PostgreSQL 17 refuses direct TLS without ALPN "postgresql".
    [[ $proto == postgres-direct ]] && starttls=(-alpn postgresql)
    # shellcheck disable=SC2046
    timeout 30 openssl s_client "${starttls[@]}" -connect "127.0.0.1:$port" \
        -servername "$SNI" -showcerts $(ossl_opts "$kind") </dev/null 2>/dev/null |
        openssl x509 -noout -fingerprint "-$digest" 2>/dev/null |
        sed 's/^.*=//; s/://g' | tr 'a-f' 'A-F'
}

# The log a legacy capture leaves: the first connection's refused handshake
# and the second's abort after the certificate (our user_canceled alert).
legacy_log() { # label kind logfile offset
    local label=$1 kind=$2 file=$3 off=$4 seg pattern
    seg="$OUT/${label//\//.}.log-segment"
    local i
    for ((i = 0; i < 50; i++)); do # both connections ended (max 5 s)
        (($(log_since "$file" "$off" | grep -Ec "$(end_mark "$kind")") >= 2)) && break
        sleep 0.1
    done
    sleep 0.2
    log_since "$file" "$off" >"$seg"
    case $kind in
    postfix*) pattern='alert user cancelled' ;;
    slapd*) pattern='TLS: can.t accept: A TLS fatal alert has been received' ;;
    esac
    if grep -Eq "$pattern" "$seg" && ! grep -q 'TLS connection established' "$seg"; then
        pass "$label: server log shows the aborted handshake of a legacy capture: $(grep -Eo "$pattern" "$seg" | head -n1)"
    else
        fail "$label: server log lacks '$pattern' (see $seg)"
    fi
}

# BINARY's JSON: how the certificate was read, and the leaf's SHA-256.
json_check() { # name proto port kind sha256
    local name=$1 proto=$2 port=$3 kind=$4 want=$5 out="$OUT/$1.full.json" expect
    expect=completed
    if is_legacy "$kind"; then
        expect="not completed: certificate read from the server's hello"
    fi
    timeout "$BINARY_TIMEOUT" "$BINARY" 127.0.0.1 "$port" "$proto" --sni-domain "$SNI" \
        --ca-trust "$CA_ROOT" --format json >"$out" 2>/dev/null </dev/null || true
    python3 - "$out" "$name" "$want" "$expect" <<'PY'
import json, sys
path, name, want, expect = sys.argv[1:5]
try:
    d = json.load(open(path))
except Exception as e:
    print("FAIL %s: JSON output unreadable: %s" % (name, e)); sys.exit(0)
got = d.get("certificate", {}).get("leaf", {}).get("sha256_fingerprint", "")
tls = d.get("tls", {})
print("%s %s: leaf SHA-256 %s == openssl s_client's %s" % ("PASS" if got and got == want else "FAIL", name, got, want))
hs = str(tls.get("handshake", ""))
print("%s %s: handshake '%s' (%s %s) starts with '%s'" % ("PASS" if hs.startswith(expect) else "FAIL", name, hs, tls.get("version"), tls.get("cipher_suite"), expect))
PY
}

# --- run -------------------------------------------------------------------------

servers=${ONLY:-$SERVERS}
declare -A SEEN_FP=() SEEN_FP256=()

echo "== openssl s_client ($(openssl version | cut -d' ' -f1-2))"
for name in $servers; do
    t=$SECONDS
    proto=$(var "$name" PROTO)
    port=$(var "$name" PORT)
    want=$(var "$name" FP)
    kind=$(var "$name" KIND)
    logf=$(var "$name" LOG)
    off=$(log_size "$logf")
    got=$(ossl_fp "$proto" "$port" sha1 "$kind" || true)
    SEEN_FP[$name]=$got
    SEEN_FP256[$name]=$(ossl_fp "$proto" "$port" sha256 "$kind" || true)
    result "$([[ -n $got && $got == "$want" ]] && echo 1 || echo 0)" \
        "$name: openssl s_client $(is_implicit "$proto" && echo "(implicit TLS)" || echo "-starttls $proto") 127.0.0.1:$port leaf SHA-1 $got (expected $want) ($((SECONDS - t))s)"
    if ends_with_close_notify "$kind"; then
        db_control "$name" "$kind" "$proto" "$port" "$logf" "$off"
        continue
    fi
    # s_client </dev/null just drops the connection after the handshake (no
    # QUIT/unbind): the log check must flag that, or it would prove nothing.
    wait_log "$logf" "$off" "$(end_mark "$kind")" || true
    sleep 0.2
    seg="$OUT/$name.s_client.log-segment"
    log_since "$logf" "$off" >"$seg"
    why=$(log_clean "$kind" "$seg" | head -n 1) || true
    if [[ -z $why ]]; then
        fail "$name: log check did NOT flag openssl s_client's abrupt close (see $seg)"
    else
        pass "$name: log check flags openssl s_client's abrupt close as unclean: ${why:0:110}"
    fi
done

if [[ ${SKIP_SELFTEST:-0} != 1 ]]; then
    echo "== harness self-test (reference client probe.py)"
    for name in $servers; do
        t=$SECONDS
        kind=$(var "$name" KIND)
        proto=$(var "$name" PROTO)
        port=$(var "$name" PORT)
        logf=$(var "$name" LOG)
        off=$(log_size "$logf")
        if is_legacy "$kind"; then
            echo "     ($name: no reference client for a legacy-only server)"
            continue
        fi
        if [[ $proto != smtp && $proto != lmtp && $proto != ldap ]]; then
            echo "     ($name: the reference client speaks SMTP, LMTP and LDAP; $proto is compared with openssl s_client)"
            continue
        fi
        if [[ $kind == postscreen ]]; then
            j=$(python3 "$HERE/probe.py" greeting 127.0.0.1 "$port" || true)
            [[ -n $j ]] || j='{}'
            ok=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1]); w = float(sys.argv[2])
g = d.get("greeting", [])
print(1 if d.get("ok") and len(g) >= 2 and g[0][1].startswith("220-")
      and g[-1][1].startswith("220 ") and g[-1][0] >= w - 0.5 else 0)' "$j" "$POSTSCREEN_GREET_WAIT" 2>/dev/null || echo 0)
            result "$ok" "$name: multi-line greeting, final '220 ' after >= ${POSTSCREEN_GREET_WAIT}s wait: $j"
        else
            j=$(python3 "$HERE/probe.py" clean "$proto" 127.0.0.1 "$port" || true)
        fi
        [[ -n $j ]] || j='{}'
        fp=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("fingerprint",""))' "$j" 2>/dev/null || true)
        result "$([[ -n $fp && $fp == "$(var "$name" FP)" ]] && echo 1 || echo 0)" \
            "$name: reference client session ok, leaf SHA-1 $fp"
        check_log "$name/probe" "$kind" "$logf" "$off"
        if [[ $kind == postscreen ]]; then
            off=$(log_size "$logf")
            python3 "$HERE/probe.py" pregreet 127.0.0.1 "$port" >/dev/null || true
            wait_log "$logf" "$off" 'PREGREET' || true
            if log_since "$logf" "$off" | grep -q 'PREGREET .* from \[127.0.0.1\]'; then
                pass "$name: a client talking before the final 220 IS logged as PREGREET (check is meaningful)"
            else
                fail "$name: early talker was NOT logged as PREGREET"
            fi
        fi
        echo "     ($name self-test $((SECONDS - t))s)"
    done
fi

if [[ -n $BINARY ]]; then
    echo "== $BINARY"
    for name in $servers; do
        t=$SECONDS
        kind=$(var "$name" KIND)
        proto=$(var "$name" PROTO)
        port=$(var "$name" PORT)
        variant=$(var "$name" VARIANT)
        logf=$(var "$name" LOG)
        off=$(log_size "$logf")
        out="$OUT/$name.json"
        err="$OUT/$name.stderr"
        # shellcheck disable=SC2086
        set -- "$BINARY" 127.0.0.1 "$port" "$proto" --sni-domain "$SNI" \
            --name-validation cn-san --ca-trust "$CA_ROOT" ${BINARY_EXTRA_ARGS:-}
        rc=0
        timeout "$BINARY_TIMEOUT" "$@" >"$out" 2>"$err" </dev/null || rc=$?
        echo "     \$ $* -> exit $rc ($((SECONDS - t))s)"
        echo "     $(head -c 600 "$out")"
        if [[ $rc == 124 ]]; then
            fail "$name: BINARY timed out after ${BINARY_TIMEOUT}s"
        fi
        want=${SEEN_FP[$name]:-}
        [[ -n $want ]] || want=$(var "$name" FP)
        while IFS= read -r line; do
            case $line in
            PASS\ *) pass "${line#PASS }" ;;
            FAIL\ *) fail "${line#FAIL }" ;;
            *) echo "$line" ;;
            esac
        done < <(CHAIN_PEM="$(dirname "$CA_ROOT")/$variant-chain.pem" \
            LEGACY_CAPTURE="$(is_legacy "$kind" && echo 1 || echo 0)" \
            python3 "$HERE/prtg_expect.py" "$out" "$name" "$variant" "$proto" "$want" || true)
        if is_legacy "$kind"; then
            legacy_log "$name" "$kind" "$logf" "$off"
        else
            check_log "$name" "$kind" "$logf" "$off"
            # The report's own account of the goodbye (issue 18): the server
            # answered QUIT, or (LDAP) unbind and close_notify were sent.
            # shellcheck disable=SC2086
            close=$("$BINARY" 127.0.0.1 "$port" "$proto" --sni-domain "$SNI" --ca-trust "$CA_ROOT" \
                --format json ${BINARY_EXTRA_ARGS:-} </dev/null 2>/dev/null |
                python3 -c 'import json,sys; print(json.load(sys.stdin).get("close"))' 2>/dev/null || true)
            result "$([[ $close == clean ]] && echo 1 || echo 0)" "$name: json reports close '$close' (expected clean)"
        fi
        if is_legacy "$kind" || is_db "$kind" || [[ $variant == rsapss || $kind == vsftpd* || $kind == prosody* || $kind == ejabberd || $kind == nnrpd || $kind == proftpd || $kind == stunnel ||
            $kind == dovecot-mail || $kind == postfix-smtps || $kind == slapd-ldaps ]]; then
            while IFS= read -r line; do
                case $line in
                PASS\ *) pass "${line#PASS }" ;;
                FAIL\ *) fail "${line#FAIL }" ;;
                esac
            done < <(json_check "$name" "$proto" "$port" "$kind" "${SEEN_FP256[$name]:-}")
        fi
        echo "     ($name $((SECONDS - t))s)"
    done
fi

echo
if ((FAILED > 0)); then
    echo "Failed checks:"
    printf '  - %s\n' "${FAILURES[@]}"
fi
echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
