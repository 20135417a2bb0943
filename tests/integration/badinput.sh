#!/usr/bin/env bash
#
# badinput.sh: every kind of bad input gets exit status 1, a one-line
# message on stderr naming the problem, and leaves the store exactly as it
# was (the SQLite dump and `cert list --json` hash the same before and
# after). Good CSRs are accepted and the certificate carries their key.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca

check "init" mc "$D" init --org "Bad Input Org" --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
S0=$(issue_cert "$D" --email alice@example.org --given-name Alice --surname Good --key ec-p256)
like "$S0" '^[0-9A-F]+$' "a good certificate is issued"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
split_pem "$T/chain.pem" "$T/c" >/dev/null
ICA=$T/c1.pem
ROOT=$T/c2.pem

files_state() {
	cat "$D/mailcert.conf" "$D/kek.bin" 2>/dev/null | sha256sum | cut -d' ' -f1
}
ST=$(store_state "$D")
FS=$(files_state)
isnt "$ST" "$(printf '' | sha256sum | cut -d' ' -f1)" "the store snapshot is not empty"
file_has <(sqlite3 "$D/mailcert.db" .dump 2>&1) 'CREATE TABLE' "sqlite3 dumps the store"

# bad RE cmd...: exit 1, a one-line message matching RE, the store unchanged.
bad() {
	local re=$1
	shift
	expect_user_error "$re" "$@"
	local now
	now=$(store_state "$D")
	if [ "$now" = "$ST" ]; then
		ok "  store unchanged"
	else
		fail "  store unchanged"
		ST=$now	# report each change once
	fi
}

ISSUE=(cert issue --given-name Eve --surname Bad)

# --- CSRs -----------------------------------------------------------------------
# csr NAME KEYSPEC SUBJ [ADDEXT...]: make $T/NAME.csr (PEM) and NAME.key
csr() {
	local n=$1 ks=$2 subj=$3 args=()
	shift 3
	for e in "$@"; do args+=(-addext "$e"); done
	case $ks in
	ec) ks=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
	rsa*) ks=(-newkey "rsa:${ks#rsa}") ;;
	esac
	openssl req -new "${ks[@]}" -nodes -keyout "$T/$n.key" -subj "$subj" \
	    "${args[@]}" -out "$T/$n.csr" >/dev/null 2>&1 || fail "openssl made CSR $n"
}

printf 'hello, I am not a CSR\n' >"$T/junk.csr"
bad 'CSR|request|parse|decode|PEM|DER' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/junk.csr"
printf -- '-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAAAAAAAAAA\n-----END CERTIFICATE REQUEST-----\n' >"$T/trunc.csr"
bad 'CSR|request|parse|decode|PEM|DER' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/trunc.csr"
bad 'nosuch|No such|exist|open|read' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/nosuch.csr"

# A good request whose signature is broken (last byte of the signature flipped).
csr sig ec /CN=alice@example.org "subjectAltName=email:alice@example.org"
openssl req -in "$T/sig.csr" -outform DER -out "$T/sig.der" 2>/dev/null
last=$(tail -c 1 "$T/sig.der" | od -An -tu1 | tr -d ' ')
head -c -1 "$T/sig.der" >"$T/badsig.der"
# shellcheck disable=SC2059 # the format is the octal escape of one byte
printf "\\$(printf '%03o' $((last ^ 1)))" >>"$T/badsig.der"
bad 'signature' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/badsig.der"

csr other ec /CN=mallory@example.net "subjectAltName=email:mallory@example.net"
bad 'mallory@example\.net|match|differ' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/other.csr"
csr othercn ec /CN=mallory@example.net
bad 'mallory@example\.net|match|differ|subject|CN' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/othercn.csr"
csr dns ec /CN=alice@example.org "subjectAltName=email:alice@example.org,DNS:www.example.org"
bad 'DNS|subjectAltName|SAN|alternative' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/dns.csr"
csr twomail ec /CN=alice@example.org "subjectAltName=email:alice@example.org,email:eve@example.org"
bad 'eve@example\.org|subjectAltName|SAN|alternative|one' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/twomail.csr"
csr uri ec /CN=alice@example.org "subjectAltName=email:alice@example.org,URI:http://evil.example"
bad 'URI|subjectAltName|SAN|alternative' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/uri.csr"
csr ca ec /CN=alice@example.org "subjectAltName=email:alice@example.org" "basicConstraints=critical,CA:TRUE"
bad 'basicConstraints|basic constraints|CA|extension' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/ca.csr"
csr ku ec /CN=alice@example.org "subjectAltName=email:alice@example.org" "keyUsage=critical,digitalSignature,keyCertSign"
bad 'keyUsage|key usage|keyCertSign|certificate sign' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/ku.csr"
csr eku ec /CN=alice@example.org "subjectAltName=email:alice@example.org" "extendedKeyUsage=serverAuth"
bad 'extendedKeyUsage|extended key usage|serverAuth|EKU' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/eku.csr"
csr org ec "/O=Evil Corp/CN=alice@example.org" "subjectAltName=email:alice@example.org"
bad 'subject|organi|O=' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/org.csr"
csr small rsa1024 /CN=alice@example.org "subjectAltName=email:alice@example.org"
bad '1024|RSA|key size|key' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/small.csr"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:secp256k1 -nodes -keyout "$T/k1.key" \
    -subj /CN=alice@example.org -out "$T/k1.csr" >/dev/null 2>&1
