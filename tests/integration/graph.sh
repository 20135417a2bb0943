#!/usr/bin/env bash
#
# graph.sh: the Microsoft Graph source (`mailcert source add graph`,
# `source test`) against graph-standin.py, a local stand-in for Graph and
# the Microsoft identity platform's token endpoint. The real service is not
# reachable from the test machines; the stand-in answers the documented
# client-credentials token, paging (@odata.nextLink) and throttling (429
# and 503 with Retry-After) responses from a fixture written here, and
# checks every bearer token is one it issued. Covered: counts and samples
# over several pages and two groups with a shared user, a 429 retried
# after Retry-After and one without it, a wrong client secret (AADSTS
# message), a page that stays 503 past --max-retries, a nextLink to another
# host (refused, never followed), two groups with one name, an app without
# User.Read.All, an unknown group, and parameters refused at `source add`.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/mc
STANDIN="$(dirname "$0")/graph-standin.py"
PY=/usr/bin/python3

[ -x "$PY" ] || bail "python3 not installed (scripts/deps.sh)"

G1=11111111-1111-4111-8111-111111111111	# Staff: 7 users, 3 pages, a 429
G2=22222222-2222-4222-8222-222222222222	# Finance: 3 users, one also in G1
G3=33333333-3333-4333-8333-333333333333	# Busy: page 2 always 503
G4=44444444-4444-4444-8444-444444444444	# Elsewhere: nextLink to localhost
G5=55555555-5555-4555-8555-555555555555	# also called Staff
G6=66666666-6666-4666-8666-666666666666	# seen without User.Read.All
G7=77777777-7777-4777-8777-777777777777	# 429 without Retry-After
G8=88888888-8888-4888-8888-888888888888	# not in the directory
TENANT=contoso.onmicrosoft.com
CLIENT=6731de76-14a6-49ae-97bc-6eba6914391e
SECRET='s3cr3t~with&odd=chars+%20'

u() {	# u N: the id of fixture user N
	printf 'a0000000-0000-4000-8000-%012d' "$1"
}

cat >"$T/fixture.json" <<EOF
{
 "tenant": "$TENANT", "client_id": "$CLIENT", "client_secret": "$SECRET",
 "page_size": 3,
 "users": {
  "$(u 1)": {"mail": "anna@example.org", "givenName": "Anna",
   "surname": "Schmidt", "userPrincipalName": "anna@$TENANT",
   "proxyAddresses": ["smtp:anna@$TENANT", "SMTP:anna.schmidt@example.org"]},
  "$(u 2)": {"mail": "ben@example.org", "givenName": "Ben",
   "surname": "Meyer", "userPrincipalName": "ben@$TENANT",
   "proxyAddresses": []},
  "$(u 3)": {"mail": null, "givenName": "Carla", "surname": "Nomail",
   "userPrincipalName": "carla@$TENANT", "proxyAddresses": []},
  "$(u 4)": {"mail": "dev4@example.org", "givenName": null, "surname": null,
   "userPrincipalName": "dev4@$TENANT"},
  "$(u 5)": {"mail": "eve@example.org", "givenName": "Eve",
   "surname": "Alias", "userPrincipalName": "eve@$TENANT",
   "proxyAddresses": ["smtp:eve.old@example.org", "SIP:eve@example.org"]},
  "$(u 6)": {"mail": "fritz@example.org", "givenName": "Fritz",
   "surname": "Zwei", "userPrincipalName": "fritz@$TENANT",
   "proxyAddresses": ["SMTP:fritz.zwei@example.org"]},
  "$(u 7)": {"mail": "gul@example.org", "givenName": "G\u00fcl",
   "surname": "Y\u0131lmaz", "userPrincipalName": "gul@$TENANT"},
  "$(u 8)": {"mail": "hans@example.org", "givenName": "Hans",
   "surname": "Acht", "userPrincipalName": "hans@$TENANT"},
  "$(u 9)": {"mail": "ida@example.org", "givenName": "Ida",
   "surname": "Neun", "userPrincipalName": "ida@$TENANT"}
 },
 "groups": {
  "$G1": {"displayName": "Staff", "throttle_pages": [2],
   "members": ["$(u 1)", "$(u 2)", "$(u 3)", "$(u 4)", "$(u 5)", "$(u 6)",
    "$(u 7)"]},
  "$G2": {"displayName": "Finance",
   "members": ["$(u 6 | tr a-f A-F)", "$(u 8)", "$(u 9)"]},
  "$G3": {"displayName": "Busy", "fail_pages": [2],
   "members": ["$(u 1)", "$(u 2)", "$(u 3)", "$(u 4)"]},
  "$G4": {"displayName": "Elsewhere", "foreign_next": true,
   "members": ["$(u 1)", "$(u 2)", "$(u 3)", "$(u 4)"]},
  "$G5": {"displayName": "Staff", "members": ["$(u 8)"]},
  "$G6": {"displayName": "Restricted", "limited": true,
   "members": ["$(u 8)"]},
  "$G7": {"displayName": "Backoff", "bare_throttle_pages": [1],
   "members": ["$(u 9)"]}
 }
}
EOF

