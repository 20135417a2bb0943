#!/usr/bin/env bash
#
# revocation.sh: `cert revoke` and `crl generate` produce CRLs that OpenSSL
# accepts and enforces: the revoked certificate fails `openssl verify
# -crl_check`, the other still passes; the CRL is signed by the issuing CA
# and carries a CRL number that grows, the AKI, a nextUpdate at most 10
# days out (BR 4.9.7) and the reason code.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca

check "init" mc "$D" init --org "CRL Test Org" --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
ICA=$T/c1.pem
ROOT=$T/c2.pem

S1=$(issue_cert "$D" --email keep@example.org --given-name Keep --surname Me --key ec-p256)
S2=$(issue_cert "$D" --email lose@example.org --given-name Lose --surname Me --key ec-p256)
S3=$(issue_cert "$D" --email old@example.org --given-name Old --surname Me --key ec-p256)
like "$S1" '^[0-9A-F]+$' "issued the certificate to keep"
like "$S2" '^[0-9A-F]+$' "issued the certificate to revoke"
like "$S3" '^[0-9A-F]+$' "issued the certificate to supersede"
for s in 1 2 3; do
	v=S$s
	mc "$D" export cert "${!v}" --format pem -o "$T/leaf$s.pem" 2>/dev/null
done

# Before anything is revoked, both verify with a CRL check.
check "crl generate (nothing revoked)" mc "$D" crl generate
check "export crl (nothing revoked)" mc "$D" export crl --format pem -o "$T/crl0.pem"
check "openssl crl reads the first CRL" openssl crl -in "$T/crl0.pem" -noout
run openssl crl -in "$T/crl0.pem" -noout -text
file_has "$OUT" 'No Revoked Certificates' "the first CRL revokes nothing"
check "keep verifies with -crl_check (before)" openssl verify -crl_check \
    -CAfile "$ROOT" -untrusted "$ICA" -CRLfile "$T/crl0.pem" "$T/leaf1.pem"
check "lose verifies with -crl_check (before)" openssl verify -crl_check \
    -CAfile "$ROOT" -untrusted "$ICA" -CRLfile "$T/crl0.pem" "$T/leaf2.pem"
n0=$(openssl crl -in "$T/crl0.pem" -noout -crlnumber 2>/dev/null | sed -n 's/^crlNumber=//p')

# --- revoke ---------------------------------------------------------------------
check "cert revoke --reason keyCompromise" mc "$D" cert revoke "$S2" --reason keyCompromise
check "cert revoke --reason superseded" mc "$D" cert revoke "$S3" --reason superseded
expect_user_error 'revoked|already' mc "$D" cert revoke "$S2" --reason keyCompromise
expect_user_error 'reason|unspecified' mc "$D" cert revoke "$S1" --reason unspecified
expect_user_error 'reason|certificateHold' mc "$D" cert revoke "$S1" --reason certificateHold
expect_user_error 'reason' mc "$D" cert revoke "$S1"
check "crl generate" mc "$D" crl generate
check "export crl --format pem" mc "$D" export crl --format pem -o "$T/crl.pem"
check "export crl --ca issuing-1 --format pem to stdout" mc "$D" export crl --ca issuing-1 --format pem
is "$(sha256sum <"$OUT")" "$(sha256sum <"$T/crl.pem")" "the default CA for export crl is issuing-1"

run openssl verify -crl_check -CAfile "$ROOT" -untrusted "$ICA" -CRLfile "$T/crl.pem" "$T/leaf2.pem"
if [ "$RC" -ne 0 ] && grep -q 'certificate revoked' "$OUT" "$ERR"; then
	ok "openssl verify -crl_check fails for the revoked certificate: certificate revoked"
else
	fail "openssl verify -crl_check fails for the revoked certificate: certificate revoked"
	diag_last
fi
check_fails "the superseded certificate fails too" openssl verify -crl_check \
    -CAfile "$ROOT" -untrusted "$ICA" -CRLfile "$T/crl.pem" "$T/leaf3.pem"
check "the other certificate still passes -crl_check" openssl verify -crl_check \
    -purpose smimesign -CAfile "$ROOT" -untrusted "$ICA" -CRLfile "$T/crl.pem" "$T/leaf1.pem"
