#!/bin/sh
# Regenerates the OpenSSL-made test fixtures of the analysis module.
# Run once by hand (OpenSSL 3); the outputs are checked in so tests never call openssl.
# rcgen with ring cannot make RSA keys, and ring cannot sign with RSA below 2048 bits,
# P-521, Ed448, MD5 or SHA-1, so those certificates come from here.
# Every certificate is valid from 2025-01-01T00:00:00Z to 2035-01-01T00:00:00Z.
set -eu
cd "$(dirname "$0")"
for bits in 1024 2047 2048 4096; do
  [ -f "rsa$bits.pk8.pem" ] || openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$bits" -out "rsa$bits.pk8.pem"
done
[ -f p521.pk8.pem ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out p521.pk8.pem
[ -f ed448.pk8.pem ] || openssl genpkey -algorithm ED448 -out ed448.pk8.pem

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
policy = anything
unique_subject = no
copy_extensions = none
[anything]
commonName = optional
[leaf]
basicConstraints = critical, CA:FALSE
subjectAltName = DNS:mail.example.com
extendedKeyUsage = serverAuth
[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
CNF

# sign NAME SUBJECT KEY ISSUER_KEY ISSUER_CERT(or -selfsign) DIGEST EXTENSIONS
sign() {
  : > "$work/index.txt"
  echo 01 > "$work/serial"
  openssl req -new -key "$3" -subj "$2" -out "$work/$1.csr" -multivalue-rdn 2>/dev/null
  if [ "$5" = "-selfsign" ]; then
    issuer="-selfsign -keyfile $3"
  else
    issuer="-keyfile $4 -cert $5"
  fi
  # shellcheck disable=SC2086
  openssl ca -batch -config "$work/ca.cnf" -notext -md "$6" -extensions "$7" \
    -startdate 20250101000000Z -enddate 20350101000000Z $issuer \
    -in "$work/$1.csr" -out "$1.pem" -preserveDN 2>"$work/err" || { cat "$work/err"; exit 1; }
}

sign rsa1024-self "/CN=mail.example.com" rsa1024.pk8.pem - -selfsign sha256 leaf
sign rsa2047-self "/CN=mail.example.com" rsa2047.pk8.pem - -selfsign sha256 leaf
sign p521-self "/CN=mail.example.com" p521.pk8.pem - -selfsign sha512 leaf
sign ed448-self "/CN=mail.example.com" ed448.pk8.pem - -selfsign null leaf
sign sha1-root "/CN=SHA-1 Test Root" rsa4096.pk8.pem - -selfsign sha1 root
sign sha1-leaf "/CN=mail.example.com" rsa2048.pk8.pem rsa4096.pk8.pem sha1-root.pem sha1 leaf
sign md5-leaf "/CN=mail.example.com" rsa2048.pk8.pem rsa4096.pk8.pem sha1-root.pem md5 leaf
# A negative serial (RFC 5280 forbids them, some CAs made them anyway):
# `openssl x509 -noout -serial` shows serial=-FF. OpenSSL 3.0's req has no
# fixed start date, so this one is valid for ten years from its making.
openssl req -x509 -new -key rsa2048.pk8.pem -subj "/CN=mail.example.com" -set_serial -255 \
  -days 3650 -out negative-serial.pem
