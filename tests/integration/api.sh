#!/usr/bin/env bash
#
# api.sh: every resource of docs/api.md through a real `mailcert serve`
# with curl and jq: status codes, shapes and paging, the roles (a viewer
# may not revoke, an operator may, admin-only resources), revoke seen by
# `cert show`, reissue checked by `openssl verify` and the old certificate
# revoked as superseded, exports parsed by openssl and `mailcert inspect`,
# the sync trigger (202, then 409 while one runs: the CSV source is a FIFO
# the sync blocks on until the test writes it), tokens made and revoked
# over the API, and the audit entries, which `mailcert audit verify`
# accepts.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-api.sh"

T=$T_TMP
D=$T/mc

api_setup "$D"
mc "$D" export chain --format pem -o "$T/chain.pem" >/dev/null 2>&1
[ "$(split_pem "$T/chain.pem" "$T/ch")" -eq 2 ] || bail "no chain"
ICA=$T/ch1.pem
ROOT=$T/ch2.pem
S1=$(issue_cert "$D" --email alice@corp.example --given-name Alice \
    --surname Example --key ec-p256)
S2=$(issue_cert "$D" --email bob@corp.example --given-name Bob \
    --surname Example --key ec-p256)
S3=$(issue_cert "$D" --email carol@corp.example --given-name Carol \
    --surname Example --key ec-p256)
[ -n "$S1" ] && [ -n "$S2" ] && [ -n "$S3" ] || bail "cert issue failed"
ADMIN=$(api_token "$D" boss admin)
OPS=$(api_token "$D" ops operator)
VIEW=$(api_token "$D" look viewer)
[ -n "$ADMIN" ] && [ -n "$OPS" ] && [ -n "$VIEW" ] ||
    bail "token create failed: $(head -3 "$ERR")"

# A CSV source the sync reads through a FIFO, so a sync can be held.
CSV=$T/users.csv
printf 'id,email,given_name,surname,groups\nu1,dave@corp.example,Dave,Example,staff\nu2,erin@corp.example,Erin,Example,staff\n' \
    >"$T/users.txt"
cp "$T/users.txt" "$CSV"
mc "$D" source add csv hr --path "$CSV" >/dev/null 2>"$ERR" ||
    bail "source add failed: $(head -3 "$ERR")"
rm -f "$CSV"
mkfifo "$CSV"

api_serve "$D"
ok "mailcert serve answers on $API_B"

# --- authentication ---------------------------------------------------------

is "$(api GET /me "")" 401 "GET /me without a token: 401"
is "$(hdr WWW-Authenticate)" "Bearer" "  WWW-Authenticate: Bearer"
is "$(jqo .error.code)" unauthorized "  code unauthorized"
is "$(api GET /me "mct_nonsense")" 401 "a malformed token: 401"
# One character changed (to a different one: the last may be an A).
other=A
[ "${VIEW: -1}" = A ] && other=B
is "$(api GET /me "${VIEW%?}$other")" 401 "an unknown token: 401"
for t in "boss admin $ADMIN" "ops operator $OPS" "look viewer $VIEW"; do
	set -- $t
	is "$(api GET /me "$3")" 200 "GET /me as $1"
	is "$(jqo '[.name, .role, (.groups|tostring)]|join(" ")')" \
	    "$1 $2 null" "  name, role, no groups"
done
is "$(hdr Content-Type)" "application/json" "answers are application/json"

# --- errors ------------------------------------------------------------------

is "$(api GET /nothing "$VIEW")" 404 "an unknown path: 404"
is "$(jqo .error.code)" not_found "  code not_found"
like "$(jqo .error.message)" "nothing" "  the message names the path"
is "$(api DELETE /certificates "$ADMIN")" 405 "DELETE /certificates: 405"
is "$(hdr Allow)" "GET" "  Allow: GET"
is "$(jqo .error.code)" method_not_allowed "  code method_not_allowed"

# --- certificates ------------------------------------------------------------

