#!/usr/bin/env bash
# Start/stop private Postfix, Dovecot, OpenLDAP, 389-ds, PostgreSQL, MariaDB,
# vsftpd, ProFTPD, Prosody, ejabberd, INN and stunnel instances on loopback
# ports for the interop harness.
#
#   servers.sh start | stop | restart | status
#
# Every instance has its own config/state/log directory under
# $INTEROP_DIR/srv/NAME; nothing system-wide is used or changed (no systemd,
# no /etc/postfix, /etc/dovecot or /etc/ldap config). Instances are stopped
# by the PID in their own pid file. Needs certs.sh to have run first.
# Writes $INTEROP_DIR/servers.env (sourceable) describing every instance.
# Env: INTEROP_DIR (default /tmp/starttls-interop), INTEROP_PORT_OFFSET
# (default 0, added to every port), POSTSCREEN_GREET_WAIT (default 3 s),
# ONLY (instance names to keep, default all).
set -euo pipefail

INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CA="$INTEROP_DIR/ca"
SRV="$INTEROP_DIR/srv"
ENV_FILE="$INTEROP_DIR/servers.env"
# Seconds postscreen waits (after its "220-" line) before handing over to smtpd.
POSTSCREEN_GREET_WAIT=${POSTSCREEN_GREET_WAIT:-3}
# The name the interop certificates are issued for (Prosody's virtual host).
SNI_NAME=mail.interop.test
# PostgreSQL 17 (direct TLS), unpacked by install.sh.
PG17_ROOT=${PG17_ROOT:-$INTEROP_DIR/pkg/pg17}
export PATH="$PATH:/usr/sbin:/sbin"
# postfix/dovecot drop privileges: keep our directories traversable.
umask 022

# name kind proto port cert-variant
INSTANCES=(
    "smtp-good        postfix    smtp 12525 good"
    "smtp-selfsigned  postfix    smtp 12526 selfsigned"
    "smtp-expired     postfix    smtp 12527 expired"
    "smtp-postscreen  postscreen smtp 12528 good"
    "smtp-ec          postfix    smtp 12529 good-ec"
    "lmtp-good        dovecot    lmtp 12424 good"
    "lmtp-selfsigned  dovecot    lmtp 12425 selfsigned"
    "lmtp-expired     dovecot    lmtp 12426 expired"
    "ldap-good        slapd      ldap 12389 good"
    "ldap-selfsigned  slapd      ldap 12390 selfsigned"
    "ldap-expired     slapd      ldap 12391 expired"
    "smtp-interexp    postfix    smtp 12540 inter-expiring"
    "ldap-interexp    slapd      ldap 12399 inter-expiring"
    "ldap389-good     ds389      ldap 12392 good"
    # Servers only a legacy capture reads (TLS 1.0 only; TLS 1.2 with only
    # plain-RSA CBC suites), and an RSA-PSS leaf on TLS 1.3.
    "smtp-tls10       postfix-tls10  smtp 11530 good"
    "smtp-rsacbc      postfix-rsacbc smtp 11531 good"
    "ldap-tls10       slapd-tls10    ldap 11392 good"
    "smtp-rsapss      postfix        smtp 11532 rsapss"
    # Databases: PostgreSQL's SSLRequest, MariaDB's SSLRequest packet.
    "pg-good          postgres   postgres 15432 good"
    "mariadb-good     mariadb    mysql    13306 good"
    # FTP AUTH TLS and XMPP STARTTLS (client and server streams).
    "ftp-good         vsftpd     ftp  12021 good"
    "xmpp-good        prosody    xmpp 12222 good"
    "xmpps2s-good     prosody-s2s xmpp-server 12269 good"
    # NNTP STARTTLS: INN's nnrpd alone (no innd), unpacked by install.sh.
    "nntp-good        nnrpd      nntp 12119 good"
    # Dovecot's mailbox protocols (one instance each): IMAP and POP3 with
    # STARTTLS/STLS, their implicit-TLS twins (993/995-style), ManageSieve.
    "imap-good        dovecot-mail imap  12143 good"
    "imaps-good       dovecot-mail imaps 12993 good"
    "pop3-good        dovecot-mail pop3  12110 good"
    "pop3s-good       dovecot-mail pop3s 12995 good"
    "sieve-good       dovecot-mail sieve 14190 good"
    # Implicit TLS: Postfix submissions (465-style, smtpd_tls_wrappermode)
    # and slapd on ldaps://.
    "smtps-good       postfix-smtps smtps 12465 good"
    "ldaps-good       slapd-ldaps   ldaps 12636 good"
    # twins: implicit-TLS FTP (vsftpd implicit_ssl=YES) and XMPP direct TLS
    # (Prosody c2s_direct_tls_ports, XEP-0368); ProFTPD's AUTH TLS.
    "ftps-good        vsftpd-implicit ftps  12990 good"
    "xmpps-good       prosody-direct  xmpps 12223 good"
    "ftp-proftpd      proftpd         ftp   12022 good"
    # ejpg: one PostgreSQL 17 server (unpacked by install.sh) checked twice
    # on its one port: direct TLS (ALPN postgresql) and the SSLRequest.
    "pg17-direct      pg17 postgres-direct 15417 good"
    "pg17-good        pg17 postgres        15417 good"
    # ejpg: one ejabberd 23.01 server with a c2s and an s2s listener.
    "xmpp-ejabberd    ejabberd xmpp        12522 good"
    "xmpps2s-ejabberd ejabberd xmpp-server 12569 good"
    # TLS at once on a port no protocol owns (`tls`): stunnel, the classic
    # TLS wrapper for any service, in front of an echo service.
    "tls-stunnel      stunnel  tls         12444 good"
)

# ONLY="name ..." keeps just those instances (as check.sh's ONLY does).
if [[ -n ${ONLY:-} ]]; then
    kept=()
    for i in "${!INSTANCES[@]}"; do
        read -r _n _rest <<<"${INSTANCES[i]}"
        [[ " $ONLY " == *" $_n "* ]] && kept+=("${INSTANCES[i]}")
    done
    INSTANCES=("${kept[@]}")
fi

# Shift every port by this much, e.g. to run a second harness next to the first.
INTEROP_PORT_OFFSET=${INTEROP_PORT_OFFSET:-0}
if ((INTEROP_PORT_OFFSET != 0)); then
    for i in "${!INSTANCES[@]}"; do
        read -r _n _k _p _port _v <<<"${INSTANCES[i]}"
        INSTANCES[i]="$_n $_k $_p $((_port + INTEROP_PORT_OFFSET)) $_v"
    done
