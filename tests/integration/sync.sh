#!/usr/bin/env bash
#
# sync.sh: directory-driven enrolment from a CSV source, story by story.
# Domains are asserted, except dns.example.org, which a real dnsmasq
# (../shared/recipes/02-dnsmasq.md) answers with the right token, so its
# user becomes eligible only after `domain verify`. Issued certificates
# are checked by OpenSSL (chain, smimesign, the address in the SAN), the
# CRL by `openssl crl`, and "nothing changed" by hashing the SQLite dump.
#
# The stories: the first sync issues exactly the eligible users and lists
# the others with every reason; a second sync is a no-op; the seat quota
# holds a group back once, with one event, until it is raised; a user who
# leaves the group is revoked (cessationOfOperation); an address change
# reissues and supersedes; renewal 13 days before notAfter, not 15; the
# mass-removal guard; dry runs and refusals off a terminal write nothing;
# a malformed CSV line changes nothing; a certificate issued by hand for
# a directory user's address is never touched.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/mc
DB=$D/mailcert.db
CSV=$T/users.csv

command -v jq >/dev/null || bail "jq not installed (scripts/deps.sh)"
command -v dnsmasq >/dev/null || bail "dnsmasq not installed (scripts/deps.sh)"
command -v dig >/dev/null || bail "dig not installed (scripts/deps.sh)"

# --- helpers ------------------------------------------------------------------

free_port() {
	/usr/bin/python3 -c 'import socket
for _ in range(50):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    t = socket.socket()
    try:
        t.bind(("127.0.0.1", p))
    except OSError:
        continue
    print(p)
    break'
}

# The count a text plan shows for KIND ("  issue 20"), 0 if no line.
plan_count() {	# plan_count FILE KIND
	local n
	n=$(sed -n "s/^  $2  *\([0-9][0-9]*\)\$/\1/p" "$1" | head -n 1)
	printf '%s' "${n:-0}"
}

# The store as a hash, without what a read may change by design: the time
# of a source's last complete read (store-dir.h store_source_set_status),
# and the audit log every command appends to (docs/audit.md).
db_state() {
	{
		sqlite3 "$DB" .dump |
		    grep -Ev '^INSERT INTO "?(sources|audit)"? |audit\.head'
		sqlite3 "$DB" "SELECT id, name, type, params, created_at,
		    last_error FROM sources ORDER BY id"
	} | sha256sum | cut -d' ' -f1
}

# The directory and the certificates, for "users unchanged, nothing revoked".
dir_state() {
	sqlite3 "$DB" "SELECT * FROM users ORDER BY id;
	    SELECT * FROM memberships ORDER BY 1, 2;
	    SELECT serial, state, reason FROM certs ORDER BY serial" |
	    sha256sum | cut -d' ' -f1
}

# cert list --json, as a file: certs_json FILE
certs_json() {
	mc "$D" cert list --json >"$1" 2>/dev/null </dev/null
}

# Serials of valid certificates for an address, one a line.
valid_serials() {	# valid_serials EMAIL
	mc "$D" cert list --json 2>/dev/null </dev/null |
	    jq -r --arg e "$1" '.[] | select(.email == $e and
	    .status == "valid") | .serial'
}

cert_field() {	# cert_field SERIAL FIELD
	mc "$D" cert list --json 2>/dev/null </dev/null |
	    jq -r --arg s "$1" --arg f "$2" \
	    '.[] | select(.serial == $s) | .[$f]'
}

# Number of events of a kind (events list --json).
event_count() {
	mc "$D" events list --kind "$1" --json 2>/dev/null </dev/null |
	    jq 'length'
}

# Export SERIAL and check it with OpenSSL against the exported chain: an
# S/MIME signing certificate whose only SAN is EMAIL, valid now or at
# EPOCH.
verify_cert() {	# verify_cert SERIAL EMAIL [EPOCH]
	local f=$T/leaf-$1.pem san at=()
	[ -n "${3:-}" ] && at=(-attime "$3")
	if ! mc "$D" export cert "$1" --format pem -o "$f" >/dev/null 2>&1 \
	    </dev/null; then
		fail "export cert $1 ($2)"
		return
	fi
	if openssl verify "${at[@]}" -purpose smimesign -CAfile "$ROOT" \
	    -untrusted "$ICA" "$f" >"$T/.v" 2>&1; then
		ok "openssl verify -purpose smimesign: $1 ($2)"
	else
		fail "openssl verify -purpose smimesign: $1 ($2)"
		diag "$(head -n 3 "$T/.v")"
	fi
	san=$(openssl x509 -in "$f" -noout -ext subjectAltName 2>/dev/null |
	    tail -n +2 | sed 's/^ *//')
	is "$san" "email:$2" "the SAN of $1 is the user's address"
}

