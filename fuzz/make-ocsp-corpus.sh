#!/bin/sh
# Regenerates the seed corpus of the ocsp_req target in
# fuzz/corpus/ocsp_req/ with the openssl CLI: real requests as
# `openssl ocsp -reqout` writes them (SHA-1 and SHA-256 CertIDs, nonce,
# several CertIDs, small serials the fuzzer maps onto its own
# certificates), truncations, trailing bytes, and the base64 text of GET
# requests, good and broken. The CA is throwaway; no key is kept.
# The output is committed; inputs the fuzzer found (crash-*, found-*) are
# added by hand and kept.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
o=corpus/ocsp_req
mkdir -p "$o"
find "$o" -type f ! -name 'crash-*' ! -name 'found-*' -delete

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -nodes -keyout "$tmp/ca.key" -subj '/C=DE/O=Example/CN=Example CA' \
    -days 1 -out "$tmp/ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/leaf.key" -subj /CN=alice@example.com \
    -out "$tmp/leaf.csr" 2>/dev/null
openssl x509 -req -in "$tmp/leaf.csr" -CA "$tmp/ca.pem" \
    -CAkey "$tmp/ca.key" -set_serial 0x5eed0123456789abcdef -days 1 \
    -out "$tmp/leaf.pem" 2>/dev/null

ocsp() {
	out=$1
	shift
	openssl ocsp -issuer "$tmp/ca.pem" -reqout "$out" "$@" >/dev/null
}

ocsp "$o/cert.der" -cert "$tmp/leaf.pem" -no_nonce
ocsp "$o/cert-nonce.der" -cert "$tmp/leaf.pem"
ocsp "$o/cert-sha256.der" -sha256 -cert "$tmp/leaf.pem" -no_nonce
ocsp "$o/cert-sha384.der" -sha384 -cert "$tmp/leaf.pem" -no_nonce
ocsp "$o/serial-1.der" -serial 1 -no_nonce
ocsp "$o/serial-2-sha256.der" -sha256 -serial 2 -no_nonce
ocsp "$o/serials-1-2-3.der" -serial 1 -serial 2 -serial 3 -nonce
ocsp "$o/serial-big.der" -serial 0x0123456789abcdef0123456789abcdef01234567 \
    -no_nonce
ocsp "$o/serial-zero.der" -serial 0 -no_nonce
ocsp "$o/serial-neg.der" -serial -5 -no_nonce

head -c 20 "$o/cert.der" >"$o/truncated.der"
{ cat "$o/cert.der"; printf '\0'; } >"$o/trailing.der"
printf '\060\000' >"$o/empty-seq.der"
printf '\060\002\060\000' >"$o/empty-request.der"

# GET forms (RFC 6960 A.1), already URL-decoded as the server hands them
base64 -w0 "$o/serial-1.der" >"$o/get-serial-1.txt"
base64 -w0 "$o/cert-nonce.der" >"$o/get-nonce.txt"
base64 -w0 "$o/serial-2-sha256.der" | tr -d '=' >"$o/get-unpadded.txt"
base64 -w0 "$o/cert.der" | tr '+/' '-_' >"$o/get-base64url.txt"
printf 'QR==' >"$o/get-stray-bits.txt"
printf 'QUJDR' >"$o/get-bad-length.txt"
printf '' >"$o/empty"
