#!/usr/bin/env bash
#
# sst.sh: the chain for Exchange Online as a Microsoft serialized store.
# `export chain --format sst` is checked byte by byte by a reader written
# here in Python (stdlib only), independent of mailcert's; stores in the
# shape Windows writes (properties before each certificate, a CRL
# element) are built here and read by `mailcert inspect`, whose thumbprints
# must equal OpenSSL's. Then the cer-dir export, inspect on PKCS#7 and
# PKCS#12, and every kind of broken store: exit 1 and one line naming the
# file and the problem.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca
PY=/usr/bin/python3
[ -x "$PY" ] || bail "$PY is missing"

check "init" mc "$D" init --org "Example Org" --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
for i in 1 2; do
	openssl x509 -in "$T/c$i.pem" -outform DER -out "$T/c$i.der"
done
ICA=$T/c1
ROOT=$T/c2

# A serialized store per ../shared/spec/sst-format.md, written and read
# without mailcert. `dump FILE` prints the header, one line per element
# (offset, id, encoding, length, SHA-256 of the value), the end marker's
# offset and the bytes after it. `build OUT TOKEN...` writes a store:
# cert:DER, props:DER (friendly name, then SHA-1 hash, as Windows does),
# crl:DER, end, and faults: badenc:DER, overlong:DER, cut:N, junk.
cat >"$T/sst.py" <<'PY'
import hashlib
import struct
import sys


def le(n):
    return struct.pack('<I', n)


def elem(ident, value, enc=1, length=None):
    return le(ident) + le(enc) + le(len(value) if length is None else length) + value


def read(path):
    with open(path, 'rb') as f:
        return f.read()


def dump(path):
    d = read(path)
    print('header', d[:8].hex())
    off = 8
    while off + 12 <= len(d):
        ident, enc, n = struct.unpack_from('<III', d, off)
        if (ident, enc, n) == (0, 0, 0):
            print('end', off)
            off += 12
            break
        v = d[off + 12:off + 12 + n]
        print('element', off, ident, enc, n, hashlib.sha256(v).hexdigest())
        off += 12 + n
    print('rest', len(d) - off)


def build(out, tokens):
    b = b'\0\0\0\0CERT'
    for t in tokens:
        kind, _, arg = t.partition(':')
        if kind == 'cert':
            b += elem(0x20, read(arg))
        elif kind == 'props':
            name = 'mailcert test\0'.encode('utf-16-le')
            b += elem(11, name)
            b += elem(3, hashlib.sha1(read(arg)).digest())
        elif kind == 'crl':
            b += elem(0x21, read(arg))
        elif kind == 'end':
            b += b'\0' * 12
        elif kind == 'badenc':
            b += elem(0x20, read(arg), enc=2)
        elif kind == 'overlong':
            der = read(arg)
            b += elem(0x20, der, length=len(der) + 100)
        elif kind == 'cut':
            b = b[:-int(arg)]
        elif kind == 'junk':
            b += b'junk'
        else:
            sys.exit('unknown token ' + t)
    with open(out, 'wb') as f:
        f.write(b)


if sys.argv[1] == 'dump':
    dump(sys.argv[2])
else:
    build(sys.argv[2], sys.argv[3:])
PY
sst() {
	"$PY" "$T/sst.py" "$@"
}
sha256() {
	sha256sum <"$1" | cut -d' ' -f1
}
size() {
	wc -c <"$1" | tr -d ' '
}
# A fingerprint as inspect prints it: uppercase hex without colons.
fp() {
	openssl x509 -in "$1" -noout -fingerprint "-$2" | cut -d= -f2 | tr -d :
}
# The thumbprints `inspect` printed, in order: inspect_fps sha1|sha256
inspect_fps() {
	case $1 in
	sha1) sed -n 's/^  SHA-1: *//p' "$OUT" ;;
	sha256) sed -n 's/^  SHA-256: *//p' "$OUT" ;;
	esac | tr '\n' ' '
}