check "the revoked one passes without -crl_check (the CRL is what fails it)" \
    openssl verify -CAfile "$ROOT" -untrusted "$ICA" "$T/leaf2.pem"

# --- the CRL itself ------------------------------------------------------------
run openssl crl -verify -CAfile "$ICA" -in "$T/crl.pem" -noout
if [ "$RC" -eq 0 ] && grep -q 'verify OK' "$OUT" "$ERR"; then
	ok "openssl crl -verify -CAfile issuing accepts the CRL"
else
	fail "openssl crl -verify -CAfile issuing accepts the CRL"
	diag_last
fi
run openssl crl -verify -CAfile "$ROOT" -in "$T/crl.pem" -noout
if grep -q 'verify OK' "$OUT" "$ERR"; then
	fail "the CRL does not verify with the root's key"
else
	ok "the CRL does not verify with the root's key"
fi
is "$(openssl crl -in "$T/crl.pem" -noout -issuer -nameopt RFC2253)" \
    "issuer=$(openssl x509 -in "$ICA" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
    "the CRL's issuer is the issuing CA"

openssl crl -in "$T/crl.pem" -noout -text >"$T/crl.txt" 2>&1
file_has "$T/crl.txt" 'Version 2 \(0x1\)' "the CRL is v2"
file_has "$T/crl.txt" 'Signature Algorithm: sha256WithRSAEncryption' "the CRL is signed sha256WithRSAEncryption"
n1=$(text_block "X509v3 CRL Number" <"$T/crl.txt" | sed -n 2p)
like "$n1" '^[0-9]+$' "the CRL has a CRL number ($n1)"
aki=$(text_block "X509v3 Authority Key Identifier" <"$T/crl.txt" | sed -n 2p)
is "${aki#keyid:}" "$(ext_value "$ICA" "X509v3 Subject Key Identifier")" \
    "the CRL's AKI is the issuing CA's SKI"
lu=$(to_epoch "$(openssl crl -in "$T/crl.pem" -noout -lastupdate | cut -d= -f2)")
nu=$(to_epoch "$(openssl crl -in "$T/crl.pem" -noout -nextupdate | cut -d= -f2)")
now=$(date -u +%s)
num_cmp "$nu" -gt "$lu" "nextUpdate is after thisUpdate"
num_cmp "$((nu - lu))" -le $((10 * 86400)) "nextUpdate is at most 10 days after thisUpdate"
num_cmp "$lu" -le $((now + 120)) "thisUpdate is not in the future"
num_cmp "$lu" -ge $((now - 86400)) "thisUpdate is recent"

# revoked_entries: "SERIAL REASON CRITICAL" per entry of the CRL text on stdin.
revoked_entries() {
	awk '
	function flush() { if (s != "") print s, (r == "" ? "-" : r), c; s = ""; r = ""; c = "-" }
	/^ *Serial Number:/ { flush(); s = $3; next }
	/X509v3 CRL Reason Code:/ { c = ($0 ~ /critical/) ? "critical" : "-"; getline; sub(/^ +/, ""); gsub(/ /, "", $0); r = $0 }
	/^ *Signature Algorithm:/ && s != "" { flush() }
	END { flush() }'
}
revoked_entries <"$T/crl.txt" >"$T/entries"
is "$(wc -l <"$T/entries")" 2 "the CRL lists two entries"
is "$(awk -v s="$(norm_serial "$S2")" '{ x = $1; sub(/^0+/, "", x) } x == s { print $2, $3 }' "$T/entries")" \
    "KeyCompromise -" "the revoked entry has reason keyCompromise, not critical"
is "$(awk -v s="$(norm_serial "$S3")" '{ x = $1; sub(/^0+/, "", x) } x == s { print $2, $3 }' "$T/entries")" \
    "Superseded -" "the superseded entry has reason superseded, not critical"
is "$(awk -v s="$(norm_serial "$S1")" '{ x = $1; sub(/^0+/, "", x) } x == s' "$T/entries")" "" \
    "the kept certificate is not on the CRL"
