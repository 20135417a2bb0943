#!/usr/bin/env bash
#
# check.sh: `mailcert check` on certificates mailcert issued and on
# purpose-made ones from an OpenSSL-made PKI: each check fails on its own
# defect (address, missing intermediate, untrusted root, expired
# intermediate, keyUsage, extKeyUsage, RSA-1024), and revocation is judged
# with --crl and with --fetch-crl against a throwaway HTTP server on
# loopback that serves the exported CRLs where the certificates' CRL
# distribution points say. Exit 0 only when every check passes; bad input
# answers exit 1 with one line naming the file and the problem.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca
# Loopback never goes through a proxy from the environment.
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

PORT=$(/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])') || bail "no free port"

check "init with the CRL base on loopback" mc "$D" init --org "Check Test Org" --ca-key ec-p384 \
    --base-url "http://127.0.0.1:$PORT"
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
split_pem "$T/chain.pem" "$T/c" >/dev/null
ICA=$T/c1.pem
ROOT=$T/c2.pem
SA=$(issue_cert "$D" --email anna@example.org --given-name Anna --surname Check --key rsa-2048)
SB=$(issue_cert "$D" --email bob@example.org --given-name Bob --surname Check --key ec-p256)
SR=$(issue_cert "$D" --email rita@example.org --given-name Rita --surname Revoked --key ec-p256)
like "$SA$SB$SR" '^[0-9A-F]+$' "issued three certificates"
mc "$D" export cert "$SA" --format pem -o "$T/anna.pem" 2>/dev/null
mc "$D" export cert "$SB" --format pem -o "$T/bob.pem" 2>/dev/null
mc "$D" export cert "$SR" --format pem -o "$T/rita.pem" 2>/dev/null
cat "$T/anna.pem" "$ICA" >"$T/anna-ica.pem"

# --- the good case -----------------------------------------------------------------------
check "a mailcert certificate passes (trust from the data directory)" \
    mc "$D" check "$T/anna.pem" --address anna@example.org
is "$(cut -d' ' -f1-2 "$OUT" | tr '\n' ' ')" \
    "PASS chain: PASS validity: SKIP revocation: PASS address: PASS signing: PASS encryption: PASS key-size: " \
    "seven checks in order, revocation skipped"
file_has "$OUT" '^SKIP revocation: not checked: .*not counted as a failure' "the skip says it is not a failure"
file_has "$OUT" '^PASS chain: issued by "CN=Check Test Org S/MIME CA 1[^"]*", under the trusted root "CN=Check Test Org Root CA 1' \
    "the chain names the CAs"
check "an EC certificate passes" mc "$D" check "$T/bob.pem" --address bob@example.org --trust "$T/chain.pem"
file_has "$OUT" '^PASS encryption: keyUsage has keyAgreement' "EC encrypts by keyAgreement"
file_has "$OUT" '^PASS key-size: EC key on P-256$' "P-256 is accepted"
check "--usage sign: six checks" mc "$D" check "$T/anna.pem" --address anna@example.org --usage sign
is "$(wc -l <"$OUT")" 6 "no encryption line with --usage sign"
check "--usage encrypt" mc "$D" check "$T/anna.pem" --address anna@example.org --usage encrypt
if grep -q '^PASS signing' "$OUT"; then fail "no signing line with --usage encrypt"; else ok "no signing line with --usage encrypt"; fi
check "the domain in another case passes" mc "$D" check "$T/anna.pem" --address anna@EXAMPLE.ORG
check "--json" mc "$D" check "$T/anna.pem" --address anna@example.org --json
file_has "$OUT" '"accepted": true' "JSON: accepted"
file_has "$OUT" '"name": "revocation"' "JSON lists the checks"
file_has "$OUT" '"result": "SKIP"' "JSON carries the results"

# fails RE MSG ARGS...: exit 1, RE on stdout, one line on stderr saying
# the certificate would not be accepted.
fails() {
	local re=$1 msg=$2
	shift 2
	expect_exit 1 mc "$D" check "$@"
	file_has "$OUT" "$re" "$msg"
	if [ "$(wc -l <"$ERR")" -eq 1 ] && grep -q 'would not be accepted' "$ERR"; then
		ok "  stderr: one line, not accepted"
	else
		fail "  stderr: one line, not accepted"
		diag_last
	fi
}

