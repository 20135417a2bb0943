#!/usr/bin/env bash
#
# keys.sh: what happens to users' keys. Dual-key mode (a signing and an
# encryption certificate, keyUsage checked with OpenSSL, the signing key
# handed out exactly once); the encryption-key history for MDM: a message
# encrypted to a user's first certificate still decrypts, with OpenSSL,
# from the history PKCS#12 exported after two renewals, one of the old
# certificates revoked and one expired; the history file imported by
# OpenSSL, NSS pk12util and (--legacy) gpgsm; the Intune CSV; and every
# misuse of `export p12` answered with exit 1 and a message naming it.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca

check "init" mc "$D" init --org "Keys Test Org" --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
mv "$T/c1.pem" "$T/issuing.pem"
mv "$T/c2.pem" "$T/root.pem"
printf 'keys-test-password\n' >"$T/pw"
printf 'Subject: old mail\r\n\r\nEncrypted to a key that was renewed since.\r\n' \
    >"$T/msg.txt"

# verify_purpose PURPOSE FILE: openssl verify against our root, rc 0 if OK.
verify_purpose() {
	openssl verify -purpose "$1" -CAfile "$T/root.pem" \
	    -untrusted "$T/issuing.pem" "$2"
}

# The keyUsage of a certificate as one line, e.g. "Digital Signature".
ku_of() {
	ext_value "$1" "X509v3 Key Usage" | tr '\n' ' ' | sed 's/ *$//'
}

# --- dual-key issuance ---------------------------------------------------------
declare -A SSIGN SENC
for k in rsa ec; do
	kt=rsa-2048
	[ $k = ec ] && kt=ec-p256
	run mc "$D" cert issue --email "dual-$k@example.org" --given-name Dora \
	    --surname Dual --key $kt --usage dual
	is "$RC" 0 "cert issue --usage dual ($k)"
	is "$(wc -l <"$OUT")" 2 "  prints two serials ($k)"
	SSIGN[$k]=$(sed -n 1p "$OUT")
	SENC[$k]=$(sed -n 2p "$OUT")
	like "${SSIGN[$k]}" '^[0-9A-F]+$' "  line 1 is a serial ($k)"
	like "${SENC[$k]}" '^[0-9A-F]+$' "  line 2 is a serial ($k)"
	file_has "$ERR" "signing certificate ${SSIGN[$k]}" \
	    "  stderr labels line 1 as the signing certificate ($k)"
	file_has "$ERR" "encryption certificate ${SENC[$k]}" \
	    "  stderr labels line 2 as the encryption certificate ($k)"
	file_has "$ERR" "export p12 ${SSIGN[$k]} --purpose signing" \
	    "  stderr says how to collect the signing key ($k)"
	mc "$D" export cert "${SSIGN[$k]}" --format pem -o "$T/sign-$k.pem" 2>/dev/null
	mc "$D" export cert "${SENC[$k]}" --format pem -o "$T/enc-$k.pem" 2>/dev/null
	is "$(ext_header "$T/sign-$k.pem" "X509v3 Key Usage")" \
	    "X509v3 Key Usage: critical" "  signing keyUsage is critical ($k)"
	is "$(ku_of "$T/sign-$k.pem")" "Digital Signature" \
	    "  signing keyUsage is digitalSignature only ($k)"
	is "$(ext_header "$T/enc-$k.pem" "X509v3 Key Usage")" \
	    "X509v3 Key Usage: critical" "  encryption keyUsage is critical ($k)"
	isnt "$(cert_spki_hash "$T/sign-$k.pem")" "$(cert_spki_hash "$T/enc-$k.pem")" \
	    "  the two certificates have separate keys ($k)"
	check "  signing certificate verifies, -purpose smimesign ($k)" \
	    verify_purpose smimesign "$T/sign-$k.pem"
	check_fails "  encryption certificate fails -purpose smimesign ($k)" \
	    verify_purpose smimesign "$T/enc-$k.pem"