fi

log() { printf '[servers] %s\n' "$*"; }
die() {
    printf '[servers] ERROR: %s\n' "$*" >&2
    exit 1
}

# --- helpers -----------------------------------------------------------------

pidfile_of() { # name kind
    case $2 in
    postfix* | postscreen) echo "$SRV/$1/spool/pid/master.pid" ;;
    dovecot*) echo "$SRV/$1/run/master.pid" ;;
    slapd*) echo "$SRV/$1/slapd.pid" ;;
    ds389) echo "$SRV/$1/run/dirsrv/slapd-interop.pid" ;;
    postgres) echo "$SRV/$1/postgres.pid" ;;
    pg17) echo "$SRV/pg17/postgres.pid" ;; # one server for both instances
    ejabberd) echo "$SRV/ejabberd/run/ejabberd.pid" ;; # one server, two listeners
    mariadb) echo "$SRV/$1/mariadbd.pid" ;;
    vsftpd*) echo "$SRV/$1/vsftpd.pid" ;;
    prosody*) echo "$SRV/$1/prosody.pid" ;;
    nnrpd) echo "$SRV/$1/nnrpd.pid" ;;
    proftpd) echo "$SRV/$1/proftpd.pid" ;;
    stunnel) echo "$SRV/$1/stunnel.pid" ;;
    esac
}

logfile_of() { # name kind
    case $2 in
    postfix* | postscreen) echo "$SRV/$1/maillog" ;;
    dovecot*) echo "$SRV/$1/dovecot.log" ;;
    slapd*) echo "$SRV/$1/slapd.log" ;;
    ds389) echo "$SRV/$1/var/log/dirsrv/slapd-interop/access" ;;
    postgres) echo "$SRV/$1/postgres.log" ;;
    pg17) echo "$SRV/pg17/postgres.log" ;;
    ejabberd) echo "$SRV/ejabberd/logs/ejabberd.log" ;;
    mariadb) echo "$SRV/$1/error.log" ;;
    vsftpd*) echo "$SRV/$1/vsftpd.log" ;;
    prosody*) echo "$SRV/$1/prosody.log" ;;
    nnrpd) echo "$SRV/$1/nnrpd.log" ;;
    proftpd) echo "$SRV/$1/proftpd.log" ;;
    stunnel) echo "$SRV/$1/stunnel.log" ;;
    esac
}

# When process PID started, in clock ticks since boot (field 22 of
# /proc/PID/stat; the fields after the parenthesised command name start at
# field 3). With the pid, it names one process for as long as the machine runs.
start_ticks() { # pid
    local stat fields
    read -r stat <"/proc/$1/stat" 2>/dev/null || return 1
    read -r -a fields <<<"${stat##*) }"
    echo "${fields[19]}"
}

# Prints the pid in a pid file if a process with that pid is alive, whoever
# it is.
live_pid() { # pidfile
    local pid
    [[ -s $1 ]] || return 1
    pid=$(tr -d ' \n' <"$1")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    echo "$pid"
}

# Records which process wrote the pid file (pid and start time), once the
# daemon we started listens: PIDFILE.started.
remember_daemon() { # pidfile
    local pid
    pid=$(live_pid "$1") || return 1
    echo "$pid $(start_ticks "$pid")" >"$1.started"
}

# Prints the PID if the pid file names the live daemon we started, else fails.
# A pid file outlives its daemon, and on a busy machine the kernel hands the
# pid to some unrelated later process (a stale file whose pid was reused once
# made `start` skip a dead Postfix and `stop` signal a stranger). The process
# must be the one remember_daemon saw: same pid, same start time.
running_pid() { # pidfile
    local pid
    pid=$(live_pid "$1") || return 1
    [[ -s $1.started && $(<"$1.started") == "$pid $(start_ticks "$pid")" ]] || return 1
    echo "$pid"
}

listening() { # port
    ss -Hltn "sport = :$1" 2>/dev/null | grep -q LISTEN
}

wait_listening() { # name port pidfile logfile
    local i
    for ((i = 0; i < 100; i++)); do
        # Remembered as soon as its pid file names a live process (the
        # instance directory is new), so `stop` finds a daemon that never
        # comes to listen; again on each round, should it rewrite the file.
        if remember_daemon "$3" && listening "$2"; then
            return 0
        fi
        sleep 0.1
    done
    log "---- tail of $4 ----" >&2
    tail -n 30 "$4" >&2 || true
    die "$1 did not start listening on 127.0.0.1:$2"
}

# --- Postfix -------------------------------------------------------------------

postfix_master_cf() { # port kind
    if [[ $2 == postscreen ]]; then
        cat <<EOF
127.0.0.1:$1 inet  n       -       n       -       1       postscreen
smtpd     pass  -       -       n       -       -       smtpd
dnsblog   unix  -       -       n       -       0       dnsblog
tlsproxy  unix  -       -       n       -       0       tlsproxy
EOF
    elif [[ $2 == postfix-smtps ]]; then
        # Submissions (RFC 8314): TLS from the first byte, as on port 465.
        cat <<EOF
127.0.0.1:$1 inet  n       -       n       -       -       smtpd
  -o smtpd_tls_wrappermode=yes
  -o smtpd_tls_security_level=encrypt
EOF
    else
        echo "127.0.0.1:$1 inet  n       -       n       -       -       smtpd"
    fi
    cat <<'EOF'
postlog   unix-dgram n  -       n       -       1       postlogd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
EOF
}

