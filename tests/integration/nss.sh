#!/usr/bin/env bash
#
# nss.sh: mailcert's certificates in NSS, the library behind Thunderbird:
# certutil -V for email signer and recipient, vfychain for usages 4 and 5,
# cmsutil -D of an OpenSSL-signed message (asserting GoodSignature: cmsutil
# exits 0 even when the signature is bad), pk12util import of the exported
# PKCS#12 files, and CMS encryption both ways between NSS and OpenSSL.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca

check "init" mc "$D" init --org "NSS Test Org" --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
mv "$T/c1.pem" "$T/issuing.pem"
mv "$T/c2.pem" "$T/root.pem"
openssl x509 -in "$T/root.pem" -outform DER -out "$T/root.der"
openssl x509 -in "$T/issuing.pem" -outform DER -out "$T/issuing.der"
make_foreign_root "$T/wrong"
openssl x509 -in "$T/wrong.pem" -outform DER -out "$T/wrong.der"
printf 'nss-test-password\n' >"$T/pw"

declare -A SER
SER[rsa]=$(issue_cert "$D" --email alice@example.org --given-name Alice --surname Rsa --key rsa-2048)
SER[ec]=$(issue_cert "$D" --email bob@example.org --given-name Bob --surname Ec --key ec-p256)
declare -A MAIL=([rsa]=alice@example.org [ec]=bob@example.org)
for k in rsa ec; do
	like "${SER[$k]}" '^[0-9A-F]+$' "issued the $k certificate"
	mc "$D" export cert "${SER[$k]}" --format pem -o "$T/$k.pem" 2>/dev/null
	mc "$D" export cert "${SER[$k]}" --format der -o "$T/$k.der" 2>/dev/null
	check "export p12 ($k)" mc "$D" export p12 "${SER[$k]}" \
	    --password-file "$T/pw" -o "$T/$k.p12"
	openssl pkcs12 -in "$T/$k.p12" -passin "file:$T/pw" -nocerts -nodes \
	    -out "$T/$k.key" 2>/dev/null
done

# --- the trusting database ---------------------------------------------------
DB=sql:$T/db
mkdir "$T/db"
check "certutil -N (empty password)" certutil -N -d "$DB" --empty-password
check "import the root with -t C,C,C" \
    certutil -A -d "$DB" -n "mailcert root" -t "C,C,C" -i "$T/root.pem"
check "import the issuing CA" \
    certutil -A -d "$DB" -n "mailcert issuing" -t ",," -i "$T/issuing.pem"
for k in rsa ec; do
	check "import the $k leaf" certutil -A -d "$DB" -n "leaf-$k" -t ",," -i "$T/$k.pem"
done

for k in rsa ec; do
	for u in S R; do
		run certutil -V -d "$DB" -n "leaf-$k" -u $u
		if [ "$RC" -eq 0 ] && grep -q 'certificate is valid' "$OUT" "$ERR"; then
			ok "certutil -V -u $u ($k)"
		else
			fail "certutil -V -u $u ($k)"
			diag_last
		fi
	done
	check "certutil -V -u SR ($k)" certutil -V -d "$DB" -n "leaf-$k" -u SR
	check_fails "certutil -V -u V fails: not an SSL server ($k)" \
	    certutil -V -d "$DB" -n "leaf-$k" -u V
	run vfychain -d "$DB" -u 4 "$T/$k.der"
	if [ "$RC" -eq 0 ] && grep -q 'Chain is good' "$OUT" "$ERR"; then
		ok "vfychain -u 4 email signer ($k)"
	else
		fail "vfychain -u 4 email signer ($k)"
		diag_last
	fi
	run vfychain -d "$DB" -u 5 -a "$T/$k.pem"
	if [ "$RC" -eq 0 ] && grep -q 'Chain is good' "$OUT" "$ERR"; then
		ok "vfychain -u 5 email recipient ($k)"
	else
		fail "vfychain -u 5 email recipient ($k)"
		diag_last
	fi
	check "vfychain -pp -u 4 with the root as anchor, no db ($k)" \
	    vfychain -pp -u 4 "$T/$k.der" "$T/issuing.der" -t "$T/root.der"
	check "vfychain -pp -u 5 with the root as anchor, no db ($k)" \
	    vfychain -pp -u 5 "$T/$k.der" "$T/issuing.der" -t "$T/root.der"
	check_fails "vfychain -pp -u 4 with a foreign anchor fails ($k)" \
	    vfychain -pp -u 4 "$T/$k.der" "$T/issuing.der" -t "$T/wrong.der"
	run vfychain -pp -u 1 "$T/$k.der" "$T/issuing.der" -t "$T/root.der"
	if [ "$RC" -ne 0 ] && grep -q 'SEC_ERROR_INADEQUATE_CERT_TYPE\|-8101\|-8102' "$OUT" "$ERR"; then
		ok "vfychain -pp -u 1 (SSL server) fails: inadequate cert type ($k)"
	else
		fail "vfychain -pp -u 1 (SSL server) fails: inadequate cert type ($k)"
		diag_last
	fi
done

