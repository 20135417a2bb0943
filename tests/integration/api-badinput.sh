#!/usr/bin/env bash
#
# api-badinput.sh: every /api/v1 endpoint that takes input, given bad
# input through a real `mailcert serve`: malformed JSON, wrong types,
# unknown fields, bodies over 64 KiB, bad paging values, path traversal
# in names and serials (../, %2e%2e%2f, %00, very long), and wrong
# methods. Each must get a clear 4xx JSON error naming the problem (bodies
# over the limit: 413 too_large from the HTTP layer), the daemon must stay up, and
# the store (certs, users, groups, domains, tokens) must not change: only
# the audit log grows, by one refused entry per mutation attempt.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-api.sh"

T=$T_TMP
D=$T/mc
CSV=$T/users.csv

api_setup "$D"
mc "$D" domain add corp.example --assert >/dev/null 2>&1 ||
    bail "domain add failed"
printf 'id,email,given_name,surname,groups\nu1,ann@corp.example,Ann,Example,staff\n' \
    >"$CSV"
mc "$D" source add csv hr --path "$CSV" >/dev/null 2>&1 &&
    mc "$D" sync --yes >/dev/null 2>&1 ||
    bail "source add or sync failed"
S=$(issue_cert "$D" --email bob@corp.example --given-name Bob \
    --surname Example --key ec-p256)
[ -n "$S" ] || bail "cert issue failed"
ADMIN=$(api_token "$D" boss admin)
[ -n "$ADMIN" ] || bail "token create failed: $(head -3 "$ERR")"
api_serve "$D"
api GET /groups "$ADMIN" >/dev/null
GID=$(jqo '.items[0].id')
api GET /tokens "$ADMIN" >/dev/null
TID=$(jqo '.items[0].id')
[ -n "$GID" ] && [ -n "$TID" ] || bail "no group or token id"
AUDIT0=$(sqlite3 "$D/mailcert.db" 'SELECT count(*) FROM audit')
BEFORE=$(db_snapshot "$D")

# want STATUS CODE RE METHOD PATH [BODY]: the answer is STATUS with a JSON
# error CODE whose message matches RE.
want() {
	local st=$1 code=$2 re=$3 got
	shift 3
	got=$(api "$@")
	if [ "$got" = "$st" ] && [ "$(jqo .error.code)" = "$code" ] &&
	    jqo .error.message | grep -Eq -- "$re"; then
		ok "$1 ${2:0:60}: $st $code /$re/"
	else
		fail "$1 ${2:0:60}: $st $code /$re/"
		diag "  got $got: $(head -c 300 "$AOUT")"
	fi
}

# --- bodies ------------------------------------------------------------------

# Every endpoint that reads a body: method, path, a good body's shape.
EPS=(
	"PATCH /groups/$GID"
	"POST /certificates/$S/revoke"
	"POST /certificates/$S/reissue"
	"POST /domains"
	"POST /domains/corp.example/verify"
	"PUT /seats"
	"POST /tokens"
	"POST /sync"
	"POST /cas/crl"
	"DELETE /sources/hr"
	"DELETE /tokens/$TID"
)
BIG=$T/big.json
{ printf '{"name":"'; head -c 70000 /dev/zero | tr '\0' a; printf '"}'; } >"$BIG"
for ep in "${EPS[@]}"; do
	set -- $ep
	want 400 bad_json 'line 1 column [0-9]+' "$1" "$2" "$ADMIN" '{"name": '
	want 400 bad_json 'line 1' "$1" "$2" "$ADMIN" '{"a":1,"a":2}'
	want 400 bad_json 'line 1' "$1" "$2" "$ADMIN" "$(printf '{"name":"\377"}')"
	want 400 bad_request 'expected a JSON object' "$1" "$2" "$ADMIN" '[1,2]'
	want 400 bad_request '"bogus"' "$1" "$2" "$ADMIN" '{"bogus":true}'
	want 413 too_large 'larger than 65536' "$1" "$2" "$ADMIN" "@$BIG"
done

