#!/bin/sh
# Regenerates the seed corpora of the sst and bundle fuzz targets
# (fuzz/corpus/sst/, fuzz/corpus/bundle/) with the openssl CLI and printf;
# make-corpus.sh runs it too. The output is committed; rerun only to change
# the seeds. Stores are laid out per ../shared/spec/sst-format.md: all
# integers little-endian uint32, elements of id, encoding type 1, length
# and value, a 12-byte zero end marker. Keys are throwaway and never
# written to the corpus.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sst=corpus/sst
bun=corpus/bundle
# Inputs the fuzzers found (crash-*, found-*) are added by hand and kept.
mkdir -p "$sst" "$bun"
find "$sst" "$bun" -type f ! -name 'crash-*' ! -name 'found-*' -delete

# le32 N: N as four bytes, least significant first
le32() {
	# shellcheck disable=SC2059 # the format is the octal escapes
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($1 & 255)) \
	    $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"
}
header() {
	printf '\0\0\0\0CERT'
}
# elem ID FILE: an element with encoding type 1 holding FILE
elem() {
	le32 "$1"
	le32 1
	le32 "$(wc -c <"$2")"
	cat "$2"
}
end() {
	le32 0
	le32 0
	le32 0
}

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/root.key" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/ica.key" 2>/dev/null
openssl req -x509 -new -key "$tmp/root.key" -subj "/O=Example/CN=Root" \
    -days 1 -addext basicConstraints=critical,CA:TRUE -out "$tmp/root.pem"
openssl req -new -key "$tmp/ica.key" -subj "/O=Example/CN=Issuing" \
    -out "$tmp/ica.csr"
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\n' >"$tmp/ext"
openssl x509 -req -in "$tmp/ica.csr" -CA "$tmp/root.pem" \
    -CAkey "$tmp/root.key" -set_serial 2 -days 1 -extfile "$tmp/ext" \
    -out "$tmp/ica.pem" 2>/dev/null
openssl x509 -in "$tmp/root.pem" -outform DER -out "$tmp/root.der"
openssl x509 -in "$tmp/ica.pem" -outform DER -out "$tmp/ica.der"
: >"$tmp/index.txt"
cat >"$tmp/ca.cnf" <<CNF
[ca]
default_ca = d
[d]
database = $tmp/index.txt
default_md = sha256
default_crl_days = 1
CNF
openssl ca -config "$tmp/ca.cnf" -gencrl -keyfile "$tmp/root.key" \
    -cert "$tmp/root.pem" -out "$tmp/crl.pem" 2>/dev/null
openssl crl -in "$tmp/crl.pem" -outform DER -out "$tmp/crl.der"

# The properties Windows writes before a certificate: friendly name
# (UTF-16LE), enhanced key usage, key identifier, SHA-1 hash last.
printf 'R\0o\0o\0t\0\0\0' >"$tmp/p11"
printf '\060\012\006\010\053\006\001\005\005\007\003\004' >"$tmp/p9"
props() {
	openssl dgst -sha1 -binary "$1" >"$tmp/p3"
	elem 11 "$tmp/p11"
	elem 9 "$tmp/p9"
	elem 20 "$tmp/p3"
	elem 3 "$tmp/p3"
}

# serialized stores: good ones, then one per refusal
{ header; elem 32 "$tmp/ica.der"; elem 32 "$tmp/root.der"; end; } \
    >"$sst/minimal.sst"
{ header; props "$tmp/ica.der"; elem 32 "$tmp/ica.der";
  props "$tmp/root.der"; elem 32 "$tmp/root.der"; end; } \
    >"$sst/properties.sst"
{ header; elem 32 "$tmp/root.der"; elem 33 "$tmp/crl.der";
  elem 34 "$tmp/p9"; end; } >"$sst/crl-ctl.sst"
{ header; elem 32 "$tmp/root.der"; end; } >"$tmp/one.sst"
head -c 100 "$tmp/one.sst" >"$sst/truncated.sst"
head -c 14 "$tmp/one.sst" >"$sst/truncated-header.sst"
{ header; le32 32; le32 2; le32 "$(wc -c <"$tmp/root.der")";
  cat "$tmp/root.der"; end; } >"$sst/bad-encoding.sst"
{ header; le32 32; le32 1; le32 4294967295; cat "$tmp/root.der"; end; } \
    >"$sst/length-past-end.sst"
{ cat "$tmp/one.sst"; printf 'trailing'; } >"$sst/trailing.sst"
{ header; elem 32 "$tmp/root.der"; } >"$sst/no-end.sst"
{ header; elem 32 "$tmp/root.der"; props "$tmp/ica.der"; end; } \
    >"$sst/props-no-cert.sst"
{ header; elem 32 "$tmp/p9"; end; } >"$sst/not-a-cert.sst"
{ header; end; } >"$sst/empty-store.sst"
{ printf '\1\0\0\0CERT'; elem 32 "$tmp/root.der"; end; } \
    >"$sst/bad-version.sst"

# bundles: every format certread_bundle tells apart
cat "$tmp/ica.pem" "$tmp/root.pem" >"$bun/chain.pem"
cp "$tmp/root.der" "$bun/root.der"
openssl crl2pkcs7 -nocrl -certfile "$bun/chain.pem" -outform DER \
    -out "$bun/chain.p7b"
openssl crl2pkcs7 -nocrl -certfile "$bun/chain.pem" -out "$bun/chain-p7.pem"
cp "$sst/properties.sst" "$bun/properties.sst"
openssl pkcs12 -export -in "$tmp/ica.pem" -inkey "$tmp/ica.key" \
    -certfile "$tmp/root.pem" -passout pass:fuzz -out "$bun/ica.p12"
head -c 300 "$bun/chain.p7b" >"$bun/truncated.p7b"
head -c 300 "$bun/ica.p12" >"$bun/truncated.p12"
{ cat "$bun/chain.p7b"; printf '\0'; } >"$bun/trailing.p7b"
printf 'not a bundle\n' >"$bun/text.txt"