fails '^FAIL address: "anna@example.net" is not among the certificate.s addresses: "anna@example.org"$' \
    "a wrong address" "$T/anna.pem" --address anna@example.net
fails '^FAIL address: "Anna@example.org" differs .* only in the case of the local part' \
    "the local part is case-sensitive" "$T/anna.pem" --address Anna@example.org
fails '^FAIL validity: "CN=anna@example.org" expired ' "expired at --at 2099-01-01" \
    "$T/anna.pem" --address anna@example.org --at 2099-01-01
fails '^FAIL validity: .* is valid only from ' "not yet valid at --at 2001-01-01" \
    "$T/anna.pem" --address anna@example.org --at 2001-01-01

# --- chains --------------------------------------------------------------------------------
fails '^FAIL chain: the issuer "CN=Check Test Org S/MIME CA 1[^"]*" of "CN=anna@example.org" is in neither the trust bundle nor the certificate.s file' \
    "a missing intermediate" "$T/anna.pem" --address anna@example.org --trust "$ROOT"
check "the intermediate from the certificate's file completes the chain" \
    mc "$D" check "$T/anna-ica.pem" --address anna@example.org --trust "$ROOT"
make_foreign_root "$T/foreign"
fails '^FAIL chain: ' "a root not in the bundle" "$T/anna.pem" --address anna@example.org \
    --trust "$T/foreign.pem"
cat "$T/anna.pem" "$ICA" "$ROOT" >"$T/anna-full.pem"
fails '^FAIL chain: the chain ends at the root "CN=Check Test Org Root CA 1[^"]*", which is not in the trust bundle$' \
    "an untrusted root brought along in the file" "$T/anna-full.pem" --address anna@example.org \
    --trust "$T/foreign.pem"

# --- an OpenSSL-made PKI with purpose-made leaves ------------------------------------------------
EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
openssl req -x509 -new "${EC[@]}" -nodes -keyout "$T/oroot.key" -out "$T/oroot.pem" \
    -days 3650 -subj "/O=Elsewhere/CN=Other Root" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || fail "openssl made a root"

# sign NAME ISSUER DAYS EXTLINES KEYOPTS... -- SUBJ: $T/NAME.pem signed by $T/ISSUER
sign() {
	local n=$1 iss=$2 days=$3 ext=$4 subj
	shift 4
	subj=${*: -1}
	set -- "${@:1:$#-1}"
	printf '%s\n' "$ext" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$T/$n.ext"
	openssl req -new "$@" -nodes -keyout "$T/$n.key" -subj "$subj" -out "$T/$n.csr" \
	    >/dev/null 2>&1 &&
	openssl x509 -req -in "$T/$n.csr" -CA "$T/$iss.pem" -CAkey "$T/$iss.key" \
	    -set_serial "$((RANDOM * 32768 + RANDOM + 1))" -days "$days" -sha256 \
	    -extfile "$T/$n.ext" -out "$T/$n.pem" >/dev/null 2>&1 ||
	    fail "openssl made $n"
}
CA='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign'
sign oica oroot 3650 "$CA" "${EC[@]}" "/O=Elsewhere/CN=Other ICA"
sign short oroot 1 "$CA" "${EC[@]}" "/O=Elsewhere/CN=Short ICA"

LEAF='keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=emailProtection
subjectAltName=email:eve@example.org'
# leaf NAME ISSUER EXTLINES KEYOPTS... SUBJ: a leaf, then NAME-full.pem with its ICA
leaf() {
	local n=$1 iss=$2
	shift 2
	sign "$n" "$iss" 30 "$@"
	cat "$T/$n.pem" "$T/$iss.pem" >"$T/$n-full.pem"
}
leaf good oica "$LEAF" -newkey rsa:2048 "/CN=eve@example.org"
leaf signonly oica "${LEAF/digitalSignature,keyEncipherment/digitalSignature}" \
    -newkey rsa:2048 "/CN=eve@example.org"