# Wrong types and values, naming the field.
want 400 bad_request '"reason"' POST "/certificates/$S/revoke" "$ADMIN" '{"reason":1}'
want 400 bad_request '"reason"' POST "/certificates/$S/revoke" "$ADMIN" '{"reason":"because"}'
want 400 bad_request '"reason" is required' POST "/certificates/$S/revoke" "$ADMIN" '{}'
want 400 bad_request '"reason"' POST "/certificates/$S/revoke" "$ADMIN" '{"reason":null}'
want 400 bad_request '"auto_request"' PATCH "/groups/$GID" "$ADMIN" '{"auto_request":"yes"}'
want 400 bad_request '"days"' PATCH "/groups/$GID" "$ADMIN" '{"days":"30"}'
want 400 bad_request '"days"' PATCH "/groups/$GID" "$ADMIN" '{"days":826}'
want 400 bad_request '"days"' PATCH "/groups/$GID" "$ADMIN" '{"days":1.5}'
want 400 bad_request '"key"' PATCH "/groups/$GID" "$ADMIN" '{"key":"dsa-1024"}'
want 400 bad_request '"profile"' PATCH "/groups/$GID" "$ADMIN" '{"profile":7}'
want 400 bad_request '"usage"' PATCH "/groups/$GID" "$ADMIN" '{"usage":"sign"}'
want 400 bad_request 'at least one' PATCH "/groups/$GID" "$ADMIN" '{}'
want 400 bad_request '"name"' POST /domains "$ADMIN" '{"name":42}'
want 400 bad_request '"name" is required' POST /domains "$ADMIN" '{}'
want 400 bad_request 'name|domain' POST /domains "$ADMIN" '{"name":"../../etc/passwd"}'
want 400 bad_json 'NUL|u0000|line 1' POST /domains "$ADMIN" '{"name":"a\u0000b"}'
want 400 bad_request '"total"' PUT /seats "$ADMIN" '{"total":"10"}'
want 400 bad_request '"total"' PUT /seats "$ADMIN" '{"total":-5}'
want 400 bad_request '"total"' PUT /seats "$ADMIN" '{"total":1e3}'
want 400 bad_request '"total" is required' PUT /seats "$ADMIN" '{}'
want 400 bad_request '"role"' POST /tokens "$ADMIN" '{"name":"x","role":"root"}'
want 400 bad_request '"name"' POST /tokens "$ADMIN" '{"name":"a b","role":"viewer"}'
want 400 bad_request '"groups"' POST /tokens "$ADMIN" '{"name":"x","role":"viewer","groups":"staff"}'
want 400 bad_request '"groups"' POST /tokens "$ADMIN" '{"name":"x","role":"viewer","groups":["nope"]}'
want 400 bad_request '"groups"' POST /tokens "$ADMIN" '{"name":"x","role":"admin","groups":["staff"]}'
want 400 bad_request '"expires_days"' POST /tokens "$ADMIN" '{"name":"x","role":"viewer","expires_days":-1}'
want 400 bad_request '"expires_days"' POST /tokens "$ADMIN" '{"name":"x","role":"viewer","expires_days":true}'

# --- paging and query parameters ---------------------------------------------

for p in users groups certificates domains sources events audit tokens; do
	for v in -1 0 501 1e3 abc '' 5x; do
		want 400 bad_request 'limit' GET "/$p?limit=$v" "$ADMIN"
	done
	for v in -1 1e3 abc ''; do
		want 400 bad_request 'offset' GET "/$p?offset=$v" "$ADMIN"
	done
	want 400 bad_request 'unknown query parameter "color"' GET \
	    "/$p?color=red" "$ADMIN"
	want 400 bad_request 'twice' GET "/$p?limit=1&limit=2" "$ADMIN"
done
for p in me overview seats sync cas; do
	want 400 bad_request 'unknown query parameter "limit"' GET \
	    "/$p?limit=5" "$ADMIN"
done
want 400 bad_request '"present"' GET '/users?present=yes' "$ADMIN"
want 400 bad_request '"state"' GET '/certificates?state=gone' "$ADMIN"
want 400 bad_request '"user"' GET '/certificates?user=-3' "$ADMIN"
want 400 bad_request '"state"' GET '/events?state=lost' "$ADMIN"
want 400 bad_request '"before"' GET '/audit?before=abc' "$ADMIN"
want 400 bad_request '"format"' GET '/exports/chain?format=der' "$ADMIN"
want 400 bad_request '"format"' GET '/exports/chain?format=../../x' "$ADMIN"

