#!/usr/bin/env bash
#
# rollover.sh: the whole CA rollover as an administrator runs it, and what
# mail clients see of it. Users get certificates under issuing-1 and sign
# and receive mail; `ca rollover begin` makes issuing-2 current while the
# chain export carries both; `reissue` moves everyone over in batches;
# `finish` refuses until nobody is left, then revokes the superseded
# certificates in a final CRL and retires issuing-1. Mail signed before,
# during and after verifies with OpenSSL (cms -verify) and NSS (cmsutil -D,
# GoodSignature) against the exported bundle, and mail encrypted before
# the rollover still decrypts with the escrowed old key. Then the same,
# briefly, with a new root.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca
printf 'rollover-test-password\n' >"$T/pw"
printf 'Subject: rollover\r\n\r\nSigned across a CA rollover.\r\n' >"$T/msg.txt"

# p12_key SERIAL NAME: export the p12 of SERIAL and unpack NAME.pem/NAME.key
p12_key() {
	check "export p12 $2" mc "$D" export p12 "$1" --password-file "$T/pw" \
	    -o "$T/$2.p12"
	openssl pkcs12 -in "$T/$2.p12" -passin "file:$T/pw" -nokeys -clcerts \
	    -out "$T/$2.pem" 2>/dev/null
	openssl pkcs12 -in "$T/$2.p12" -passin "file:$T/pw" -nocerts -nodes \
	    -out "$T/$2.key" 2>/dev/null
	is "$(cert_serial "$T/$2.pem")" "$(norm_serial "$1")" \
	    "the p12 of $2 holds serial $1"
}

# sign NAME OUT [openssl args]: opaque DER SignedData by NAME's key. Only
# the signer's certificate goes in, so the bundle has to supply the CA.
sign() {
	local who=$1 out=$2
	shift 2
	check "sign $out with $who" openssl cms -sign -binary -nodetach \
	    -outform DER -in "$T/msg.txt" -signer "$T/$who.pem" \
	    -inkey "$T/$who.key" -out "$T/$out.der" "$@"
}

