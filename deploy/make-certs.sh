#!/usr/bin/env bash
# Makes a test certificate authority and certificates with openssl:
#   deploy/make-certs.sh DIR [NAME ...]
# DIR/ca.pem, DIR/ca.key, and for each NAME (default: gateway registry events
# documents client) DIR/NAME.pem + DIR/NAME.key, valid for localhost,
# 127.0.0.1 and ::1, usable as server and client certificates (mTLS).
# For development and tests only: production certificates come from your CA.
set -euo pipefail
dir="${1:?usage: make-certs.sh DIR [NAME ...]}"
shift
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(gateway registry events documents client)
mkdir -p "$dir"
cd "$dir"
if [ ! -s ca.pem ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=RCP Exchange test CA" -keyout ca.key -out ca.pem 2>/dev/null
fi
for name in "${names[@]}"; do
  [ -s "$name.pem" ] && continue
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$name" -keyout "$name.key" -out "$name.csr" 2>/dev/null
  cat > "$name.ext" <<EXT
subjectAltName=DNS:localhost,DNS:$name,IP:127.0.0.1,IP:::1
extendedKeyUsage=serverAuth,clientAuth
EXT
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
    -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
done
chmod 600 ./*.key