start_postfix() { # name kind port variant
    local name=$1 kind=$2 port=$3 variant=$4 dir="$SRV/$1"
    rm -rf "$dir"
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
    chown postfix:postfix "$dir/data"
    cat >"$dir/etc/main.cf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
compatibility_level = 3.6
config_directory = $dir/etc
queue_directory = $dir/spool
data_directory = $dir/data
syslog_name = postfix-$name
maillog_file = $dir/maillog
maillog_file_prefixes = $INTEROP_DIR
myhostname = mail.interop.test
mydomain = interop.test
myorigin = \$myhostname
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
local_transport = error:local delivery disabled
default_transport = error:outbound delivery disabled
biff = no
smtputf8_enable = no
smtpd_banner = \$myhostname ESMTP interop $name
smtpd_tls_security_level = may
smtpd_tls_cert_file = $CA/$variant-chain.pem
smtpd_tls_key_file = $CA/$variant.key
smtpd_tls_loglevel = 1
smtpd_tls_received_header = no
EOF
    if [[ $kind == postscreen ]]; then
        cat >>"$dir/etc/main.cf" <<EOF
# postscreen in front of smtpd: "220-" first, the final "220 " from smtpd only
# after postscreen_greet_wait; a client that talks before that is PREGREET.
postscreen_access_list =
postscreen_cache_map =
postscreen_dnsbl_sites =
postscreen_greet_banner = \$myhostname ESMTP interop postscreen, please wait
postscreen_greet_wait = ${POSTSCREEN_GREET_WAIT}s
postscreen_greet_action = drop
EOF
    fi
    case $kind in
    postfix-tls10)
        # TLS 1.0 only. Debian's OpenSSL 3 allows TLS 1.0 only at security
        # level 0 and its system config sets MinProtocol TLSv1.2: give this
        # instance its own OpenSSL config through the environment.
        printf '%s\n' 'openssl_conf = interop_conf' '[interop_conf]' 'ssl_conf = interop_ssl' \
            '[interop_ssl]' 'system_default = interop_tls10' '[interop_tls10]' \
            'MinProtocol = TLSv1' 'MaxProtocol = TLSv1' 'CipherString = DEFAULT@SECLEVEL=0' \
            >"$dir/etc/openssl.cnf"
        cat >>"$dir/etc/main.cf" <<EOF
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C OPENSSL_CONF=$dir/etc/openssl.cnf
smtpd_tls_protocols = >=TLSv1 <=TLSv1
tls_medium_cipherlist = DEFAULT@SECLEVEL=0
EOF
        ;;
    postfix-rsacbc)
        # TLS 1.2 with only plain-RSA key exchange and CBC suites, as old
        # Windows/Exchange hardening guides leave a server.
        cat >>"$dir/etc/main.cf" <<EOF
smtpd_tls_protocols = >=TLSv1.2 <=TLSv1.2
tls_medium_cipherlist = AES256-SHA:AES128-SHA
EOF
        ;;
    esac
    postfix_master_cf "$port" "$kind" >"$dir/etc/master.cf"
    : >"$dir/maillog"
    # Postfix sleeps (in 0.3s steps, ~2s) while main.cf is "too new" (it
    # guards against reading a half-written file): backdate our fresh files.
    touch -d '-1 minute' "$dir/etc/main.cf" "$dir/etc/master.cf"
    # `postfix start` creates the queue directories itself.
    postfix -c "$dir/etc" start >/dev/null 2>&1 9>&- || {
        tail -n 20 "$dir/maillog" >&2 || true
        die "postfix start failed for $name"
    }
}

# --- Dovecot (LMTP, IMAP, POP3, ManageSieve) ------------------------------------

# The protocols line and service block of one Dovecot instance serving
# `proto` on `port`: LMTP, IMAP or POP3 with STARTTLS/STLS, their implicit
# TLS twins (a listener with `ssl = yes`), or ManageSieve.
dovecot_service() { # proto port
    local proto=$1 port=$2 service listener
    case $proto in
    lmtp)
        cat <<EOF
protocols = lmtp
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $port
  }
  unix_listener lmtp {
    mode = 0600
  }
}
EOF
        return
        ;;
    imap | imaps) service=imap-login listener=imap ;;
    pop3 | pop3s) service=pop3-login listener=pop3 ;;
    sieve) service=managesieve-login listener=sieve ;;
    *) die "dovecot cannot serve $proto" ;;
    esac
    # Dovecot's built-in listeners (imap 143 + imaps 993, pop3 110 + pop3s
    # 995) stay unless named: the one not served here gets port 0 (off).
    local plain=$port implicit=0
    if [[ $proto == imaps || $proto == pop3s ]]; then
        plain=0 implicit=$port
    fi
    echo "protocols = $listener"
    echo "service $service {"
    printf '  inet_listener %s {\n    address = 127.0.0.1\n    port = %s\n  }\n' "$listener" "$plain"
    if [[ $listener != sieve ]]; then
        printf '  inet_listener %ss {\n    address = 127.0.0.1\n    port = %s\n    ssl = yes\n  }\n' \
            "$listener" "$implicit"
    fi
    echo "}"
}

start_dovecot() { # name kind port variant proto
    local name=$1 port=$3 variant=$4 proto=${5:-lmtp} dir="$SRV/$1"
    rm -rf "$dir"
    mkdir -p "$dir/run" "$dir/state" "$dir/mail"
    chmod 0755 "$dir/run"
    printf 'probe:{PLAIN}interop:%s:%s::%s/mail/probe\n' \
        "$(id -u dovecot)" "$(id -g dovecot)" "$dir" >"$dir/passwd"
    chown -R dovecot:dovecot "$dir/mail"
    local dh=""
    if [[ -r /usr/share/dovecot/dh.pem ]]; then
        dh="ssl_dh = </usr/share/dovecot/dh.pem"
    fi
    cat >"$dir/dovecot.conf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
instance_name = dovecot-$name
base_dir = $dir/run
state_dir = $dir/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
hostname = mail.interop.test
listen = 127.0.0.1
ssl = yes
ssl_cert = <$CA/$variant-chain.pem
ssl_key = <$CA/$variant.key
$dh
mail_location = maildir:$dir/mail/%u
passdb {
  driver = passwd-file
  args = $dir/passwd
}
userdb {
  driver = passwd-file
  args = $dir/passwd
}
$(dovecot_service "$proto" "$port")
EOF
    : >"$dir/dovecot.log"
    dovecot -c "$dir/dovecot.conf" -n >/dev/null 2>"$dir/doveconf.err" ||
        die "dovecot config invalid for $name: $(cat "$dir/doveconf.err")"
    # Daemonises, writes base_dir/master.pid.
    dovecot -c "$dir/dovecot.conf" </dev/null >>"$dir/dovecot.log" 2>&1 9>&- ||
        die "dovecot failed to start for $name: $(tail -n 5 "$dir/dovecot.log")"
}

# --- OpenLDAP slapd ---------------------------------------------------------------