bad 'curve|secp256k1|key' mc "$D" "${ISSUE[@]}" --email alice@example.org --csr "$T/k1.csr"

# --- arguments --------------------------------------------------------------------
bad 'dsa-1024|key' mc "$D" "${ISSUE[@]}" --email alice@example.org --key dsa-1024
bad 'rsa-1024|key' mc "$D" "${ISSUE[@]}" --email alice@example.org --key rsa-1024
bad 'domain|@|address|mailbox' mc "$D" "${ISSUE[@]}" --email alice
bad 'domain' mc "$D" "${ISSUE[@]}" --email alice@
bad 'domain|label' mc "$D" "${ISSUE[@]}" --email alice@localhost
bad 'local' mc "$D" "${ISSUE[@]}" --email @example.org
long=$(printf 'a%.0s' $(seq 1 988))@example.org
is "${#long}" 1000 "the long address has 1000 characters"
bad 'long|length|too|exceed|64|254' mc "$D" "${ISSUE[@]}" --email "$long"
bad 'long|length|too|exceed|64' mc "$D" "${ISSUE[@]}" --email "$(printf 'b%.0s' $(seq 1 65))@example.org"
bad 'SmtpUTF8|internationali[sz]ed|ASCII' mc "$D" "${ISSUE[@]}" --email 'jürgen@example.org'
bad 'quoted|local' mc "$D" "${ISSUE[@]}" --email '"a b"@example.org'
bad '825|days' mc "$D" "${ISSUE[@]}" --email alice@example.org --days 826
bad 'days' mc "$D" "${ISSUE[@]}" --email alice@example.org --days 0
bad 'days' mc "$D" "${ISSUE[@]}" --email alice@example.org --days -5
bad 'days|abc' mc "$D" "${ISSUE[@]}" --email alice@example.org --days abc
bad 'profile|legacy' mc "$D" "${ISSUE[@]}" --email alice@example.org --profile legacy
bad 'email' mc "$D" "${ISSUE[@]}"
bad 'given' mc "$D" cert issue --email alice@example.org --surname Bad
bad 'frobnicate|option|unknown' mc "$D" "${ISSUE[@]}" --email alice@example.org --frobnicate
bad 'frobnicate|command|unknown' mc "$D" frobnicate
bad '0123456789ABCDEF|serial|not found|unknown|no cert' \
    mc "$D" cert revoke 0123456789ABCDEF --reason keyCompromise
bad '0123456789ABCDEF|serial|not found|unknown|no cert' mc "$D" cert show 0123456789ABCDEF
bad '0123456789ABCDEF|serial|not found|unknown|no cert' \
    mc "$D" export cert 0123456789ABCDEF --format pem
bad 'xml|format' mc "$D" export chain --format xml
bad 'p7b|format' mc "$D" export cert "$S0" --format p7b
bad 'format' mc "$D" export chain
bad 'nosuch|No such|password|exist|open|read' \
    mc "$D" export p12 "$S0" --password-file "$T/nosuch.pw" -o "$T/nope.p12"
if [ -e "$T/nope.p12" ]; then fail "no p12 file is left behind"; else ok "no p12 file is left behind"; fi
bad 'nosuch|No such|exist|open|read' mc "$D" inspect "$T/nosuch.pem"
bad 'certificate|PEM|DER|parse|decode' mc "$D" inspect "$T/junk.csr"

# --- init ---------------------------------------------------------------------------
bad 'already|initiali[sz]ed|exists' mc "$D" init --org Again --base-url http://other.example.test
is "$(files_state)" "$FS" "init twice leaves mailcert.conf and kek.bin alone"
bad 'already|initiali[sz]ed|exists' \
    env MAILCERT_DIR="$D" "$MAILCERT" init --org Again --base-url http://other.example.test
