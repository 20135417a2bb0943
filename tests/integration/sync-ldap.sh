#!/usr/bin/env bash
#
# sync-ldap.sh: the sync against a real slapd (lib-slapd.sh) loaded with
# ldap-fixture.py's story directory: 300 people p001..p300 whose traits
# follow their number (every 10th without mail, every 25th without a
# given name, every 40th without a surname, every 7th in the unverified
# domain unverified.example), Staff p001..p200 and Sales p150..p250 (so
# p150..p200 are in both), and p123 whose proxyAddresses hold
# "SMTP:primary@example.org". With Staff and Sales auto-request: the
# eligible users get one certificate each, p123's for its SMTP: primary;
# a user deleted from the directory (ldapdelete) and one taken out of the
# group (ldapmodify) are revoked on the next sync; with slapd stopped the
# sync fails naming the source, revokes nothing and records sync.failed
# once; with slapd back there is nothing to do.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-slapd.sh"

T=$T_TMP
D=$T/mc
DB=$D/mailcert.db
FIX="$(dirname "$0")/ldap-fixture.py"
PEOPLE="ou=people,$SLAPD_SUFFIX"
GBASE="ou=groups,$SLAPD_SUFFIX"

command -v jq >/dev/null || bail "jq not installed (scripts/deps.sh)"

python3 "$FIX" story >"$T/story.ldif" || bail "ldap-fixture.py story failed"
PORT=$(slapd_free_port)
slapd_start_with "$T/slapd" "$PORT" "$T/story.ldif" || bail "slapd failed"

# The fixture's rules: is p$1 eligible with Staff and Sales auto-request?
eligible() {
	local i=$1
	[ "$i" -le 250 ] && [ $((i % 10)) -ne 0 ] && [ $((i % 25)) -ne 0 ] &&
	    [ $((i % 40)) -ne 0 ] && [ $((i % 7)) -ne 0 ]
}
EXPECT=0
for i in $(seq 1 300); do
	eligible "$i" && EXPECT=$((EXPECT + 1))
done

plan_count() {	# plan_count FILE KIND
	local n
	n=$(sed -n "s/^  $2  *\([0-9][0-9]*\)\$/\1/p" "$1" | head -n 1)
	printf '%s' "${n:-0}"
}

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

event_count() {
	mc "$D" events list --kind "$1" --json 2>/dev/null </dev/null |
	    jq 'length'
}

ldap_root() {	# ldap_root ldapmodify|ldapdelete ARGS...
	local c=$1
	shift
	"$c" -x -H "$SLAPD_URL" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" "$@"
}

check "init" mc "$D" init --org "Sync LDAP Org" --base-url http://127.0.0.1:8080
[ "$RC" -eq 0 ] || bail "init failed"
mc "$D" export chain --format pem -o "$T/chain.pem" >/dev/null 2>&1
[ "$(split_pem "$T/chain.pem" "$T/ch")" -eq 2 ] || bail \
    "no two-certificate chain"
check "domain add example.org --assert" mc "$D" domain add example.org --assert
check "domain add unverified.example" mc "$D" domain add unverified.example

check "source add ldap dir" mc "$D" source add ldap dir --url "$SLAPD_URL" \
    --bind-dn "$SLAPD_READER" --password-file "$SLAPD_READER_PWFILE" \
    --user-base "$PEOPLE" --group-base "$GBASE" --attr-proxy proxyAddresses
check "source test dir" mc "$D" source test dir
is "$(head -n 1 "$OUT")" "dir: 300 users, 4 groups" "source test counts"

check "a first sync reads the directory" mc "$D" sync
file_has "$OUT" '^nothing to do' "nothing is auto-request yet"
check "group set Staff --auto-request on" mc "$D" group set Staff \
    --auto-request on --key ec-p256 --days 100
check "group set Sales --auto-request on" mc "$D" group set Sales \
    --auto-request on --key ec-p256 --days 100
check "group list --json" mc "$D" group list --json
is "$(jq -r '[.[] | select(.auto_request == true) | .name] | sort | join(",")' \
    "$OUT")" "Sales,Staff" "Staff and Sales are auto-request"

check "sync" mc "$D" sync --yes
cp "$OUT" "$T/sync1.txt"
file_has "$T/sync1.txt" '^sync at .*: 300 users read from 1 source' \
    "300 users read"
is "$(plan_count "$T/sync1.txt" issue)" "$EXPECT" \
    "issue $EXPECT, the fixture's eligible users"
file_has "$T/sync1.txt" "^applied run [0-9]+: $EXPECT done, 0 failed" "all done"

mc "$D" cert list --json >"$T/certs.json" 2>/dev/null
is "$(jq '[.[] | select(.status == "valid")] | length' "$T/certs.json")" \
    "$EXPECT" "$EXPECT valid certificates"
is "$(jq -r '.[].email' "$T/certs.json" | sort -u | wc -l)" "$EXPECT" \
    "one per address"
want=""
for i in $(seq 1 300); do
	if eligible "$i"; then
		if [ "$i" -eq 123 ]; then
			want="$want primary@example.org"
		else
			want="$want $(printf 'p%03d@example.org' "$i")"
		fi
	fi
done
is "$(jq -r '.[].email' "$T/certs.json" | sort | tr '\n' ' ')" \
    "$(printf '%s\n' $want | sort | tr '\n' ' ')" \
        "exactly the eligible users' addresses"

s=$(valid_serials primary@example.org)
is "$(printf '%s\n' "$s" | grep -c .)" 1 \
    "p123 has one certificate, for the SMTP: primary"
