#!/usr/bin/env bash
#
# api-scope.sh: tokens scoped to a group, through a real `mailcert serve`,
# with many requests. A CSV source delivers the groups alpha (@a.example)
# and beta (@b.example); a sync issues everyone a certificate, and one
# more is issued by hand. A viewer scoped to alpha walks every GET
# endpoint, page by page, and asks for every user id and serial of beta
# directly: no answer ever holds beta's addresses, serials or name;
# direct access is 404 exactly as for things that do not exist; listings
# and the overview count alpha only. An operator scoped to alpha cannot
# revoke or reissue beta's certificates (404, the store unchanged) but
# can revoke alpha's.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-api.sh"

T=$T_TMP
D=$T/mc
CSV=$T/users.csv
N=6	# users per group

api_setup "$D"
mc "$D" domain add a.example --assert >/dev/null 2>&1 &&
    mc "$D" domain add b.example --assert >/dev/null 2>&1 ||
    bail "domain add failed"
{
	echo 'id,email,given_name,surname,groups'
	for i in $(seq $N); do
		echo "a$i,a$i@a.example,Ann$i,Alpha,alpha"
		echo "b$i,b$i@b.example,Ben$i,Beta,beta"
	done
} >"$CSV"
mc "$D" source add csv hr --path "$CSV" >/dev/null 2>"$ERR" ||
    bail "source add failed: $(head -3 "$ERR")"
check "a first sync reads the groups" mc "$D" sync --yes
for g in alpha beta; do
	check "group set $g --auto-request on" mc "$D" group set "$g" \
	    --auto-request on --key ec-p256
done
check "sync --yes issues everyone a certificate" mc "$D" sync --yes
is "$(sqlite3 "$D/mailcert.db" 'SELECT count(*) FROM certs')" $((2 * N)) \
    "$((2 * N)) certificates"
HAND=$(issue_cert "$D" --email hand@a.example --given-name Hand \
    --surname Made --key ec-p256)
[ -n "$HAND" ] || bail "cert issue failed"
ADMIN=$(api_token "$D" boss admin)
VA=$(api_token "$D" va viewer alpha)
OA=$(api_token "$D" oa operator alpha)
[ -n "$ADMIN" ] && [ -n "$VA" ] && [ -n "$OA" ] ||
    bail "token create failed: $(head -3 "$ERR")"
api_serve "$D"

# What beta is, as the admin sees it.
api GET '/users?group=beta&limit=500' "$ADMIN" >/dev/null
B_UIDS=$(jqo '.items[].id')
B_MAILS=$(jqo '.items[].email')
api GET '/users?group=alpha&limit=500' "$ADMIN" >/dev/null
A_UIDS=$(jqo '.items[].id')
api GET '/certificates?q=b.example&limit=500' "$ADMIN" >/dev/null
B_SERIALS=$(jqo '.items[].serial')
api GET '/certificates?q=@a.example&limit=500' "$ADMIN" >/dev/null
A_SERIALS=$(jqo ".items[] | select(.serial != \"$HAND\") | .serial")
is "$(echo $B_UIDS | wc -w) $(echo $B_SERIALS | wc -w) $(echo $A_UIDS | wc -w) $(echo $A_SERIALS | wc -w)" \
    "$N $N $N $N" "the admin sees $N users and certificates in each group"

# The text no answer to the scoped tokens may hold.
FORBIDDEN=$T/forbidden
{
	echo beta
	echo "$HAND"
	echo "$B_MAILS"
	echo "$B_SERIALS"
	for u in $B_UIDS; do echo "\"user_id\":$u[,}]"; done
} | grep . >"$FORBIDDEN"

LEAKS=0
REQS=0
# GET path as token; count a leak if the answer holds forbidden text.
# A 404 must be exactly the body given as ABSENT (it names what was asked).
probe() {	# probe PATH TOKEN WANT_STATUS [ABSENT]
	local st
	st=$(api GET "$1" "$2")
	REQS=$((REQS + 1))
	if [ "$st" != "$3" ]; then
		LEAKS=$((LEAKS + 1))
		diag "GET $1: status $st, want $3"
	fi
	if [ -n "${4:-}" ]; then
		if [ "$(cat "$AOUT")" != "$4" ]; then
			LEAKS=$((LEAKS + 1))
			diag "GET $1: $(head -c 200 "$AOUT")"
		fi
	elif grep -Eqf "$FORBIDDEN" "$AOUT"; then
		LEAKS=$((LEAKS + 1))
		diag "GET $1 leaks: $(grep -Eof "$FORBIDDEN" "$AOUT" | head -3 | tr '\n' ' ')"
	fi
}

# --- every GET endpoint -------------------------------------------------------

for tok in "$VA" "$OA"; do
	for p in /me /overview /users /users?present=true /users?q=b1 \
	    /users?group=beta /users?q=Beta /groups /certificates \
	    /certificates?q=b.example /certificates?state=valid \
	    /certificates?email=b1@b.example "/certificates?q=$HAND" \
	    /events /events?kind=cert.issued /domains /seats /sync \
	    /audit /cas; do
		probe "$p" "$tok" 200
	done
	for p in /sources /tokens /sources/hr /tokens/1; do
		probe "$p" "$tok" 404
	done
