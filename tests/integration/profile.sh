#!/usr/bin/env bash
#
# profile.sh: every kind of certificate mailcert issues (rsa and ec, strict
# and multipurpose), and its two CAs, parsed with `openssl x509 -text` and
# `openssl asn1parse` and checked field by field against the S/MIME BR
# mailbox-validated profile (see the table in the project's docs).

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca
HOSTPORT=pki.example.test:8080
BASE=http://$HOSTPORT
ORG="Profile Test Org"
OID_STRICT=2.23.140.1.5.1.3
OID_MULTI=2.23.140.1.5.1.2

check "init --country DE" mc "$D" init --org "$ORG" --country DE --base-url "$BASE"
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
ROOT=$T/c2.pem
ICA=$T/c1.pem

# serial_checks LABEL FILE: positive, 64..159 bits, at most 20 octets.
serial_checks() {
	local l=$1 f=$2 line hex len bits d
	line=$(openssl asn1parse -in "$f" 2>/dev/null | awk '/d=2 /' | sed -n 2p)
	hex=$(printf '%s' "$line" | sed -n 's/.*prim: INTEGER *://p' | tr -d ' ')
	len=$(printf '%s' "$line" | sed -n 's/.*[^h]l= *\([0-9]*\) .*/\1/p')
	like "$hex" '^[0-9A-F]+$' "$l: serial is a positive INTEGER ($hex)"
	num_cmp "${len:-99}" -le 20 "$l: serial is at most 20 octets"
	hex=$(norm_serial "$hex")
	d=$(printf '%d' "0x${hex:0:1}" 2>/dev/null)
	bits=$(( (${#hex} - 1) * 4 ))
	while [ "${d:-0}" -gt 0 ]; do bits=$((bits + 1)); d=$((d / 2)); done
	num_cmp "$bits" -ge 64 "$l: serial has at least 64 bits ($bits)"
	num_cmp "$bits" -le 159 "$l: serial is below 2^159 ($bits bits)"
}

# days_checks LABEL FILE DAYS: notAfter - notBefore is DAYS days (an hour
# of back-dating allowed), notBefore is now (not in the future).
days_checks() {
	local l=$1 f=$2 days=$3 nb na now delta
	nb=$(not_before "$f")
	na=$(not_after "$f")
	now=$(date -u +%s)
	delta=$((na - nb))
	num_cmp "$delta" -ge $((days * 86400 - 3600)) "$l: validity is at least $days days"
	num_cmp "$delta" -le $((days * 86400 + 3600)) "$l: validity is at most $days days (+1h)"
	num_cmp "$nb" -le $((now + 120)) "$l: notBefore is not in the future"
	num_cmp "$nb" -ge $((now - 86400)) "$l: notBefore is at most a day back"
}

# policy_oids FILE: the policy OIDs, one a line.
policy_oids() {
	ext_value "$1" "X509v3 Certificate Policies" | sed -n 's/^Policy: //p'
}

# leaf_checks LABEL FILE EMAIL rsa|ec BITS|CURVE strict|multipurpose DAYS
leaf_checks() {
	local l=$1 f=$2 email=$3 alg=$4 size=$5 prof=$6 days=$7 txt oid h v
	txt=$(openssl x509 -in "$f" -noout -text 2>&1)
	like "$txt" 'Version: 3 \(0x2\)' "$l: X.509 v3"
	is "$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
	    "CN=$email" "$l: subject is only CN=address"
	unlike "$txt" 'givenName|surname|GN *=|SN *=' "$l: no given name or surname in the certificate"
	unlike "$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253)" 'O=|OU=|C=' \
	    "$l: subject has no O, OU, C"
	is "$(tbs_field_hex "$f" 4)" "$(tbs_field_hex "$ICA" 6)" \
	    "$l: issuer DN is byte-identical to the issuing CA's subject"

	# Extensions, as a set: exactly these (basicConstraints optional).
	local want="Authority Information Access
X509v3 Authority Key Identifier
X509v3 CRL Distribution Points
X509v3 Certificate Policies
X509v3 Extended Key Usage
X509v3 Key Usage
X509v3 Subject Alternative Name
X509v3 Subject Key Identifier"
	is "$(ext_oids "$f" | grep -v '^X509v3 Basic Constraints$' | sort)" "$want" \
	    "$l: exactly the profile's extensions"
	is "$(ext_oids "$f" | sort | uniq -d)" "" "$l: no extension appears twice"

	# subjectAltName: one rfc822Name, not critical.
	is "$(ext_der "$f" "X509v3 Subject Alternative Name")" \
	    "- 30$(printf '%02X' $((${#email} + 2)))81$(printf '%02X' ${#email})$(hexstr "$email")" \
	    "$l: SAN (DER) is exactly rfc822Name $email, not critical"
	is "$(ext_value "$f" "X509v3 Subject Alternative Name")" "email:$email" \
	    "$l: SAN (text) is email:$email"

	# keyUsage: critical, DER-minimal bit string with exactly the right bits.
	if [ "$alg" = rsa ]; then
		is "$(ext_value "$f" "X509v3 Key Usage")" "Digital Signature, Key Encipherment" \
		    "$l: KU is digitalSignature, keyEncipherment"
		is "$(ext_der "$f" "X509v3 Key Usage")" "critical 030205A0" \
		    "$l: KU (DER) critical, bits 0 and 2, minimal encoding"
	else
		is "$(ext_value "$f" "X509v3 Key Usage")" "Digital Signature, Key Agreement" \
		    "$l: KU is digitalSignature, keyAgreement"
		is "$(ext_der "$f" "X509v3 Key Usage")" "critical 03020388" \
		    "$l: KU (DER) critical, bits 0 and 4, minimal encoding"
	fi
	is "$(ext_header "$f" "X509v3 Key Usage")" "X509v3 Key Usage: critical" "$l: KU is critical"

	# extKeyUsage: exactly emailProtection, not critical.
	is "$(ext_der "$f" "X509v3 Extended Key Usage")" "- 300A06082B06010505070304" \
	    "$l: EKU (DER) is exactly emailProtection, not critical"
	is "$(ext_value "$f" "X509v3 Extended Key Usage")" "E-mail Protection" \
	    "$l: EKU (text) is E-mail Protection"

	# basicConstraints: absent, or CA:FALSE without pathLen.
	h=$(ext_header "$f" "X509v3 Basic Constraints")
	if [ -z "$h" ]; then
		ok "$l: basicConstraints absent"
	else
		is "$(ext_value "$f" "X509v3 Basic Constraints")" "CA:FALSE" \
		    "$l: basicConstraints is CA:FALSE without pathlen"
	fi

	# certificatePolicies: exactly one reserved OID.
	if [ "$prof" = strict ]; then oid=$OID_STRICT; else oid=$OID_MULTI; fi
	is "$(policy_oids "$f")" "$oid" "$l: exactly one policy, $oid ($prof)"
	is "$(ext_header "$f" "X509v3 Certificate Policies")" "X509v3 Certificate Policies:" \
	    "$l: certificatePolicies not critical"

	# CRL distribution point and AIA: http URLs under the base URL.
	v=$(ext_value "$f" "X509v3 CRL Distribution Points" | grep 'URI:')
	is "$v" "URI:$BASE/crl/issuing-1.crl" "$l: one CRL DP, $BASE/crl/issuing-1.crl"
	is "$(ext_header "$f" "X509v3 CRL Distribution Points")" "X509v3 CRL Distribution Points:" \
	    "$l: CRL DP not critical"
	v=$(ext_value "$f" "Authority Information Access")
	is "$(printf '%s\n' "$v" | grep 'CA Issuers')" "CA Issuers - URI:$BASE/ca/issuing-1.crt" \
	    "$l: AIA caIssuers $BASE/ca/issuing-1.crt"
	is "$(printf '%s\n' "$v" | grep 'OCSP')" "OCSP - URI:$BASE/ocsp/issuing-1" \
	    "$l: AIA OCSP $BASE/ocsp/issuing-1"
	is "$(printf '%s\n' "$v" | grep -c 'CA Issuers')" 1 "$l: one caIssuers entry"
	unlike "$v" 'URI:(https|ldap)' "$l: AIA URLs are http only"
	is "$(ext_header "$f" "Authority Information Access")" "Authority Information Access:" \
	    "$l: AIA not critical"

	# AKI keyIdentifier only, equal to the issuing CA's SKI; SKI present.
	v=$(ext_value "$f" "X509v3 Authority Key Identifier")
	like "$(printf '%s' "$v" | tr '\n' '|')" '^(keyid:)?[0-9A-F]{2}(:[0-9A-F]{2})+$' "$l: AKI is a keyIdentifier only"
	is "${v#keyid:}" "$(ext_value "$ICA" "X509v3 Subject Key Identifier")" \
	    "$l: AKI is the issuing CA's SKI"
	like "$(ext_value "$f" "X509v3 Subject Key Identifier")" \
	    '^[0-9A-F]{2}(:[0-9A-F]{2})+$' "$l: SKI present"

	serial_checks "$l" "$f"
	days_checks "$l" "$f" "$days"
	num_cmp "$(not_after "$f")" -le "$(not_after "$ICA")" \
	    "$l: the leaf ends before the issuing CA"

	is "$(printf '%s\n' "$txt" | grep -c 'Signature Algorithm: sha256WithRSAEncryption')" 2 \
	    "$l: signed sha256WithRSAEncryption (RSA CA)"
	if [ "$alg" = rsa ]; then
		like "$txt" "Public-Key: \\($size bit\\)" "$l: RSA $size key"
		like "$txt" 'Exponent: 65537 \(0x10001\)' "$l: RSA e = 65537"
	else
		like "$txt" "ASN1 OID: $size" "$l: EC key on $size"
	fi
	check "$l: verifies for smimesign" openssl verify -purpose smimesign \
	    -CAfile "$ROOT" -untrusted "$ICA" "$f"
}

# --- leaves ------------------------------------------------------------------
N=0
declare -A SER
for alg in rsa ec; do
	for prof in strict multipurpose; do
		N=$((N + 1))
		if [ $alg = rsa ]; then key=rsa-2048 size=2048; else key=ec-p256 size=prime256v1; fi
		email="$alg.$prof@example.org"
		s=$(issue_cert "$D" --email "$email" --given-name Given$N --surname Sur$N \
		    --key $key --profile $prof)
		like "$s" '^[0-9A-F]+$' "issue $key $prof prints a serial"
		SER[$alg-$prof]=$s
		mc "$D" export cert "$s" --format pem -o "$T/$alg-$prof.pem" 2>/dev/null
		leaf_checks "$alg/$prof" "$T/$alg-$prof.pem" "$email" $alg $size $prof 365
	done
done

# Serials differ and are not sequential.
for k in "${!SER[@]}"; do
	for k2 in "${!SER[@]}"; do
		[ "$k" \< "$k2" ] || continue
		isnt "${SER[$k]}" "${SER[$k2]}" "serials of $k and $k2 differ"
	done
done
a=$(norm_serial "${SER[rsa-strict]}")
b=$(norm_serial "${SER[rsa-multipurpose]}")
d=$(( 0x${a: -12} - 0x${b: -12} ))
num_cmp "${d#-}" -gt 1000 "serials are not sequential"

# --days: 30 and the maximum 825.
s=$(issue_cert "$D" --email days30@example.org --given-name D --surname Thirty \
    --key ec-p256 --days 30)
mc "$D" export cert "$s" --format pem -o "$T/d30.pem" 2>/dev/null
days_checks "--days 30" "$T/d30.pem" 30
s=$(issue_cert "$D" --email days825@example.org --given-name D --surname Max \
    --key ec-p256 --days 825)
mc "$D" export cert "$s" --format pem -o "$T/d825.pem" 2>/dev/null
days_checks "--days 825" "$T/d825.pem" 825

# The default key type is rsa-3072 (issue 2).
s=$(issue_cert "$D" --email default-key@example.org --given-name D --surname Key)
mc "$D" export cert "$s" --format pem -o "$T/dk.pem" 2>/dev/null
leaf_checks "default key" "$T/dk.pem" default-key@example.org rsa 3072 strict 365

# The domain is stored lower-cased; the local part is kept.
s=$(issue_cert "$D" --email Mixed.Case@Example.ORG --given-name M --surname C --key ec-p256)
mc "$D" export cert "$s" --format pem -o "$T/mixed.pem" 2>/dev/null
is "$(ext_value "$T/mixed.pem" "X509v3 Subject Alternative Name")" \
    "email:Mixed.Case@example.org" "the domain is lower-cased, the local part kept"

# --- names: kept in the store as UTF-8, never in the certificate -------------
s=$(issue_cert "$D" --email juergen@example.org --given-name 'Jürgen' \
    --surname 'Müller' --key ec-p256)
like "$s" '^[0-9A-F]+$' "issue for Jürgen Müller prints a serial"
mc "$D" export cert "$s" --format pem -o "$T/jm.pem" 2>/dev/null
is "$(openssl x509 -in "$T/jm.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
    "CN=juergen@example.org" "Jürgen's subject is only CN=address"
if openssl x509 -in "$T/jm.pem" -outform DER | grep -aq -e ller -e 'J.rgen' -e 'J..rgen' -e Jrgen; then
	fail "the names are not in the certificate"
else
	ok "the names are not in the certificate"
fi
check "cert list --json --email juergen@example.org" \
    mc "$D" cert list --json --email juergen@example.org
cp "$OUT" "$T/jm.json"
obj=$(json_object_by_serial "$T/jm.json" "$s")
is "$(json_field "$obj" given_name)" 'Jürgen' "given_name round-trips as UTF-8"
is "$(json_field "$obj" surname)" 'Müller' "surname round-trips as UTF-8"
is "$(json_objects "$T/jm.json" | grep -c .)" 1 "--email filters to one certificate"

# --- cert list --json: keys and values ---------------------------------------
check "cert list --json" mc "$D" cert list --json
cp "$OUT" "$T/all.json"
for k in rsa-strict rsa-multipurpose ec-strict ec-multipurpose; do
	obj=$(json_object_by_serial "$T/all.json" "${SER[$k]}")
	isnt "$obj" "" "cert list --json lists $k"
	for key in serial email given_name surname status not_before not_after ca profile key; do
		if printf '%s' "$obj" | grep -q "\"$key\":"; then
			ok "$k: JSON has \"$key\""
		else
			fail "$k: JSON has \"$key\""
			diag "  $obj"
		fi
	done
	is "$(json_field "$obj" email)" "${k%%-*}.${k#*-}@example.org" "$k: JSON email"
	is "$(json_field "$obj" status)" valid "$k: JSON status valid"
	is "$(json_field "$obj" profile)" "${k#*-}" "$k: JSON profile"
	is "$(json_field "$obj" ca)" issuing-1 "$k: JSON ca"
	case $k in
	rsa-*) is "$(json_field "$obj" key)" rsa-2048 "$k: JSON key rsa-2048" ;;
	ec-*) is "$(json_field "$obj" key)" ec-p256 "$k: JSON key ec-p256" ;;
	esac
done

# --- the CAs -----------------------------------------------------------------
# ca_common LABEL FILE DAYS_MIN DAYS_MAX
ca_common() {
	local l=$1 f=$2 dmin=$3 dmax=$4 subj txt
	txt=$(openssl x509 -in "$f" -noout -text 2>&1)
	subj=$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')
	like "$subj" "^CN=[^,=]+,O=$ORG,C=DE\$" "$l: subject is C, O, CN ($subj)"
	is "$(ext_header "$f" "X509v3 Basic Constraints")" "X509v3 Basic Constraints: critical" \
	    "$l: basicConstraints critical"
	is "$(ext_header "$f" "X509v3 Key Usage")" "X509v3 Key Usage: critical" "$l: KU critical"
	like "$(ext_value "$f" "X509v3 Key Usage")" \
	    '^(Digital Signature, )?Certificate Sign, CRL Sign$' "$l: KU keyCertSign, cRLSign"
	like "$(ext_value "$f" "X509v3 Subject Key Identifier")" \
	    '^[0-9A-F]{2}(:[0-9A-F]{2})+$' "$l: SKI present"
	like "$txt" 'Public-Key: \(4096 bit\)' "$l: RSA 4096 key"
	like "$txt" 'Exponent: 65537' "$l: e = 65537"
	is "$(printf '%s\n' "$txt" | grep -Ec 'Signature Algorithm: sha(256|384|512)WithRSAEncryption')" 2 \
	    "$l: signed RSA PKCS#1 v1.5 with SHA-2"
	local delta=$(( ($(not_after "$f") - $(not_before "$f")) / 86400 ))
	num_cmp "$delta" -ge "$dmin" "$l: validity at least $dmin days ($delta)"
	num_cmp "$delta" -le "$dmax" "$l: validity at most $dmax days ($delta)"
	serial_checks "$l" "$f"
}

ca_common root "$ROOT" 7299 7306
is "$(tbs_field_hex "$ROOT" 4)" "$(tbs_field_hex "$ROOT" 6)" "root: self-issued (issuer = subject bytes)"
check "root: self-signature verifies" openssl verify -CAfile "$ROOT" "$ROOT"
is "$(ext_value "$ROOT" "X509v3 Basic Constraints")" "CA:TRUE" "root: CA:TRUE without pathlen"
is "$(ext_header "$ROOT" "X509v3 Extended Key Usage")" "" "root: no EKU"
is "$(ext_header "$ROOT" "X509v3 Certificate Policies")" "" "root: no certificatePolicies"
is "$(ext_header "$ROOT" "X509v3 CRL Distribution Points")" "" "root: no CRL DP"
is "$(ext_header "$ROOT" "Authority Information Access")" "" "root: no AIA"

ca_common issuing "$ICA" 3649 3653
is "$(tbs_field_hex "$ICA" 4)" "$(tbs_field_hex "$ROOT" 6)" \
    "issuing: issuer DN is byte-identical to the root's subject"
check "issuing: signed by the root" openssl verify -CAfile "$ROOT" "$ICA"
is "$(ext_value "$ICA" "X509v3 Basic Constraints")" "CA:TRUE, pathlen:0" "issuing: CA:TRUE, pathlen:0"
is "$(ext_value "$ICA" "X509v3 Extended Key Usage")" "E-mail Protection" "issuing: EKU emailProtection only"
v=$(policy_oids "$ICA")
like "$v" "^$OID_STRICT\$" "issuing: policies include $OID_STRICT"
like "$v" "^$OID_MULTI\$" "issuing: policies include $OID_MULTI"
unlike "$v" '^(2\.23\.140\.1\.5\.[1-4]\.1|2\.5\.29\.32\.0|X509v3 Any Policy)$' \
    "issuing: no legacy policy OID, no anyPolicy"
is "$(ext_value "$ICA" "X509v3 CRL Distribution Points" | grep 'URI:')" \
    "URI:$BASE/crl/root-1.crl" "issuing: CRL DP is the root's CRL, http"
like "$(ext_value "$ICA" "Authority Information Access")" \
    "^CA Issuers - URI:$BASE/ca/root-1\\.crt\$" "issuing: AIA caIssuers is the root certificate"
v=$(ext_value "$ICA" "X509v3 Authority Key Identifier")
like "$(printf '%s' "$v" | tr '\n' '|')" '^(keyid:)?[0-9A-F]{2}(:[0-9A-F]{2})+$' "issuing: AKI is a keyIdentifier only"
is "${v#keyid:}" "$(ext_value "$ROOT" "X509v3 Subject Key Identifier")" "issuing: AKI is the root's SKI"
num_cmp "$(not_after "$ICA")" -le "$(not_after "$ROOT")" "issuing: ends before the root"
num_cmp "$(( ($(not_after "$ROOT") - $(not_after "$ICA")) / 86400 ))" -ge 3000 \
    "issuing: 10 years shorter than the root (20 years)"

check "ca show root-1" mc "$D" ca show root-1
file_has "$OUT" 'root-1' "ca show root-1 names it"
check "ca show issuing-1" mc "$D" ca show issuing-1
file_has "$OUT" "$ORG" "ca show issuing-1 shows the subject"
check "ca show issuing-1 --pem" mc "$D" ca show issuing-1 --pem
is "$(fpr "$OUT")" "$(fpr "$ICA")" "ca show issuing-1 --pem is the issuing CA"
expect_user_error 'nosuch|not found|unknown|no such' mc "$D" ca show nosuch-1

done_testing