leaf nonrep oica "${LEAF/digitalSignature,keyEncipherment/nonRepudiation,keyEncipherment}" \
    -newkey rsa:2048 "/CN=eve@example.org"
leaf server oica "${LEAF/emailProtection/serverAuth}" -newkey rsa:2048 "/CN=eve@example.org"
leaf weak oica "$LEAF" -newkey rsa:1024 "/CN=eve@example.org"
leaf legacy oica 'keyUsage=critical,digitalSignature,keyEncipherment' -newkey rsa:2048 \
    "/CN=Eve/emailAddress=eve@example.org"
leaf late short "$LEAF" -newkey rsa:2048 "/CN=eve@example.org"

OT=(--trust "$T/oroot.pem")
check "a purpose-made leaf with everything right passes" \
    mc "$D" check "$T/good-full.pem" --address eve@example.org "${OT[@]}"
check "an emailAddress-only subject (no SAN) passes" \
    mc "$D" check "$T/legacy-full.pem" --address eve@example.org "${OT[@]}"
file_has "$OUT" '^PASS address: "eve@example.org" is the subject emailAddress$' "matched on emailAddress"
file_has "$OUT" '^PASS signing: keyUsage has digitalSignature, no extKeyUsage \(any use\)$' "no EKU allows any use"
fails '^FAIL encryption: keyUsage lacks keyEncipherment$' "keyUsage without keyEncipherment cannot encrypt" \
    "$T/signonly-full.pem" --address eve@example.org "${OT[@]}" --usage encrypt
check "... but signs" mc "$D" check "$T/signonly-full.pem" --address eve@example.org "${OT[@]}" --usage sign
fails '^FAIL signing: keyUsage lacks digitalSignature \(nonRepudiation alone does not sign mail\)$' \
    "nonRepudiation without digitalSignature" "$T/nonrep-full.pem" --address eve@example.org "${OT[@]}"
fails '^FAIL signing: extKeyUsage lacks emailProtection \(it has serverAuth\)$' "serverAuth only (signing)" \
    "$T/server-full.pem" --address eve@example.org "${OT[@]}"
file_has "$OUT" '^FAIL encryption: extKeyUsage lacks emailProtection' "serverAuth only (encryption)"
fails '^FAIL key-size: RSA key of 1024 bits, below 2048$' "RSA-1024" \
    "$T/weak-full.pem" --address eve@example.org "${OT[@]}"
LATER=$(date -u -d '+3 days' +%Y-%m-%d)
check "a leaf under a 1-day intermediate passes today" \
    mc "$D" check "$T/late-full.pem" --address eve@example.org "${OT[@]}"
fails '^FAIL validity: "CN=Short ICA,O=Elsewhere" expired [0-9T:-]+Z$' \
    "the expired intermediate is named, the leaf is fine" \
    "$T/late-full.pem" --address eve@example.org "${OT[@]}" --at "$LATER"
file_has "$OUT" '^PASS chain: ' "an expired intermediate does not break the chain's structure"

# --- revocation with --crl ------------------------------------------------------------------
check "cert revoke" mc "$D" cert revoke "$SR" --reason keyCompromise
check "crl generate" mc "$D" crl generate
mc "$D" export crl --format pem -o "$T/issuing.crl.pem" 2>/dev/null
mc "$D" export crl --ca root-1 --format pem -o "$T/root.crl.pem" 2>/dev/null
cat "$T/issuing.crl.pem" "$T/root.crl.pem" >"$T/both.crl.pem"
check "--crl: a certificate not on the CRL passes" \
    mc "$D" check "$T/anna.pem" --address anna@example.org --crl "$T/both.crl.pem"
file_has "$OUT" '^PASS revocation: "CN=anna@example.org" is not revoked \(CRL issued .*; "CN=Check Test Org S/MIME CA 1[^"]*" is not revoked' \
    "the leaf and the intermediate are both judged"
check "--crl with the issuing CA's CRL alone" \
    mc "$D" check "$T/anna.pem" --address anna@example.org --crl "$T/issuing.crl.pem"