done
is "$(ku_of "$T/enc-rsa.pem")" "Key Encipherment" \
    "encryption keyUsage is keyEncipherment only (rsa)"
is "$(ku_of "$T/enc-ec.pem")" "Key Agreement" \
    "encryption keyUsage is keyAgreement only (ec)"
check "encryption certificate verifies, -purpose smimeencrypt (rsa)" \
    verify_purpose smimeencrypt "$T/enc-rsa.pem"
check_fails "signing certificate fails -purpose smimeencrypt (rsa)" \
    verify_purpose smimeencrypt "$T/sign-rsa.pem"

# The store says which is which.
check "cert list --json" mc "$D" cert list --json
is "$(json_field "$(json_object_by_serial "$OUT" "${SSIGN[rsa]}")" usage)" sign \
    "cert list --json: usage sign"
is "$(json_field "$(json_object_by_serial "$OUT" "${SENC[rsa]}")" usage)" encrypt \
    "cert list --json: usage encrypt"
check "cert list" mc "$D" cert list --email dual-rsa@example.org
file_has "$OUT" "^${SSIGN[rsa]} .* sign +dual-rsa@example.org$" "cert list shows usage sign"
file_has "$OUT" "^${SENC[rsa]} .* encrypt +dual-rsa@example.org$" "cert list shows usage encrypt"
check "cert show (signing)" mc "$D" cert show "${SSIGN[rsa]}"
file_has "$OUT" '^usage: +sign$' "cert show: usage sign"
file_has "$OUT" 'sealed until it is handed out once' "cert show: the signing key is not escrowed"

# --- the signing key is handed out once ----------------------------------------
S=${SSIGN[rsa]}
expect_user_error "add --purpose signing" \
    mc "$D" export p12 "$S" --password-file "$T/pw" -o "$T/nope.p12"
check "export p12 --purpose signing (first time)" \
    mc "$D" export p12 "$S" --purpose signing --password-file "$T/pw" -o "$T/sign.p12"
file_has "$ERR" "signing key of $S is deleted from the store" \
    "  says the key left the store"
openssl pkcs12 -in "$T/sign.p12" -passin "file:$T/pw" -nocerts -nodes \
    -out "$T/sign.key" 2>/dev/null
is "$(key_spki_hash "$T/sign.key")" "$(cert_spki_hash "$T/sign-rsa.pem")" \
    "  the p12 holds the signing certificate's key"
openssl pkcs12 -in "$T/sign.p12" -passin "file:$T/pw" -info -nodes \
    -out "$T/sign.dump" 2>/dev/null
file_has "$T/sign.dump" "friendlyName: dual-rsa@example.org signing [0-9]{4}-[0-9]{2}-[0-9]{2}$" \
    "  friendly name says signing"
check "  openssl cms -sign with the handed-out key" \
    openssl cms -sign -nodetach -binary -outform DER -in "$T/msg.txt" \
    -signer "$T/sign-rsa.pem" -inkey "$T/sign.key" -certfile "$T/issuing.pem" \
    -out "$T/signed.der"
check "  openssl cms -verify -purpose smimesign" \
    openssl cms -verify -binary -inform DER -in "$T/signed.der" \
    -CAfile "$T/root.pem" -certfile "$T/issuing.pem" -purpose smimesign \
    -out /dev/null
before=$(store_state "$D")
expect_user_error "signing key of certificate $S was handed out at [0-9T:Z-]+ and is not kept" \
    mc "$D" export p12 "$S" --purpose signing --password-file "$T/pw" -o "$T/sign2.p12"
if [ -e "$T/sign2.p12" ]; then
	fail "  the second attempt wrote no file"
else
	ok "  the second attempt wrote no file"
fi
is "$(store_state "$D")" "$before" "  the second attempt changed nothing"
expect_user_error "was handed out at .* not kept" \
    mc "$D" export p12 --email dual-rsa@example.org --purpose signing \
    --password-file "$T/pw" -o "$T/sign3.p12"