is "$(files_state)" "$FS" "init twice via MAILCERT_DIR leaves the files alone"

# init_bad RE DIR ARGS...: exit 1, a message, and DIR not initialised.
init_bad() {
	local re=$1 dir=$2
	shift 2
	expect_user_error "$re" mc "$dir" init "$@"
	if [ -e "$dir/mailcert.conf" ] || [ -e "$dir/mailcert.db" ] || [ -e "$dir/kek.bin" ]; then
		fail "  $dir is not initialised"
		ls -la "$dir" | sed 's/^/#     /'
	else
		ok "  $dir is not initialised"
	fi
}
init_bad 'base-url|http' "$T/i1" --org X --base-url https://pki.example.test
init_bad 'base-url|http|url' "$T/i2" --org X --base-url ldap://pki.example.test
init_bad 'org' "$T/i3" --base-url http://pki.example.test
init_bad 'ca-key|rsa-2048|key' "$T/i4" --org X --base-url http://pki.example.test --ca-key rsa-2048
init_bad 'country|XYZ' "$T/i5" --org X --base-url http://pki.example.test --country XYZ

# --- an uninitialised directory ---------------------------------------------------------
mkdir "$T/empty"
expect_user_error 'init' mc "$T/empty" "${ISSUE[@]}" --email alice@example.org --key ec-p256
is "$(find "$T/empty" -mindepth 1)" "" "issue in an empty directory creates nothing there"
expect_user_error 'init' mc "$T/nothere" "${ISSUE[@]}" --email alice@example.org --key ec-p256
if [ -e "$T/nothere" ]; then fail "issue does not create a missing directory"; else ok "issue does not create a missing directory"; fi
expect_user_error 'init' mc "$T/empty" cert list
expect_user_error 'init' mc "$T/empty" crl generate
expect_user_error 'init' mc "$T/empty" export chain --format pem
is "$(find "$T/empty" -mindepth 1)" "" "the empty directory stays empty"

is "$(store_state "$D")" "$ST" "after all bad input the store is as before"

# --- good CSRs ------------------------------------------------------------------------
# good_csr LABEL CSRFILE EMAIL: accepted, key kept, profile-conform subject.
good_csr() {
	local l=$1 f=$2 email=$3 s
	run mc "$D" cert issue --email "$email" --given-name Good --surname Csr --csr "$f"
	is "$RC" 0 "$l: a good CSR is accepted"
	s=$(head -n 1 "$OUT")
	like "$s" '^[0-9A-F]+$' "$l: prints a serial"
	mc "$D" export cert "$s" --format pem -o "$T/$l.pem" 2>/dev/null
	is "$(cert_spki_hash "$T/$l.pem")" \
	    "$(openssl req -in "$f" -inform "${4:-PEM}" -noout -pubkey 2>/dev/null |
	    openssl pkey -pubin -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)" \
	    "$l: the certificate carries the CSR's public key"
	is "$(openssl x509 -in "$T/$l.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
	    "CN=$email" "$l: subject is CN=address"
	is "$(ext_value "$T/$l.pem" "X509v3 Subject Alternative Name")" "email:$email" \
	    "$l: SAN is email:$email"
	check "$l: verifies for smimesign" openssl verify -purpose smimesign \
	    -CAfile "$ROOT" -untrusted "$ICA" "$T/$l.pem"
	GOOD_SERIAL=$s
}

csr dave ec /CN=dave@example.org "subjectAltName=email:dave@example.org"
good_csr dave "$T/dave.csr" dave@example.org
DAVE=$GOOD_SERIAL
csr erin rsa2048 /emailAddress=erin@example.org
good_csr erin "$T/erin.csr" erin@example.org
csr fred rsa2048 /CN=fred@example.org "subjectAltName=email:fred@example.org" \
    "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=emailProtection"
openssl req -in "$T/fred.csr" -outform DER -out "$T/fred.der" 2>/dev/null
good_csr fred "$T/fred.der" fred@example.org DER
isnt "$(store_state "$D")" "$ST" "the store snapshot changes when a certificate is added"
check "cert list --json after the good CSRs" mc "$D" cert list --json
file_has "$OUT" 'dave@example\.org' "the CSR-issued certificate is in the store"

# No key was escrowed for a CSR: no PKCS#12.
ST=$(store_state "$D")
printf 'pw-for-dave\n' >"$T/pw"
bad 'key|CSR|escrow' mc "$D" export p12 "$DAVE" --password-file "$T/pw" -o "$T/dave.p12"
if [ -s "$T/dave.p12" ]; then fail "no p12 written for a CSR certificate"; else ok "no p12 written for a CSR certificate"; fi

done_testing