is "$(valid_serials p123@example.org | grep -c .)" 0 \
    "none for p123's mail attribute"
if [ -n "$s" ]; then
	mc "$D" export cert "$s" --format pem -o "$T/p123.pem" >/dev/null 2>&1
	check "p123's certificate verifies (smimesign)" openssl verify \
	    -purpose smimesign -CAfile "$T/ch2.pem" -untrusted "$T/ch1.pem" \
	    "$T/p123.pem"
	is "$(openssl x509 -in "$T/p123.pem" -noout -ext subjectAltName |
	    tail -n +2 | sed 's/^ *//')" "email:primary@example.org" \
	    "its SAN is primary@example.org"
fi
is "$(valid_serials p151@example.org | grep -c .)" 1 \
    "p151, in Staff and Sales, has one certificate"
is "$(valid_serials p003@example.org | grep -c .)" 1 "p003 has one"
is "$(event_count cert.issued)" "$EXPECT" \
    "one cert.issued event per certificate"

check "user list --ineligible --json" mc "$D" user list --ineligible --json
is "$(jq 'length' "$OUT")" $((300 - EXPECT)) \
    "$((300 - EXPECT)) ineligible users"
why() {	# why EMAIL: the reasons, from user list --ineligible --json
	jq -r --arg e "$1" '.[] | select(.email == $e) | .reasons_text' \
	    "$T/inel.json"
}
cp "$OUT" "$T/inel.json"
like "$(why p007@unverified.example)" \
    'domain unverified\.example is not verified' "p007: the unverified domain"
like "$(why p025@example.org)" 'no given name' "p025: no given name"
like "$(jq -r '.[] | select(.given_name == "Given80") | .reasons_text' \
    "$T/inel.json")" 'no e-mail address; no surname' \
    "p080 (a 40th): no address, no surname"
like "$(why p261@example.org)" 'no auto-request group' \
    "p261: in no auto-request group"
is "$(jq '[.[] | select(.email == null)] | length' "$T/inel.json")" 30 \
    "every 10th user has no address"

check "a second sync" mc "$D" sync --yes
file_has "$OUT" '^nothing to do' "nothing to do"

# --- leaving: deleted from the directory, taken out of the group --------------
S11=$(valid_serials p011@example.org)
S12=$(valid_serials p012@example.org)
check "ldapdelete p011" ldap_root ldapdelete "uid=p011,$PEOPLE"
# Entries slapadd wrote without schema checks lack structuralObjectClass,
# so slapd refuses to modify them: Staff is deleted and added again, as
# it was but without p012.
{
	printf 'dn: cn=Staff,%s\nobjectClass: groupOfNames\ncn: Staff\n' \
	    "$GBASE"
	for i in $(seq 1 200); do
		[ "$i" -ne 12 ] && printf 'member: uid=p%03d,%s\n' "$i" \
		    "$PEOPLE"
	done
} >"$T/staff.ldif"
check "ldapdelete Staff" ldap_root ldapdelete "cn=Staff,$GBASE"
check "ldapadd Staff without p012" ldap_root ldapadd -f "$T/staff.ldif"
check "sync after they left" mc "$D" sync --yes
is "$(plan_count "$OUT" revoke)" 2 "revoke 2"
is "$(plan_count "$OUT" issue)" 0 "issue 0"
is "$(cert_field "$S11" status)" revoked "p011 (deleted) is revoked"
is "$(cert_field "$S11" reason)" cessationOfOperation "as cessationOfOperation"
is "$(cert_field "$S12" status)" revoked "p012 (out of the group) is revoked"
is "$(cert_field "$S12" reason)" cessationOfOperation "as cessationOfOperation"
is "$(event_count cert.revoked)" 2 "two cert.revoked events"

# --- the directory is unreachable ---------------------------------------------
slapd_stop
R0=$(sqlite3 "$DB" "SELECT count(*) FROM certs WHERE state = 'revoked'")
U0=$(sqlite3 "$DB" "SELECT * FROM users ORDER BY id; SELECT * FROM memberships
    ORDER BY 1, 2" | sha256sum)
expect_exit 1 mc "$D" sync --yes
cat "$OUT" "$ERR" >"$T/down.txt"
file_has "$T/down.txt" "source \"?dir\"?: ldap://127\\.0\\.0\\.1:$PORT" \
    "the message names the source and its server"
file_has "$T/down.txt" "contact|connect|reach" "and what failed"
unlike "$(cat "$T/down.txt")" 'source "?dir"?: source "?dir"?' \
    "and names the source once"
is "$(sqlite3 "$DB" "SELECT count(*) FROM certs WHERE state = 'revoked'")" \
    "$R0" "nothing revoked"
is "$(sqlite3 "$DB" "SELECT * FROM users ORDER BY id; SELECT * FROM
    memberships ORDER BY 1, 2" | sha256sum)" "$U0" \
        "users and memberships unchanged"
is "$(event_count sync.failed)" 1 "one sync.failed event"
mc "$D" events list --kind sync.failed --json >"$T/failed.json" 2>/dev/null
like "$(jq -r '.[0] | tostring' "$T/failed.json")" 'dir' \
    "the event names the source"

slapd_run "$T/slapd" "$PORT" || bail "slapd did not come back"
check "sync with slapd back" mc "$D" sync --yes
file_has "$OUT" '^nothing to do' \
    "nothing to do: the outage looked like nobody leaving"

done_testing