# --- export chain --format sst: the bytes, field by field ---------------------
check "export chain --format sst -o chain.sst" \
    mc "$D" export chain --format sst -o "$T/chain.sst"
cp "$ERR" "$T/hint"
run sst dump "$T/chain.sst"
n1=$(size "$ICA.der")
n2=$(size "$ROOT.der")
o2=$((8 + 12 + n1))
o3=$((o2 + 12 + n2))
is "$(sed -n 1p "$OUT")" "header 0000000043455254" \
    "header: version 0 (4 zero bytes), then \"CERT\""
is "$(sed -n 2p "$OUT")" "element 8 32 1 $n1 $(sha256 "$ICA.der")" \
    "element 1 at offset 8: id 0x20, encoding 1, length and DER of the issuing CA"
is "$(sed -n 3p "$OUT")" "element $o2 32 1 $n2 $(sha256 "$ROOT.der")" \
    "element 2 at offset $o2: id 0x20, encoding 1, length and DER of the root"
is "$(sed -n 4p "$OUT")" "end $o3" "the end marker follows at offset $o3"
is "$(sed -n 5p "$OUT")" "rest 0" "nothing after the end marker"
is "$(wc -l <"$OUT" | tr -d ' ')" 5 "no property, CRL or other element"
is "$(size "$T/chain.sst")" "$((o3 + 12))" "the file is exactly that long"
is "$(head -c 12 "$T/chain.sst" | tail -c 4 | od -An -tx1 | tr -d ' \n')" \
    20000000 "the first element id is 0x20 little-endian"

# The PowerShell commands, with the file as given.
file_has "$T/hint" "^wrote $T/chain.sst\$" "says which file it wrote"
file_has "$T/hint" "^Set-SmimeConfig -SMIMECertificateIssuingCA \\(Get-Content $T/chain.sst -Encoding Byte\\)\$" \
    "prints the Set-SmimeConfig line (Windows PowerShell)"
file_has "$T/hint" "^Set-SmimeConfig -SMIMECertificateIssuingCA \\(Get-Content $T/chain.sst -AsByteStream\\)\$" \
    "prints the Set-SmimeConfig line (PowerShell 7)"
check "export chain --format sst to stdout" mc "$D" export chain --format sst
is "$(sha256 "$OUT")" "$(sha256 "$T/chain.sst")" "stdout holds the same store"
file_has "$ERR" '^Set-SmimeConfig -SMIMECertificateIssuingCA \(Get-Content chain\.sst -Encoding Byte\)$' \
    "on stdout the hint names chain.sst"
check "export chain --ca root-1 --format sst" \
    mc "$D" export chain --ca root-1 --format sst -o "$T/root.sst"
run sst dump "$T/root.sst"
is "$(sed -n 2p "$OUT")" "element 8 32 1 $n2 $(sha256 "$ROOT.der")" \
    "--ca root-1: the root alone"
is "$(sed -n 3p "$OUT")" "end $((8 + 12 + n2))" "--ca root-1: then the end marker"

# --- inspect reads it back, thumbprints as OpenSSL computes them ----------------
check "inspect chain.sst" mc "$D" inspect "$T/chain.sst"
file_has "$OUT" "^$T/chain.sst: SST \\(Microsoft serialized store\\), 2 certificates\$" \
    "inspect names the format and counts 2 certificates"
is "$(grep -c '^certificate ' "$OUT")" 2 "inspect lists 2 certificates"
is "$(inspect_fps sha1)" "$(fp "$ICA.pem" sha1) $(fp "$ROOT.pem" sha1) " \
    "SHA-1 thumbprints equal openssl x509 -fingerprint -sha1, in order"
is "$(inspect_fps sha256)" "$(fp "$ICA.pem" sha256) $(fp "$ROOT.pem" sha256) " \
    "SHA-256 thumbprints equal openssl x509 -fingerprint -sha256"
