#!/usr/bin/env bash
#
# audit.sh: `mailcert audit trust` on the chain mailcert exports and on
# bundles with purpose-made defects, certificates made by OpenSSL: a leaf,
# a duplicate, an intermediate without its root, a foreign root (unused,
# and unnecessary with --issued-by-us), an expiring CA, RSA-1024, SHA-1
# signatures; expiry through --at. One line per finding with a severity;
# exit 1 exactly when a finding is an error. Bad input answers exit 1 with
# one line naming the file and the problem.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca

check "init" mc "$D" init --org "Audit Test Org" --ca-key ec-p384 \
    --base-url http://pki.example.test
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
ICA=$T/c1.pem
ROOT=$T/c2.pem
S1=$(issue_cert "$D" --email anna@example.org --given-name Anna --surname Audit --key ec-p256)
like "$S1" '^[0-9A-F]+$' "issued a certificate"
mc "$D" export cert "$S1" --format pem -o "$T/leaf.pem" 2>/dev/null

# --- OpenSSL-made CAs --------------------------------------------------------------
CAEXT='basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid'

# mkroot NAME DAYS MD KEYOPTS...: self-signed CA $T/NAME.pem (+ .key)
mkroot() {
	local n=$1 days=$2 md=$3
	shift 3
	openssl req -x509 -new "$@" -nodes -keyout "$T/$n.key" -out "$T/$n.pem" \
	    -days "$days" "-$md" -subj "/O=Elsewhere/CN=$n" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 ||
	    fail "openssl made root $n"
}

# mkint NAME ISSUER DAYS MD: intermediate CA $T/NAME.pem signed by ISSUER
mkint() {
	local n=$1 iss=$2 days=$3 md=$4
	printf '%s\n' "$CAEXT" >"$T/$n.ext"
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$T/$n.key" -subj "/O=Elsewhere/CN=$n" -out "$T/$n.csr" \
	    >/dev/null 2>&1 &&
	openssl x509 -req -in "$T/$n.csr" -CA "$T/$iss.pem" -CAkey "$T/$iss.key" \
	    -set_serial "$((RANDOM * 32768 + RANDOM + 1))" -days "$days" "-$md" \
	    -extfile "$T/$n.ext" -out "$T/$n.pem" >/dev/null 2>&1 ||
	    fail "openssl made intermediate $n"
}

EC=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
mkroot Foreign 3650 sha256 "${EC[@]}"
mkroot Soon 30 sha256 "${EC[@]}"
mkroot Weak 3650 sha256 -newkey rsa:1024
mkroot Sha1Root 3650 sha1 "${EC[@]}"
mkint Sha1Int Sha1Root 3650 sha1
mkint Orphan Foreign 3650 sha256

bundle() {
	local out=$1
	shift
	cat "$@" >"$T/$out"
}

# --- a clean bundle ----------------------------------------------------------------
check "the exported chain audits clean" mc "$D" audit trust "$T/chain.pem"
file_has "$OUT" 'chain\.pem: 2 certificates, 0 errors, 0 warnings, 0 info$' "a summary line, no findings"
is "$(wc -l <"$OUT")" 1 "nothing but the summary"
check "--issued-by-us: our chain is all we need" mc "$D" audit trust "$T/chain.pem" --issued-by-us
is "$(wc -l <"$OUT")" 1 "no findings with --issued-by-us"
check "without --dir the data directory is not needed" "$MAILCERT" audit trust "$T/chain.pem"

check "--json" mc "$D" audit trust "$T/chain.pem" --json
file_has "$OUT" '"certificates": 2' "JSON counts the certificates"
file_has "$OUT" '"errors": 0' "JSON counts errors"
file_has "$OUT" '"findings": \[\]' "JSON lists no findings"

# DER, PKCS#7 and SST exports read the same.
for f in der p7b sst; do
	if mc "$D" export chain --format $f -o "$T/chain.$f" >/dev/null 2>&1; then
		check "the $f export audits" mc "$D" audit trust "$T/chain.$f"
	else
		skip "the $f export audits" "export chain --format $f is not available"
	fi
done