start_slapd() { # name kind port variant
    local name=$1 port=$3 variant=$4 dir="$SRV/$1"
    rm -rf "$dir"
    mkdir -p "$dir/db"
    local modpath=/usr/lib/ldap
    cat >"$dir/slapd.conf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
include /etc/ldap/schema/core.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath $modpath
moduleload back_mdb
TLSCACertificateFile $CA/root.pem
TLSCertificateFile $CA/$variant-chain.pem
TLSCertificateKeyFile $CA/$variant.key
loglevel stats
$([[ $2 == slapd-tls10 ]] && echo 'TLSCipherSuite NORMAL:-VERS-ALL:+VERS-TLS1.0')
database mdb
maxsize 10485760
suffix "dc=interop,dc=test"
rootdn "cn=admin,dc=interop,dc=test"
directory $dir/db
EOF
    slaptest -u -f "$dir/slapd.conf" >"$dir/slaptest.log" 2>&1 ||
        die "slaptest failed for $name: $(cat "$dir/slaptest.log")"
    # Runs as root (no -u), so the 0600 root key files are readable.
    # -d 256 (stats) keeps it in the foreground and logs to stderr -> file.
    local url="ldap://127.0.0.1:$port/"
    [[ $2 == slapd-ldaps ]] && url="ldaps://127.0.0.1:$port/"
    setsid slapd -f "$dir/slapd.conf" -h "$url" -d 256 \
        </dev/null >"$dir/slapd.log" 2>&1 9>&- &
}

# --- vsftpd ------------------------------------------------------------------------

# Anonymous login into an empty chroot (vsftpd refuses every client when
# no login type is enabled); AUTH TLS with the interop chain; the protocol
# log shows each command and reply ("QUIT" / "221 Goodbye."). Runs in the
# foreground (background=NO); its PID is the one we started.
start_vsftpd() { # name kind port variant
    local name=$1 kind=$2 port=$3 variant=$4 dir="$SRV/$1" implicit=NO
    # vsftpd-implicit: TLS at once on the control port (implicit_ssl, the
    # "ftps" twin on 990 in real life).
    [[ $kind == vsftpd-implicit ]] && implicit=YES
    rm -rf "$dir"
    mkdir -p "$dir/empty"
    chmod 0555 "$dir/empty"
    cat >"$dir/vsftpd.conf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
anon_root=$dir/empty
secure_chroot_dir=$dir/empty
pasv_enable=NO
seccomp_sandbox=NO
ssl_enable=YES
allow_anon_ssl=YES
force_anon_logins_ssl=NO
force_anon_data_ssl=NO
ssl_request_cert=NO
implicit_ssl=$implicit
rsa_cert_file=$CA/$variant-chain.pem
rsa_private_key_file=$CA/$variant.key
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$dir/vsftpd.log
EOF
    : >"$dir/vsftpd.log"
    setsid vsftpd "$dir/vsftpd.conf" </dev/null >"$dir/stdout.log" 2>&1 9>&- &
    echo $! >"$dir/vsftpd.pid"
}

# --- Prosody -------------------------------------------------------------------------

# One instance per stream kind: c2s (xmpp) or s2s (xmpp-server) on the
# instance's port, the other kind off. The virtual hosts are the interop
# certificate's name and 127.0.0.1 (the stream's `to` must name one). Debug log, so a
# session's end is visible ("Received </stream:stream>").
start_prosody() { # name kind port variant
    local name=$1 kind=$2 port=$3 variant=$4 dir="$SRV/$1" c2s s2s
    rm -rf "$dir"
    mkdir -p "$dir/data" "$dir/certs"
    local direct=""
    if [[ $kind == prosody-s2s ]]; then
        c2s="" s2s=$port
    elif [[ $kind == prosody-direct ]]; then
        # XEP-0368 direct TLS only (Prosody 0.12: c2s_direct_tls_ports).
        c2s="" s2s="" direct=$port
    else
        c2s=$port s2s=""
    fi
    cat >"$dir/prosody.cfg.lua" <<EOF
-- private interop instance $name -- generated by tests/interop/servers.sh
pidfile = "$dir/prosody.pid"
daemonize = false
run_as_root = true
data_path = "$dir/data"
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { $c2s }
s2s_ports = { $s2s }
c2s_direct_tls_ports = { $direct }
c2s_direct_tls_ssl = { certificate = "$CA/$variant-chain.pem"; key = "$CA/$variant.key" }
c2s_require_encryption = true
s2s_require_encryption = true
modules_enabled = { "tls"; "saslauth"; "dialback"; "disco"; "posix" }
authentication = "internal_hashed"
log = { debug = "$dir/prosody.log" }
certificates = "$dir/certs"
VirtualHost "$SNI_NAME"
    ssl = { certificate = "$CA/$variant-chain.pem"; key = "$CA/$variant.key" }
-- A check given only the address names it in the stream's "to" (the
-- Windows comparison runs without --sni-domain); the certificate has that
-- address as a SAN.
VirtualHost "127.0.0.1"
    ssl = { certificate = "$CA/$variant-chain.pem"; key = "$CA/$variant.key" }
EOF
    : >"$dir/prosody.log"
    setsid prosody --config "$dir/prosody.cfg.lua" -F </dev/null >"$dir/stdout.log" 2>&1 9>&- &
}

# --- ejabberd (ejpg) ----------------------------------------------------------------

# One ejabberd 23.01 (Debian 12) for every ejabberd instance: a c2s listener
# for proto xmpp, an s2s listener for xmpp-server, all on 127.0.0.1. The
# TLS and SASL settings are those of Debian's default ejabberd.yml
# (starttls_required, s2s_use_starttls: required, no DIGEST-MD5/X-OAUTH2,
# SCRAM passwords). ejabberdctl sources its ctl config after reading its
# options, and Debian's /etc/ejabberd/ejabberdctl.cfg sets
# EJABBERD_CONFIG_PATH, so --config alone is ignored: --config-dir and
# --ctl-config point it at our own files. ERL_DIST_PORT makes the Erlang
# node listen on one loopback port (INET_DIST_INTERFACE) and start no epmd.
# ejabberdctl runs the node as the ejabberd user. A node listening beyond
# 127.0.0.1 is killed at once.
start_ejabberd() { # name kind port variant
    local name=$1 variant=$4 dir="$SRV/ejabberd" line n k p port listeners="" ports=()
    for line in "${INSTANCES[@]}"; do
        read -r n k p port _ <<<"$line"
        [[ $k == ejabberd ]] || continue
        ports+=("$port")
        case $p in
        xmpp)
            listeners+=$'\n'"  - {port: $port, ip: \"127.0.0.1\", module: ejabberd_c2s, max_stanza_size: 262144, starttls_required: true}"
            ;;
        xmpp-server)
            listeners+=$'\n'"  - {port: $port, ip: \"127.0.0.1\", module: ejabberd_s2s_in, max_stanza_size: 524288}"
            ;;
        *) die "ejabberd serves xmpp and xmpp-server, not $p ($n)" ;;
        esac
    done
    id -u ejabberd >/dev/null 2>&1 || die "no ejabberd user -- run install.sh"
    rm -rf "$dir"
    mkdir -p "$dir/spool" "$dir/logs" "$dir/run"
    cat "$CA/$variant-chain.pem" "$CA/$variant.key" >"$dir/cert.pem"
    chmod 0600 "$dir/cert.pem"
    cp /etc/ejabberd/inetrc "$dir/inetrc"
    cat >"$dir/ejabberdctl.cfg" <<CFG