check "cert show after the hand-out" mc "$D" cert show "$S"
file_has "$OUT" '^key: .*handed out [0-9T:Z-]+, not kept' "cert show: handed out, not kept"
check "cert list --json after the hand-out" mc "$D" cert list --json
like "$(json_field "$(json_object_by_serial "$OUT" "$S")" key_released_at)" \
    '^[0-9]{4}-' "cert list --json: key_released_at is set"
expect_user_error "usage \"encrypt\"; its key is not for signing" \
    mc "$D" export p12 "${SENC[rsa]}" --purpose signing --password-file "$T/pw" \
    -o "$T/nope.p12"

# --- the encryption key is escrowed ---------------------------------------------
for n in 1 2; do
	check "export p12 of the encryption certificate (time $n)" \
	    mc "$D" export p12 "${SENC[rsa]}" --password-file "$T/pw" -o "$T/enc$n.p12"
	openssl pkcs12 -in "$T/enc$n.p12" -passin "file:$T/pw" -nocerts -nodes \
	    -out "$T/enc$n.key" 2>/dev/null
done
is "$(key_spki_hash "$T/enc2.key")" "$(cert_spki_hash "$T/enc-rsa.pem")" \
    "the second export still holds the encryption key"
check "export p12 --email picks the encryption certificate" \
    mc "$D" export p12 --email dual-ec@example.org --password-file "$T/pw" -o "$T/enc-ec.p12"
openssl pkcs12 -in "$T/enc-ec.p12" -passin "file:$T/pw" -nocerts -nodes \
    -out "$T/enc-ec.key" 2>/dev/null
is "$(key_spki_hash "$T/enc-ec.key")" "$(cert_spki_hash "$T/enc-ec.pem")" \
    "  its key is the encryption key (ec)"
check "openssl cms -encrypt to the keyAgreement certificate (ec)" \
    openssl cms -encrypt -aes256 -binary -outform DER -in "$T/msg.txt" \
    -out "$T/ec-enc.der" "$T/enc-ec.pem"
check "  openssl cms -decrypt with the escrowed key (ec)" \
    openssl cms -decrypt -binary -inform DER -in "$T/ec-enc.der" \
    -recip "$T/enc-ec.pem" -inkey "$T/enc-ec.key" -out "$T/ec-dec.txt"
if cmp -s "$T/ec-dec.txt" "$T/msg.txt"; then
	ok "  the ECDH message decrypts to what was sent"
else
	fail "  the ECDH message decrypts to what was sent"
fi

# --- key history: three certificates, the first two no longer current ----------
H=hist@example.org
S1=$(issue_cert "$D" --email $H --given-name Hilde --surname Story --key rsa-2048)
like "$S1" '^[0-9A-F]+$' "issued the first certificate"
mc "$D" export cert "$S1" --format pem -o "$T/h1.pem" 2>/dev/null
check "openssl cms -encrypt to the first certificate" \
    openssl cms -encrypt -aes256 -binary -outform DER -in "$T/msg.txt" \
    -out "$T/msg1.der" "$T/h1.pem"
# The second is a renewal that expires before the export below.
S2=$(issue_cert "$D" --email $H --given-name Hilde --surname Story --key rsa-2048 --days 1)
like "$S2" '^[0-9A-F]+$' "renewal 1 (valid for one day)"
check "revoke the first (superseded)" mc "$D" cert revoke "$S1" --reason superseded
S3=$(issue_cert "$D" --email $H --given-name Hilde --surname Story --key rsa-2048)
like "$S3" '^[0-9A-F]+$' "renewal 2"
mc "$D" export cert "$S2" --format pem -o "$T/h2.pem" 2>/dev/null
mc "$D" export cert "$S3" --format pem -o "$T/h3.pem" 2>/dev/null
check "openssl cms -encrypt to the second certificate" \
    openssl cms -encrypt -aes256 -binary -outform DER -in "$T/msg.txt" \
    -out "$T/msg2.der" "$T/h2.pem"