is "$(api GET /certificates "$VIEW")" 200 "GET /certificates"
is "$(jqo '[.total, .limit, .offset, (.items|length)]|join(" ")')" \
    "3 50 0 3" "  total 3, default limit 50, offset 0"
is "$(jqo '.items[0].serial')" "$S3" "  newest first"
is "$(jqo '.items[0]|keys|join(",")')" \
    "ca,email,given_name,key_alg,managed,not_after,not_before,profile,reason,revoked_at,serial,state,superseded_by,surname,usage,user_id" \
    "  a certificate has the documented fields"
is "$(api GET '/certificates?limit=2&offset=1' "$VIEW")" 200 "paging"
is "$(jqo '[.total, (.items|length), .items[0].serial, .items[1].serial]|join(" ")')" \
    "3 2 $S2 $S1" "  limit 2 offset 1: the second and third"
is "$(api GET '/certificates?limit=2&offset=2' "$VIEW")" 200 "the last page"
is "$(jqo '.items|length')" 1 "  holds one"
is "$(api GET '/certificates?email=BOB@corp.example' "$VIEW")" 200 \
    "filter by email"
is "$(jqo '[.total, .items[0].serial]|join(" ")')" "1 $S2" "  finds bob's"
is "$(api GET '/certificates?q=caro' "$VIEW")" 200 "search q=caro"
is "$(jqo .total)" 1 "  finds carol's"

is "$(api GET "/certificates/$S1" "$VIEW")" 200 "GET /certificates/SERIAL"
jqo .pem >"$T/s1.pem"
check "  its pem is the certificate (openssl x509)" \
    openssl x509 -in "$T/s1.pem" -noout
is "$(norm_serial "$(openssl x509 -in "$T/s1.pem" -noout -serial | cut -d= -f2)")" \
    "$(norm_serial "$S1")" "  with the serial asked for"
num_cmp "$(jqo .days_left)" -gt 300 "  days_left"
is "$(api GET /certificates/0BADC0DE "$VIEW")" 404 "an unknown serial: 404"
is "$(jqo .error.message)" "no certificate 0BADC0DE" "  no certificate SERIAL"

# --- revoke ------------------------------------------------------------------

is "$(api POST "/certificates/$S1/revoke" "$VIEW" '{"reason":"keyCompromise"}')" \
    403 "a viewer may not revoke: 403"
is "$(jqo .error.code)" forbidden "  code forbidden"
check "  cert show still says valid" mc "$D" cert show "$S1"
unlike "$(cat "$OUT")" "revoked:" "  not revoked"
is "$(api POST "/certificates/$S1/revoke" "$OPS" '{"reason":"keyCompromise"}')" \
    200 "an operator revokes"
is "$(jqo '[.state, .reason]|join(" ")')" "revoked keyCompromise" \
    "  the answer says revoked, keyCompromise"
check "  cert show" mc "$D" cert show "$S1"
file_has "$OUT" "revoked: .*keyCompromise" "  cert show says revoked"
is "$(api POST "/certificates/$S1/revoke" "$OPS" '{"reason":"keyCompromise"}')" \
    409 "revoking again: 409"
is "$(jqo .error.code)" conflict "  code conflict"
is "$(api GET '/certificates?state=revoked' "$VIEW")" 200 "state=revoked"
is "$(jqo '[.total, .items[0].serial]|join(" ")')" "1 $S1" "  lists it"
is "$(api GET '/events?kind=cert.revoked' "$VIEW")" 200 "GET /events"
is "$(jqo '[.total, .items[0].serial, .items[0].data.reason]|join(" ")')" \
    "1 $S1 keyCompromise" "  a cert.revoked event with its reason"

# --- reissue -----------------------------------------------------------------

is "$(api POST "/certificates/$S2/reissue" "$VIEW")" 403 \
    "a viewer may not reissue"
