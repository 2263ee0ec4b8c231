#!/usr/bin/env bash
# A real Prometheus scrapes `starttls-cert serve` for a handful of loopback
# targets (the benchmark's SMTP and LDAP servers, and a closed port) and for
# real servers of tests/interop (Postfix, Dovecot LMTP, slapd, PostgreSQL,
# Prosody, trusted through the interop CA), and the series are checked
# through Prometheus' HTTP API: probe_success, trust and the leaf's expiry
# equal to its notAfter as openssl reads it. Also runs
# `promtool check metrics` on /probe, /metrics and the --output file, and
# `promtool check rules` on docs/prometheus/alerts.yml. Never skips: a
# missing promtool or prometheus fails the script.
#
#   bash tests/prometheus/check.sh BIN BENCH
#
# BIN is starttls-cert, BENCH starttls-bench. Honours INTEROP_DIR (work
# directory; this script uses $INTEROP_DIR/prometheus) and
# INTEROP_PORT_OFFSET (exporter on 19219+offset, Prometheus on 19090+offset;
# the interop servers on their own ports plus the offset). The interop
# servers already running in INTEROP_DIR are used as they are; otherwise
# this script makes the PKI, starts them and stops them again.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=$(realpath "${1:?usage: check.sh BIN BENCH}")
BENCH=$(realpath "${2:?usage: check.sh BIN BENCH}")
OFFSET=${INTEROP_PORT_OFFSET:-0}
DIR=${INTEROP_DIR:-/tmp/starttls-interop}/prometheus
EXPORTER=127.0.0.1:$((19219 + OFFSET))
PROM=127.0.0.1:$((19090 + OFFSET))
log() { printf '[prometheus] %s\n' "$*"; }

if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
    bash tests/interop/install.sh
fi
for tool in promtool prometheus python3; do
    command -v "$tool" >/dev/null || { log "missing $tool (tests/interop/install.sh installs it)" >&2; exit 1; }
done

rm -rf "$DIR"
mkdir -p "$DIR"
pids=()
REAL="smtp-good lmtp-good ldap-good pg-good xmpp-good"
started_real=0
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [[ $started_real == 1 ]]; then
        ONLY="$REAL" bash tests/interop/servers.sh stop >/dev/null 2>&1 || true
    fi
}
trap cleanup EXIT

# The real servers: this stage's own set (the interop stage stopped its
# servers when it ended), unless they already run here.
export INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop} INTEROP_PORT_OFFSET=$OFFSET
if ! ONLY="$REAL" bash tests/interop/servers.sh status >/dev/null 2>&1; then
    bash tests/interop/certs.sh >"$DIR/certs.log" 2>&1 || { cat "$DIR/certs.log" >&2; exit 1; }
    started_real=1
    ONLY="$REAL" bash tests/interop/servers.sh start >"$DIR/servers.log" 2>&1 ||
        { cat "$DIR/servers.log" >&2; exit 1; }
fi
# shellcheck disable=SC1091
source "$INTEROP_DIR/servers.env"
CA_DIR=$INTEROP_DIR/ca
# notAfter as openssl reads it, Unix seconds: the leaf, and the earliest
# of what the servers send (leaf and intermediate).
not_after() { date -u -d "$(openssl x509 -enddate -noout -in "$1" | cut -d= -f2)" +%s; }
LEAF_NOT_AFTER=$(not_after "$CA_DIR/good.pem")
INTER_NOT_AFTER=$(not_after "$CA_DIR/intermediate.pem")
EARLIEST=$((LEAF_NOT_AFTER < INTER_NOT_AFTER ? LEAF_NOT_AFTER : INTER_NOT_AFTER))
REAL_TARGETS="smtp_interop=127.0.0.1:$SMTP_GOOD_PORT lmtp_interop=127.0.0.1:$LMTP_GOOD_PORT \
ldap_interop=127.0.0.1:$LDAP_GOOD_PORT postgres_interop=127.0.0.1:$PG_GOOD_PORT xmpp_interop=127.0.0.1:$XMPP_GOOD_PORT"
log "real servers: $REAL_TARGETS; leaf notAfter $LEAF_NOT_AFTER, earliest $EARLIEST"