# ossl_verify MSG CAFILE [CERTFILE]: cms -verify, and the content is the
# message. OpenSSL 3.0 uses -certfile only to find the signer, not to build
# the chain (that came with openssl/openssl#18916), so a bare message is
# checked with the exported bundle as -CAfile: its one self-signed
# certificate, the root, is the only anchor and the issuing CAs in it fill
# the chain. With a CERTFILE the message must carry its issuing CA.
ossl_verify() {
	local m=$1 ca=$2 extra=""
	[ $# -gt 2 ] && extra="-certfile $3"
	# shellcheck disable=SC2086
	check "openssl cms -verify $m (-CAfile $(basename "$ca")${3:+ -certfile $(basename "$3")})" \
	    openssl cms -verify -x509_strict -binary -inform DER -in "$T/$m.der" \
	    -CAfile "$ca" $extra -purpose smimesign -out "$T/$m.out"
	if cmp -s "$T/$m.out" "$T/msg.txt"; then
		ok "  the content of $m is the message"
	else
		fail "  the content of $m is the message"
	fi
}

# nss_verify DB MSG
nss_verify() {
	run cmsutil -D -n -h 1 -d "$1" -i "$T/$2.der"
	file_has "$OUT" 'signer0\.status=GoodSignature' \
	    "cmsutil -D $2: GoodSignature"
}

# The counts of CA name in `ca rollover status`: ACTIVE SUPERSEDED TO_REISSUE
rollover_counts() {
	mc "$1" ca rollover status 2>/dev/null </dev/null |
	    awk -v n="$2" '$1 == n { print $4, $5, $6, $7 }'
}

# --- before: issuing-1 ------------------------------------------------------
check "init" mc "$D" init --org "Rollover Org" --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"

declare -A OLD NEW
OLD[alice]=$(issue_cert "$D" --email alice@example.org --given-name Alice \
    --surname Rsa --key rsa-2048)
OLD[bob]=$(issue_cert "$D" --email bob@example.org --given-name Bob \
    --surname Rsa --key rsa-3072)
OLD[carol]=$(issue_cert "$D" --email carol@example.org --given-name Carol \
    --surname Ec --key ec-p256)
for u in alice bob carol; do
	like "${OLD[$u]}" '^[0-9A-F]+$' "issued $u's certificate under issuing-1"
done
p12_key "${OLD[alice]}" alice-old
p12_key "${OLD[carol]}" carol-old

check "export chain before" mc "$D" export chain --format pem -o "$T/chain-before.pem"
is "$(split_pem "$T/chain-before.pem" "$T/b")" 2 "before: issuing-1 and the root"
mv "$T/b1.pem" "$T/issuing-1.pem"
mv "$T/b2.pem" "$T/root.pem"

sign alice-old before-alice
sign carol-old before-carol
# As mail clients do: with the issuing CA in the message.
sign alice-old before-alice-chain -certfile "$T/issuing-1.pem"
check "encrypt to alice before the rollover" \
    openssl cms -encrypt -aes256 -binary -outform DER -in "$T/msg.txt" \
    -out "$T/enc-before.der" "$T/alice-old.pem"
check "decrypt with alice's key before the rollover" \
    openssl cms -decrypt -binary -inform DER -in "$T/enc-before.der" \
    -recip "$T/alice-old.pem" -inkey "$T/alice-old.key" -out "$T/dec0.txt"

check "ca status" mc "$D" ca status
file_has "$OUT" '^issuing-1 +issuing +active .* ok \(current\)$' \
    "ca status: issuing-1 is current and ok"
check "ca rollover status before begin" mc "$D" ca rollover status
file_has "$OUT" 'no rollover in progress' "rollover status: none in progress"
expect_user_error 'no rollover is in progress' mc "$D" ca rollover reissue

# --- begin ------------------------------------------------------------------
check "ca rollover begin" mc "$D" ca rollover begin
file_has "$OUT" '^issuing-2 \(under the root root-1\) now signs' \
    "begin names the new CA and its root"
file_has "$OUT" '^issuing-1 +CRL number' "begin signs a fresh CRL for issuing-1"
file_has "$OUT" '^issuing-2 +CRL number' "begin signs a first CRL for issuing-2"
expect_user_error 'rollover is in progress.*issuing-1.*issuing-2' \
    mc "$D" ca rollover begin
expect_user_error 'rollover is in progress' mc "$D" ca rollover begin --new-root
check "ca list during" mc "$D" ca list
file_has "$OUT" '^issuing-1 +issuing +active' "issuing-1 stays active"
file_has "$OUT" '^issuing-2 +issuing +active .*S/MIME CA 2' \
    "issuing-2 is active with CN \"Rollover Org S/MIME CA 2\""
check "crl generate during" mc "$D" crl generate
file_has "$OUT" '^issuing-1 ' "crl generate still signs for issuing-1"

check "export chain during" mc "$D" export chain --format pem -o "$T/chain-during.pem"
is "$(split_pem "$T/chain-during.pem" "$T/d")" 3 \
    "during: two issuing CAs and the root"
is "$(fpr "$T/d3.pem")" "$(fpr "$T/root.pem")" "during: the root comes last"
is "$(fpr "$T/d2.pem")" "$(fpr "$T/issuing-1.pem")" "during: issuing-1 is in it"
mv "$T/d1.pem" "$T/issuing-2.pem"
like "$(openssl x509 -in "$T/issuing-2.pem" -noout -subject)" 'S/MIME CA 2' \
    "during: issuing-2 is in it"
check "issuing-2 verifies against the root" \
    openssl verify -CAfile "$T/root.pem" "$T/issuing-2.pem"

# --- during -----------------------------------------------------------------
sign alice-old during-alice-old
NEW[dave]=$(issue_cert "$D" --email dave@example.org --given-name Dave \
    --surname Rsa --key rsa-2048)
like "${NEW[dave]}" '^[0-9A-F]+$' "a new certificate during the rollover"
check "cert show dave" mc "$D" cert show "${NEW[dave]}"
file_has "$OUT" '^ca: +issuing-2$' "new certificates come from issuing-2"
p12_key "${NEW[dave]}" dave-new
sign dave-new during-dave-new

check "ca status during" mc "$D" ca status
file_has "$OUT" '^issuing-2 +issuing +active .*\(current\)$' \
    "ca status: issuing-2 is current"
file_has "$OUT" '^issuing-1 +issuing +active ' "ca status: issuing-1 still listed active"
check "ca status --json" mc "$D" ca status --json
obj=$(json_objects "$OUT" | grep '"name": *"issuing-1"')
like "$(json_field "$obj" full_length_until)" '^20[0-9-]+T' \
    "ca status --json: issuing-1 has a full_length_until date"
is "$(json_field "$obj" full_length_passed)" false \
    "ca status --json: issuing-1 can still sign full-length certificates"

is "$(rollover_counts "$D" issuing-1)" "3 0 3 0" \
    "rollover status: 3 active, 0 superseded, 3 to re-issue, 0 from a CSR"
check "rollover status --json" mc "$D" ca rollover status --json
file_has "$OUT" '"in_progress": true' "rollover status --json: in progress"
expect_user_error 'refusing to finish: 3 active certificates of "issuing-1".*ca rollover reissue' \
    mc "$D" ca rollover finish

check "reissue --batch 2" mc "$D" ca rollover reissue --batch 2
is "$(wc -l <"$OUT")" 2 "the first batch re-issues two"
cp "$OUT" "$T/pairs1"
file_has "$ERR" '1 left for the next batch' "reissue says one is left"
is "$(rollover_counts "$D" issuing-1)" "3 2 1 0" \
    "rollover status: 2 superseded, 1 to re-issue"
expect_user_error 'refusing to finish: 1 active certificate of' \
    mc "$D" ca rollover finish
check "reissue (the rest)" mc "$D" ca rollover reissue
is "$(wc -l <"$OUT")" 1 "the second run re-issues the last one"
cat "$T/pairs1" "$OUT" >"$T/pairs"
check "reissue again" mc "$D" ca rollover reissue
is "$(wc -l <"$OUT")" 0 "a re-run re-issues nothing"
file_has "$ERR" 'next: mailcert ca rollover finish' "reissue points at finish"
is "$(rollover_counts "$D" issuing-1)" "3 3 0 0" "rollover status: all superseded"

for u in alice bob carol; do
	NEW[$u]=$(awk -v o="${OLD[$u]}" '$1 == o { print $2 }' "$T/pairs")
	like "${NEW[$u]}" '^[0-9A-F]+$' "$u has a re-issued certificate"
	run mc "$D" cert show "${NEW[$u]}"
	file_has "$OUT" '^ca: +issuing-2$' "  $u's new certificate is from issuing-2"
	file_has "$OUT" "^email: +$u@example\\.org$" "  for the same mailbox"
done
run mc "$D" cert show "${NEW[carol]}"
file_has "$OUT" '^key: +ec-p256' "carol's new key is ec-p256 again"
run mc "$D" cert show "${NEW[bob]}"
file_has "$OUT" '^key: +rsa-3072' "bob's new key is rsa-3072 again"

# --- finish -----------------------------------------------------------------
check "ca rollover finish" mc "$D" ca rollover finish
file_has "$OUT" 'revoked 3 superseded' "finish revokes the three superseded"
file_has "$OUT" '^retired issuing-1; final CRL number' "finish retires issuing-1"
check "finish again converges" mc "$D" ca rollover finish
file_has "$OUT" 'nothing to finish' "a second finish has nothing to do"

# --- after: issuing-2 alone -------------------------------------------------
p12_key "${NEW[alice]}" alice-new
p12_key "${NEW[carol]}" carol-new
sign alice-new after-alice
sign carol-new after-carol
isnt "$(cert_spki_hash "$T/alice-new.pem")" "$(cert_spki_hash "$T/alice-old.pem")" \
    "alice's re-issued certificate has a new key"

check "export chain after" mc "$D" export chain --format pem -o "$T/chain-after.pem"
# The retired issuing-1 stays in the bundle until it expires, so mail
# signed under it keeps verifying where the bundle is the trust list.
is "$(split_pem "$T/chain-after.pem" "$T/a")" 3 \
    "after: issuing-2, the retired issuing-1 and the root"
is "$(fpr "$T/a1.pem")" "$(fpr "$T/issuing-2.pem")" "after: issuing-2 comes first"
is "$(fpr "$T/a2.pem")" "$(fpr "$T/issuing-1.pem")" "after: then the retired issuing-1"

# Every message against the bundle of the overlap, OpenSSL and NSS.
MSGS="before-alice before-carol during-alice-old during-dave-new after-alice after-carol"
for m in $MSGS; do
	ossl_verify "$m" "$T/chain-during.pem"
done
# The root is what anchors them: the issuing CAs alone are not enough.
cat "$T/issuing-1.pem" "$T/issuing-2.pem" >"$T/intermediates.pem"
check_fails "the issuing CAs without the root verify nothing" \
    openssl cms -verify -binary -inform DER -in "$T/after-alice.der" \
    -CAfile "$T/intermediates.pem" -purpose smimesign -out /dev/null
for m in before-alice before-carol during-alice-old during-dave-new \
    after-alice after-carol; do
	ossl_verify "$m" "$T/chain-after.pem"
done
# Old mail that carries its CA, as clients send it, needs only the root.
ossl_verify before-alice-chain "$T/root.pem" "$T/chain-after.pem"

DB=sql:$T/db
mkdir "$T/db"
check "certutil -N" certutil -N -d "$DB" --empty-password
check "trust the root C,C,C" \
    certutil -A -d "$DB" -n "rollover root" -t "C,C,C" -i "$T/root.pem"
check "import issuing-1" certutil -A -d "$DB" -n "issuing-1" -t ",," -i "$T/issuing-1.pem"
check "import issuing-2" certutil -A -d "$DB" -n "issuing-2" -t ",," -i "$T/issuing-2.pem"
for m in $MSGS before-alice-chain; do
	nss_verify "$DB" "$m"
done

# The message encrypted before the rollover, with the escrowed old key.
check "export p12 of alice's old serial after finish" \
    mc "$D" export p12 "${OLD[alice]}" --password-file "$T/pw" -o "$T/alice-again.p12"
openssl pkcs12 -in "$T/alice-again.p12" -passin "file:$T/pw" -nocerts -nodes \
    -out "$T/alice-again.key" 2>/dev/null
openssl pkcs12 -in "$T/alice-again.p12" -passin "file:$T/pw" -nokeys -clcerts \
    -out "$T/alice-again.pem" 2>/dev/null
check "openssl cms -decrypt of the message from before the rollover" \
    openssl cms -decrypt -binary -inform DER -in "$T/enc-before.der" \
    -recip "$T/alice-again.pem" -inkey "$T/alice-again.key" -out "$T/dec1.txt"
if cmp -s "$T/dec1.txt" "$T/msg.txt"; then
	ok "it decrypts to the message"
else
	fail "it decrypts to the message"
fi

# issuing-1: retired, its final CRL, and silence from then on.
check "ca list after" mc "$D" ca list
file_has "$OUT" '^issuing-1 +issuing +retired' "issuing-1 is retired"
file_has "$OUT" '^issuing-2 +issuing +active' "issuing-2 is active"
check "ca status after" mc "$D" ca status
file_has "$OUT" '^issuing-1 .* retired$' "ca status: issuing-1 retired"
check "export the final CRL of issuing-1" \
    mc "$D" export crl --ca issuing-1 --format pem -o "$T/final.crl"
run openssl crl -in "$T/final.crl" -CAfile "$T/issuing-1.pem" -noout
file_has "$ERR" 'verify OK' "the final CRL is signed by issuing-1"
openssl crl -in "$T/final.crl" -noout -text >"$T/final.txt" 2>/dev/null
awk '/Serial Number:/ { s = $3 } /Superseded/ { print s }' "$T/final.txt" |
    while read -r s; do norm_serial "$s"; echo; done | sort >"$T/superseded.got"
for u in alice bob carol; do norm_serial "${OLD[$u]}"; echo; done | sort \
    >"$T/superseded.want"
is "$(cat "$T/superseded.got")" "$(cat "$T/superseded.want")" \
    "the final CRL lists the three old serials with reason superseded"
nu=$(to_epoch "$(openssl crl -in "$T/final.crl" -noout -nextupdate | cut -d= -f2)")
is "$nu" "$(not_after "$T/issuing-1.pem")" \
    "the final CRL's nextUpdate is issuing-1's notAfter"
crlnum=$(openssl crl -in "$T/final.crl" -noout -crlnumber)
run mc "$D" cert show "${OLD[alice]}"
file_has "$OUT" '^revoked: .*\(superseded\)' "alice's old certificate is revoked (superseded)"

check "crl generate after" mc "$D" crl generate
unlike "$(cat "$OUT")" '^issuing-1 ' "crl generate no longer signs for issuing-1"
like "$(cat "$OUT")" '^issuing-2 ' "crl generate signs for issuing-2"
mc "$D" export crl --ca issuing-1 --format pem -o "$T/final2.crl" 2>/dev/null
is "$(openssl crl -in "$T/final2.crl" -noout -crlnumber)" "$crlnum" \
    "issuing-1's latest CRL is still the final one"
NEW[erin]=$(issue_cert "$D" --email erin@example.org --given-name Erin \
    --surname Rsa --key rsa-2048)
run mc "$D" cert show "${NEW[erin]}"
file_has "$OUT" '^ca: +issuing-2$' "a new cert issue comes from issuing-2"
expect_user_error 'no rollover is in progress' mc "$D" ca rollover reissue

# --- a new root ---------------------------------------------------------------
R=$T/nr
check "init (new-root story)" mc "$R" init --org "Root Org" \
    --base-url http://pki.example.test --ca-key ec-p384
s1=$(issue_cert "$R" --email frank@example.org --given-name Frank \
    --surname Ec --key ec-p256)
check "ca rollover begin --new-root" mc "$R" ca rollover begin --new-root
file_has "$OUT" '^issuing-2 \(under new root root-2\)' "begin makes root-2 and issuing-2"
file_has "$OUT" '^root-2 +CRL number' "begin signs a first CRL for root-2"
mc "$R" export chain --format pem -o "$T/nr-chain.pem" 2>/dev/null
is "$(split_pem "$T/nr-chain.pem" "$T/n")" 4 \
    "during: two issuing CAs and two roots"
roots=0
for f in "$T"/n[1-4].pem; do
	subj=$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253 | cut -d= -f2-)
	iss=$(openssl x509 -in "$f" -noout -issuer -nameopt RFC2253 | cut -d= -f2-)
	if [ "$subj" = "$iss" ]; then
		roots=$((roots + 1))
	fi