# The CSV a directory export would write: e01..e20 eligible in Staff (e01
# also in Sales), users that are not eligible for every reason we know,
# d01 in a domain verified by DNS later, s01..s05 in Sales (auto-request
# off at first), and a duplicate of e01's address.
write_csv() {
	local i
	{
		echo "id,email,given_name,surname,groups"
		echo "e01,u01@corp.example,Anna,Eins,Staff;Sales"
		echo "e02,u02@corp.example,Bert,Zwei,Staff"
		echo 'e03,u03@corp.example,Jürgen,"Müller, Jr.",Staff'
		for i in $(seq 4 20); do
			printf 'e%02d,u%02d@corp.example,' "$i" "$i"
			printf 'User%02d,Staff%02d,Staff\n' "$i" "$i"
		done
		echo "n01,,No,Mail,Staff"
		echo "n02,nogiven@corp.example,,Given,Staff"
		echo "n03,nosur@corp.example,No,,Staff"
		echo "n04,bob@unverified.example,Bob,Unverified,Staff"
		echo "n05,eve@unknown.example,Eve,Unknown,Staff"
		echo "n06,not-an-address,Bad,Address,Staff"
		echo "n07,,,,Staff"
		echo "n08,carl@corp.example,Carl,Contractor,Contractors"
		echo "n09,u01@corp.example,Dup,Licate,Staff"
		echo "d01,dora@dns.example.org,Dora,Dns,Staff"
		for i in 1 2 3 4 5; do
			printf 's%02d,s%02d@corp.example,Sam%02d,Sales,' \
			    "$i" "$i" "$i"
			echo Sales
		done
	} >"$CSV"
}

EMAILS_E=""
for i in $(seq 1 20); do
	EMAILS_E="$EMAILS_E $(printf 'u%02d@corp.example' "$i")"
done

# --- set-up -------------------------------------------------------------------

check "init" mc "$D" init --org "Sync Test Org" --ca-key ec-p384 \
    --base-url http://127.0.0.1:8080
[ "$RC" -eq 0 ] || bail "init failed"
mc "$D" export chain --format pem -o "$T/chain.pem" >/dev/null 2>&1
[ "$(split_pem "$T/chain.pem" "$T/ch")" -eq 2 ] || bail \
    "no two-certificate chain"
ICA=$T/ch1.pem
ROOT=$T/ch2.pem

check "domain add corp.example --assert" \
    mc "$D" domain add corp.example --assert
check "domain add unverified.example (never verified)" \
    mc "$D" domain add unverified.example
check "domain add dns.example.org" mc "$D" domain add dns.example.org
TOK=$(sed -n 's/.*mailcert-verify=\([0-9a-f]*\)".*/\1/p' "$OUT")
like "$TOK" '^[0-9a-f]{32}$' "the token to publish"

PORT=$(free_port)
[ -n "$PORT" ] || bail "no free port"
cat >"$T/dnsmasq.conf" <<EOF
port=$PORT
listen-address=127.0.0.1
bind-interfaces
no-hosts
no-resolv
no-poll
no-negcache
local=/example.org/
user=root
group=root
pid-file=$T/dnsmasq.pid
log-facility=$T/dnsmasq.log
txt-record=_mailcert.dns.example.org,"mailcert-verify=$TOK"
EOF
dnsmasq --test --conf-file="$T/dnsmasq.conf" >/dev/null 2>&1 ||
    bail "dnsmasq rejects its config"
dnsmasq -k --conf-file="$T/dnsmasq.conf" 2>"$T/dnsmasq.err" &
track_pid $!
for _ in $(seq 50); do
	dig @127.0.0.1 -p "$PORT" +short +time=1 +tries=1 TXT \
	    _mailcert.dns.example.org 2>/dev/null | grep -q '^"' && break
	sleep 0.1