is "$(api POST "/certificates/$S2/reissue" "$OPS")" 200 "an operator reissues"
is "$(jqo .revoked)" "$S2" "  the old one is revoked"
NEW=$(jqo '.issued[0]')
like "$NEW" '^[0-9A-F]+$' "  a new serial"
is "$(api GET "/certificates/$NEW" "$VIEW")" 200 "  the new certificate"
jqo .pem >"$T/new.pem"
is "$(jqo '[.email, .key_alg, .profile, .usage, .state]|join(" ")')" \
    "bob@corp.example ec-p256 strict both valid" \
    "  same address, key type, profile and usage"
check "  openssl verify accepts it" openssl verify -purpose smimesign \
    -CAfile "$ROOT" -untrusted "$ICA" "$T/new.pem"
is "$(api GET "/certificates/$S2" "$VIEW")" 200 "  the old certificate"
is "$(jqo '[.state, .reason, .superseded_by]|join(" ")')" \
    "revoked superseded $NEW" "  revoked as superseded by the new one"
check "  cert show of the old one" mc "$D" cert show "$S2"
file_has "$OUT" "revoked: .*superseded" "  says revoked (superseded)"
is "$(api POST "/certificates/$S2/reissue" "$OPS")" 409 \
    "reissuing a revoked certificate: 409"

# --- exports -----------------------------------------------------------------

is "$(api GET '/exports/chain?format=pem' "$VIEW")" 403 \
    "a viewer may not export"
is "$(api GET '/exports/chain?format=pem' "$OPS")" 200 "export chain pem"
is "$(hdr Content-Type)" "application/x-pem-file" "  application/x-pem-file"
cp "$AOUT" "$T/x.pem"
is "$(split_pem "$T/x.pem" "$T/xp")" 2 "  two certificates (openssl x509)"
is "$(fpr "$T/xp2.pem")" "$(fpr "$ROOT")" "  the root is the CLI's"
is "$(api GET '/exports/chain?format=p7b' "$OPS")" 200 "export chain p7b"
is "$(hdr Content-Type)" "application/pkcs7-mime" "  application/pkcs7-mime"
cp "$AOUT" "$T/x.p7b"
check "  openssl pkcs7 reads it" openssl pkcs7 -inform DER -in "$T/x.p7b" \
    -print_certs
is "$(grep -c 'BEGIN CERTIFICATE' "$OUT")" 2 "  with two certificates"
is "$(api GET '/exports/chain?format=sst' "$OPS")" 200 "export chain sst"
is "$(hdr Content-Type)" "application/vnd.ms-pkiseccert" \
    "  application/vnd.ms-pkiseccert"
cp "$AOUT" "$T/x.sst"
check "  mailcert inspect reads it" mc "$D" inspect "$T/x.sst"
is "$(grep -ci 'subject' "$OUT" | awk '{print ($1 >= 2)}')" 1 \
    "  and shows two certificates"
is "$(api GET '/exports/chain?format=der' "$OPS")" 400 "format=der: 400"

# --- sync ----------------------------------------------------------------------

is "$(api GET /sync "$VIEW")" 200 "GET /sync"
is "$(jqo '[.running, .queued, (.last_run|tostring)]|join(" ")')" \
    "false false null" "  idle, never ran"
is "$(api POST /sync "$VIEW")" 403 "a viewer may not trigger a sync"
is "$(api POST /sync "$OPS")" 202 "POST /sync: 202"
is "$(jqo .queued)" true "  queued: true"
is "$(api POST /sync "$OPS")" 409 "  again while it runs (held on the FIFO): 409"
is "$(jqo .error.code)" conflict "  code conflict"
is "$(api GET /sync "$VIEW")" 200 "GET /sync while it runs"
is "$(jqo '.running or .queued')" true "  running or queued"
timeout 20 cp "$T/users.txt" "$CSV" || fail "the sync never read the FIFO"
for _ in $(seq 600); do
	api GET /sync "$VIEW" >/dev/null
	[ "$(jqo '.running or .queued')" = false ] && break
	sleep 0.1
done
is "$(jqo '.running or .queued')" false "the sync finished"
like "$(jqo .last_success)" '^20[0-9-]+T[0-9:]+Z$' "  last_success is a time"
is "$(api GET /users "$VIEW")" 200 "GET /users"
is "$(jqo '[.total, (.items[0]|keys|join(","))]|join(" ")')" \
    "2 certificates,email,ext_id,given_name,groups,id,present,source,surname" \
    "  two users with the documented fields"