done
is "$roots" 2 "during: both roots are in the chain export"
s2=$(issue_cert "$R" --email grace@example.org --given-name Grace \
    --surname Ec --key ec-p256)
mc "$R" export cert "$s2" --format pem -o "$T/grace.pem" 2>/dev/null
mc "$R" ca show root-2 --pem >"$T/root-2.pem" 2>/dev/null
check "a certificate from issuing-2 verifies up to root-2" \
    openssl verify -purpose smimesign -CAfile "$T/root-2.pem" \
    -untrusted "$T/nr-chain.pem" "$T/grace.pem"
check "ca rollover status (new root)" mc "$R" ca rollover status
file_has "$OUT" '^root-1 +root .*1 active CA' "status shows root-1 with one CA under it"
check "reissue (new root)" mc "$R" ca rollover reissue
is "$(awk '{ print $1 }' "$OUT")" "$s1" "frank's certificate is re-issued"
check "finish (new root)" mc "$R" ca rollover finish
file_has "$OUT" '^retired issuing-1' "finish retires issuing-1"
file_has "$OUT" '^retired root-1' "finish retires root-1, which signs nothing active"
check "ca list (new root)" mc "$R" ca list
file_has "$OUT" '^root-1 +root +retired' "root-1 is retired"
file_has "$OUT" '^root-2 +root +active' "root-2 is active"
mc "$R" export chain --format pem -o "$T/nr-after.pem" 2>/dev/null
is "$(pem_count "$T/nr-after.pem")" 4 \
    "after: both roots and issuing CAs, the retired ones until they expire"
check "crl generate (new root)" mc "$R" crl generate
unlike "$(cat "$OUT")" '^(root-1|issuing-1) ' "no CRL from the retired root or CA"

done_testing
