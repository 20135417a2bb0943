#!/usr/bin/env bash
#
# ocsp.sh: the daemon's OCSP responder (RFC 6960) against `openssl ocsp`
# and curl: good, revoked and unknown over POST, the GET form, SHA-256
# CertIDs, a nonce that is ignored (openssl warns, still verifies), other
# issuers (unauthorized) and garbage (malformedRequest); the delegated
# responder certificate (OCSPSigning, ocsp-nocheck) and the AIA OCSP URL
# in the leaf. (NSS's `vfychain -pp -g leaf -m ocsp` is not used: in
# this NSS it reported a revoked certificate's chain as good, so it does
# not show OCSP was consulted.)
#
# The scheduler refreshes the responses when the daemon starts; to see a
# revocation at once the test restarts the daemon rather than waiting for
# the next periodic refresh.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/ca
PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
URL=$BASE/ocsp/issuing-1
PID=

check "init" mc "$D" init --org "OCSP Test Org" --base-url "$BASE"
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"
mc "$D" export chain --format pem -o "$T/chain.pem" 2>/dev/null
is "$(split_pem "$T/chain.pem" "$T/c")" 2 "the chain holds two certificates"
ICA=$T/c1.pem
ROOT=$T/c2.pem

S1=$(issue_cert "$D" --email good@example.org --given-name Good --surname One --key ec-p256)
S2=$(issue_cert "$D" --email bad@example.org --given-name Bad --surname One --key ec-p256)
like "$S1" '^[0-9A-F]+$' "issued the certificate that stays good"
like "$S2" '^[0-9A-F]+$' "issued the certificate to revoke"
mc "$D" export cert "$S1" --format pem -o "$T/leaf1.pem" 2>/dev/null
mc "$D" export cert "$S2" --format pem -o "$T/leaf2.pem" 2>/dev/null

# The leaf points at the responder.
like "$(ext_value "$T/leaf1.pem" 'Authority Information Access')" \
    "OCSP - URI:$URL\$" "the leaf's AIA carries OCSP - URI:$URL"

# Start the daemon and wait until OCSP answers (the first refresh ran).
start() {
	# Not through mc(): $! must be the daemon, not a subshell.
	"$MAILCERT" --dir "$D" serve --listen "127.0.0.1:$PORT" \
	    2>>"$T/serve.log" </dev/null &
	PID=$!
	track_pid "$PID"
	local i
	for i in $(seq 1 100); do
		if openssl ocsp -issuer "$ICA" -cert "$T/leaf1.pem" -url "$URL" \
		    -CAfile "$T/chain.pem" -no_nonce >"$T/.poll" 2>&1 &&
		    grep -q ': good' "$T/.poll"; then
			return 0
		fi
		sleep 0.2
		kill -0 "$PID" 2>/dev/null || return 1
	done
	return 1
}

stop() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
}

if start; then
	ok "the daemon answers OCSP on $URL"
else
	fail "the daemon answers OCSP on $URL"
	diag "$(tail -n 20 "$T/serve.log")" "$(cat "$T/.poll" 2>/dev/null)"
	done_testing
fi

# ocsp_check MSG RE ARGS...: openssl ocsp ARGS against the responder;
# ok when it exits 0, says "Response verify OK" and stdout matches RE.
ocsp_check() {
	local msg=$1 re=$2
	shift 2
	run openssl ocsp -issuer "$ICA" -url "$URL" -CAfile "$T/chain.pem" \
	    -resp_text "$@"
	if [ "$RC" -eq 0 ] && grep -q 'Response verify OK' "$ERR" &&
	    grep -Eq -- "$re" "$OUT"; then
		ok "$msg"
	else
		fail "$msg"
		diag "  wanted /$re/ and Response verify OK"
		diag_last
	fi
}

# --- good, unknown, SHA-256, nonce ---------------------------------------
ocsp_check "openssl ocsp: good" "leaf1.pem: good" -cert "$T/leaf1.pem" \
    -no_nonce -respout "$T/good.der"
ocsp_check "openssl ocsp: the one to revoke is good for now" \
    "leaf2.pem: good" -cert "$T/leaf2.pem" -no_nonce
ocsp_check "openssl ocsp -serial 0x1234: unknown" "0x1234: unknown" \
    -serial 0x1234 -no_nonce
ocsp_check "openssl ocsp -sha256: good" "leaf1.pem: good" -sha256 \
    -cert "$T/leaf1.pem" -no_nonce
ocsp_check "openssl ocsp with a nonce: good" "leaf1.pem: good" \
    -cert "$T/leaf1.pem"
if grep -q 'WARNING: no nonce in response' "$ERR"; then
	ok "  the nonce is ignored: openssl warns and carries on"
else
	fail "  the nonce is ignored: openssl warns and carries on"
	diag_last
fi
ocsp_check "openssl ocsp with two certificates: both good" \
    "leaf2.pem: good" -cert "$T/leaf1.pem" -cert "$T/leaf2.pem" -no_nonce

# Validity per [ocsp] validity_hours (96 by default).
run openssl ocsp -respin "$T/good.der" -resp_text -noverify
tu=$(sed -n 's/^ *This Update: //p' "$OUT" | head -n 1)
nu=$(sed -n 's/^ *Next Update: //p' "$OUT" | head -n 1)
if [ -n "$tu" ] && [ -n "$nu" ]; then
	te=$(to_epoch "$tu")
	ne=$(to_epoch "$nu")
	is "$((ne - te))" $((96 * 3600)) \
	    "nextUpdate - thisUpdate is 96 hours"