UID1=$(jqo '.items[0].id')
is "$(api GET "/users/$UID1" "$VIEW")" 200 "GET /users/ID"
is "$(jqo '[.email, .groups[0], .present]|join(" ")')" \
    "dave@corp.example staff true" "  dave, in staff, present"
is "$(api GET '/users?q=ERIN' "$VIEW")" 200 "users q=ERIN"
is "$(jqo .total)" 1 "  finds erin"
is "$(api GET '/users?present=maybe' "$VIEW")" 400 "present=maybe: 400"
is "$(api GET /users/99999 "$VIEW")" 404 "an unknown user: 404"
is "$(api GET /groups "$VIEW")" 200 "GET /groups"
is "$(jqo '[.total, .items[0].name, .items[0].members, .items[0].auto_request]|join(" ")')" \
    "1 staff 2 false" "  staff with two members"
GID=$(jqo '.items[0].id')
is "$(api PATCH "/groups/$GID" "$OPS" '{"auto_request":true}')" 403 \
    "an operator may not change a group"
is "$(api PATCH "/groups/$GID" "$ADMIN" '{"auto_request":true,"key":"ec-p256","days":200}')" \
    200 "an admin sets a group's policy"
is "$(jqo '[.auto_request, .key, .days, (.profile|tostring)]|join(" ")')" \
    "true ec-p256 200 null" "  answered with the new policy"
check "  group list --json agrees" mc "$D" group list --json
is "$(jq -r '.[0].auto_request' "$OUT")" true "  auto-request on"

# --- domains, seats, sources, CAs -------------------------------------------

is "$(api POST /domains "$OPS" '{"name":"new.example"}')" 403 \
    "an operator may not add a domain"
is "$(api POST /domains "$ADMIN" '{"name":"New.Example"}')" 201 \
    "POST /domains: 201"
is "$(jqo '[.name, .state, .txt_name]|join(" ")')" \
    "new.example pending _mailcert.new.example" "  pending, with its TXT name"
like "$(jqo .txt_value)" '^mailcert-verify=[0-9a-f]{32}$' "  and TXT value"
check "  domain list shows it" mc "$D" domain list
file_has "$OUT" "new.example" "  new.example"
is "$(api POST /domains "$ADMIN" '{"name":"new.example"}')" 409 \
    "adding it again: 409"
is "$(api GET /domains "$VIEW")" 200 "GET /domains"
is "$(jqo '.items[0].name')" "new.example" "  lists it"
is "$(api POST /domains/none.example/verify "$ADMIN")" 404 \
    "verifying an unknown domain: 404"

is "$(api GET /seats "$VIEW")" 200 "GET /seats"
is "$(jqo '[(.total|tostring), (.free|tostring)]|join(" ")')" "null null" \
    "  no quota"
is "$(api PUT /seats "$OPS" '{"total":10}')" 403 "an operator may not set seats"
is "$(api PUT /seats "$ADMIN" '{"total":10}')" 200 "PUT /seats"
is "$(jqo '[.total, .used, .free]|join(" ")')" "10 0 10" "  10 seats, 10 free"
is "$(api PUT /seats "$ADMIN" '{"total":null}')" 200 "PUT /seats null"
is "$(jqo '.total|tostring')" null "  no quota again"

is "$(api GET /sources "$VIEW")" 200 "GET /sources"
is "$(jqo '[.total, .items[0].name, .items[0].type, .items[0].params.path]|join(" ")')" \
    "1 hr csv $CSV" "  hr, csv, with its path"

is "$(api GET /cas "$VIEW")" 200 "GET /cas"
is "$(jqo '[.[].name]|sort|join(" ")')" "issuing-1 root-1" "  both CAs"
like "$(jqo '.[0].signs_full_until')" '^20' "  signs_full_until"
is "$(api POST /cas/crl "$OPS")" 403 "an operator may not sign CRLs"
N0=$(sqlite3 "$D/mailcert.db" 'SELECT count(*) FROM crls')
is "$(api POST /cas/crl "$ADMIN")" 200 "POST /cas/crl"
num_cmp "$(sqlite3 "$D/mailcert.db" 'SELECT count(*) FROM crls')" -gt "$N0" \
    "  new CRLs were stored"
