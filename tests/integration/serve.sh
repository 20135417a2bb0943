#!/usr/bin/env bash
#
# serve.sh: `mailcert serve` as a client and an operator meet it, on
# loopback. The public endpoints are checked against what the CLI exports
# (the CA certificate by `openssl x509`, the CRL by `openssl crl`, the key
# directory's PEM and DER byte for byte), with their caching headers and a
# 304; NAMEs that try to leave their directory are 404; /metrics agrees
# with `cert list`. Then the operator's side: `config check`, SIGHUP with
# a broken config (keeps serving) and with a good one (reloads), the
# public listener that serves nothing else, a second daemon on the same
# port, JSON log lines that jq parses, and SIGTERM exiting 0 in time.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/mc
LOG=$T/serve.log

command -v jq >/dev/null || bail "jq not installed (scripts/deps.sh)"
command -v curl >/dev/null || bail "curl not installed (scripts/deps.sh)"

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

PORT=$(free_port)
PPORT=$(free_port)
[ -n "$PORT" ] && [ -n "$PPORT" ] && [ "$PORT" != "$PPORT" ] ||
    bail "no free ports"
B=http://127.0.0.1:$PORT
PB=http://127.0.0.1:$PPORT

# curl with a deadline; the rest as given.
c() {
	curl -sS --max-time 10 "$@"
}

# The status of a request, the body to $OUT and the headers to $T/.hdr.
status() {
	c -o "$OUT" -D "$T/.hdr" -w '%{http_code}' "$@" 2>"$ERR"
}

# A response header's value (the first), without the CR.
hdr() {
	grep -i "^$1:" "$T/.hdr" | head -n 1 | cut -d' ' -f2- | tr -d '\r'
}