# --- the stand-in -------------------------------------------------------------
LOG=$T/standin.log
: >"$LOG"
"$PY" "$STANDIN" "$T/fixture.json" --port-file "$T/port" --log "$LOG" \
    2>"$T/standin.err" &
track_pid $!
for _ in $(seq 1 50); do
	[ -s "$T/port" ] && break
	sleep 0.1
done
[ -s "$T/port" ] ||
    bail "graph-standin.py did not start: $(head -c 300 "$T/standin.err")"
PORT=$(cat "$T/port")
BASE=http://127.0.0.1:$PORT/v1.0
LOGIN=http://127.0.0.1:$PORT

# Lines of the stand-in's log for group G's member page P (1 = first).
page_log() {
	if [ "$2" -eq 1 ]; then
		grep -F "/groups/$1/transitiveMembers/" "$LOG" |
		    grep -v 'skiptoken=' || true
	else
		grep -F "/groups/$1/transitiveMembers/" "$LOG" |
		    grep -F "skiptoken=$2" || true
	fi
}

check "init" mc "$D" init --org "Graph Test Org" --ca-key ec-p384 \
    --base-url http://127.0.0.1:8080
[ "$RC" -eq 0 ] || bail "init failed; nothing else can work"

# The secret's first line only: the stand-in refuses anything else.
printf '%s\nnot part of the secret\n' "$SECRET" >"$T/secret"
printf 'wrong-secret\n' >"$T/wrong"
chmod 600 "$T/secret" "$T/wrong"

# add SOURCE GROUPS [SECRET_FILE [more options]]
add() {
	local name=$1 groups=$2 sec=${3:-$T/secret}
	shift 3 2>/dev/null || shift $#
	mc "$D" source add graph "$name" --tenant "$TENANT" \
	    --client-id "$CLIENT" --secret-file "$sec" --groups "$groups" \
	    --base-url "$BASE" --login-url "$LOGIN" --max-retries 3 "$@"
}

# --- a good read: two groups, paging, a 429 once ------------------------------
check "source add graph entra" add entra "$G1,$G2"
check "source test entra" mc "$D" source test entra
is "$(head -n 1 "$OUT")" "entra: 9 users, 2 groups" \
    "9 users (the one in both groups once, whatever the id's case), 2 groups"
is "$(wc -l <"$OUT")" 4 "the count and three sample users"
like "$(sed -n 2p "$OUT")" \
    "^ *$(u 1) +anna\.schmidt@example\.org +Anna Schmidt +\(Staff\)$" \
    "the SMTP: proxy address is the primary, not mail or the smtp: alias"