# private interop instance $name -- generated by tests/interop/servers.sh
ERLANG_NODE=starttls-interop-${ports[0]}@localhost
ERL_EPMD_ADDRESS=127.0.0.1
INET_DIST_INTERFACE=127.0.0.1
ERL_DIST_PORT=$((14369 + INTEROP_PORT_OFFSET))
EJABBERD_CONFIG_PATH=$dir/ejabberd.yml
EJABBERD_PID_PATH=$dir/run/ejabberd.pid
ERL_OPTIONS="-env ERL_CRASH_DUMP_BYTES 0"
CFG
    # Debug logging shows each stream's XML and how each session ended.
    cat >"$dir/ejabberd.yml" <<YML
# private interop instance $name -- generated by tests/interop/servers.sh
loglevel: debug
log_rotate_count: 0
hosts:
  - $SNI_NAME
  # A check given only the address names it in the stream's "to" (the
  # Windows comparison runs without --sni-domain).
  - "127.0.0.1"
certfiles:
  - "$dir/cert.pem"
acme:
  auto: false
c2s_ciphers: "HIGH:!aNULL:!eNULL:!3DES:@STRENGTH"
s2s_ciphers: "HIGH:!aNULL:!eNULL:!3DES:@STRENGTH"
c2s_protocol_options: [no_sslv3, no_tlsv1, no_tlsv1_1, cipher_server_preference, no_compression]
s2s_protocol_options: [no_sslv3, no_tlsv1, no_tlsv1_1, cipher_server_preference, no_compression]
s2s_use_starttls: required
disable_sasl_mechanisms: [digest-md5, X-OAUTH2]
auth_password_format: scram
listen:$listeners
modules:
  mod_s2s_dialback: {}
YML
    chown -R ejabberd:ejabberd "$dir"
    (
        cd "$dir"
        setsid /usr/sbin/ejabberdctl --config-dir "$dir" --ctl-config "$dir/ejabberdctl.cfg" \
            --spool "$dir/spool" --logs "$dir/logs" foreground </dev/null >"$dir/foreground.log" 2>&1 9>&- &
    )
    local i pid=""
    for ((i = 0; i < 300; i++)); do
        pid=$(live_pid "$dir/run/ejabberd.pid") && break
        sleep 0.1
    done
    [[ -n $pid ]] || die "ejabberd wrote no pid file: $(tail -n 5 "$dir/foreground.log")"
    for port in "${ports[@]}"; do
        wait_listening "$name" "$port" "$dir/run/ejabberd.pid" "$dir/logs/ejabberd.log"
    done
    if ss -Hltnup 2>/dev/null | grep "pid=$pid," | grep -vq ' 127\.0\.0\.1:'; then
        kill -KILL "$pid" 2>/dev/null || true
        die "ejabberd listened beyond 127.0.0.1, killed it: $(ss -Hltnup | grep "pid=$pid," | tr '\n' ' ')"
    fi
}

# --- ProFTPD (twins) ----------------------------------------------------------------

# proftpd-core and proftpd-mod-crypto (mod_tls), unpacked by install.sh
# into $PROFTPD_ROOT (installing proftpd-core would remove vsftpd: both
# provide ftp-server), standalone in the foreground (--nodaemon) on the
# instance's port; the check never logs in. TLSLog shows how each TLS
# session ends; the protocol log (ExtendedLog) each command and reply.
PROFTPD_ROOT=${PROFTPD_ROOT:-$INTEROP_DIR/pkg/proftpd}
start_proftpd() { # name kind port variant
    local name=$1 port=$3 variant=$4 dir="$SRV/$1"
    [[ -x $PROFTPD_ROOT/usr/sbin/proftpd ]] || die "no proftpd in $PROFTPD_ROOT -- run install.sh"
    rm -rf "$dir"
    mkdir -p "$dir"
    # A welcome file, as many sites have: ProFTPD sends it as a multi-line
    # 220 reply whose inner lines are unnumbered (RFC 959 allows that).
    printf 'Welcome to the interop mirror.\n  Anonymous access only.\n' >"$dir/welcome.msg"
    cat >"$dir/proftpd.conf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
ModulePath $PROFTPD_ROOT/usr/lib/proftpd
LoadModule mod_tls.c
ServerName "interop"
ServerType standalone
DefaultServer on
DefaultAddress 127.0.0.1
SocketBindTight on
Port $port
User nobody
Group nogroup
UseIPv6 off
UseReverseDNS off
WtmpLog off
DisplayConnect $dir/welcome.msg
PidFile $dir/proftpd.pid
ScoreboardFile $dir/proftpd.scoreboard
DelayTable none
SystemLog $dir/proftpd.log
TransferLog none
LogFormat proto "%m %r -> %s"
ExtendedLog $dir/proftpd.log ALL,EXIT proto
<IfModule mod_ctrls.c>
  ControlsEngine off
</IfModule>
<IfModule mod_tls.c>
  TLSEngine on
  TLSLog $dir/proftpd.log
  TLSProtocol TLSv1.2 TLSv1.3
  TLSRSACertificateFile $CA/$variant-chain.pem
  TLSRSACertificateKeyFile $CA/$variant.key
  # mod_tls reads only the leaf from the certificate file: the chain goes here.
  TLSCertificateChainFile $CA/$variant-chain.pem
  TLSVerifyClient off
  TLSRequired off
</IfModule>
EOF
    : >"$dir/proftpd.log"
    setsid "$PROFTPD_ROOT/usr/sbin/proftpd" --nodaemon --config "$dir/proftpd.conf" </dev/null >"$dir/stdout.log" 2>&1 9>&- &
}

# --- stunnel (TLS at once on any port) -----------------------------------------