file_has "$OUT" '^PASS revocation: .*no CRL from "CN=Check Test Org Root CA 1[^"]*", so it is not checked$' \
    "an intermediate without a CRL is noted, not failed"
fails '^FAIL revocation: "CN=rita@example.org" is revoked since [0-9T:-]+Z \(keyCompromise\)' \
    "--crl: the revoked certificate fails" "$T/rita.pem" --address rita@example.org --crl "$T/both.crl.pem"
STALE=$(date -u -d '+15 days' +%Y-%m-%d)
fails '^FAIL revocation: the CRL from "CN=Check Test Org S/MIME CA 1[^"]*" is stale: its nextUpdate [0-9T:-]+Z has passed' \
    "a stale CRL" "$T/anna.pem" --address anna@example.org --crl "$T/both.crl.pem" --at "$STALE"
fails '^FAIL revocation: no CRL from "CN=Check Test Org S/MIME CA 1' \
    "only the root's CRL: the leaf is not covered" "$T/anna.pem" --address anna@example.org \
    --crl "$T/root.crl.pem"
# Another CA of the same name: its CRL has the right issuer, the wrong key.
check "init a look-alike CA" mc "$T/twin" init --org "Check Test Org" --ca-key ec-p384 \
    --base-url http://127.0.0.1:1
mc "$T/twin" crl generate >/dev/null 2>&1
mc "$T/twin" export crl --format pem -o "$T/twin.crl.pem" 2>/dev/null
fails '^FAIL revocation: the CRL from "CN=Check Test Org S/MIME CA 1[^"]*" does not verify with its issuer.s key' \
    "a CRL signed by the wrong key" "$T/anna.pem" --address anna@example.org --crl "$T/twin.crl.pem"

# --- revocation with --fetch-crl ---------------------------------------------------------------
mkdir -p "$T/www/crl" "$T/www404"
mc "$D" export crl --format der -o "$T/www/crl/issuing-1.crl" 2>/dev/null
mc "$D" export crl --ca root-1 --format der -o "$T/www/crl/root-1.crl" 2>/dev/null
like "$(openssl x509 -in "$T/anna.pem" -noout -ext crlDistributionPoints 2>/dev/null | tr -d ' \n')" \
    "URI:http://127.0.0.1:$PORT/crl/issuing-1.crl" "the leaf's CRL DP points at the test server"

HTTP_PID=
# serve DIR: a throwaway HTTP server on $PORT; polled until it answers.
serve() {
	local i
	(cd "$1" && exec /usr/bin/python3 -m http.server --bind 127.0.0.1 "$PORT") \
	    >>"$T/http.log" 2>&1 &
	HTTP_PID=$!
	track_pid "$HTTP_PID"
	for i in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	bail "the HTTP server on port $PORT did not come up"
}
unserve() {
	kill -TERM "$HTTP_PID" 2>/dev/null
	wait "$HTTP_PID" 2>/dev/null
	HTTP_PID=
}

serve "$T/www"
check "--fetch-crl: a certificate not on the fetched CRL passes" \
    mc "$D" check "$T/anna.pem" --address anna@example.org --fetch-crl
file_has "$OUT" '^PASS revocation: "CN=anna@example.org" is not revoked' "the fetched CRL covers the leaf"
file_has "$T/http.log" 'GET /crl/issuing-1.crl' "the server saw the leaf's CRL fetched"
file_has "$T/http.log" 'GET /crl/root-1.crl' "the server saw the intermediate's CRL fetched"
fails '^FAIL revocation: "CN=rita@example.org" is revoked since' \
    "--fetch-crl: the revoked certificate fails" "$T/rita.pem" --address rita@example.org --fetch-crl
expect_user_error 'exclude' mc "$D" check "$T/anna.pem" --address anna@example.org \
    --fetch-crl --crl "$T/both.crl.pem"
unserve

serve "$T/www404"
fails "^FAIL revocation: cannot fetch the CRL for \"CN=anna@example.org\": \"http://127.0.0.1:$PORT/crl/issuing-1.crl\": HTTP status 404" \
    "a CRL the server does not have" "$T/anna.pem" --address anna@example.org --fetch-crl