else
	fail "nextUpdate - thisUpdate is 96 hours"
	diag_last
fi
file_has "$OUT" 'Responder Id: [0-9A-F]{40}' "the responder is named by key"

# --- the responder certificate -------------------------------------------
awk '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/' "$OUT" \
    >"$T/responder.pem"
is "$(pem_count "$T/responder.pem")" 1 "the response carries the responder certificate"
run openssl x509 -in "$T/responder.pem" -noout -text
file_has "$OUT" 'Subject: .*CN *= *OCSP Test Org S/MIME CA 1 OCSP Responder' \
    "responder subject CN is \"<CA CN> OCSP Responder\""
is "$(ext_header "$T/responder.pem" 'X509v3 Extended Key Usage')" \
    "X509v3 Extended Key Usage:" "responder extKeyUsage present"
is "$(ext_value "$T/responder.pem" 'X509v3 Extended Key Usage')" \
    "OCSP Signing" "responder extKeyUsage is OCSP Signing only"
is "$(ext_header "$T/responder.pem" 'X509v3 Key Usage')" \
    "X509v3 Key Usage: critical" "responder keyUsage is critical"
is "$(ext_value "$T/responder.pem" 'X509v3 Key Usage')" \
    "Digital Signature" "responder keyUsage is digitalSignature"
file_has "$OUT" 'OCSP No Check' "responder carries id-pkix-ocsp-nocheck"
file_has "$OUT" 'ASN1 OID: prime256v1' "responder key is EC P-256"
check "the issuing CA signed the responder" openssl verify -partial_chain \
    -CAfile "$ICA" "$T/responder.pem"
check "the responder chains to the root" openssl verify -CAfile "$ROOT" \
    -untrusted "$ICA" -purpose ocsphelper "$T/responder.pem"

# --- GET (RFC 6960 A.1) and POST with curl --------------------------------
openssl ocsp -issuer "$ICA" -cert "$T/leaf1.pem" -no_nonce \
    -reqout "$T/req.der" >/dev/null 2>&1
enc=$(base64 -w0 "$T/req.der" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')
run curl -sS -D "$T/get.hdr" -o "$T/get.der" "$URL/$enc"
file_has "$T/get.hdr" '^HTTP/1.1 200' "GET $URL/<base64>: 200"
file_has "$T/get.hdr" '^[Cc]ontent-[Tt]ype: application/ocsp-response' \
    "  Content-Type: application/ocsp-response"
file_has "$T/get.hdr" '^[Cc]ache-[Cc]ontrol:.*max-age=[1-9]' \
    "  a pre-produced answer may be cached (max-age)"
run openssl ocsp -respin "$T/get.der" -issuer "$ICA" -cert "$T/leaf1.pem" \
    -CAfile "$T/chain.pem"
if [ "$RC" -eq 0 ] && grep -q 'leaf1.pem: good' "$OUT" &&
    grep -q 'Response verify OK' "$ERR"; then
	ok "  the GET answer verifies: good"
else
	fail "  the GET answer verifies: good"
	diag_last
fi
run curl -sS -o "$T/post.der" -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$T/req.der" "$URL"
is "$(sha256sum <"$T/post.der")" "$(sha256sum <"$T/get.der")" \
    "POST and GET give the same pre-produced response"

# --- other issuers and garbage --------------------------------------------
run openssl ocsp -issuer "$ROOT" -serial 1 -url "$URL" -no_nonce
like "$(cat "$OUT" "$ERR")" 'Responder Error: unauthorized' \
    "a CertID of another issuer: unauthorized"
run openssl ocsp -issuer "$ICA" -cert "$T/leaf1.pem" -no_nonce \
    -url "$BASE/ocsp/root-1"
like "$(cat "$OUT" "$ERR")" 'Responder Error: unauthorized' \
    "our CertID sent to another CA's URL: unauthorized"
printf 'garbage' >"$T/garbage"
run curl -sS -o "$T/bad.der" -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$T/garbage" "$URL"
run openssl ocsp -respin "$T/bad.der" -resp_text
like "$(cat "$OUT" "$ERR")" 'Responder Error: malformedrequest' \
    "a POST of garbage: malformedRequest"
head -c 20 "$T/req.der" >"$T/cut.der"
run curl -sS -o "$T/cut-resp.der" -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$T/cut.der" "$URL"
run openssl ocsp -respin "$T/cut-resp.der" -resp_text
like "$(cat "$OUT" "$ERR")" 'Responder Error: malformedrequest' \
    "a truncated request: malformedRequest"

# --- revoked, after a restart ---------------------------------------------
check "cert revoke --reason keyCompromise" mc "$D" cert revoke "$S2" \
    --reason keyCompromise
stop
if start; then
	ok "the daemon restarts and answers again"
else
	fail "the daemon restarts and answers again"
	diag "$(tail -n 20 "$T/serve.log")"
fi
ocsp_check "openssl ocsp: revoked" "leaf2.pem: revoked" -cert "$T/leaf2.pem" \
    -no_nonce
file_has "$OUT" 'Reason: keyCompromise' "  with reason keyCompromise"
file_has "$OUT" 'Revocation Time: ' "  with the revocation time"
ocsp_check "openssl ocsp: the other is still good" "leaf1.pem: good" \
    -cert "$T/leaf1.pem" -no_nonce

stop
done_testing