# stunnel 5 in the foreground, TLS server on the instance's port, each
# connection handed to /bin/cat (an echo service), so the service behind
# it says nothing first: the check must read the certificate from TLS
# alone. At debug level info the log says how each TLS session ended:
# "TLS closed (SSL_read)" for a close_notify, "TLS socket closed" for a
# TCP close without one, an SSL_accept error for a broken handshake.
start_stunnel() { # name kind port variant
    local name=$1 port=$3 variant=$4 dir="$SRV/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/stunnel.conf" <<EOF
; private interop instance $name -- generated by tests/interop/servers.sh
foreground = yes
pid = $dir/stunnel.pid
output = $dir/stunnel.log
syslog = no
debug = info
[any-port]
accept = 127.0.0.1:$port
cert = $CA/$variant-chain.pem
key = $CA/$variant.key
exec = /bin/cat
EOF
    : >"$dir/stunnel.log"
    setsid stunnel4 "$dir/stunnel.conf" </dev/null >"$dir/stdout.log" 2>&1 9>&- &
}

# --- INN nnrpd ---------------------------------------------------------------------

# nnrpd alone, as a daemon on the instance's port (-D -f), with tracing
# (-t: each command and reply). The package is unpacked, not installed
# (install.sh: inn2's install script needs a fully qualified host name and
# pulls in an MTA), into $INN_ROOT. nnrpd answers "400 NNTP server
# unavailable" without an overview, so makehistory builds an empty one. It
# logs through syslog only: it runs in a private mount namespace whose
# /dev (a tmpfs with null, zero, random, urandom) has a log socket served
# by syslog_sink.py into nnrpd.log.
INN_ROOT=${INN_ROOT:-$INTEROP_DIR/pkg/inn}
start_nnrpd() { # name kind port variant
    local name=$1 port=$3 variant=$4 dir="$SRV/$1" bin="$INN_ROOT/usr/lib/news/bin"
    [[ -x $bin/nnrpd ]] || die "no nnrpd in $INN_ROOT -- run install.sh"
    rm -rf "$dir"
    mkdir -p "$dir"/{etc,db,spool,overview,run,log,tmp}
    cp -r "$INN_ROOT/etc/news/." "$dir/etc/"
    cat >"$dir/etc/inn.conf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
domain: interop.test
pathhost: news.interop.test
server: 127.0.0.1
mta: "/bin/true %s"
pathnews: $INN_ROOT/usr/lib/news
pathbin: $bin
pathcontrol: $bin/control
pathfilter: $INN_ROOT/etc/news/filter
pathetc: $dir/etc
pathdb: $dir/db
pathspool: $dir/spool
pathoverview: $dir/overview
pathrun: $dir/run
pathlog: $dir/log
pathtmp: $dir/tmp
pathhttp: $dir/log
pathincoming: $dir/spool/incoming
pathoutgoing: $dir/spool/outgoing
patharticles: $dir/spool/articles
patharchive: $dir/spool/archive
ovmethod: tradindexed
hismethod: hisv6
tlscafile: $CA/root.pem
tlscertfile: $CA/$variant-chain.pem
tlskeyfile: $CA/$variant.key
runasuser: root
runasgroup: root
EOF
    cat >"$dir/etc/readers.conf" <<EOF
auth "local" {
    hosts: "127.0.0.1"
    default: "<local>"
}
access "local" {
    users: "<local>"
    newsgroups: "*"
    access: RPA
}
EOF
    printf 'control 0000000000 0000000001 n\njunk 0000000000 0000000001 n\n' >"$dir/db/active"
    : >"$dir/db/newsgroups"
    : >"$dir/db/history"
    : >"$dir/nnrpd.log"
    (
        export INNCONF="$dir/etc/inn.conf" LD_LIBRARY_PATH="$INN_ROOT/usr/lib/news"
        cd "$dir/db"
        "$bin/makedbz" -i -o >"$dir/setup.log" 2>&1
        "$bin/makehistory" -O -x >>"$dir/setup.log" 2>&1 || true
    )
    setsid python3 "$HERE/syslog_sink.py" "$dir/log.sock" "$dir/nnrpd.log" "$dir/nnrpd.pid" \
        </dev/null >"$dir/sink.out" 2>&1 9>&- &
    for _ in {1..50}; do [[ -S $dir/log.sock ]] && break; sleep 0.1; done
    # shellcheck disable=SC2016 # the inner script expands its own arguments
    INNCONF="$dir/etc/inn.conf" LD_LIBRARY_PATH="$INN_ROOT/usr/lib/news" \
        setsid unshare -m sh -c '
            set -e
            mount -t tmpfs -o mode=0755 tmpfs /dev
            mknod -m 666 /dev/null c 1 3; mknod -m 666 /dev/zero c 1 5
            mknod -m 666 /dev/random c 1 8; mknod -m 666 /dev/urandom c 1 9
            touch /dev/log; mount --bind "$1/log.sock" /dev/log
            exec "$2/nnrpd" -D -f -t -b 127.0.0.1 -p "$3"' nnrpd "$dir" "$bin" "$port" \
        </dev/null >"$dir/stdout.log" 2>&1 9>&- &
    echo $! >"$dir/nnrpd.pid"
}

# --- 389 Directory Server ---------------------------------------------------------