if [ -n "$n0" ]; then
	num_cmp "$n1" -gt "$((n0))" "the CRL number grew since the first CRL"
fi

# A second crl generate: number + 1.
check "crl generate again" mc "$D" crl generate
mc "$D" export crl --format pem -o "$T/crl2.pem" 2>/dev/null
n2=$(openssl crl -in "$T/crl2.pem" -noout -text 2>/dev/null | text_block "X509v3 CRL Number" | sed -n 2p)
is "$n2" "$((n1 + 1))" "the second CRL's number is one more ($n1 -> $n2)"
check "the second CRL verifies" openssl crl -verify -CAfile "$ICA" -in "$T/crl2.pem" -noout

# DER export.
check "export crl --format der" mc "$D" export crl --format der -o "$T/crl.der"
check "openssl crl -inform DER reads it" openssl crl -inform DER -in "$T/crl.der" -noout
is "$(openssl crl -inform DER -in "$T/crl.der" -outform DER | sha256sum)" \
    "$(openssl crl -in "$T/crl2.pem" -outform DER | sha256sum)" "DER and PEM exports are the same CRL"
check "the DER CRL verifies" openssl crl -inform DER -verify -CAfile "$ICA" -in "$T/crl.der" -noout
expect_user_error 'format|xml' mc "$D" export crl --format xml

# The root's CRL: signed by the root, empty, nextUpdate within 12 months.
check "export crl --ca root-1" mc "$D" export crl --ca root-1 --format pem -o "$T/root-crl.pem"
check "the root CRL verifies with the root" openssl crl -verify -CAfile "$ROOT" \
    -in "$T/root-crl.pem" -noout
run openssl crl -in "$T/root-crl.pem" -noout -text
file_has "$OUT" 'No Revoked Certificates' "the root CRL revokes nothing"
file_has "$OUT" 'X509v3 CRL Number' "the root CRL has a CRL number"
rlu=$(to_epoch "$(openssl crl -in "$T/root-crl.pem" -noout -lastupdate | cut -d= -f2)")
rnu=$(to_epoch "$(openssl crl -in "$T/root-crl.pem" -noout -nextupdate | cut -d= -f2)")
num_cmp "$((rnu - rlu))" -le $((366 * 86400)) "root CRL nextUpdate within 12 months"
check "-crl_check_all with both CRLs passes for the kept certificate" \
    openssl verify -crl_check_all -CAfile "$ROOT" -untrusted "$ICA" \
    -CRLfile "$T/crl2.pem" -CRLfile "$T/root-crl.pem" "$T/leaf1.pem"
check_fails "-crl_check_all with both CRLs fails for the revoked one" \
    openssl verify -crl_check_all -CAfile "$ROOT" -untrusted "$ICA" \
    -CRLfile "$T/crl2.pem" -CRLfile "$T/root-crl.pem" "$T/leaf2.pem"

# --- the store's view --------------------------------------------------------------
check "cert list --status revoked" mc "$D" cert list --status revoked
file_has "$OUT" "$S2" "cert list --status revoked shows the revoked certificate"
if grep -q "$S1" "$OUT"; then
	fail "cert list --status revoked omits the valid one"
else
	ok "cert list --status revoked omits the valid one"
fi
check "cert list --status valid" mc "$D" cert list --status valid
file_has "$OUT" "$S1" "cert list --status valid shows the valid certificate"
if grep -q "$S2" "$OUT"; then
	fail "cert list --status valid omits the revoked one"
else
	ok "cert list --status valid omits the revoked one"
fi
check "cert list --status expired" mc "$D" cert list --status expired --json
is "$(json_objects "$OUT" | grep -c '"serial"')" 0 "nothing is expired"
check "cert list --json" mc "$D" cert list --json
cp "$OUT" "$T/all.json"
is "$(json_field "$(json_object_by_serial "$T/all.json" "$S2")" status)" revoked \
    "JSON status of the revoked certificate is revoked"
is "$(json_field "$(json_object_by_serial "$T/all.json" "$S1")" status)" valid \
    "JSON status of the kept certificate is valid"
expect_user_error 'status|bogus' mc "$D" cert list --status bogus

done_testing