file_has "$OUT" '^  CA: *yes$' "inspect says CA: yes"
check "inspect --json chain.sst" mc "$D" inspect --json "$T/chain.sst"
is "$(json_objects "$OUT" | grep -c '"format": "SST')" 2 "--json: both objects name the format"
is "$(json_field "$(json_objects "$OUT" | head -n 1)" sha1)" "$(fp "$ICA.pem" sha1)" \
    "--json: the SHA-1 of the first certificate"

# --- stores as Windows writes them ---------------------------------------------
sst build "$T/props.sst" "props:$ICA.der" "cert:$ICA.der" "props:$ROOT.der" \
    "cert:$ROOT.der" end
run sst dump "$T/props.sst"
is "$(awk '$1 == "element" { printf "%s ", $3 }' "$OUT")" "11 3 32 11 3 32 " \
    "the test store has properties 11 and 3 before each certificate"
check "inspect a store with property elements" mc "$D" inspect "$T/props.sst"
is "$(inspect_fps sha1)" "$(fp "$ICA.pem" sha1) $(fp "$ROOT.pem" sha1) " \
    "properties are skipped; both certificates, in order"
mc "$D" crl generate >/dev/null 2>&1
mc "$D" export crl --format der -o "$T/crl.der" 2>/dev/null
check "openssl reads the CRL" openssl crl -inform DER -in "$T/crl.der" -noout
sst build "$T/crl.sst" "cert:$ICA.der" "crl:$T/crl.der" "cert:$ROOT.der" end
check "inspect a store with a CRL element" mc "$D" inspect "$T/crl.sst"
is "$(inspect_fps sha256)" "$(fp "$ICA.pem" sha256) $(fp "$ROOT.pem" sha256) " \
    "the CRL element is skipped"

# --- cer-dir ---------------------------------------------------------------------
check "export chain --format cer-dir -o DIR" \
    mc "$D" export chain --format cer-dir -o "$T/cer"
is "$(find "$T/cer" -type f | wc -l | tr -d ' ')" 2 "two files"
is "$(find "$T/cer" -type f -name '*.cer' | wc -l | tr -d ' ')" 2 "both end in .cer"
for c in "$ICA" "$ROOT"; do
	cn=$(openssl x509 -in "$c.pem" -noout -subject -nameopt RFC2253 |
	    sed 's/^subject=//; s/.*CN=\([^,]*\).*/\1/')
	f="$T/cer/$(printf '%s' "$cn" | tr -c 'A-Za-z0-9 ._()\n-' '_').cer"
	if [ -f "$f" ]; then ok "\"$cn\" is in \"${f##*/}\""; else fail "\"$cn\" is in \"${f##*/}\""; fi
	is "$(head -n 1 "$f" 2>/dev/null)" "-----BEGIN CERTIFICATE-----" "  Base64 (PEM)"
	check "  openssl x509 reads it" openssl x509 -in "$f" -noout
	is "$(fp "$f" sha256)" "$(fp "$c.pem" sha256)" "  it holds that certificate"
done
expect_user_error 'cer-dir.*-o DIR' mc "$D" export chain --format cer-dir
expect_user_error 'sst, cer-dir' mc "$D" export chain --format xml

# --- PKCS#7 and PKCS#12 ----------------------------------------------------------
check "export chain --format p7b" mc "$D" export chain --format p7b -o "$T/chain.p7b"
check "inspect chain.p7b" mc "$D" inspect "$T/chain.p7b"
file_has "$OUT" 'PKCS#7 \(DER\), 2 certificates$' "inspect: PKCS#7 (DER), 2 certificates"
openssl pkcs7 -inform DER -in "$T/chain.p7b" -out "$T/chain-p7.pem"
check "inspect a PEM PKCS#7" mc "$D" inspect "$T/chain-p7.pem"
file_has "$OUT" 'PKCS#7 \(PEM\), 2 certificates$' "inspect: PKCS#7 (PEM), 2 certificates"