done
dig @127.0.0.1 -p "$PORT" +short +time=1 +tries=1 TXT \
    _mailcert.dns.example.org | grep -q "mailcert-verify=$TOK" ||
    bail "dnsmasq did not come up: $(head -3 "$T/dnsmasq.err")"
printf '\n[dns]\nservers = 127.0.0.1:%s\n' "$PORT" >>"$D/mailcert.conf"

# A certificate issued by hand for the address of e20, who leaves later:
# the sync must neither count it as e20's nor ever revoke or renew it.
HAND=$(issue_cert "$D" --email u20@corp.example --given-name User20 \
    --surname Staff20 --key ec-p256)
like "$HAND" '^[0-9A-F]+$' "a certificate issued by hand for u20@corp.example"
HAND_NA=$(cert_field "$HAND" not_after)

write_csv
check "source add csv hr" mc "$D" source add csv hr --path "$CSV"
check "source list" mc "$D" source list
file_has "$OUT" 'hr' "source list shows hr"
check "source test hr" mc "$D" source test hr
like "$(head -n 1 "$OUT")" '^hr: 35 users, 3 groups$' \
    "source test counts users and groups"
num_cmp "$(tail -n +2 "$OUT" | grep -c .)" -ge 3 \
    "source test shows three sample users"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM users')" 0 \
    "source test stored no user"

# Groups exist once a sync has read them; with no auto-request group
# nobody is eligible, so the first read plans nothing.
check "a sync before any group is auto-request" mc "$D" sync
file_has "$OUT" '^nothing to do' "nothing to do without auto-request groups"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM users')" 35 "the sync stored 35 users"
check "group list" mc "$D" group list
file_has "$OUT" 'Staff' "group list shows Staff"
file_has "$OUT" 'Contractors' "group list shows Contractors"
check "group set Staff --auto-request on" mc "$D" group set Staff \
    --auto-request on --key ec-p256 --days 200
check "group set Sales (policy, auto-request off)" mc "$D" group set Sales \
    --auto-request off --key ec-p256 --days 200
check "group list --json" mc "$D" group list --json
is "$(jq -r '.[] | select(.name == "Staff") | .auto_request' "$OUT")" true \
    "Staff is auto-request"

# --- refused and dry runs write nothing ---------------------------------------

S0=$(db_state)
expect_exit 1 mc "$D" sync
file_has "$ERR" '--yes' "off a terminal, a plan needs --yes"
is "$(db_state)" "$S0" "the refused sync changed nothing"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM certs')" 1 "no certificate issued"

check "sync --dry-run" mc "$D" sync --dry-run
file_has "$OUT" '^sync at .*: 35 users read from 1 source' "dry run: users read"
is "$(plan_count "$OUT" issue)" 20 "dry run plans 20 issues"
file_has "$OUT" '^dry run: nothing was changed' "dry run says so"
is "$(db_state)" "$S0" "the dry run changed nothing"

check "sync --dry-run --verbose" mc "$D" sync --dry-run --verbose
file_has "$OUT" 'u07@corp\.example' "--verbose lists users"

# --- first sync: exactly the eligible users -----------------------------------

check "first sync" mc "$D" sync --yes
cp "$OUT" "$T/sync1.txt"
is "$(plan_count "$T/sync1.txt" issue)" 20 "first sync: issue 20"
is "$(plan_count "$T/sync1.txt" revoke)" 0 "first sync: revoke 0"
file_has "$T/sync1.txt" '^applied run [0-9]+: 20 done, 0 failed' \
    "20 done, 0 failed"

certs_json "$T/c1.json"
is "$(jq '[.[] | select(.status == "valid")] | length' "$T/c1.json")" 21 \
    "21 valid certificates: 20 from the sync, 1 by hand"
for e in $EMAILS_E; do
	s=$(valid_serials "$e" | grep -v "^$HAND\$")
	if [ "$(printf '%s\n' "$s" | grep -c .)" -eq 1 ]; then
		ok "$e has one managed certificate"
		verify_cert "$s" "$e"
	else
		fail "$e has one managed certificate"
		diag "  got: $s"
	fi
done
for e in nogiven@corp.example nosur@corp.example bob@unverified.example \
    eve@unknown.example carl@corp.example dora@dns.example.org \
    s01@corp.example; do
	is "$(valid_serials "$e" | grep -c .)" 0 "no certificate for $e"