# Wait until the daemon answers /healthz, or it died.
wait_up() {
	local i
	for i in $(seq 300); do
		if c -o /dev/null "$B/healthz" 2>/dev/null; then
			return 0
		fi
		kill -0 "$SERVE_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Wait until the log has a line matching re (after SIGHUP).
wait_log() {
	local i
	for i in $(seq 150); do
		grep -Eq -- "$1" "$LOG" && return 0
		sleep 0.1
	done
	return 1
}

# --- a data directory with certificates and CRLs -------------------------

mc "$D" init --org "Serve Test" --base-url "$B" --ca-key ec-p384 \
    >/dev/null 2>"$ERR" || bail "init failed: $(head -3 "$ERR")"
sed -i "s/^listen = .*/listen = 127.0.0.1:$PORT/; s/^stop_seconds = .*/stop_seconds = 5/" \
    "$D/mailcert.conf"
S1=$(issue_cert "$D" --email alice@example.org --given-name Alice \
    --surname Example --key ec-p256)
S2=$(issue_cert "$D" --email bob@example.org --given-name Bob \
    --surname Example --key ec-p256)
[ -n "$S1" ] && [ -n "$S2" ] || bail "cert issue failed"
check "revoke bob's certificate" mc "$D" cert revoke "$S2" --reason \
    keyCompromise
check "crl generate" mc "$D" crl generate
mc "$D" export chain --format pem >"$T/chain.pem" 2>/dev/null
mc "$D" export cert --format pem "$S1" >"$T/alice.pem" 2>/dev/null
mc "$D" export cert --format der -o "$T/alice.der" "$S1" 2>/dev/null
[ -s "$T/chain.pem" ] && [ -s "$T/alice.pem" ] && [ -s "$T/alice.der" ] ||
    bail "export failed"

# --- config check ------------------------------------------------------------

check "config check of the data directory" mc "$D" config check
like "$(cat "$OUT")" "^configuration OK: $D/mailcert.conf\$" \
    "  says OK and names the file"
sed "s/^listen = .*/listen = localhost:$PORT/" "$D/mailcert.conf" \
    >"$T/bad-listen.conf"
expect_user_error "bad-listen.conf:[0-9]+: \[serve\] listen: .*localhost" \
    mc "$D" config check --file "$T/bad-listen.conf"
printf '[serve]\nlisten = 127.0.0.1:1\nthreds = 4\n' >"$T/typo.conf"
expect_user_error "typo.conf:3: .*threds" \
    mc "$D" config check --file "$T/typo.conf"
expect_user_error "no-such.conf" \
    mc "$D" config check --file "$T/no-such.conf"

# --- the daemon -------------------------------------------------------------

"$MAILCERT" --dir "$D" serve --public-listen "127.0.0.1:$PPORT" \
    --log-format json >"$T/serve.out" 2>"$LOG" </dev/null &
SERVE_PID=$!
track_pid "$SERVE_PID"
wait_up || bail "mailcert serve did not come up: $(head -5 "$LOG")"
ok "mailcert serve answers on 127.0.0.1:$PORT"
file_has "$LOG" "listening on http://127.0.0.1:$PORT" \
    "the log names the listening address"
file_has "$LOG" "http://127.0.0.1:$PORT/ui/" "the log names the dashboard URL"
file_has "$LOG" "public endpoints on http://127.0.0.1:$PPORT" \
    "the log names the public address"

# --- /ca --------------------------------------------------------------------

split_pem "$T/chain.pem" "$T/chain" >/dev/null
for name in issuing-1 root-1; do
	is "$(status "$B/ca/$name.crt")" 200 "GET /ca/$name.crt"
	is "$(hdr Content-Type)" "application/pkix-cert" "  application/pkix-cert"
	cp "$OUT" "$T/$name.der"
	check "  openssl x509 parses it as DER" openssl x509 -inform DER \
	    -in "$T/$name.der" -noout
	want=""
	for f in "$T"/chain[0-9]*.pem; do
		[ "$(fpr "$f")" = "$(fpr "$T/$name.der" DER)" ] && want=$f
	done
	isnt "$want" "" "  it is a certificate of \`export chain\`"
	like "$(hdr Cache-Control)" '^public, max-age=[0-9]+$' "  Cache-Control"
	like "$(hdr Last-Modified)" 'GMT$' "  Last-Modified"
done
check "the issuing CA verifies under the root" openssl verify -CAfile \
    <(openssl x509 -inform DER -in "$T/root-1.der") \
    <(openssl x509 -inform DER -in "$T/issuing-1.der")

# --- /crl -------------------------------------------------------------------

is "$(status "$B/crl/issuing-1.crl")" 200 "GET /crl/issuing-1.crl"
is "$(hdr Content-Type)" "application/pkix-crl" "  application/pkix-crl"
cp "$OUT" "$T/issuing.crl"
check "  openssl crl parses it and it verifies under the CA" openssl crl \
    -inform DER -in "$T/issuing.crl" -noout -CAfile \
    <(openssl x509 -inform DER -in "$T/issuing-1.der")
like "$(openssl crl -inform DER -in "$T/issuing.crl" -noout -text)" \
    "Serial Number: 0*$S2" "  it lists bob's revoked certificate"
ETAG=$(hdr ETag)
like "$ETAG" '^"[0-9a-f]{32}"$' "  strong ETag"
MAXAGE=$(hdr Cache-Control | sed -n 's/.*max-age=\([0-9]*\).*/\1/p')
NEXT=$(to_epoch "$(openssl crl -inform DER -in "$T/issuing.crl" -noout \
    -nextupdate | cut -d= -f2)")
num_cmp "${MAXAGE:-x}" -ge 1 "  Cache-Control max-age is positive"
num_cmp "${MAXAGE:-0}" -le $((NEXT - $(date +%s))) \
    "  max-age does not run past nextUpdate"
THIS=$(to_epoch "$(openssl crl -inform DER -in "$T/issuing.crl" -noout \
    -lastupdate | cut -d= -f2)")
is "$(to_epoch "$(hdr Last-Modified)")" "$THIS" "  Last-Modified is thisUpdate"
is "$(status -H "If-None-Match: $ETAG" "$B/crl/issuing-1.crl")" 304 \
    "  If-None-Match with the ETag: 304"
is "$(wc -c <"$OUT")" 0 "  304 has no body"
is "$(status -H 'If-None-Match: "0000"' "$B/crl/issuing-1.crl")" 200 \
    "  another ETag: 200"
is "$(status -I "$B/crl/issuing-1.crl")" 200 "HEAD /crl/issuing-1.crl"
is "$(hdr ETag)" "$ETAG" "  same ETag"
is "$(hdr Content-Length)" "$(wc -c <"$T/issuing.crl")" \
    "  Content-Length of the GET"
is "$(c -I -o /dev/null -w '%{size_download}' "$B/crl/issuing-1.crl")" 0 \
    "  no body"
is "$(status -X POST --data x "$B/crl/issuing-1.crl")" 405 "POST /crl: 405"
is "$(hdr Allow)" "GET, HEAD" "  Allow: GET, HEAD"

# --- names that try to escape -----------------------------------------------

BEFORE=$(store_state "$D")
for p in "/ca/../mailcert.conf" "/ca/..%2Fmailcert.conf" "/ca/%2e%2e.crt" \
    "/ca/a%2Fb.crt" "/ca/..%2F..%2Fetc%2Fpasswd.crt" "/ca/.crt" \
    "/ca/.hidden.crt" "/crl/..%2Fmailcert.db.crl" "/crl/%2e%2e%2fkek.bin.crl" \
    "/ca/issuing-1%00.crt" "/ca/issuing-1.crt%2F" "/ca/$(printf 'a%.0s' \
    $(seq 65)).crt" "/ocsp/..%2F..%2Fx" "/ca/nope.crt" "/crl/nope.crl" \
    "/ca/issuing-1.pem" "/crl/issuing-1"; do
	is "$(status --path-as-is "$B$p")" 404 "GET $p: 404"
done
is "$(store_state "$D")" "$BEFORE" "the store is unchanged"
is "$(status "$B/healthz")" 200 "still healthy"

# --- OCSP -------------------------------------------------------------------

run openssl ocsp -issuer "$T/issuing-1.der" -cert "$T/alice.pem" \
    -url "$B/ocsp/issuing-1" -CAfile "$T/chain.pem"
like "$(cat "$OUT")" "alice.pem: good" "openssl ocsp (POST) says good"
openssl ocsp -issuer "$T/issuing-1.der" -cert "$T/alice.pem" \
    -reqout "$T/req.der" -no_nonce >/dev/null 2>&1
B64=$(base64 -w0 "$T/req.der" | sed 's|/|%2F|g; s|+|%2B|g; s|=|%3D|g')
is "$(status "$B/ocsp/issuing-1/$B64")" 200 "GET /ocsp/issuing-1/BASE64"
is "$(hdr Content-Type)" "application/ocsp-response" \
    "  application/ocsp-response"
like "$(hdr Cache-Control)" 'max-age=[1-9][0-9]*' "  Cache-Control max-age"
like "$(openssl ocsp -respin "$OUT" -resp_text -noverify 2>&1)" \
    "Cert Status: good" "  the response says good"
is "$(status -X POST -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$T/req.der" "$B/ocsp/nope")" 404 \
    "OCSP for a NAME that is not a CA: 404"