S=$(issue_cert "$D" --email anna@example.org --given-name Anna --surname Test --key ec-p256)
like "$S" '^[0-9A-F]+$' "issued a certificate for the PKCS#12"
printf 'correct horse\n' >"$T/pw"
printf 'battery staple\n' >"$T/wrong"
check "export p12 --password-file" mc "$D" export p12 "$S" --password-file "$T/pw" -o "$T/anna.p12"
check "export p12 --legacy --password-file" \
    mc "$D" export p12 "$S" --legacy --password-file "$T/pw" -o "$T/anna-legacy.p12"
for p in anna anna-legacy; do
	check "inspect --password-file $p.p12" mc "$D" inspect --password-file "$T/pw" "$T/$p.p12"
	file_has "$OUT" "^$T/$p.p12: PKCS#12, 3 certificates\$" "  PKCS#12, 3 certificates"
	file_has "$OUT" 'anna@example\.org' "  the first is Anna's"
	expect_user_error "\"$T/$p.p12\" is PKCS#12 and needs --password-file" \
	    mc "$D" inspect "$T/$p.p12"
	expect_user_error "\"$T/$p.p12\": wrong password" \
	    mc "$D" inspect --password-file "$T/wrong" "$T/$p.p12"
done
expect_user_error "password file \"$T/nopw\"|$T/nopw" \
    mc "$D" inspect --password-file "$T/nopw" "$T/anna.p12"

# --- bad input --------------------------------------------------------------------
B=$T/bad
mkdir "$B"
# bad FILE RE: exit 1, one line naming the file, then RE (the problem)
bad() {
	expect_user_error "\"$1\".*$2" mc "$D" inspect "$1"
}
: >"$B/empty.sst"
bad "$B/empty.sst" 'is empty'
sst build "$B/truncated.sst" "cert:$ICA.der" "cert:$ROOT.der" end cut:300
bad "$B/truncated.sst" "SST element at offset $o2 has length $n2, past the end"
sst build "$B/cut-header.sst" "cert:$ICA.der" cut:$((n1 + 6))
bad "$B/cut-header.sst" 'truncated SST element header at offset 8 \(6 of 12 bytes\)'
sst build "$B/overlong.sst" "cert:$ICA.der" "overlong:$ROOT.der" end
bad "$B/overlong.sst" "SST element at offset $o2 has length $((n2 + 100)), past the end"
sst build "$B/encoding.sst" "cert:$ICA.der" "badenc:$ROOT.der" end
bad "$B/encoding.sst" "SST element at offset $o2 has encoding type 2, not 1"
sst build "$B/no-end.sst" "cert:$ICA.der" "cert:$ROOT.der"
bad "$B/no-end.sst" "SST has no end marker \\(the data ends at offset $o3\\)"
sst build "$B/trailing.sst" "cert:$ICA.der" "cert:$ROOT.der" end junk
bad "$B/trailing.sst" "4 bytes of trailing data after the SST end marker at offset $o3"
sst build "$B/props-last.sst" "cert:$ICA.der" "props:$ROOT.der" end
bad "$B/props-last.sst" "SST property element at offset $o2 is followed by no certificate"
sst build "$B/not-cert.sst" "cert:$T/crl.der" end
bad "$B/not-cert.sst" 'SST certificate element at offset 8 does not decode'
head -c 20971520 /dev/zero >"$B/big.sst"
bad "$B/big.sst" 'is larger than 16777216 bytes'
mkdir "$B/dir.sst"
expect_user_error "\"$B/dir.sst\": is a directory" mc "$D" inspect "$B/dir.sst"
head -c 200 "$T/chain.p7b" >"$B/cut.p7b"
bad "$B/cut.p7b" 'PKCS#7 does not decode'
head -c 200 "$T/anna.p12" >"$B/cut.p12"
expect_user_error "\"$B/cut.p12\": PKCS#12 does not decode" \
    mc "$D" inspect --password-file "$T/pw" "$B/cut.p12"

done_testing
