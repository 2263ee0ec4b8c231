#!/usr/bin/env bash
# Generate the test PKI for the interop harness under $INTEROP_DIR/ca:
#   root.pem / root.key           test root CA (RSA 2048, 10 years)
#   intermediate.pem / .key       intermediate CA signed by root (pathlen 0)
#   good.pem good.key             leaf mail.interop.test (RSA 2048) <- intermediate
#   good-ec.pem good-ec.key       leaf mail.interop.test (ECDSA P-256) <- intermediate
#   selfsigned.pem selfsigned.key self-signed leaf mail.interop.test (RSA 2048)
#   expired.pem expired.key       leaf mail.interop.test (RSA 2048) <- intermediate,
#                                 valid 2020-01-01 .. 2021-01-01 (backdated via `openssl ca`)
#   short-intermediate.pem / .key intermediate CA signed by root that expires 9 days after
#                                 the PKI is made (a broken chain the leaf channels miss)
#   inter-expiring.pem / .key     leaf mail.interop.test (RSA 2048, 397 days) <- short-intermediate
#   VARIANT-chain.pem             what the server sends: leaf (+ intermediate)
#   fingerprints.env              FP_<VARIANT>=<SHA-1 upper hex, no colons>
# Leaf SANs: DNS:mail.interop.test, DNS:localhost, IP:127.0.0.1.
# Idempotent: existing material is reused; FORCE=1 regenerates everything.
set -euo pipefail

INTEROP_DIR=${INTEROP_DIR:-/tmp/starttls-interop}
CA="$INTEROP_DIR/ca"
t0=$SECONDS
log() { printf '[certs] %s\n' "$*"; }

if [[ ${FORCE:-0} == 1 ]]; then
    rm -rf "$CA"
fi
if [[ -s $CA/fingerprints.env && -s $CA/expired-chain.pem && -s $CA/inter-expiring-chain.pem && -s $CA/rsapss-chain.pem ]] &&
    openssl x509 -in "$CA/good.pem" -noout -checkend $((30 * 86400)) >/dev/null 2>&1 &&
    openssl x509 -in "$CA/short-intermediate.pem" -noout -checkend $((8 * 86400)) >/dev/null 2>&1; then
    # (The 9-day intermediate must still be 8 days from its end, as when made:
    # a PKI more than a day old is made anew, or inter-expiring would drift.)
    log "reusing existing PKI in $CA (FORCE=1 to regenerate) ($((SECONDS - t0))s)"
    exit 0
fi
rm -rf "$CA"
mkdir -p "$CA/db"
umask 077
cd "$CA"
: >db/index.txt
echo 1000 >db/serial

cat >openssl.cnf <<CNF
[ ca ]
default_ca = interop_ca

[ interop_ca ]
dir              = $CA
database         = \$dir/db/index.txt
serial           = \$dir/db/serial
new_certs_dir    = \$dir/db
default_md      = sha256
policy           = policy_any
unique_subject   = no
copy_extensions  = none
email_in_dn      = no
default_days     = 365

[ policy_any ]
organizationName       = optional
commonName             = supplied
organizationalUnitName = optional
countryName            = optional

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ v3_intermediate ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_leaf ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:mail.interop.test, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_selfsigned ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:mail.interop.test, DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash
CNF
export OPENSSL_CONF="$CA/openssl.cnf"

rsa_key() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1" 2>/dev/null; }
ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
subj() { printf '/O=starttls-cert interop/CN=%s' "$1"; }

# Root CA (self-signed).
rsa_key root.key
openssl req -new -x509 -key root.key -subj "$(subj 'Interop Test Root CA')" \
    -days 3650 -sha256 -extensions v3_root -out root.pem

# Intermediate CA.
rsa_key intermediate.key
openssl req -new -key intermediate.key -subj "$(subj 'Interop Test Intermediate CA')" -out intermediate.csr
openssl ca -batch -notext -cert root.pem -keyfile root.key -days 1825 \
    -extensions v3_intermediate -in intermediate.csr -out intermediate.pem 2>/dev/null