# Three days on: the first is revoked, the second expired, the third current.
LATER=$(date -u -d '+3 days' +%Y-%m-%dT%H:%M:%SZ)
export MAILCERT_NOW=$LATER
run mc "$D" cert show "$S2" --json
like "$(json_field "$(cat "$OUT")" status)" '^expired$' "at $LATER renewal 1 has expired"
check "export p12 --email --history" \
    mc "$D" export p12 --email $H --history --password-file "$T/pw" -o "$T/hist.p12"
file_has "$ERR" "3 keys" "  three keys written"
check "export p12 --email --history --legacy" \
    mc "$D" export p12 --email $H --history --legacy --password-file "$T/pw" \
    -o "$T/hist-legacy.p12"
check "export p12 --email (no history)" \
    mc "$D" export p12 --email $H --password-file "$T/pw" -o "$T/current.p12"
unset MAILCERT_NOW

check "openssl pkcs12 -info reads the history p12" \
    openssl pkcs12 -in "$T/hist.p12" -passin "file:$T/pw" -info -nodes \
    -out "$T/hist.dump"
file_has "$ERR" "MAC: sha256" "  MAC is SHA-256"
file_has "$ERR" "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC" "  key bags are AES-256"
is "$(grep -c "^ *friendlyName: $H encryption [0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}$" "$T/hist.dump")" 6 \
    "  friendly names '$H encryption YYYY-MM-DD' on 3 keys and 3 certificates"
is "$(grep -c -- '-----BEGIN CERTIFICATE-----' "$T/hist.dump")" 5 \
    "  3 user certificates and the 2 CAs, each once"
is "$(grep -c -- '-----BEGIN PRIVATE KEY-----' "$T/hist.dump")" 3 "  3 private keys"
check "openssl pkcs12 -info reads the legacy history p12" \
    openssl pkcs12 -in "$T/hist-legacy.p12" -passin "file:$T/pw" -info -nodes \
    -out /dev/null
file_has "$ERR" "Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC" "  legacy key bags are 3DES"
file_has "$ERR" "MAC: sha1" "  legacy MAC is SHA-1"

# Split the keys, each with its localKeyID, and pair them with certificates.
openssl pkcs12 -in "$T/hist.p12" -passin "file:$T/pw" -nocerts -nodes \
    -out "$T/hkeys.pem" 2>/dev/null
awk -v p="$T/hkey" '
/localKeyID:/ { n++; id = $0; sub(/.*localKeyID: */, "", id); gsub(/ /, ":", id);
	sub(/:$/, "", id); print id > (p n ".id"); close(p n ".id") }
/-----BEGIN PRIVATE KEY-----/ { f = p n ".pem" }
f != "" { print > f }
/-----END PRIVATE KEY-----/ { close(f); f = "" }' "$T/hkeys.pem"
is "$(ls "$T"/hkey[0-9].pem 2>/dev/null | wc -l)" 3 "the history p12 holds three keys"
is "$(key_spki_hash "$T/hkey1.pem")" "$(cert_spki_hash "$T/h3.pem")" \
    "the first key is the current certificate's"
for i in 1 2 3; do
	want=$(openssl x509 -in "$T/h$i.pem" -noout -fingerprint -sha1 | cut -d= -f2)
	found=""
	for k in 1 2 3; do
		[ "$(key_spki_hash "$T/hkey$k.pem")" = "$(cert_spki_hash "$T/h$i.pem")" ] &&
		    found=$k
	done
	if [ -n "$found" ]; then
		ok "certificate $i has its key in the history p12"
		is "$(cat "$T/hkey$found.id")" "$want" \
		    "  its localKeyID is the certificate's SHA-1"
	else
		fail "certificate $i has its key in the history p12"
	fi
	eval "HKEY$i=\$T/hkey\${found:-0}.pem"
done
check "openssl cms -decrypt of the message to the first (revoked) certificate" \
    openssl cms -decrypt -binary -inform DER -in "$T/msg1.der" \
    -recip "$T/h1.pem" -inkey "$HKEY1" -out "$T/dec1.txt"
if cmp -s "$T/dec1.txt" "$T/msg.txt"; then
	ok "  it decrypts to what was sent, after two renewals"