done
is "$(event_count cert.issued)" 20 "one cert.issued event per certificate"
mc "$D" events list --kind cert.issued --json >"$T/ev.json" 2>/dev/null
is "$(jq -r '.[].serial' "$T/ev.json" | sort | tr '\n' ' ')" \
    "$(jq -r --arg h "$HAND" '.[] | select(.serial != $h) | .serial' \
    "$T/c1.json" | sort | tr '\n' ' ')" \
    "the events name exactly the certificates issued"

check "user list --ineligible" mc "$D" user list --ineligible
file_has "$OUT" 'domain unverified\.example is not verified' \
    "the table shows the reasons"
check "user list --ineligible --json" mc "$D" user list --ineligible --json
cp "$OUT" "$T/inel.json"
why() {	# why EXT_ID: the reasons user EXT_ID is not eligible
	jq -r --arg i "$1" '.[] | select(.id == $i) | .reasons_text' \
	    "$T/inel.json"
}
like "$(why n01)" 'address|mail' "n01: no address"
like "$(why n02)" 'no given name' "n02: no given name"
like "$(why n03)" 'no surname' "n03: no surname"
like "$(why n04)" 'domain unverified\.example is not verified' \
    "n04: the unverified domain named"
like "$(why n05)" 'unknown\.example' "n05: the unknown domain named"
like "$(why n06)" 'address|mailbox' "n06: not an address"
like "$(why n08)" 'no auto-request group' "n08: in no auto-request group"
like "$(why d01)" 'domain dns\.example\.org is not verified' \
    "d01: dns.example.org before verify"
like "$(why n07)" 'given name.*surname|surname.*given name' \
    "n07, without anything: every reason"
like "$(why n09)" 'u01@corp\.example|duplicate|already' \
    "n09, with e01's address: not eligible"
is "$(why e07)" "" "eligible users are not listed"
is "$(jq 'length' "$T/inel.json")" 15 \
    "15 ineligible users (10 above + 5 in Sales)"

check "seats" mc "$D" seats
like "$(cat "$OUT")" '20 used' "20 seats used"

# --- second sync is a no-op ---------------------------------------------------

S1=$(db_state)
check "second sync" mc "$D" sync --yes
file_has "$OUT" '^nothing to do' "second sync: nothing to do"
is "$(db_state)" "$S1" "second sync changed nothing but last_read_at"

# --- a domain verified by DNS -------------------------------------------------

check "domain verify dns.example.org (dnsmasq)" \
    mc "$D" domain verify dns.example.org
check "sync after verify" mc "$D" sync --yes
is "$(plan_count "$OUT" issue)" 1 "the user in the verified domain is issued"
s=$(valid_serials dora@dns.example.org)
is "$(printf '%s\n' "$s" | grep -c .)" 1 "dora has one certificate"
[ -n "$s" ] && verify_cert "$s" dora@dns.example.org

# --- seat quota ---------------------------------------------------------------

check "seats set 23" mc "$D" seats set 23
check "seats" mc "$D" seats
like "$(cat "$OUT")" '^seats: 23 total, 21 used, 2 free' \
    "23 total, 21 used, 2 free"
check "group set Sales --auto-request on" \
    mc "$D" group set Sales --auto-request on
run mc "$D" sync --yes
cp "$OUT" "$T/seats1.txt"
is "$(plan_count "$T/seats1.txt" issue)" 0 \
    "5 new Sales users > 2 free: none issued"
file_has "$T/seats1.txt" '^note: .*(seat|Sales)' "a note says why"
is "$(event_count seats.exceeded)" 1 "one seats.exceeded event"
is "$(valid_serials s01@corp.example | grep -c .)" 0 "no certificate for s01"
run mc "$D" sync --yes
is "$(plan_count "$OUT" issue)" 0 "still none on the next sync"
is "$(event_count seats.exceeded)" 1 "and no second seats.exceeded event"
check "seats set 30" mc "$D" seats set 30
check "sync after raising the quota" mc "$D" sync --yes
is "$(plan_count "$OUT" issue)" 5 "the 5 Sales users are issued"
for i in 1 2 3 4 5; do
	e=$(printf 's%02d@corp.example' "$i")
	is "$(valid_serials "$e" | grep -c .)" 1 "$e has a certificate"
done
is "$(valid_serials u01@corp.example | grep -c .)" 1 \
    "u01 (Staff and Sales) still has one certificate"