is "$(status "$B/ocsp/issuing-1")" 405 "GET /ocsp/NAME without a request: 405"

# --- the key directory --------------------------------------------------------

is "$(status "$B/keys/v1/lookup?email=alice@EXAMPLE.org")" 200 \
    "key directory lookup for alice (domain in any case)"
is "$(hdr Content-Type)" "application/json" "  application/json"
cp "$OUT" "$T/alice.json"
is "$(jq -r .email "$T/alice.json")" "alice@example.org" \
    "  the normalised address"
is "$(jq -r '.certificates | length' "$T/alice.json")" 1 "  one certificate"
is "$(jq -r '.certificates[0].serial' "$T/alice.json")" "$S1" "  its serial"
is "$(jq -r '.certificates[0].ca' "$T/alice.json")" "issuing-1" "  its CA"
is "$(jq -r '.certificates[0].usage' "$T/alice.json")" "both" "  its usage"
like "$(jq -r '.certificates[0].not_after' "$T/alice.json")" \
    '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "  RFC 3339 times"
jq -r '.certificates[0].pem' "$T/alice.json" >"$T/alice-dir.pem"
is "$(fpr "$T/alice-dir.pem")" "$(fpr "$T/alice.pem")" \
    "  the PEM is \`export cert\`'s certificate"