else
	fail "  it decrypts to what was sent, after two renewals"
fi
check "openssl cms -decrypt of the message to the second (expired) certificate" \
    openssl cms -decrypt -binary -inform DER -in "$T/msg2.der" \
    -recip "$T/h2.pem" -inkey "$HKEY2" -out "$T/dec2.txt"
if cmp -s "$T/dec2.txt" "$T/msg.txt"; then
	ok "  it decrypts to what was sent"
else
	fail "  it decrypts to what was sent"
fi
openssl pkcs12 -in "$T/current.p12" -passin "file:$T/pw" -nocerts -nodes \
    -out "$T/current.key" 2>/dev/null
is "$(key_spki_hash "$T/current.key")" "$(cert_spki_hash "$T/h3.pem")" \
    "without --history, --email exports the current certificate's key"
is "$(grep -c -- '-----BEGIN PRIVATE KEY-----' "$T/current.key")" 1 "  and only it"

# --- NSS ---------------------------------------------------------------------------
DB=sql:$T/db
mkdir "$T/db"
check "certutil -N (empty password)" certutil -N -d "$DB" --empty-password
check "pk12util -i imports the history p12" \
    pk12util -i "$T/hist.p12" -d "$DB" -w "$T/pw"
check "certutil -L" certutil -L -d "$DB"
is "$(grep -c "^$H encryption [0-9-]* *u,u,u" "$OUT")" 3 \
    "certutil -L lists 3 user certificates under their friendly names"
run certutil -K -d "$DB"
is "$(grep -c "$H encryption" "$OUT")" 3 "certutil -K lists 3 private keys"

# --- gpgsm (--legacy) -------------------------------------------------------------
export GNUPGHOME=$T/g
mkdir -m 700 "$GNUPGHOME"
printf 'disable-crl-checks\ndisable-dirmngr\n' >"$GNUPGHOME/gpgsm.conf"
printf 'allow-loopback-pinentry\nno-allow-mark-trusted\n' >"$GNUPGHOME/gpg-agent.conf"
echo "$(sha1_fpr "$T/root.pem") S" >"$GNUPGHOME/trustlist.txt"
gpgconf --launch gpg-agent </dev/null >/dev/null 2>&1
AGENT_PID=$(gpg-connect-agent 'getinfo pid' /bye </dev/null 2>/dev/null | sed -n 's/^D //p')
if [ -n "$AGENT_PID" ]; then
	track_pid "$AGENT_PID"
	ok "gpg-agent started (pid $AGENT_PID)"
else
	fail "gpg-agent started"
fi
G=(gpgsm --batch --status-fd 1 --pinentry-mode loopback)
run "${G[@]}" --import "$T/root.pem"
is "$RC" 0 "gpgsm imports the root"
run "${G[@]}" --passphrase-fd 3 --import "$T/hist-legacy.p12" 3<"$T/pw"
if [ "$RC" -eq 0 ] && grep -q '^\[GNUPG:\] IMPORT_OK' "$OUT"; then
	ok "gpgsm imports the --legacy history p12"
else
	fail "gpgsm imports the --legacy history p12"
	diag_last
fi
# gpgsm's minip12 returns only the first private key of a file (and 2.4
# refuses a third); that the current key comes first is what makes the
# history file still useful there. Older keys go in one file each.
is "$(awk '$2 == "IMPORT_RES" { print $13 }' "$OUT")" 1 \
    "  gpgsm takes one secret key from it (its documented limit)"
run "${G[@]}" --with-colons --list-secret-keys $H
is "$(grep -c '^crs:' "$OUT")" 1 "  gpgsm --list-secret-keys: one key so far"
file_has "$OUT" "^fpr:+$(sha1_fpr "$T/h3.pem" | tr -d ':'):" \
    "  and it is the current certificate's"