# --- warnings only: exit 0 -------------------------------------------------------------
bundle dup.pem "$ICA" "$ROOT" "$ICA"
check "a duplicate is a warning (exit 0)" mc "$D" audit trust "$T/dup.pem"
file_has "$OUT" '^warning duplicate: certificate 3 "CN=Audit Test Org S/MIME CA 1[^"]*": the same certificate as certificate 1$' \
    "duplicate names both certificates"

bundle foreign.pem "$ICA" "$ROOT" "$T/Foreign.pem"
check "an unrelated root is a warning (exit 0)" mc "$D" audit trust "$T/foreign.pem"
file_has "$OUT" '^warning unused-root: certificate 3 "CN=Foreign,O=Elsewhere": nothing in the bundle chains to' \
    "unused-root names the foreign root"
check "--issued-by-us: the foreign root is unnecessary" mc "$D" audit trust "$T/foreign.pem" --issued-by-us
file_has "$OUT" '^warning unnecessary-root: certificate 3 "CN=Foreign,O=Elsewhere": none of our CAs chains to this root$' \
    "unnecessary-root with --issued-by-us"
if grep -q unused-root "$OUT"; then
	fail "unnecessary-root replaces unused-root"
else
	ok "unnecessary-root replaces unused-root"
fi

bundle soon.pem "$T/Soon.pem"
check "a CA expiring in 30 days: warning (exit 0)" mc "$D" audit trust "$T/soon.pem"
file_has "$OUT" '^warning expiring: certificate 1 "CN=Soon,O=Elsewhere": expires .*, in (29|30) days \(warning from 60\)$' \
    "expiring within the default 60 days"
check "--warn-days 10" mc "$D" audit trust "$T/soon.pem" --warn-days 10
if grep -q expiring "$OUT"; then fail "not expiring within 10 days"; else ok "not expiring within 10 days"; fi

bundle sha1root.pem "$T/Sha1Root.pem"
check "a SHA-1 self-signed root is info (exit 0)" mc "$D" audit trust "$T/sha1root.pem"
file_has "$OUT" '^info sha1-signature: certificate 1 "CN=Sha1Root,O=Elsewhere": self-signed with SHA1' \
    "a root's own SHA-1 signature is info"

# --- errors: exit 1, findings on stdout, one line on stderr ----------------------------------
# audit_error RE_STDOUT MSG FILE ARGS...
audit_error() {
	local re=$1 msg=$2
	shift 2
	expect_exit 1 mc "$D" audit trust "$@"
	file_has "$OUT" "$re" "$msg"
	if [ "$(wc -l <"$ERR")" -eq 1 ] && grep -q 'at error severity' "$ERR"; then
		ok "  stderr: one line counting the errors"
	else
		fail "  stderr: one line counting the errors"
		diag_last
	fi
}

bundle withleaf.pem "$T/leaf.pem" "$ICA" "$ROOT"
audit_error '^error not-a-ca: certificate 1 "CN=anna@example.org": (no basicConstraints|basicConstraints cA is FALSE)' \
    "a leaf in the bundle is not-a-ca" "$T/withleaf.pem"
is "$(grep -c . "$OUT")" 2 "the leaf's only finding is not-a-ca (plus the summary)"

audit_error '^error missing-issuer: certificate 1 "CN=Audit Test Org S/MIME CA 1[^"]*": its issuer "CN=Audit Test Org Root CA 1[^"]*" is not in the bundle$' \
    "an intermediate without its root" "$ICA"
bundle orphan.pem "$T/Orphan.pem" "$ICA" "$ROOT"
audit_error '^error missing-issuer: certificate 1 "CN=Orphan,O=Elsewhere"' \
    "a foreign intermediate without its root" "$T/orphan.pem"

bundle weak.pem "$T/Weak.pem"
audit_error '^error weak-key: certificate 1 "CN=Weak,O=Elsewhere": RSA key of 1024 bits \(at least 2048\)$' \
    "RSA-1024 is weak" "$T/weak.pem"