unlike "$(cat "$T/alice.json")" "PRIVATE|sealed|key_id" \
    "  no private material"
is "$(status -H 'Accept: application/pkix-cert' \
    "$B/keys/v1/lookup?email=alice%40example.org")" 200 \
    "lookup with Accept: application/pkix-cert"
is "$(hdr Content-Type)" "application/pkix-cert" "  application/pkix-cert"
cp "$OUT" "$T/alice-dir.der"
check "  the DER is \`export cert --format der\`, byte for byte" cmp \
    "$T/alice-dir.der" "$T/alice.der"
is "$(status "$B/keys/v1/lookup?email=bob@example.org")" 404 \
    "bob's only certificate is revoked: 404"
is "$(jq -r .error.code "$OUT")" "not_found" "  JSON error not_found"
is "$(status "$B/keys/v1/lookup?email=nobody@example.org")" 404 \
    "unknown address: 404"
is "$(jq -r .error.code "$OUT")" "not_found" "  JSON error not_found"
is "$(status "$B/keys/v1/lookup?email=not-an-address")" 400 \
    "malformed address: 400"
is "$(jq -r .error.code "$OUT")" "bad_request" "  JSON error bad_request"
is "$(status "$B/keys/v1/lookup")" 400 "no email parameter: 400"

# --- /healthz and /metrics ------------------------------------------------------

is "$(status "$B/healthz")" 200 "GET /healthz"
is "$(cat "$OUT")" "ok" "  says ok"
is "$(status "$B/metrics")" 200 "GET /metrics"
like "$(hdr Content-Type)" '^text/plain; version=0.0.4' \
    "  Prometheus text format"
cp "$OUT" "$T/metrics.txt"
metric() {
	grep -E "^$1 " "$T/metrics.txt" | awk '{ print $2 }'
}
VALID=$(mc "$D" cert list --status valid --json | jq length)
REVOKED=$(mc "$D" cert list --status revoked --json | jq length)
is "$(metric 'mailcert_certificates\{state="valid"\}')" "$VALID" \
    "  valid certificates as \`cert list\` counts them ($VALID)"
is "$(metric 'mailcert_certificates\{state="revoked"\}')" "$REVOKED" \
    "  revoked as \`cert list\` counts them ($REVOKED)"
like "$(metric 'mailcert_ca_expiry_days\{ca="issuing-1"\}')" '^[0-9]+' \
    "  days until issuing-1 expires"
is "$(metric mailcert_seats_used)" 0 "  no seats used"
is "$(metric mailcert_seats_total)" "" "  no quota: no total"
is "$(metric 'mailcert_domains\{state="verified"\}')" 0 "  domains"
like "$(metric 'mailcert_outbox_events\{state="pending"\}')" '^[0-9]+$' \
    "  outbox events"
for m in mailcert_certificates mailcert_ca_expiry_days mailcert_seats_used \
    mailcert_domains mailcert_outbox_events; do
	file_has "$T/metrics.txt" "^# TYPE $m gauge" "  # TYPE $m"
done
check "seats set 5" mc "$D" seats set 5
status "$B/metrics" >/dev/null
cp "$OUT" "$T/metrics.txt"
is "$(metric mailcert_seats_total)" 5 "  with a quota: total"
is "$(metric mailcert_seats_free)" 5 "  and free"

# --- the public listener -----------------------------------------------------

is "$(status "$PB/ca/issuing-1.crt")" 200 "public listener: /ca"
is "$(status "$PB/keys/v1/lookup?email=alice@example.org")" 200 \
    "public listener: key directory"
is "$(status "$PB/api/v1/me")" 404 "public listener: no API"
is "$(status "$PB/ui/")" 404 "public listener: no dashboard"
is "$(status "$B/ui/")" 200 "main listener: the dashboard"
is "$(status "$B/nowhere")" 404 "main listener: unknown path 404"

# --- keep-alive --------------------------------------------------------------