run "${G[@]}" --with-colons --list-keys $H
is "$(grep -c '^crt:' "$OUT")" 3 "  all three certificates were imported"
for s in "$S1" "$S2"; do
	check "export p12 $s --legacy (an old key for gpgsm)" \
	    mc "$D" export p12 "$s" --legacy --password-file "$T/pw" -o "$T/old-$s.p12"
	run "${G[@]}" --passphrase-fd 3 --import "$T/old-$s.p12" 3<"$T/pw"
	if [ "$(awk '$2 == "IMPORT_RES" { print $13 }' "$OUT")" = 1 ]; then
		ok "  gpgsm imports its key"
	else
		fail "  gpgsm imports its key"
		diag_last
	fi
done
run "${G[@]}" --with-colons --list-secret-keys $H
is "$(grep -c '^crs:' "$OUT")" 3 "gpgsm --list-secret-keys shows all 3 keys"
run "${G[@]}" --passphrase-fd 3 -o "$T/g-dec1.txt" --decrypt "$T/msg1.der" 3<"$T/pw"
if [ "$RC" -eq 0 ] && grep -q '^\[GNUPG:\] DECRYPTION_OKAY' "$OUT" &&
    cmp -s "$T/g-dec1.txt" "$T/msg.txt"; then
	ok "gpgsm decrypts the message to the first certificate"
else
	fail "gpgsm decrypts the message to the first certificate"
	diag_last
fi
if [ -n "$AGENT_PID" ]; then
	kill -TERM "$AGENT_PID" 2>/dev/null
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$AGENT_PID" 2>/dev/null; then
		fail "gpg-agent stopped"
	else
		ok "gpg-agent stopped"
	fi
fi
unset GNUPGHOME

# --- Intune CSV --------------------------------------------------------------------
THUMB=$(openssl x509 -in "$T/h3.pem" -noout -fingerprint -sha1 | cut -d= -f2 |
    tr -d ':' | tr 'A-F' 'a-f')
check "export p12 --history --format intune-csv" \
    mc "$D" export p12 --email $H --history --format intune-csv \
    --password-file "$T/pw" -o "$T/intune.p12"
check "  the PKCS#12 opens" openssl pkcs12 -in "$T/intune.p12" \
    -passin "file:$T/pw" -info -nokeys -out /dev/null
printf '"UPN","IntendedPurpose","PfxFile","Thumbprint"\r\n"%s","SmimeEncryption","intune.p12","%s"\r\n' \
    "$H" "$THUMB" >"$T/intune.want"
if cmp -s "$T/intune.p12.csv" "$T/intune.want"; then
	ok "  intune.p12.csv: UPN, SmimeEncryption, file name, thumbprint (CRLF)"
else
	fail "  intune.p12.csv: UPN, SmimeEncryption, file name, thumbprint (CRLF)"
	diag "$(cat -A "$T/intune.p12.csv" 2>&1)"
fi
check "export p12 --purpose signing --format intune-csv --upn" \
    mc "$D" export p12 --email $H --purpose signing --format intune-csv \
    --upn hilde.story@corp.example.onmicrosoft.com --password-file "$T/pw" \
    -o "$T/intune-sign.p12"
file_has "$T/intune-sign.p12.csv" \
    '^"hilde\.story@corp\.example\.onmicrosoft\.com","SmimeSigning","intune-sign\.p12","[0-9a-f]{40}"' \
    "  the CSV carries the given UPN and SmimeSigning"

# --- certificates mailcert holds no key for -----------------------------------
C=csr@example.org
SC1=$(issue_cert "$D" --email $C --given-name Carl --surname Request --key ec-p256)
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/csr.key" -subj "/CN=$C" -addext "subjectAltName=email:$C" \
    -out "$T/csr.csr" >/dev/null 2>&1
SC2=$(issue_cert "$D" --email $C --given-name Carl --surname Request --csr "$T/csr.csr")
like "$SC2" '^[0-9A-F]+$' "issued a certificate for a CSR after an escrowed one"
expect_user_error "certificate $SC2 was issued for a CSR; mailcert holds no key for it" \
    mc "$D" export p12 --email $C --password-file "$T/pw" -o "$T/csr.p12"