bundle sha1.pem "$T/Sha1Int.pem" "$T/Sha1Root.pem"
audit_error '^error sha1-signature: certificate 1 "CN=Sha1Int,O=Elsewhere": signed with SHA1, which clients refuse$' \
    "a SHA-1 signed intermediate" "$T/sha1.pem"
file_has "$OUT" '^info sha1-signature: certificate 2 ' "its SHA-1 root is info"
file_has "$OUT" ': 2 certificates, 1 error, 0 warnings, 1 info$' "summary counts by severity"

audit_error '^error expired: certificate 1 .*: expired 20' "--at after the end: expired" \
    "$T/chain.pem" --at 2099-01-01
file_has "$OUT" '^error expired: certificate 2 ' "both expired"
audit_error '^error not-yet-valid: certificate 1 .*: valid only from 20' \
    "--at before the start: not yet valid" "$T/chain.pem" --at 2001-01-01T00:00:00Z

audit_error '^error missing-ours: "CN=Audit Test Org S/MIME CA 1[^"]*": our CA is not in the bundle' \
    "--issued-by-us: our issuing CA missing" "$ROOT" --issued-by-us

expect_exit 1 mc "$D" audit trust "$T/weak.pem" --json
file_has "$OUT" '"code": "weak-key"' "JSON carries the code"
file_has "$OUT" '"severity": "error"' "JSON carries the severity"
file_has "$OUT" '"certificate": 1' "JSON carries the certificate number"

# --- PKCS#12 with --password-file ---------------------------------------------------------
printf 'audit-secret\n' >"$T/pass"
if mc "$D" export p12 "$S1" --password-file "$T/pass" -o "$T/anna.p12" >/dev/null 2>&1 &&
    mc "$D" inspect "$T/anna.p12" --password-file "$T/pass" >/dev/null 2>&1; then
	audit_error '^error not-a-ca: certificate [0-9] "CN=anna@example.org"' \
	    "a PKCS#12 bundle opens with --password-file" "$T/anna.p12" --password-file "$T/pass"
	printf 'wrong\n' >"$T/wrong"
	expect_user_error 'anna\.p12' mc "$D" audit trust "$T/anna.p12" --password-file "$T/wrong"
else
	skip "a PKCS#12 bundle opens with --password-file" "the reader does not open PKCS#12 here"
fi

# --- bad input ----------------------------------------------------------------------------
: >"$T/empty.pem"
expect_user_error '"[^"]*empty\.pem" is empty' mc "$D" audit trust "$T/empty.pem"
head -c 300 "$T/chain.pem" >"$T/trunc.pem"
expect_user_error 'trunc\.pem.*malformed' mc "$D" audit trust "$T/trunc.pem"
openssl x509 -in "$ROOT" -outform DER 2>/dev/null | head -c 200 >"$T/trunc.der"
expect_user_error 'trunc\.der' mc "$D" audit trust "$T/trunc.der"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/r.key" \
    -subj "/CN=x" -out "$T/req.csr" >/dev/null 2>&1
expect_user_error 'req\.csr" holds no certificate' mc "$D" audit trust "$T/req.csr"
printf 'this is not a bundle\n' >"$T/text.txt"
expect_user_error 'text\.txt" holds no certificate' mc "$D" audit trust "$T/text.txt"
head -c $((17 * 1024 * 1024)) /dev/zero | tr '\0' 'A' >"$T/big.pem"
expect_user_error 'big\.pem" is larger than' mc "$D" audit trust "$T/big.pem"
expect_user_error 'nosuch\.pem.*(No such file|cannot)' mc "$D" audit trust "$T/nosuch.pem"
expect_user_error 'the trust bundle file is missing' mc "$D" audit trust
expect_user_error '--warn-days "soon" is not a number' mc "$D" audit trust "$T/chain.pem" --warn-days soon
expect_user_error '"yesterday" is not a date' mc "$D" audit trust "$T/chain.pem" --at yesterday
expect_user_error 'not an initialised mailcert directory' mc "$T/nodir" audit trust "$T/chain.pem" --issued-by-us
expect_user_error 'nopass.*' mc "$D" audit trust "$T/chain.pem" --password-file "$T/nopass"

done_testing