check "seats" mc "$D" seats
like "$(cat "$OUT")" '^seats: 30 total, 26 used, 4 free' \
    "30 total, 26 used, 4 free"
is "$(event_count cert.issued)" 26 "26 cert.issued events for 26 certificates"

# --- a user leaves the group --------------------------------------------------

U20=$(valid_serials u20@corp.example | grep -v "^$HAND\$")
sed -i 's/^e20,\(.*\),Staff$/e20,\1,/' "$CSV"
check "sync after e20 left Staff" mc "$D" sync --yes
is "$(plan_count "$OUT" revoke)" 1 "revoke 1"
is "$(cert_field "$U20" status)" revoked "e20's managed certificate is revoked"
like "$(cert_field "$U20" reason)" '^cessationOfOperation$' \
    "reason cessationOfOperation"
is "$(cert_field "$HAND" status)" valid "the certificate issued by hand is not"
is "$(event_count cert.revoked)" 1 "one cert.revoked event"

# --- an address change --------------------------------------------------------

U02=$(valid_serials u02@corp.example)
sed -i 's/^e02,u02@corp\.example,/e02,bert.zwei@corp.example,/' "$CSV"
check "sync after e02's address changed" mc "$D" sync --yes --json
cp "$OUT" "$T/reissue.json"
is "$(jq '.counts.reissue' "$T/reissue.json")" 1 "reissue 1"
is "$(jq '.counts.revoke' "$T/reissue.json")" 0 "revoke 0"
is "$(jq -r '.actions[0].old_serials | join(",")' "$T/reissue.json")" "$U02" \
    "the action names the old certificate"
N02=$(valid_serials bert.zwei@corp.example)
is "$(printf '%s\n' "$N02" | grep -c .)" 1 "a certificate for the new address"
[ -n "$N02" ] && verify_cert "$N02" bert.zwei@corp.example
is "$(cert_field "$U02" status)" revoked "the old certificate is revoked"
like "$(cert_field "$U02" reason)" '^superseded$' "as superseded"

check "crl generate" mc "$D" crl generate
check "export crl" mc "$D" export crl --format pem -o "$T/crl.pem"
openssl crl -in "$T/crl.pem" -noout -text >"$T/crl.txt" 2>&1
crl_reason() {	# the reason the CRL gives for serial $1
	awk -v s="$(norm_serial "$1")" '
	/Serial Number:/ {
		x = $3; sub(/^0+/, "", x); on = (toupper(x) == s); next
	}
	on && /X509v3 CRL Reason Code/ {
		getline; sub(/^ +/, ""); print; exit
	}' \
	    "$T/crl.txt"
}
is "$(crl_reason "$U20")" "Cessation Of Operation" \
    "the CRL: e20's, Cessation Of Operation"
is "$(crl_reason "$U02")" "Superseded" "the CRL: e02's old one, Superseded"
is "$(crl_reason "$HAND")" "" \
    "the CRL does not list the certificate issued by hand"

# --- a malformed CSV line -----------------------------------------------------

cp "$CSV" "$T/good.csv"
sed -i '5s/^e04,u04@corp\.example,User04,/e04,u04@corp.example,Us"er04,/' "$CSV"
S2=$(dir_state)
R0=$(sqlite3 "$DB" "SELECT count(*) FROM certs WHERE state = 'revoked'")
F0=$(event_count sync.failed)
expect_exit 1 mc "$D" sync --yes
cat "$OUT" "$ERR" >"$T/bad.txt"
file_has "$T/bad.txt" 'users\.csv:5' "the message names users.csv:5"
unlike "$(cat "$T/bad.txt")" 'source "?hr"?: source "?hr"?' \
    "and names the source once"
is "$(dir_state)" "$S2" "users, memberships and certificates unchanged"
is "$(sqlite3 "$DB" "SELECT count(*) FROM certs WHERE state = 'revoked'")" \
    "$R0" \
    "nothing revoked"
is "$(event_count sync.failed)" $((F0 + 1)) "one sync.failed event"
cp "$T/good.csv" "$CSV"
check "the fixed file syncs" mc "$D" sync --yes
file_has "$OUT" '^nothing to do' "and there is nothing to do"

# --- the mass-removal guard ---------------------------------------------------

head -n 1 "$T/good.csv" >"$CSV"
S3=$(db_state)
expect_exit 1 mc "$D" sync --yes
file_has "$ERR" '--allow-mass-removal' \
    "an empty source: the message names --allow-mass-removal"