c -o /dev/null -o /dev/null -w '%{num_connects}\n' "$B/healthz" \
    "$B/ca/issuing-1.crt" >"$OUT" 2>"$ERR"
is "$(tr '\n' ' ' <"$OUT")" "1 0 " "two requests on one connection"

# --- a second daemon on the same port ---------------------------------------

run timeout 20 "$MAILCERT" --dir "$D" serve
isnt "$RC" 0 "a second serve on the same port fails"
is "$RC" 1 "  with exit status 1"
like "$(cat "$ERR")" "127.0.0.1:$PORT.*Address already in use" \
    "  saying the address is in use"
is "$(status "$B/healthz")" 200 "the first one still serves"

# --- SIGHUP --------------------------------------------------------------------

cp "$D/mailcert.conf" "$T/good.conf"
printf '\n[bogus]\n' >>"$D/mailcert.conf"
kill -HUP "$SERVE_PID"
if wait_log '"level":"error".*configuration not reloaded.*bogus'; then
	ok "SIGHUP with a broken config logs the error"
else
	fail "SIGHUP with a broken config logs the error"
	diag "$(tail -n 3 "$LOG")"
fi
is "$(status "$B/healthz")" 200 "  and keeps serving"
cp "$T/good.conf" "$D/mailcert.conf"
sed -i 's/^sync_interval = .*/sync_interval = 30/' "$D/mailcert.conf"
kill -HUP "$SERVE_PID"
if wait_log '"level":"info".*configuration reloaded'; then
	ok "SIGHUP with a good config reloads it"
else
	fail "SIGHUP with a good config reloads it"
	diag "$(tail -n 3 "$LOG")"
fi
sed -i 's/^path = .*/path = other.db/' "$D/mailcert.conf"
kill -HUP "$SERVE_PID"
if wait_log '"level":"warn".*\[store\] path.*needs a restart'; then
	ok "a changed [store] path needs a restart"
else
	fail "a changed [store] path needs a restart"
	diag "$(tail -n 3 "$LOG")"
fi
is "$(status "$B/keys/v1/lookup?email=alice@example.org")" 200 \
    "  and the old store is still used"
cp "$T/good.conf" "$D/mailcert.conf"

# --- SIGTERM ---------------------------------------------------------------------

START=$(date +%s)
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
RC=$?
is "$RC" 0 "SIGTERM: exit status 0"
num_cmp $(($(date +%s) - START)) -le 5 "  within stop_seconds (5)"
file_has "$LOG" '"msg":"stopped"' "  logs that it stopped"
is "$(c -o /dev/null -w '%{http_code}' "$B/healthz" 2>/dev/null)" 000 \
    "  and the port is closed"

# --- the log -------------------------------------------------------------------

BAD=0
while IFS= read -r line; do
	printf '%s' "$line" | jq -e '.ts and .level and .func and .msg' \
	    >/dev/null 2>&1 || BAD=$((BAD + 1))
done <"$LOG"
is "$BAD" 0 "every --log-format json line parses with jq ($(wc -l <"$LOG") lines)"
is "$(grep -c '"level":"debug"' "$LOG")" 0 "no debug lines (no access log) by default"

# --- text log and debug access log ------------------------------------------------

MAILCERT_LOG=debug "$MAILCERT" --dir "$D" serve >"$T/serve2.out" \
    2>"$T/serve2.log" </dev/null &
SERVE_PID=$!
track_pid "$SERVE_PID"
LOG=$T/serve2.log
wait_up || bail "mailcert serve did not come up again: $(head -5 "$LOG")"
c -o /dev/null "$B/ca/root-1.crt"
wait_log '^DEBUG .*127\.0\.0\.1 "GET /ca/root-1\.crt" 200' &&
    ok "MAILCERT_LOG=debug: one access line per request" ||
    fail "MAILCERT_LOG=debug: one access line per request"
file_has "$LOG" '^INFO serve_run: .*listening on' "text log lines"
kill -INT "$SERVE_PID"
wait "$SERVE_PID"
is "$?" 0 "SIGINT: exit status 0"

done_testing