# dscreate looks for every instance under $PREFIX/etc/dirsrv, so the instance
# lives in a private prefix: a copy of the package's defaults.inf with /etc,
# /var and /run moved under $SRV/NAME (and no systemd). dscreate makes the
# NSS database with a self-signed certificate; ours replaces it, with the
# interop root trusted. Access-log buffering is off, so each session is in
# the log at once. Takes about 15 s.
start_ds389() { # name kind port variant
    local name=$1 port=$3 variant=$4 dir="$SRV/$1"
    local cfg="$dir/etc/dirsrv/slapd-interop"
    rm -rf "$dir"
    mkdir -p "$dir/share/dirsrv/inf" "$dir/etc/dirsrv" "$dir/var/log/dirsrv" \
        "$dir/var/lib/dirsrv" "$dir/run/dirsrv" "$dir/run/lock/dirsrv" "$dir/tmp" "$dir/shm"
    cp -r /etc/dirsrv/config /etc/dirsrv/schema "$dir/etc/dirsrv/"
    sed -e "s#= /etc#= $dir/etc#; s#= /var#= $dir/var#; s#= /run#= $dir/run#" \
        -e "s#= /dev/shm#= $dir/shm#; s#^tmp_dir = .*#tmp_dir = $dir/tmp#" \
        -e "s#^inst_dir = .*#inst_dir = $dir/inst/slapd-{instance_name}#" \
        -e "s#^with_systemd = 1#with_systemd = 0#" \
        /usr/share/dirsrv/inf/defaults.inf >"$dir/share/dirsrv/inf/defaults.inf"
    cat >"$dir/instance.inf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
[general]
config_version = 2
full_machine_name = localhost
selinux = False
systemd = False
start = False
strict_host_checking = False
[slapd]
instance_name = interop
port = $port
secure_port = $((port + 10000))
root_password = interop-389-password
self_sign_cert = True
[backend-userroot]
sample_entries = no
suffix = dc=interop,dc=test
EOF
    chown -R dirsrv:dirsrv "$dir"
    PREFIX=$dir dscreate from-file "$dir/instance.inf" >"$dir/dscreate.log" 2>&1 ||
        die "dscreate failed for $name: $(tail -n 5 "$dir/dscreate.log")"
    {
        openssl pkcs12 -export -in "$CA/$variant.pem" -inkey "$CA/$variant.key" \
            -certfile "$CA/intermediate.pem" -name Server-Cert -passout pass:interop \
            -out "$dir/server.p12"
        certutil -D -d "sql:$cfg" -n Server-Cert
        pk12util -i "$dir/server.p12" -d "sql:$cfg" -k "$cfg/pwdfile.txt" -W interop
        certutil -A -d "sql:$cfg" -f "$cfg/pwdfile.txt" -n "Interop Test Root CA" \
            -t "CT,," -a -i "$CA/root.pem"
    } >"$dir/nss.log" 2>&1 ||
        die "importing the certificate into 389-ds failed for $name: $(tail -n 3 "$dir/nss.log")"
    sed -i '0,/^dn: cn=config$/s//dn: cn=config\nnsslapd-accesslog-logbuffering: off\nnsslapd-listenhost: 127.0.0.1\nnsslapd-securelistenhost: 127.0.0.1/' "$cfg/dse.ldif"
    chown -R dirsrv:dirsrv "$dir"
    # ns-slapd detaches itself and writes its pid file.
    /usr/sbin/ns-slapd -D "$cfg" -i "$(pidfile_of "$name" ds389)" \
        </dev/null >"$dir/ns-slapd.out" 2>&1 9>&-
}

# --- PostgreSQL -------------------------------------------------------------------

# A private cluster (initdb + pg_ctl) run as the `postgres` user, which
# PostgreSQL requires (it refuses root). ssl = on with the variant's chain;
# debug2 logging names how each backend ended ("exited with exit code 0",
# "could not accept SSL connection"). pg_ctl's postmaster.pid holds more
# than the pid, so the first line is copied to postgres.pid.
# Kind pg17 is PostgreSQL 17 from $PG17_ROOT (install.sh), one server in
# $SRV/pg17 that accepts both direct TLS and the SSLRequest on its port.
start_postgres() { # name kind port variant
    local name=$1 kind=$2 port=$3 variant=$4 dir="$SRV/$1" bin
    if [[ $kind == pg17 ]]; then
        dir="$SRV/pg17"
        bin="$PG17_ROOT/native/bin"
        [[ -x $bin/initdb ]] || die "no PostgreSQL 17 under $PG17_ROOT -- run install.sh"
    else
        bin=$(find /usr/lib/postgresql -maxdepth 2 -name bin -type d | sort -V | tail -n 1)
        [[ -x $bin/initdb ]] || die "no PostgreSQL server binaries under /usr/lib/postgresql"
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    cp "$CA/$variant-chain.pem" "$dir/server.crt"
    cp "$CA/$variant.key" "$dir/server.key"
    chmod 0600 "$dir/server.key"
    chown -R postgres:postgres "$dir"
    runuser -u postgres -- "$bin/initdb" -D "$dir/data" -A trust >"$dir/initdb.log" 2>&1 ||
        die "initdb failed for $name: $(tail -n 5 "$dir/initdb.log")"
    cat >>"$dir/data/postgresql.conf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
ssl = on
ssl_cert_file = '$dir/server.crt'
ssl_key_file = '$dir/server.key'
log_min_messages = debug2
EOF
    runuser -u postgres -- "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w start \
        </dev/null >"$dir/pg_ctl.log" 2>&1 9>&- ||
        die "pg_ctl start failed for $name: $(tail -n 5 "$dir/postgres.log")"
    head -n 1 "$dir/data/postmaster.pid" >"$dir/postgres.pid"
}

# --- MariaDB ----------------------------------------------------------------------

# mariadb-install-db into a private datadir, then mariadbd --defaults-file
# (as root: --user=root). log_warnings = 4 logs how each unauthenticated
# connection ended ("This connection closed normally without
# authentication", or an error reading/writing communication packets).
start_mariadb() { # name kind port variant
    local name=$1 port=$3 variant=$4 dir="$SRV/$1"
    rm -rf "$dir"
    mkdir -p "$dir"
    cat >"$dir/my.cnf" <<EOF
# private interop instance $name -- generated by tests/interop/servers.sh
[mariadbd]
datadir = $dir/data
socket = $dir/mariadbd.sock
pid-file = $dir/mariadbd.pid
log-error = $dir/error.log
port = $port
bind-address = 127.0.0.1
skip-name-resolve
log-warnings = 4
ssl-cert = $CA/$variant-chain.pem
ssl-key = $CA/$variant.key
EOF
    mariadb-install-db --defaults-file="$dir/my.cnf" --user=root \
        --auth-root-authentication-method=normal >"$dir/install-db.log" 2>&1 ||
        die "mariadb-install-db failed for $name: $(tail -n 5 "$dir/install-db.log")"
    setsid mariadbd --defaults-file="$dir/my.cnf" --user=root \
        </dev/null >"$dir/mariadbd.out" 2>&1 9>&- &
}

# --- commands ---------------------------------------------------------------------