# --- names and serials that try to leave their place ------------------------

LONG=$(head -c 3000 /dev/zero | tr '\0' A)
for p in "/certificates/../tokens" "/certificates/%2e%2e%2ftokens" \
    "/certificates/%2e%2e/tokens" "/certificates/./$S" \
    "/domains/..%2f..%2fetc/verify" "/sources/..%2Fhr"; do
	got=$(api GET "$p" "$ADMIN")
	like "$got $(jqo .error.code)" '^4[0-9][0-9] (bad_request|not_found|method_not_allowed)$' \
	    "GET $p: a 4xx JSON error"
done
want 400 bad_request 'segment ".."' GET "/certificates/../tokens" "$ADMIN"
want 400 bad_request 'segment ".."' POST "/certificates/%2e%2e/revoke" "$ADMIN" '{"reason":"keyCompromise"}'
want 400 bad_request 'control character' GET "/certificates/$S%01" "$ADMIN"
want 400 bad_request 'segment ".."' GET "/certificates/$S%2f..%2f" "$ADMIN"
want 404 not_found 'no certificate A{41}$' GET "/certificates/${LONG:0:41}" "$ADMIN"
want 400 bad_request 'longer than 255' GET "/certificates/${LONG:0:300}" "$ADMIN"
want 400 bad_request 'longer than' GET "/users/$LONG" "$ADMIN"
want 404 not_found 'no user' GET "/users/1%2e0" "$ADMIN"
want 404 not_found 'no user' GET "/users/-1" "$ADMIN"
want 404 not_found 'no user' GET "/users/99999999999999999999999" "$ADMIN"
want 404 not_found 'no group' PATCH "/groups/0x1" "$ADMIN" '{"days":30}'
want 400 bad_request 'segment ".."' DELETE "/tokens/..%2f1" "$ADMIN"
want 400 bad_request 'segment ".."' DELETE "/sources/..%2f..%2fmailcert.db" "$ADMIN"
want 400 bad_request 'segment ".."' POST "/domains/..%2fcorp.example/verify" "$ADMIN"
want 404 not_found 'no source hr%00' DELETE "/sources/hr%00" "$ADMIN"
want 404 not_found 'no domain corp.example%00' POST "/domains/corp.example%00/verify" "$ADMIN"
got=$(api GET "/certificates/$S%00../tokens" "$ADMIN")
like "$got" '^4[0-9][0-9]$' "GET with %00 in the serial: 4xx ($got)"

# --- methods -----------------------------------------------------------------

while read -r m p allow; do
	want 405 method_not_allowed "$m is not allowed" "$m" "$p" "$ADMIN" '{}'
	is "$(hdr Allow)" "${allow//,/, }" "  Allow: ${allow//,/, }"
done <<EOF
DELETE /users GET
PUT /users/1 GET
POST /groups GET
GET /groups/$GID PATCH
PUT /certificates GET
DELETE /certificates/$S GET
GET /certificates/$S/revoke POST
PATCH /certificates/$S/reissue POST
PUT /domains GET,POST
GET /domains/corp.example/verify POST
POST /seats GET,PUT
PUT /sources GET
POST /events GET
POST /exports/chain GET
PUT /sync GET,POST
DELETE /audit GET
PATCH /tokens GET,POST
GET /tokens/$TID DELETE
PUT /cas GET
GET /cas/crl POST
EOF

# --- nothing changed ---------------------------------------------------------

alive
is "$(db_snapshot "$D")" "$BEFORE" \
    "certs, users, groups, domains and tokens are unchanged"
num_cmp "$(sqlite3 "$D/mailcert.db" 'SELECT count(*) FROM audit')" -gt \
    $((AUDIT0 + 100)) "every refused mutation left an audit entry"
is "$(sqlite3 "$D/mailcert.db" "SELECT count(*) FROM audit WHERE id > $AUDIT0 AND result NOT LIKE 'error: %'")" \
    0 "  each one an error"
check "mailcert audit verify" mc "$D" audit verify

done_testing
