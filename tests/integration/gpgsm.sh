#!/usr/bin/env bash
#
# gpgsm.sh: mailcert's certificates in GnuPG's S/MIME tool (KMail,
# Kleopatra, Mutt via gpgme). A throwaway GNUPGHOME with CRL checks and
# dirmngr off and the root trusted through trustlist.txt; imports the root
# and a --legacy PKCS#12 (gpgsm 2.2 reads only 3DES/SHA-1), verifies
# OpenSSL-signed messages with full trust, encrypts to the certificate and
# decrypts with OpenSSL (and back), signs and lets OpenSSL verify.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca

check "init" mc "$D" init --org "GnuPG Test Org" --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
mv "$T/c1.pem" "$T/issuing.pem"
mv "$T/c2.pem" "$T/root.pem"
printf 'gpgsm-test-password\n' >"$T/pw"

A=alice@example.org
SA=$(issue_cert "$D" --email $A --given-name Alice --surname Rsa --key rsa-2048)
like "$SA" '^[0-9A-F]+$' "issued alice's rsa-2048 certificate"
check "export p12 --legacy" mc "$D" export p12 "$SA" --legacy \
    --password-file "$T/pw" -o "$T/alice.p12"
openssl pkcs12 -in "$T/alice.p12" -passin "file:$T/pw" -nocerts -nodes \
    -out "$T/alice.key" 2>/dev/null
openssl pkcs12 -in "$T/alice.p12" -passin "file:$T/pw" -clcerts -nokeys \
    -out "$T/alice.pem" 2>/dev/null
is "$(key_spki_hash "$T/alice.key")" "$(cert_spki_hash "$T/alice.pem")" \
    "the legacy p12's key belongs to its certificate"

B=bob@example.org
SB=$(issue_cert "$D" --email $B --given-name Bob --surname Ec --key ec-p256)
like "$SB" '^[0-9A-F]+$' "issued bob's ec-p256 certificate"
mc "$D" export p12 "$SB" --password-file "$T/pw" -o "$T/bob.p12" 2>/dev/null
openssl pkcs12 -in "$T/bob.p12" -passin "file:$T/pw" -nocerts -nodes \
    -out "$T/bob.key" 2>/dev/null
openssl pkcs12 -in "$T/bob.p12" -passin "file:$T/pw" -clcerts -nokeys \
    -out "$T/bob.pem" 2>/dev/null

# --- the throwaway GnuPG home --------------------------------------------------
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

# status_has WORD MSG: the last command exited 0 and printed [GNUPG:] WORD
status_ok() {
	if [ "$RC" -eq 0 ] && grep -q "^\[GNUPG:\] $1" "$OUT"; then
		ok "$2"
	else
		fail "$2"
		diag "  exit status $RC; wanted 0 and [GNUPG:] $1"
		diag_last
	fi
}

run "${G[@]}" --import "$T/root.pem"
status_ok "IMPORT_OK" "gpgsm imports the root"
run "${G[@]}" --passphrase-fd 3 --import "$T/alice.p12" 3<"$T/pw"
status_ok "IMPORT_OK" "gpgsm imports the --legacy p12"
is "$(awk '$2 == "IMPORT_RES" { print $13 }' "$OUT")" 1 "one secret key imported"
check "gpgsm lists alice's secret key" "${G[@]}" --list-secret-keys $A
file_has "$OUT" "$A" "the secret key listing names alice"
run "${G[@]}" --with-validation --list-keys $A
is "$RC" 0 "gpgsm validates alice's certificate chain"

# --- verify OpenSSL-signed messages -----------------------------------------
printf 'Subject: hello\r\n\r\nSigned by OpenSSL, checked by gpgsm.\r\n' >"$T/msg.txt"
sed 's/gpgsm/gpgsn/' "$T/msg.txt" >"$T/tampered.txt"
check "openssl cms -sign -nodetach (alice, rsa)" \
    openssl cms -sign -nodetach -binary -outform DER -in "$T/msg.txt" \
    -signer "$T/alice.pem" -inkey "$T/alice.key" -certfile "$T/issuing.pem" \
    -out "$T/a-signed.der"
run "${G[@]}" -o "$T/a-verified.txt" --verify "$T/a-signed.der"
status_ok "TRUST_FULLY" "gpgsm --verify (opaque, rsa): TRUST_FULLY, exit 0"
file_has "$OUT" '^\[GNUPG:\] GOODSIG' "gpgsm --verify (opaque, rsa): GOODSIG"
if cmp -s "$T/a-verified.txt" "$T/msg.txt"; then
	ok "gpgsm returns the signed content"
else
	fail "gpgsm returns the signed content"
fi

check "openssl cms -sign detached (alice, rsa)" \
    openssl cms -sign -binary -outform DER -in "$T/msg.txt" \
    -signer "$T/alice.pem" -inkey "$T/alice.key" -certfile "$T/issuing.pem" \
    -out "$T/a-detached.der"