write_env() {
    # shellcheck disable=SC1091
    source "$CA/fingerprints.env"
    local tmp="$ENV_FILE.tmp" names=() line name kind proto port variant id fpvar
    {
        echo "# generated by tests/interop/servers.sh -- sourceable"
        echo "INTEROP_DIR=$INTEROP_DIR"
        echo "CA_ROOT=$CA/root.pem"
        echo "POSTSCREEN_GREET_WAIT=$POSTSCREEN_GREET_WAIT"
        cat "$CA/fingerprints.env"
        for line in "${INSTANCES[@]}"; do
            read -r name kind proto port variant <<<"$line"
            names+=("$name")
            id=${name^^}
            id=${id//-/_}
            fpvar=FP_${variant^^}
            fpvar=${fpvar//-/_}
            echo "${id}_KIND=$kind"
            echo "${id}_PROTO=$proto"
            echo "${id}_PORT=$port"
            echo "${id}_VARIANT=$variant"
            echo "${id}_FP=${!fpvar}"
            echo "${id}_LOG=$(logfile_of "$name" "$kind")"
        done
        echo "SERVERS=\"${names[*]}\""
    } >"$tmp"
    mv "$tmp" "$ENV_FILE"
}

cmd_start() {
    [[ -s $CA/fingerprints.env ]] || die "no PKI in $CA -- run certs.sh first"
    mkdir -p "$SRV"
    chmod 0755 "$INTEROP_DIR" "$SRV"
    local line name kind proto port variant pidfile t pid
    for line in "${INSTANCES[@]}"; do
        read -r name kind proto port variant <<<"$line"
        t=$SECONDS
        pidfile=$(pidfile_of "$name" "$kind")
        if pid=$(running_pid "$pidfile"); then
            listening "$port" || die "$name runs (pid $pid) but does not listen on 127.0.0.1:$port -- run: $0 restart"
            log "$name already running (pid $pid, port $port)"
            continue
        fi
        if listening "$port"; then
            die "port $port (for $name) is already in use by something else"
        fi
        case $kind in
        postfix* | postscreen) start_postfix "$name" "$kind" "$port" "$variant" ;;
        dovecot*) start_dovecot "$name" "$kind" "$port" "$variant" "$proto" ;;
        slapd*) start_slapd "$name" "$kind" "$port" "$variant" ;;
        ds389) start_ds389 "$name" "$kind" "$port" "$variant" ;;
        postgres | pg17) start_postgres "$name" "$kind" "$port" "$variant" ;;
        mariadb) start_mariadb "$name" "$kind" "$port" "$variant" ;;
        vsftpd*) start_vsftpd "$name" "$kind" "$port" "$variant" ;;
        proftpd) start_proftpd "$name" "$kind" "$port" "$variant" ;;
        prosody*) start_prosody "$name" "$kind" "$port" "$variant" ;;
        ejabberd) start_ejabberd "$name" "$kind" "$port" "$variant" ;;
        nnrpd) start_nnrpd "$name" "$kind" "$port" "$variant" ;;
        stunnel) start_stunnel "$name" "$kind" "$port" "$variant" ;;
        esac
        wait_listening "$name" "$port" "$pidfile" "$(logfile_of "$name" "$kind")"
        log "$name ($kind, $variant cert) listening on 127.0.0.1:$port, pid $(running_pid "$pidfile") ($((SECONDS - t))s)"
    done
    write_env
    log "wrote $ENV_FILE"
}

cmd_stop() {
    # SIGTERM every instance first, then wait for all of them together
    # (Dovecot/slapd/Postfix each need 1-3s to shut down).
    local line name kind proto port variant pid i
    local -a names=() pids=()
    for line in "${INSTANCES[@]}"; do
        read -r name kind proto port variant <<<"$line"
        if pid=$(running_pid "$(pidfile_of "$name" "$kind")"); then
            kill -TERM "$pid" 2>/dev/null || true
            names+=("$name")
            pids+=("$pid")
        else
            log "$name not running"
        fi
    done
    for ((i = 0; i < ${#pids[@]}; i++)); do
        local n
        for ((n = 0; n < 100; n++)); do
            kill -0 "${pids[i]}" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "${pids[i]}" 2>/dev/null; then
            log "${names[i]} (pid ${pids[i]}) ignored SIGTERM, sending SIGKILL"
            kill -KILL "${pids[i]}" 2>/dev/null || true
        else
            log "${names[i]} stopped (pid ${pids[i]})"
        fi
    done
}

cmd_status() {
    local line name kind proto port variant pid rc=0 state
    for line in "${INSTANCES[@]}"; do
        read -r name kind proto port variant <<<"$line"
        if pid=$(running_pid "$(pidfile_of "$name" "$kind")"); then
            state="running pid $pid"
            listening "$port" || {
                state="$state, NOT listening"
                rc=1
            }
        else
            state="stopped"
            rc=1
        fi
        printf '%-16s %-10s %-4s 127.0.0.1:%-5s %-10s %s\n' "$name" "$kind" "$proto" "$port" "$variant" "$state"
    done
    return "$rc"
}

# The pid-file check against its cases: the daemon we saw start is running;
# the file's pid now belongs to another process (same pid, another start
# time); a pid file we never saw a daemon write.
cmd_self_test() {
    local dir pidfile pid rc=0
    dir=$(mktemp -d)
    pidfile=$dir/daemon.pid
    self_test_case() { # accepted|rejected what
        local got=rejected
        pid=$(running_pid "$pidfile") && [[ $pid == "$$" ]] && got=accepted
        if [[ $got == "$1" ]]; then
            log "self-test: $2 is $1"
        else
            log "self-test FAILED: $2 is $got, not $1" >&2
            rc=1
        fi
    }
    echo "$$" >"$pidfile"
    self_test_case rejected "a pid file no daemon of ours was seen to write"
    remember_daemon "$pidfile"
    self_test_case accepted "the pid file of a daemon seen to start"
    echo "$$ $(($(start_ticks $$) + 1))" >"$pidfile.started"
    self_test_case rejected "a pid file whose pid now names a later process"
    rm -rf "$dir"
    return "$rc"
}

t0=$SECONDS
# One servers.sh at a time per INTEROP_DIR (other scripts may share the servers).
# The daemons are started with fd 9 closed so they do not inherit the lock.
mkdir -p "$INTEROP_DIR"
exec 9>"$INTEROP_DIR/.servers.lock"
if ! flock -w 120 9; then
    die "another servers.sh holds $INTEROP_DIR/.servers.lock"
fi
case ${1:-} in
start) cmd_start ;;
stop) cmd_stop ;;
restart)
    cmd_stop
    cmd_start
    ;;
status) cmd_status ;;
self-test) cmd_self_test ;;
*)
    echo "usage: $0 start|stop|restart|status|self-test" >&2
    exit 2
    ;;
esac
log "$1 done ($((SECONDS - t0))s)"