unserve

start=$SECONDS
fails "^FAIL revocation: cannot fetch the CRL for \"CN=anna@example.org\": \"http://127.0.0.1:$PORT/crl/issuing-1.crl\": .*(connect|refused)" \
    "an unreachable CRL URL is a clear failure" "$T/anna.pem" --address anna@example.org --fetch-crl
num_cmp $((SECONDS - start)) -lt 15 "... at once, not after a hang"

# --- bad input -----------------------------------------------------------------------------------
A=(--address anna@example.org)
: >"$T/empty.pem"
head -c 300 "$T/anna.pem" >"$T/trunc.pem"
openssl x509 -in "$T/anna.pem" -outform DER 2>/dev/null | head -c 200 >"$T/trunc.der"
openssl req -new "${EC[@]}" -nodes -keyout "$T/r.key" -subj "/CN=x" -out "$T/req.csr" >/dev/null 2>&1
printf 'not a certificate\n' >"$T/text.txt"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'A' >"$T/big.pem"
head -c 200 "$T/issuing.crl.pem" >"$T/trunc.crl"

# bad_file WHERE RE FILE: FILE as the certificate file or as --trust
bad_file() {
	if [ "$1" = CERTFILE ]; then
		expect_user_error "$2" mc "$D" check "$3" "${A[@]}" --trust "$T/chain.pem"
	else
		expect_user_error "$2" mc "$D" check "$T/anna.pem" "${A[@]}" --trust "$3"
	fi
}
for where in CERTFILE --trust; do
	diag "$where:"
	bad_file $where 'empty\.pem" is empty' "$T/empty.pem"
	bad_file $where 'trunc\.pem": PEM block 1 is malformed' "$T/trunc.pem"
	bad_file $where 'trunc\.der" is neither PEM nor' "$T/trunc.der"
	bad_file $where 'req\.csr" holds no certificate' "$T/req.csr"
	bad_file $where 'text\.txt" holds no certificate' "$T/text.txt"
	bad_file $where 'big\.pem" is larger than' "$T/big.pem"
	bad_file $where 'nosuch\.pem": No such file' "$T/nosuch.pem"
done
diag "--crl:"
expect_user_error 'empty\.pem" is empty' mc "$D" check "$T/anna.pem" "${A[@]}" --crl "$T/empty.pem"
expect_user_error 'text\.txt" holds no CRL' mc "$D" check "$T/anna.pem" "${A[@]}" --crl "$T/text.txt"
expect_user_error 'anna\.pem" holds no CRL \(1 other PEM block\)' mc "$D" check "$T/anna.pem" "${A[@]}" --crl "$T/anna.pem"
expect_user_error 'trunc\.crl": PEM block 1 is malformed' mc "$D" check "$T/anna.pem" "${A[@]}" --crl "$T/trunc.crl"
expect_user_error 'big\.pem" is larger than' mc "$D" check "$T/anna.pem" "${A[@]}" --crl "$T/big.pem"
expect_user_error 'nosuch\.crl": No such file' mc "$D" check "$T/anna.pem" "${A[@]}" --crl "$T/nosuch.crl"
diag "options:"
expect_user_error '--address is missing' mc "$D" check "$T/anna.pem"
expect_user_error 'certificate file is missing' mc "$D" check "${A[@]}"
expect_user_error 'unknown usage "both"' mc "$D" check "$T/anna.pem" "${A[@]}" --usage both
expect_user_error '"soon" is not a date' mc "$D" check "$T/anna.pem" "${A[@]}" --at soon
expect_user_error 'annaexample\.org' mc "$D" check "$T/anna.pem" --address annaexample.org
expect_user_error 'no --trust BUNDLE given, and "[^"]*nodir" is not an initialised' \
    mc "$T/nodir" check "$T/anna.pem" "${A[@]}"
cat "$T/anna.pem" "$T/bob.pem" >"$T/two.pem"
expect_user_error 'two\.pem" holds 2 end-entity certificates' mc "$D" check "$T/two.pem" "${A[@]}"

done_testing