run "${G[@]}" --verify "$T/a-detached.der" "$T/msg.txt"
status_ok "TRUST_FULLY" "gpgsm --verify (detached, rsa): TRUST_FULLY, exit 0"
run "${G[@]}" --verify "$T/a-detached.der" "$T/tampered.txt"
if [ "$RC" -ne 0 ] && grep -q '^\[GNUPG:\] BADSIG' "$OUT" && ! grep -q TRUST_FULLY "$OUT"; then
	ok "gpgsm --verify of tampered content: BADSIG, non-zero exit"
else
	fail "gpgsm --verify of tampered content: BADSIG, non-zero exit"
	diag_last
fi

check "openssl cms -sign detached (bob, ec-p256)" \
    openssl cms -sign -binary -outform DER -in "$T/msg.txt" \
    -signer "$T/bob.pem" -inkey "$T/bob.key" -certfile "$T/issuing.pem" \
    -out "$T/b-detached.der"
run "${G[@]}" --verify "$T/b-detached.der" "$T/msg.txt"
status_ok "TRUST_FULLY" "gpgsm --verify (detached, ecdsa): TRUST_FULLY, exit 0"

# The same shape of certificate under a CA gpgsm does not trust: no full trust.
make_foreign_root "$T/wrong"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/mallory.key" -subj "/CN=mallory@example.org" -out "$T/mallory.csr" \
    >/dev/null 2>&1
printf '%s\n' "keyUsage=critical,digitalSignature,keyAgreement" \
    "extendedKeyUsage=emailProtection" "subjectAltName=email:mallory@example.org" \
    >"$T/mallory.ext"
openssl x509 -req -in "$T/mallory.csr" -CA "$T/wrong.pem" -CAkey "$T/wrong.key" \
    -CAcreateserial -days 10 -extfile "$T/mallory.ext" -out "$T/mallory.pem" >/dev/null 2>&1
openssl cms -sign -binary -outform DER -in "$T/msg.txt" -signer "$T/mallory.pem" \
    -inkey "$T/mallory.key" -certfile "$T/wrong.pem" -out "$T/m-detached.der" 2>/dev/null
run "${G[@]}" --verify "$T/m-detached.der" "$T/msg.txt"
if [ "$RC" -ne 0 ] && ! grep -q TRUST_FULLY "$OUT"; then
	ok "a signer under an untrusted root gets no TRUST_FULLY"
else
	fail "a signer under an untrusted root gets no TRUST_FULLY"
	diag_last
fi

# --- encryption ---------------------------------------------------------------
run "${G[@]}" --encrypt -r $A -o "$T/g-enc.der" "$T/msg.txt"
is "$RC" 0 "gpgsm --encrypt to alice's certificate"
num_cmp "$(stat -c %s "$T/g-enc.der" 2>/dev/null || echo 0)" -gt 0 "gpgsm wrote the encrypted message"
check "openssl cms -decrypt of gpgsm's message with the p12 key" \
    openssl cms -decrypt -binary -inform DER -in "$T/g-enc.der" \
    -recip "$T/alice.pem" -inkey "$T/alice.key" -out "$T/g-dec.txt"
if cmp -s "$T/g-dec.txt" "$T/msg.txt"; then
	ok "OpenSSL decrypts what gpgsm encrypted"
else
	fail "OpenSSL decrypts what gpgsm encrypted"
fi

check "openssl cms -encrypt to alice" \
    openssl cms -encrypt -aes256 -binary -outform DER -in "$T/msg.txt" \
    -out "$T/o-enc.der" "$T/alice.pem"
run "${G[@]}" --passphrase-fd 3 -o "$T/o-dec.txt" --decrypt "$T/o-enc.der" 3<"$T/pw"
status_ok "DECRYPTION_OKAY" "gpgsm --decrypt with the imported p12 key"
if cmp -s "$T/o-dec.txt" "$T/msg.txt"; then
	ok "gpgsm decrypts what OpenSSL encrypted"
else
	fail "gpgsm decrypts what OpenSSL encrypted"
fi

# --- gpgsm signs, OpenSSL verifies ---------------------------------------------
run "${G[@]}" --passphrase-fd 3 -u $A --sign -o "$T/g-sig.der" "$T/msg.txt" 3<"$T/pw"
status_ok "SIG_CREATED" "gpgsm --sign with the imported key"
check "openssl cms -verify -purpose smimesign of gpgsm's signature" \
    openssl cms -verify -binary -inform DER -in "$T/g-sig.der" \
    -CAfile "$T/root.pem" -certfile "$T/issuing.pem" -purpose smimesign \
    -out "$T/g-sig.txt"
if cmp -s "$T/g-sig.txt" "$T/msg.txt"; then
	ok "OpenSSL returns what gpgsm signed"
else
	fail "OpenSSL returns what gpgsm signed"
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

done_testing