like "$(sed -n 3p "$OUT")" "^ *$(u 2) +ben@example\.org +Ben Meyer" \
    "without proxyAddresses, mail is the address"
like "$(sed -n 4p "$OUT")" "^ *$(u 3) +- +Carla Nomail" \
    "a user without mail is kept, without an address"
is "$(page_log "$G1" 1 | wc -l)" 1 "page 1 of Staff read once"
is "$(page_log "$G1" 2 | awk '{ print $NF }' | tr '\n' ' ')" "429 200 " \
    "page 2 of Staff: answered 429, retried after Retry-After, then 200"
is "$(page_log "$G1" 3 | awk '{ print $NF }')" 200 \
    "page 3 of Staff read through @odata.nextLink"
is "$(grep -c ' 401$' "$LOG")" 0 "every request carried an issued token"

check "source test entra --json" mc "$D" source test entra --json
like "$(tr -d ' \n' <"$OUT")" '"users":9' "--json: 9 users"
like "$(tr -d ' \n' <"$OUT")" '"groups":2' "--json: 2 groups"

# A 429 without Retry-After: waited out with backoff.
check "source add graph backoff" add backoff "$G7"
check "source test: 429 without Retry-After is retried" \
    mc "$D" source test backoff
is "$(head -n 1 "$OUT")" "backoff: 1 users, 1 groups" "backoff: the one user"
is "$(page_log "$G7" 1 | awk '{ print $NF }' | tr '\n' ' ')" "429 200 " \
    "page 1 of Backoff: 429, then 200"

# --- failures: each a one-line message, exit 1 --------------------------------
check "source add graph wrongsecret" add wrongsecret "$G1" "$T/wrong"
AADSTS='HTTP 401: invalid_client: AADSTS7000215: Invalid client secret provided\.$'
expect_user_error "token request to .*$AADSTS" \
    mc "$D" source test wrongsecret

check "source add graph busy" add busy "$G3"
: >"$LOG"
expect_user_error "source busy: group $G3 page 2: HTTP 503 after 3 retries" \
    mc "$D" source test busy
is "$(page_log "$G3" 2 | grep -c ' 503$')" 4 \
    "page 2 asked once and retried --max-retries 3 times"

check "source add graph elsewhere" add elsewhere "$G4"
: >"$LOG"
expect_user_error \
    "group $G4 page 1: refusing the @odata.nextLink to http://localhost:$PORT" \
    mc "$D" source test elsewhere
is "$(grep -c ' localhost:' "$LOG")" 0 \
    "the foreign nextLink was never requested"

check "source add graph twins" add twins "$G1,$G5"
expect_user_error "groups $G1 and $G5 are both called \"Staff\"" \
    mc "$D" source test twins

check "source add graph limited" add limited "$G6"
expect_user_error \
    "group $G6 page 1: entry 1 .*no userPrincipalName.*User\.Read\.All" \
    mc "$D" source test limited

check "source add graph unknown" add unknown "$G8"
expect_user_error "group $G8: HTTP 404: Request_ResourceNotFound" \
    mc "$D" source test unknown

# --- parameters refused when added --------------------------------------------
expect_user_error '--base-url: .*only https://' \
    mc "$D" source add graph plain --tenant "$TENANT" --client-id "$CLIENT" \
    --secret-file "$T/secret" --groups "$G1" \
    --base-url http://graph.example.org/v1.0
expect_user_error '--groups: entry 2 is not a group object id' \
    add badgroup "$G1,Staff"
expect_user_error "--groups: $G1 given twice" add twice "$G1,$G1"
expect_user_error '--tenant: "a/b"' \
    mc "$D" source add graph badtenant --tenant a/b --client-id "$CLIENT" \
    --secret-file "$T/secret" --groups "$G1"
: >"$T/empty"
expect_user_error '--secret-file: .*first line is empty' \
    add emptysecret "$G1" "$T/empty"
expect_user_error '--timeout' add timeout "$G1" "$T/secret" --timeout 0

done_testing