# The benchmark's loopback servers (self-signed bench.starttls.test); they
# run while their stdin is open.
mkfifo "$DIR/bench.in"
"$BENCH" serve <"$DIR/bench.in" >"$DIR/bench.out" &
pids+=($!)
exec 3>"$DIR/bench.in"
for _ in $(seq 100); do grep -q READY "$DIR/bench.out" 2>/dev/null && break; sleep 0.1; done
read -r SMTP LDAP < <(sed -n 's/^READY smtp=\([0-9]*\) ldap=\([0-9]*\).*/\1 \2/p' "$DIR/bench.out")
[[ -n ${SMTP:-} && -n ${LDAP:-} ]] || { log "bench server did not start" >&2; exit 1; }
CLOSED=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
log "targets: smtp 127.0.0.1:$SMTP, ldap 127.0.0.1:$LDAP, closed 127.0.0.1:$CLOSED"

cat >"$DIR/modules.conf" <<MODULES
# name: protocol and options, as on the command line
smtp: smtp --sni-domain bench.starttls.test --name-validation cn-san --timeout 5
ldap: ldap --sni-domain bench.starttls.test --timeout 5
MODULES
for m in smtp lmtp ldap postgres xmpp; do
    echo "${m}_interop: $m --sni-domain mail.interop.test --name-validation cn-san --ca-trust $CA_DIR/root.pem --no-system-ca-trust --timeout 10" >>"$DIR/modules.conf"
done
printf '127.0.0.1:%s\n127.0.0.1:%s\n127.0.0.1:%s\n' "$SMTP" "$LDAP" "$CLOSED" >"$DIR/allow.txt"
for t in $REAL_TARGETS; do echo "${t#*=}" >>"$DIR/allow.txt"; done

"$BIN" serve --listen "$EXPORTER" --config "$DIR/modules.conf" \
    --allow-targets "$DIR/allow.txt" 2>"$DIR/exporter.log" &
pids+=($!)
for _ in $(seq 100); do grep -q listening "$DIR/exporter.log" && break; sleep 0.1; done

get() { python3 -c 'import sys,urllib.request; sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode())' "$1"; }

# promtool on what the exporter and --output write.
get "http://$EXPORTER/probe?target=127.0.0.1:$SMTP&module=smtp" >"$DIR/probe.txt"
promtool check metrics <"$DIR/probe.txt"
get "http://$EXPORTER/metrics" >"$DIR/metrics.txt"
promtool check metrics <"$DIR/metrics.txt"
"$BIN" 127.0.0.1 "$LDAP" ldap --sni-domain bench.starttls.test --format prometheus \
    --output "$DIR/textfile.prom" || true
promtool check metrics <"$DIR/textfile.prom"
promtool check rules docs/prometheus/alerts.yml
log "promtool: /probe, /metrics, --output and the alert rules pass"

# serve --targets --interval: the list's last complete run on /metrics.
LISTED=127.0.0.1:$((19220 + OFFSET))
printf '127.0.0.1 %s smtp --sni-domain bench.starttls.test --timeout 5\n127.0.0.1 %s ldap --sni-domain bench.starttls.test --timeout 5\n' \
    "$SMTP" "$LDAP" >"$DIR/targets.txt"
"$BIN" serve --listen "$LISTED" --targets "$DIR/targets.txt" --interval 1h 2>"$DIR/list.log" &
pids+=($!)
for _ in $(seq 200); do
    get "http://$LISTED/metrics" >"$DIR/list-metrics.txt" 2>/dev/null &&
        grep -q '^starttls_cert_last_run_timestamp_seconds ' "$DIR/list-metrics.txt" && break
    sleep 0.1
done
for target in "$SMTP\",protocol=\"smtp" "$LDAP\",protocol=\"ldap"; do
    grep -qF "probe_success{target=\"127.0.0.1:$target\"} 1" "$DIR/list-metrics.txt" ||
        { log "serve --targets: no probe_success 1 for 127.0.0.1:$target" >&2; cat "$DIR/list-metrics.txt" >&2; exit 1; }
done
promtool check metrics <"$DIR/list-metrics.txt"
log "serve --targets --interval: both targets on /metrics, promtool passes"

# Prometheus scrapes every second, with blackbox-style relabelling.
cat >"$DIR/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: starttls-cert
    metrics_path: /probe
    static_configs:
      - targets: ["127.0.0.1:$SMTP", "127.0.0.1:$CLOSED"]
        labels: {module: smtp}
      - targets: ["127.0.0.1:$LDAP"]
        labels: {module: ldap}
    # blackbox-style: the address becomes ?target=, the module label ?module=
    relabel_configs: &probe_relabelling
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [module]
        target_label: __param_module
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: $EXPORTER
  - job_name: starttls-cert-interop
    metrics_path: /probe
    scrape_interval: 2s
    scrape_timeout: 2s
    static_configs:
$(for t in $REAL_TARGETS; do printf '      - targets: ["%s"]\n        labels: {module: %s}\n' "${t#*=}" "${t%%=*}"; done)
    relabel_configs: *probe_relabelling
  - job_name: starttls-cert-exporter
    static_configs:
      - targets: ["$EXPORTER"]
rule_files: ["$PWD/docs/prometheus/alerts.yml"]
YAML
promtool check config "$DIR/prometheus.yml"
prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --web.listen-address="$PROM" >"$DIR/prometheus.log" 2>&1 &
pids+=($!)

# $REAL_TARGETS is a list of words on purpose.
# shellcheck disable=SC2086
python3 - "$PROM" "$SMTP" "$LDAP" "$CLOSED" "$LEAF_NOT_AFTER" "$EARLIEST" $REAL_TARGETS <<'PY'
import json, sys, time, urllib.parse, urllib.request
prom, smtp, ldap, closed, leaf_not_after, earliest = sys.argv[1:7]
real = [t.split("=", 1)[1] for t in sys.argv[7:]]

def query(q):
    url = f"http://{prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    return {s["metric"].get("instance", ""): float(s["value"][1]) for s in body["data"]["result"]}

expected = {
    "probe_success": {f"127.0.0.1:{smtp}": 1, f"127.0.0.1:{ldap}": 1, f"127.0.0.1:{closed}": 0},
    "starttls_cert_self_signed": {f"127.0.0.1:{smtp}": 1, f"127.0.0.1:{ldap}": 1},
    "starttls_cert_trusted": {f"127.0.0.1:{smtp}": 0, f"127.0.0.1:{ldap}": 0},
    "starttls_cert_name_match": {f"127.0.0.1:{smtp}": 1, f"127.0.0.1:{ldap}": 1},
    # Self-signed and so untrusted: a warning (1); the closed port: 3.
    "starttls_cert_status": {f"127.0.0.1:{smtp}": 1, f"127.0.0.1:{ldap}": 1, f"127.0.0.1:{closed}": 3},
    'starttls_cert_error_info{kind="connect"}': {f"127.0.0.1:{closed}": 1},
    # The real servers, trusted through the interop CA, the leaf's and the
    # chain's expiry as openssl reads the certificates.
    'probe_success{job="starttls-cert-interop"}': {t: 1 for t in real},
    'starttls_cert_trusted{job="starttls-cert-interop"}': {t: 1 for t in real},
    'starttls_cert_name_match{job="starttls-cert-interop"}': {t: 1 for t in real},
    'starttls_cert_status{job="starttls-cert-interop"}': {t: 0 for t in real},
    'starttls_cert_not_after_timestamp_seconds{job="starttls-cert-interop"}': {t: float(leaf_not_after) for t in real},
    'probe_ssl_earliest_cert_expiry{job="starttls-cert-interop"}': {t: float(earliest) for t in real},
}
deadline = time.time() + 60
while True:
    missing = []
    for q, want in expected.items():
        try:
            got = query(q + ('' if '{' in q else '{job="starttls-cert"}'))
        except OSError as e:
            got = {}
        if got != want:
            missing.append(f"{q}: got {got}, want {want}")
    # Present even though the chains are untrusted: the expiry in the future.
    try:
        expiry = query('probe_ssl_earliest_cert_expiry{job="starttls-cert"} - time()')
        if sorted(expiry) != sorted([f"127.0.0.1:{smtp}", f"127.0.0.1:{ldap}"]) or min(expiry.values()) <= 0:
            missing.append(f"probe_ssl_earliest_cert_expiry: {expiry}")
        probes = query('starttls_cert_exporter_probes_total{result="success"}')
        if not probes or min(probes.values()) < 2:
            missing.append(f"exporter probes_total: {probes}")
    except OSError as e:
        missing.append(str(e))
    if not missing:
        print("[prometheus] every series arrived with the expected values")
        break
    if time.time() > deadline:
        print("[prometheus] FAILED after 60 s:\n  " + "\n  ".join(missing), file=sys.stderr)
        sys.exit(1)
    time.sleep(1)
PY
exec 3>&-