# --- cmsutil -D of OpenSSL-signed messages -----------------------------------
printf 'Subject: hello\r\n\r\nSigned by OpenSSL, read by NSS.\r\n' >"$T/msg.txt"
sed 's/OpenSSL/OpenSSH/' "$T/msg.txt" >"$T/tampered.txt"
for k in rsa ec; do
	check "openssl cms -sign -nodetach -outform DER ($k)" \
	    openssl cms -sign -nodetach -binary -outform DER -in "$T/msg.txt" \
	    -signer "$T/$k.pem" -inkey "$T/$k.key" -certfile "$T/issuing.pem" \
	    -out "$T/$k-signed.der"
	run cmsutil -D -n -h 1 -d "$DB" -i "$T/$k-signed.der"
	file_has "$OUT" 'signer0\.status=GoodSignature' "cmsutil -D: GoodSignature ($k)"
	check "cmsutil -D extracts the content ($k)" \
	    cmsutil -D -d "$DB" -i "$T/$k-signed.der" -o "$T/$k-content.txt"
	if cmp -s "$T/$k-content.txt" "$T/msg.txt"; then
		ok "the content NSS extracts is the message ($k)"
	else
		fail "the content NSS extracts is the message ($k)"
	fi
	check "openssl cms -sign detached DER ($k)" \
	    openssl cms -sign -binary -outform DER -in "$T/msg.txt" \
	    -signer "$T/$k.pem" -inkey "$T/$k.key" -certfile "$T/issuing.pem" \
	    -out "$T/$k-detached.der"
	run cmsutil -D -n -h 1 -d "$DB" -c "$T/msg.txt" -i "$T/$k-detached.der"
	file_has "$OUT" 'signer0\.status=GoodSignature' "cmsutil -D detached: GoodSignature ($k)"
	run cmsutil -D -n -h 1 -d "$DB" -c "$T/tampered.txt" -i "$T/$k-detached.der"
	if grep -q 'GoodSignature' "$OUT"; then
		fail "cmsutil -D of tampered content: no GoodSignature ($k)"
		diag_last
	else
		ok "cmsutil -D of tampered content: no GoodSignature ($k)"
	fi
done

# --- a database without our root ---------------------------------------------
NDB=sql:$T/ndb
mkdir "$T/ndb"
certutil -N -d "$NDB" --empty-password >/dev/null 2>&1
certutil -A -d "$NDB" -n "foreign root" -t "C,C,C" -i "$T/wrong.pem" >/dev/null 2>&1
certutil -A -d "$NDB" -n "mailcert issuing" -t ",," -i "$T/issuing.pem" >/dev/null 2>&1
certutil -A -d "$NDB" -n "leaf-rsa" -t ",," -i "$T/rsa.pem" >/dev/null 2>&1
for k in rsa ec; do
	run cmsutil -D -n -h 1 -d "$NDB" -i "$T/$k-signed.der"
	if grep -q 'GoodSignature' "$OUT"; then
		fail "root not in the db: no GoodSignature ($k)"
		diag_last
	else
		ok "root not in the db: no GoodSignature ($k)"
	fi
	check_fails "root not in the db: vfychain -u 4 fails ($k)" \
	    vfychain -d "$NDB" -u 4 "$T/$k.der"
done
check_fails "root not in the db: certutil -V -u S fails" \
    certutil -V -d "$NDB" -n leaf-rsa -u S

# --- PKCS#12 into NSS, CMS encryption both ways (RSA) -------------------------
KDB=sql:$T/kdb
mkdir "$T/kdb"
certutil -N -d "$KDB" --empty-password >/dev/null 2>&1
certutil -A -d "$KDB" -n "mailcert root" -t "C,C,C" -i "$T/root.pem" >/dev/null 2>&1
for k in rsa ec; do
	run pk12util -i "$T/$k.p12" -d "$KDB" -w "$T/pw"
	if [ "$RC" -eq 0 ] && grep -q 'SUCCESSFUL' "$OUT" "$ERR"; then
		ok "pk12util imports the modern (AES-256) p12 ($k)"
	else
		fail "pk12util imports the modern (AES-256) p12 ($k)"
		diag_last
	fi
done
run certutil -K -d "$KDB"
is "$(grep -c '^<' "$OUT")" 2 "NSS holds both private keys after import"
run certutil -L -d "$KDB"
is "$(grep -c 'u,u,u' "$OUT")" 2 "both imported certificates are user certificates (u,u,u)"

check "export p12 --legacy (rsa)" mc "$D" export p12 "${SER[rsa]}" --legacy \
    --password-file "$T/pw" -o "$T/rsa-legacy.p12"
LDB=sql:$T/ldb
mkdir "$T/ldb"
certutil -N -d "$LDB" --empty-password >/dev/null 2>&1
run pk12util -i "$T/rsa-legacy.p12" -d "$LDB" -w "$T/pw"
if [ "$RC" -eq 0 ] && grep -q 'SUCCESSFUL' "$OUT" "$ERR"; then
	ok "pk12util imports the legacy (3DES) p12"
else
	fail "pk12util imports the legacy (3DES) p12"
	diag_last
fi

check "cmsutil -E to alice" cmsutil -E -r alice@example.org -d "$KDB" \
    -i "$T/msg.txt" -o "$T/nss-enc.der"
check "openssl cms -decrypt of NSS's message" \
    openssl cms -decrypt -binary -inform DER -in "$T/nss-enc.der" \
    -recip "$T/rsa.pem" -inkey "$T/rsa.key" -out "$T/nss-dec.txt"
if cmp -s "$T/nss-dec.txt" "$T/msg.txt"; then
	ok "OpenSSL decrypts what NSS encrypted"
else
	fail "OpenSSL decrypts what NSS encrypted"
fi
check "openssl cms -encrypt to alice" \
    openssl cms -encrypt -aes256 -binary -outform DER -in "$T/msg.txt" \
    -out "$T/ossl-enc.der" "$T/rsa.pem"
check "cmsutil -D decrypts with the imported key" \
    cmsutil -D -d "$KDB" -i "$T/ossl-enc.der" -o "$T/ossl-dec.txt"
if cmp -s "$T/ossl-dec.txt" "$T/msg.txt"; then
	ok "NSS decrypts what OpenSSL encrypted"
else
	fail "NSS decrypts what OpenSSL encrypted"
fi

done_testing