done
probe '/exports/chain?format=pem' "$VA" 403
probe '/exports/chain?format=pem' "$OA" 200
for u in $B_UIDS; do
	probe "/certificates?user=$u" "$VA" 200
	is "$(jqo .total)" 0 "  certificates?user=$u (beta) lists none"
done

# Every page, one item at a time.
for p in users certificates events groups audit; do
	for lim in 1 2; do
		api GET "/$p?limit=$lim" "$OA" >/dev/null
		total=$(jqo .total)
		for off in $(seq 0 "$lim" $((total - 1))); do
			probe "/$p?limit=$lim&offset=$off" "$VA" 200
			probe "/$p?limit=$lim&offset=$off" "$OA" 200
		done
	done
done

# --- counts -------------------------------------------------------------------

api GET /users "$VA" >/dev/null
is "$(jqo .total)" "$N" "the scoped viewer counts $N users"
is "$(jqo '[.items[].email | endswith("@a.example")] | all')" true \
    "  all of alpha"
api GET /certificates "$VA" >/dev/null
is "$(jqo .total)" "$N" "  and $N certificates (not the one by hand)"
api GET /groups "$VA" >/dev/null
is "$(jqo '[.total, .items[0].name]|join(" ")')" "1 alpha" "  one group, alpha"
api GET /overview "$VA" >/dev/null
is "$(jqo '.certificates.valid')" "$N" "  the overview counts $N valid"
is "$(jqo '[.expiries[].count]|add // 0')" 0 "  none expiring within 90 days"
api GET /overview "$ADMIN" >/dev/null
is "$(jqo '.certificates.valid')" $((2 * N + 1)) \
    "  the admin's overview counts $((2 * N + 1))"
api GET /me "$VA" >/dev/null
is "$(jqo '.groups|join(",")')" alpha "GET /me names the scope"
api GET /events "$VA" >/dev/null
is "$(jqo '[.items[].email | endswith("@a.example")] | all')" true \
    "events are alpha's only"
is "$(jqo .total)" "$N" "  one cert.issued per alpha user"

# --- direct access: 404 exactly like nothing -------------------------------

api GET /users/999999 "$VA" >/dev/null
NONE_USER=$(jq -c '.error | keys' "$AOUT")
for u in $B_UIDS; do
	probe "/users/$u" "$VA" 404 \
	    "{\"error\":{\"code\":\"not_found\",\"message\":\"no user $u\"}}"
	is "$(jqo '.error.code + " " + .error.message') $(jq -c '.error|keys' "$AOUT")" \
	    "not_found no user $u $NONE_USER" "GET /users/$u (beta): as if absent"
done
for u in $A_UIDS; do
	probe "/users/$u" "$VA" 200
done
for s in $B_SERIALS $HAND; do
	probe "/certificates/$s" "$VA" 404 \
	    "{\"error\":{\"code\":\"not_found\",\"message\":\"no certificate $s\"}}"
	is "$(jqo '.error.code + " " + .error.message')" \
	    "not_found no certificate $s" "GET /certificates/$s: as if absent"
done
probe /certificates/0DEFACED "$VA" 404
is "$(jqo '.error.message')" "no certificate 0DEFACED" \
    "  the same words as for a serial never issued"
for s in $A_SERIALS; do
	probe "/certificates/$s" "$VA" 200
done
is "$LEAKS" 0 "$REQS requests as scoped tokens: nothing of beta, statuses as expected"

# --- a scoped operator acts only within the scope ---------------------------

BEFORE=$(db_snapshot "$D")
for s in $B_SERIALS $HAND; do
	is "$(api POST "/certificates/$s/revoke" "$OA" '{"reason":"keyCompromise"}')" \
	    404 "the alpha operator revokes $s (not alpha's): 404"
	is "$(jqo .error.message)" "no certificate $s" "  as if absent"
	is "$(api POST "/certificates/$s/reissue" "$OA")" 404 \
	    "  and cannot reissue it"
done
is "$(db_snapshot "$D")" "$BEFORE" "nothing changed in the store"
check "cert list --json" mc "$D" cert list --json
is "$(jq '[.[] | select(.status == "revoked")] | length' "$OUT")" 0 \
    "  nothing is revoked"
is "$(api POST /domains "$OA" '{"name":"c.example"}')" 403 \
    "the scoped operator may not add a domain (admin)"
A1=$(echo $A_SERIALS | cut -d' ' -f1)
is "$(api POST "/certificates/$A1/revoke" "$OA" '{"reason":"affiliationChanged"}')" \
    200 "the alpha operator revokes alpha's $A1"
check "  cert show" mc "$D" cert show "$A1"
file_has "$OUT" "revoked: .*affiliationChanged" "  it is revoked"
api GET /audit "$OA" >/dev/null
is "$(jqo '[.items[].actor] | unique | join(",")')" "token:oa" \
    "the scoped operator's audit view holds its own entries only"
num_cmp "$(jqo .total)" -ge $((2 * N + 3)) "  all of them"
api GET /audit "$VA" >/dev/null
is "$(jqo .total)" 0 "the scoped viewer made no entries and sees none"
check "mailcert audit verify" mc "$D" audit verify
alive

done_testing