check "export p12 of the escrowed one by serial, --history" \
    mc "$D" export p12 "$SC1" --history --password-file "$T/pw" -o "$T/csr.p12"
file_has "$ERR" "certificate $SC2 was issued for a CSR .*, ignoring$" \
    "  the CSR certificate is left out, with a note"
file_has "$ERR" "1 key\)" "  one key written"
G2=gone@example.org
SG=$(issue_cert "$D" --email $G2 --given-name Gus --surname Gone --key ec-p256)
mc "$D" cert revoke "$SG" --reason affiliationChanged >/dev/null 2>&1
expect_user_error "\"$G2\" has no valid encryption certificate" \
    mc "$D" export p12 --email $G2 --password-file "$T/pw" -o "$T/gone.p12"
check "a revoked certificate still exports by serial" \
    mc "$D" export p12 "$SG" --password-file "$T/pw" -o "$T/gone.p12"

# --- bad input -------------------------------------------------------------------
before=$(store_state "$D")
expect_user_error 'no certificate for "nobody@example\.org"' \
    mc "$D" export p12 --email nobody@example.org --password-file "$T/pw" -o "$T/x.p12"
expect_user_error '--history .*does not go with --purpose signing' \
    mc "$D" export p12 --email $H --history --purpose signing \
    --password-file "$T/pw" -o "$T/x.p12"
expect_user_error 'a serial or --email, not both' \
    mc "$D" export p12 "$S3" --email $H --password-file "$T/pw" -o "$T/x.p12"
expect_user_error 'serial or --email ADDR is missing' \
    mc "$D" export p12 --password-file "$T/pw" -o "$T/x.p12"
expect_user_error 'intune-csv needs -o FILE' \
    mc "$D" export p12 --email $H --format intune-csv --password-file "$T/pw"
expect_user_error 'intune-csv needs -o FILE' \
    mc "$D" export p12 --email $H --format intune-csv --password-file "$T/pw" -o -
expect_user_error 'unknown format "pfx"' \
    mc "$D" export p12 --email $H --format pfx --password-file "$T/pw" -o "$T/x.p12"
expect_user_error 'unknown purpose "decryption" \(use signing or encryption\)' \
    mc "$D" export p12 --email $H --purpose decryption --password-file "$T/pw" \
    -o "$T/x.p12"
expect_user_error '--upn only goes with --format intune-csv' \
    mc "$D" export p12 --email $H --upn a@b.example --password-file "$T/pw" -o "$T/x.p12"
expect_user_error '--upn "no upn" is not a user principal name' \
    mc "$D" export p12 --email $H --format intune-csv --upn "no upn" \
    --password-file "$T/pw" -o "$T/x.p12"
: >"$T/empty-pw"
expect_user_error "password file \"$T/empty-pw\": the first line is empty" \
    mc "$D" export p12 --email $H --password-file "$T/empty-pw" -o "$T/x.p12"
printf '\n' >"$T/newline-pw"
expect_user_error 'password file ".*newline-pw": the first line is empty' \
    mc "$D" export p12 --email $H --password-file "$T/newline-pw" -o "$T/x.p12"
expect_user_error "cannot read \"$T/missing-pw\"" \
    mc "$D" export p12 --email $H --password-file "$T/missing-pw" -o "$T/x.p12"
expect_user_error 'has no domain' \
    mc "$D" export p12 --email nobody --password-file "$T/pw" -o "$T/x.p12"
expect_user_error '--usage dual and --csr exclude each other' \
    mc "$D" cert issue --email $H --given-name H --surname S --usage dual \
    --csr "$T/whatever.csr"
expect_user_error 'unknown usage "sign" \(use both or dual\)' \
    mc "$D" cert issue --email $H --given-name H --surname S --usage sign
if [ -e "$T/x.p12" ] || [ -e "$T/x.p12.csv" ]; then
	fail "no bad request wrote a file"
else
	ok "no bad request wrote a file"
fi
is "$(store_state "$D")" "$before" "no bad request changed the store"

done_testing
