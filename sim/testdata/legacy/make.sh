#!/bin/sh
# Regenerates the RSA-PSS and Ed448 test PKIs the simulator serves (rcgen and
# ring cannot make these keys). Run from this directory; needs OpenSSL 3.
set -eu
name=mail.sim.test
for kind in rsa-pss ed448; do
  case $kind in
    rsa-pss) keyopt="-newkey rsa-pss -pkeyopt rsa_keygen_bits:2048" ;;
    ed448) keyopt="-newkey ed448" ;;
  esac
  openssl req -x509 $keyopt -nodes -keyout $kind-root.key -out $kind-root.pem \
    -days 3650 -subj "/CN=Sim $kind Root" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req $keyopt -nodes -keyout $kind-leaf.key -out $kind-leaf.csr -subj "/CN=$name"
  printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' $name > ext.cnf
  openssl x509 -req -in $kind-leaf.csr -CA $kind-root.pem -CAkey $kind-root.key \
    -CAcreateserial -days 3000 -extfile ext.cnf -out $kind-leaf.pem
  rm -f $kind-leaf.csr ext.cnf $kind-root.srl $kind-root.key
done
# ring signs RSA-PSS with the same key in PKCS#1 form; the simulator fakes
# Ed448 signatures, so no Ed448 key is kept.
openssl rsa -in rsa-pss-leaf.key -traditional -outform DER -out rsa-pss-leaf.pkcs1.der
rm -f rsa-pss-leaf.key ed448-leaf.key