is "$(db_state)" "$S3" "the guard changed nothing"

grep -Ev '^e1[0-9],' "$T/good.csv" >"$CSV"
V0=$(event_count cert.revoked)
expect_exit 1 mc "$D" sync --yes
file_has "$ERR" '--allow-mass-removal' \
    "10 of 25 leaving: the guard names --allow-mass-removal"
is "$(db_state)" "$S3" "the guard changed nothing"
check "--dry-run shows the plan past the guard" mc "$D" sync --dry-run \
    --allow-mass-removal
is "$(plan_count "$OUT" revoke)" 10 "the dry run plans 10 revocations"
is "$(db_state)" "$S3" "the dry run changed nothing"
check "sync --allow-mass-removal" mc "$D" sync --yes --allow-mass-removal
is "$(plan_count "$OUT" revoke)" 10 "revoke 10"
file_has "$OUT" '^applied run [0-9]+: 10 done, 0 failed' "10 done"
is "$(valid_serials u15@corp.example | grep -c .)" 0 \
    "u15 has no valid certificate"
is "$(event_count cert.revoked)" $((V0 + 10)) "10 more cert.revoked events"

# --- renewal ------------------------------------------------------------------

certs_json "$T/c2.json"
jq -r --arg h "$HAND" '.[] | select(.status == "valid" and .serial != $h) |
    .serial' "$T/c2.json" | sort >"$T/managed.txt"
NM=$(grep -c . "$T/managed.txt")
is "$NM" 15 "15 managed certificates: e01-e09, d01, s01-s05"
NA_MIN=$(jq -r --arg h "$HAND" '[.[] | select(.status == "valid" and
    .serial != $h) | .not_after] | min' "$T/c2.json")
NA_MAX=$(jq -r --arg h "$HAND" '[.[] | select(.status == "valid" and
    .serial != $h) | .not_after] | max' "$T/c2.json")
AT15=$(date -u -d "@$(($(to_epoch "$NA_MIN") - 15 * 86400))" \
    +%Y-%m-%dT%H:%M:%SZ)
AT13=$(date -u -d "@$(($(to_epoch "$NA_MAX") - 13 * 86400))" \
    +%Y-%m-%dT%H:%M:%SZ)
S4=$(db_state)
check "sync --at 15 days before notAfter" mc "$D" sync --yes --at "$AT15"
file_has "$OUT" '^nothing to do' "15 days before: nothing to do"
is "$(db_state)" "$S4" "and nothing changed"
check "sync --at 13 days before notAfter" mc "$D" sync --yes --at "$AT13" --json
cp "$OUT" "$T/renew.json"
is "$(jq '.counts.renew' "$T/renew.json")" "$NM" "13 days before: renew all $NM"
is "$(jq '.done' "$T/renew.json")" "$NM" "all done"
is "$(jq -r '[.actions[].old_serials[]] | sort | join(" ")' "$T/renew.json")" \
    "$(tr '\n' ' ' <"$T/managed.txt" | sed 's/ $//')" \
    "the renewals are of exactly the managed certificates"
certs_json "$T/c3.json"
is "$(jq --slurpfile m <(jq -R . "$T/managed.txt") '[.[] |
    select(.serial as $s | $m | index($s)) | select(.status == "valid")] |
    length' "$T/c3.json")" "$NM" "the old certificates are still valid"
for s in $(jq -r '.actions[].new_serials[]' "$T/renew.json" | head -n 3); do
	# the renewal is valid from the sync's clock on
	verify_cert "$s" "$(cert_field "$s" email)" "$(to_epoch "$AT13")"
done
is "$(event_count cert.renewed)" "$NM" "one cert.renewed event per renewal"
check "sync --at again" mc "$D" sync --yes --at "$AT13"
file_has "$OUT" '^nothing to do' "after renewal, nothing to do"

# --- the certificate issued by hand -------------------------------------------

is "$(cert_field "$HAND" status)" valid \
    "the certificate issued by hand is still valid"
is "$(cert_field "$HAND" not_after)" "$HAND_NA" "and was never renewed"
is "$(mc "$D" events list --json 2>/dev/null | jq --arg h "$HAND" \
    '[.[] | select(.serial == $h)] | length')" 0 "no event names it"

done_testing