is "$(api GET /overview "$VIEW")" 200 "GET /overview"
is "$(jqo '[.certificates.valid, .certificates.revoked, .certificates.expired]|join(" ")')" \
    "2 2 0" "  2 valid, 2 revoked"
is "$(jqo '[(.expiries|type), (.domains[0].name), (.cas|length), (.outbox|keys|join(",")), (.sync.running)]|join(" ")')" \
    "array new.example 2 failed,pending false" "  expiries, domains, cas, outbox, sync"

# --- tokens ------------------------------------------------------------------

is "$(api GET /tokens "$OPS")" 403 "an operator may not list tokens"
is "$(api GET /tokens "$ADMIN")" 200 "GET /tokens"
unlike "$(cat "$AOUT")" 'mct_|"hash"' "  no secret and no hash"
is "$(jqo '[.items[].name]|join(" ")')" "boss ops look" "  the three tokens"
is "$(api POST /tokens "$ADMIN" '{"name":"dash","role":"viewer","expires_days":1}')" \
    201 "POST /tokens: 201"
DASH=$(jqo .token)
DASH_ID=$(jqo .id)
like "$DASH" '^mct_[A-Za-z0-9_-]{43}$' "  the secret, once"
like "$(jqo .expires_at)" '^20' "  expires_at"
is "$(api GET /me "$DASH")" 200 "  the new token works"
is "$(jqo .name)" dash "  as dash"
is "$(api DELETE "/tokens/$DASH_ID" "$ADMIN")" 200 "DELETE /tokens/ID"
like "$(jqo .revoked_at)" '^20' "  revoked_at"
is "$(api GET /me "$DASH")" 401 "  the revoked token is refused"
check "token list shows it revoked" mc "$D" token list
file_has "$OUT" "dash" "  dash is listed"

# --- audit -------------------------------------------------------------------

is "$(api GET /audit "$VIEW")" 200 "GET /audit"
is "$(jqo '.items[0]|keys|join(",")')" "action,actor,at,hash,id,result,target" \
    "  entries have the documented fields"
is "$(jqo "[.items[] | select(.action == \"cert.revoke\" and .target == \"$S1\" and .actor == \"token:ops\" and .result == \"ok\")]|length")" \
    1 "  the operator's revocation, ok"
is "$(jqo "[.items[] | select(.action == \"cert.revoke\" and .actor == \"token:look\")][0].result")" \
    "error: this needs an unscoped operator token; look is viewer" \
    "  the viewer's refused revocation, with why"
is "$(jqo "[.items[] | select(.action == \"cert.reissue\" and .target == \"$S2\")]|length")" \
    3 "  the reissue, the viewer's and the second one refused"
for a in sync.trigger group.update domain.add seats.set crl.generate \
    token.create token.revoke; do
	is "$(jqo "[.items[] | select(.action == \"$a\" and .result == \"ok\")]|length > 0")" \
	    true "  $a"
done
TOP=$(jqo '.items[0].id')
is "$(api GET "/audit?before=$TOP&limit=1" "$VIEW")" 200 "audit paging by before"
is "$(jqo '.items[0].id')" "$((TOP - 1))" "  the entry before"
check "mailcert audit verify accepts the log" mc "$D" audit verify

# --- sources last (it takes the users with it) -------------------------------

is "$(api DELETE /sources/hr "$OPS")" 403 "an operator may not remove a source"
is "$(api DELETE /sources/hr "$ADMIN")" 200 "DELETE /sources/hr"
is "$(api GET /sources "$VIEW")" 200 "GET /sources"
is "$(jqo .total)" 0 "  none left"
is "$(api DELETE /sources/hr "$ADMIN")" 404 "removing it again: 404"
alive

done_testing