leaf_csr() { openssl req -new -key "$1.key" -subj "$(subj mail.interop.test)" -out "$1.csr"; }
sign_leaf() { # name [extra openssl ca args...]
    local name=$1
    shift
    openssl ca -batch -notext -cert intermediate.pem -keyfile intermediate.key \
        -extensions v3_leaf -in "$name.csr" -out "$name.pem" "$@" 2>/dev/null
}

# Good leaf, RSA 2048.
rsa_key good.key
leaf_csr good
sign_leaf good -days 397

# Good leaf, ECDSA P-256.
ec_key good-ec.key
leaf_csr good-ec
sign_leaf good-ec -days 397

# Good leaf with an RSA-PSS key (id-RSASSA-PSS), signed by the RSA
# intermediate: trusted, but only rsa_pss_pss_* signatures can use its key.
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsapss.key 2>/dev/null
leaf_csr rsapss
sign_leaf rsapss -days 397

# Expired leaf: backdated validity window via openssl ca -startdate/-enddate.
rsa_key expired.key
leaf_csr expired
sign_leaf expired -startdate 20200101000000Z -enddate 20210101000000Z

# A leaf under an intermediate that expires in 9 days: the leaf's own
# channels look fine, only the chain's expiry shows the problem.
rsa_key short-intermediate.key
openssl req -new -key short-intermediate.key -subj "$(subj 'Interop Test Expiring Intermediate CA')" \
    -out short-intermediate.csr
openssl ca -batch -notext -cert root.pem -keyfile root.key -days 9 \
    -extensions v3_intermediate -in short-intermediate.csr -out short-intermediate.pem 2>/dev/null
rsa_key inter-expiring.key
leaf_csr inter-expiring
openssl ca -batch -notext -cert short-intermediate.pem -keyfile short-intermediate.key \
    -extensions v3_leaf -in inter-expiring.csr -out inter-expiring.pem -days 397 2>/dev/null

# Self-signed leaf.
rsa_key selfsigned.key
openssl req -new -x509 -key selfsigned.key -subj "$(subj mail.interop.test)" \
    -days 397 -sha256 -extensions v3_selfsigned -out selfsigned.pem

# Chains as sent by the servers.
for v in good good-ec rsapss expired; do
    cat "$v.pem" intermediate.pem >"$v-chain.pem"
done
cat inter-expiring.pem short-intermediate.pem >inter-expiring-chain.pem
cp selfsigned.pem selfsigned-chain.pem
rm -f ./*.csr

# Sanity checks.
for v in good good-ec rsapss; do
    openssl verify -CAfile root.pem -untrusted intermediate.pem "$v.pem" >/dev/null
done
if openssl verify -CAfile root.pem -untrusted intermediate.pem expired.pem >/dev/null 2>&1; then
    log "expired.pem unexpectedly verifies" >&2
    exit 1
fi

fp() { openssl x509 -in "$1" -noout -fingerprint -sha1 | sed 's/^.*=//; s/://g' | tr 'a-f' 'A-F'; }
{
    echo "# SHA-1 fingerprints (upper-case hex, no colons) of the leaf certificates"
    echo "FP_GOOD=$(fp good.pem)"
    echo "FP_GOOD_EC=$(fp good-ec.pem)"
    echo "FP_RSAPSS=$(fp rsapss.pem)"
    echo "FP_SELFSIGNED=$(fp selfsigned.pem)"
    echo "FP_EXPIRED=$(fp expired.pem)"
    echo "FP_INTER_EXPIRING=$(fp inter-expiring.pem)"
} >fingerprints.env.tmp
mv fingerprints.env.tmp fingerprints.env
chmod 0644 ./*.pem fingerprints.env
chmod 0755 "$CA"
cat fingerprints.env
for v in good good-ec selfsigned expired inter-expiring; do
    log "$v: $(openssl x509 -in "$v.pem" -noout -enddate) $(openssl x509 -in "$v.pem" -noout -issuer)"
done
log "done ($((SECONDS - t0))s)"
