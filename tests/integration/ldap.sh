#!/usr/bin/env bash
#
# ldap.sh: the LDAP directory source against a real slapd started here
# (lib-slapd.sh) and loaded with ldap-fixture.py's story directory: 300
# people, four groups, users without mail or names, an AD-like
# proxyAddresses user and five with a binary objectGUID. Through
# `mailcert source add ldap` and `source test` (which reads everything and
# changes nothing): the counts against ldapsearch's, sample users against
# their entries, membership across DN spellings, the "SMTP:" primary,
# the AD flavor's GUID ids, bind and connection failures, a server that
# never answers (the timeout), parameter checks, and paging past a size
# limit of 1000 with a second server of 2,500 users. The sync is tested
# elsewhere.

. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-slapd.sh"

T=$T_TMP
D=$T/mc
FIX="$(dirname "$0")/ldap-fixture.py"
PEOPLE="ou=people,$SLAPD_SUFFIX"
GBASE="ou=groups,$SLAPD_SUFFIX"

python3 "$FIX" story >"$T/story.ldif" || bail "ldap-fixture.py story failed"
PORT=$(slapd_free_port)
LDAPS_PORT=$(slapd_free_port)
slapd_tls "$T/slapd" "$LDAPS_PORT" || bail "test certificates failed"
slapd_start_with "$T/slapd" "$PORT" "$T/story.ldif" || bail "slapd failed"
URL=$SLAPD_URL
PWF=$SLAPD_READER_PWFILE

# Count entries the way an administrator would: ldapsearch as the rootdn,
# paged. ldap_count BASE FILTER
ldap_count() {
	ldapsearch -x -LLL -H "$URL" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" \
	    -E pr=500/noprompt -b "$1" "$2" 1.1 | grep -c '^dn:'
}

# One attribute of the entry with entryUUID $1, as ldapsearch prints it.
ldap_attr_of_uuid() {
	ldapsearch -x -LLL -o ldif-wrap=no -H "$URL" -D "$SLAPD_ROOTDN" \
	    -w "$SLAPD_ROOTPW" -b "$PEOPLE" "(entryUUID=$1)" "$2" |
	    sed -n "s/^$2: //p" | head -n 1
}

# add NAME OPTIONS...: an ldap source bound as the reader.
add() {
	local n=$1
	shift
	check "source add ldap $n" mc "$D" source add ldap "$n" --url "$URL" \
	    --bind-dn "$SLAPD_READER" --password-file "$PWF" \
	    --user-base "$PEOPLE" --group-base "$GBASE" "$@"
}

# The sample line of `source test` (in $OUT) whose id is the entryUUID of
# uid $1.
sample_of() {
	local id
	id=$(ldapsearch -x -LLL -H "$URL" -D "$SLAPD_ROOTDN" \
	    -w "$SLAPD_ROOTPW" -b "$PEOPLE" "(uid=$1)" entryUUID |
	    sed -n 's/^entryUUID: //p')
	[ -n "$id" ] && grep -F "  $id  " "$OUT"
}

check "init" mc "$D" init --org "LDAP Test Org" --ca-key ec-p384 \
    --base-url http://127.0.0.1:8080
[ "$RC" -eq 0 ] || bail "init failed"

# --- the whole story directory -----------------------------------------------
NUSERS=$(ldap_count "$PEOPLE" "(objectClass=inetOrgPerson)")
NGROUPS=$(ldap_count "$GBASE" "(objectClass=groupOfNames)")
is "$NUSERS $NGROUPS" "300 4" "ldapsearch sees the fixture's 300 users, 4 groups"

add corp --attr-proxy proxyAddresses
check "source test corp" mc "$D" source test corp
is "$(head -n 1 "$OUT")" "corp: $NUSERS users, $NGROUPS groups" \
    "first line: the counts ldapsearch gives"
is "$(wc -l <"$OUT")" 4 "then three sample users"
SAMPLE_RE='^  [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}  [^ ]+  [^ ]+ [^ ]+  \(.+\)$'
is "$(tail -n +2 "$OUT" | grep -Ec "$SAMPLE_RE")" 3 \
    "samples read: entryUUID  EMAIL  GIVEN SURNAME  (GROUPS)"
tail -n +2 "$OUT" >"$T/samples"
while read -r id email _; do
	want=$(ldap_attr_of_uuid "$id" mail)
	if [ "$email" = "$want" ]; then
		ok "sample $id is the entry with that entryUUID ($want)"
	else
		fail "sample $id is the entry with that entryUUID"
		diag "  got '$email', ldapsearch says '$want'"
	fi
done <"$T/samples"
like "$(sed -n 2p "$OUT")" '  p001@example\.org  Given1 Surname1  \(Staff\)$' \
    "the first sample is p001, in Staff only"
is "$(wc -c <"$ERR")" 0 "nothing on stderr"

# --- the "SMTP:" entry of proxyAddresses ---------------------------------------
add proxy --attr-proxy proxyAddresses --user-filter '(uid=p123)'
check "source test proxy" mc "$D" source test proxy
is "$(head -n 1 "$OUT")" "proxy: 1 users, 2 groups" "one user in two groups"
like "$(sed -n 2p "$OUT")" '  primary@example\.org  Given123 Surname123  \(Staff, Research\)$' \
    "SMTP:primary@example.org wins over mail and smtp:old@example.org"
add noproxy --user-filter '(uid=p123)'
check "source test noproxy" mc "$D" source test noproxy
like "$(sed -n 2p "$OUT")" '  p123@example\.org  ' \
    "without --attr-proxy (openldap default) mail is the address"

# --- users without mail or names are delivered ---------------------------------
NOMAIL=$(ldap_count "$PEOPLE" "(&(objectClass=inetOrgPerson)(!(mail=*)))")
add nomail --user-filter '(&(objectClass=inetOrgPerson)(!(mail=*)))'
check "source test nomail" mc "$D" source test nomail
like "$(head -n 1 "$OUT")" "^nomail: $NOMAIL users, " \
    "all $NOMAIL users without mail are read"
is "$(tail -n +2 "$OUT" | grep -c '^  [0-9a-f-]*  -  ')" 3 \
    "their samples show no address"
add nonames --user-filter '(|(uid=p025)(uid=p040))'
check "source test nonames" mc "$D" source test nonames
like "$(sample_of p025)" '  p025@example\.org  - Surname25  ' \
    "p025 is read without a given name"
like "$(sample_of p040)" '  -  Given40 -  \(Staff\)$' \
    "p040 is read without address and surname"

# --- membership: other DN spellings, groups and outsiders as members ---------
add members --user-filter '(|(uid=p151)(uid=p299)(uid=p300))'
check "source test members" mc "$D" source test members
like "$(sample_of p151)" '  p151@example\.org  Given151 Surname151  \(Staff, Sales\)$' \
    "p151 is in Staff and Sales"
like "$(sample_of p299)" '  \(All\)$' "UID=P299,OU=People,... in All matches uid=p299"
like "$(sample_of p300)" '\((Research, All|All, Research)\)$' \
    "\"uid=p300, ou=people, ...\" in All matches uid=p300"
# All also holds cn=Staff (a group) and x001 (outside the user base): they
# are no users of this read, so All has exactly p299 and p300.
mc "$D" source test members --json >"$T/members.json" 2>&1
like "$(tr -d ' \n' <"$T/members.json")" '"users":3[,}]' "--json: 3 users"
like "$(tr -d ' \n' <"$T/members.json")" '"groups":4[,}]' "--json: ... in 4 groups"

# --- the AD flavor against AD-like entries -------------------------------------
add ad --flavor ad --user-filter '(objectGUID=*)' \
    --group-filter '(objectClass=groupOfNames)'
check "source test ad (objectGUID ids)" mc "$D" source test ad
is "$(head -n 1 "$OUT")" "ad: 5 users, 2 groups" "the five users with an objectGUID"
like "$(sed -n 2p "$OUT")" '^  33221100-5544-7766-8899-aabbccddee01  p001@example\.org  ' \
    "objectGUID 00 11 22 ... ee 01 reads as 33221100-5544-7766-8899-aabbccddee01"
# slapd does not know AD's matching rule in chain, so the per-group
# searches of --nested find no one here: this shows only that the four
# searches are well-formed filters with the group DN escaped, and paged.
add nested --flavor ad --nested --attr-id entryUUID \
    --user-filter '(objectClass=inetOrgPerson)' \
    --group-filter '(objectClass=groupOfNames)'
check "source test nested (AD only; slapd matches no one)" \
    mc "$D" source test nested
is "$(head -n 1 "$OUT")" "nested: $NUSERS users, 0 groups" \
    "--nested: users read, the in-chain searches accepted"
add adbad --flavor ad --user-filter '(objectClass=inetOrgPerson)' \
    --group-filter '(objectClass=groupOfNames)'
S0=$(store_state "$D")
expect_user_error '^mailcert: source adbad: uid=p006,ou=people,dc=example,dc=org has no objectGUID' \
    mc "$D" source test adbad
is "$(wc -c <"$OUT")" 0 "a failed read prints no counts"
is "$(store_state "$D")" "$S0" "a failed test changes nothing"

# --- bind and connection failures ----------------------------------------------
printf 'wrong password\n' >"$T/wrong.pw"
check "source add ldap wrongpw" mc "$D" source add ldap wrongpw --url "$URL" \
    --bind-dn "$SLAPD_READER" --password-file "$T/wrong.pw" --user-base "$PEOPLE"
expect_user_error "source wrongpw: ldap://127\.0\.0\.1:$PORT: bind as cn=reader,dc=example,dc=org failed: Invalid credentials \(49\)" \
    mc "$D" source test wrongpw
check "source add ldap anon" mc "$D" source add ldap anon --url "$URL" \
    --user-base "$PEOPLE" --group-base "$GBASE"
check "an anonymous bind reads too (slapd allows it here)" mc "$D" source test anon
is "$(head -n 1 "$OUT")" "anon: $NUSERS users, $NGROUPS groups" "same counts anonymously"

DEAD=$(slapd_free_port)
check "source add ldap down" mc "$D" source add ldap down \
    --url "ldap://127.0.0.1:$DEAD" --user-base "$PEOPLE" --timeout 2
T0=$(date +%s)
expect_user_error "source down: ldap://127\.0\.0\.1:$DEAD: .*Can't contact LDAP server \(-1\)" \
    mc "$D" source test down
num_cmp $(($(date +%s) - T0)) -le 2 "a closed port fails at once"

# A server that accepts the connection and never answers: only the
# timeout ends the bind.
SILENT=$(slapd_free_port)
python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(5)
print("ready", flush=True)
time.sleep(120)' "$SILENT" >"$T/silent.out" 2>&1 &
track_pid $!
for _ in $(seq 1 50); do
	grep -q ready "$T/silent.out" 2>/dev/null && break
	sleep 0.1
done
check "source add ldap silent" mc "$D" source add ldap silent \
    --url "ldap://127.0.0.1:$SILENT" --bind-dn "$SLAPD_READER" \
    --password-file "$PWF" --user-base "$PEOPLE" --timeout 2
T0=$(date +%s)
expect_user_error "source silent: .*bind as cn=reader,dc=example,dc=org failed: (Timed out|Can't contact LDAP server)" \
    mc "$D" source test silent
ELAPSED=$(($(date +%s) - T0))
num_cmp "$ELAPSED" -ge 1 "a silent server is waited for (${ELAPSED}s)"
num_cmp "$ELAPSED" -le 5 "... no longer than --timeout 2 allows (${ELAPSED}s)"

# --- TLS: StartTLS and ldaps:// with the server's CA, and without -------------
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/other.key" -out "$T/other.pem" -days 2 \
    -subj "/CN=Other CA" >/dev/null 2>&1 || bail "openssl req failed"
add starttls --starttls --ca-file "$SLAPD_CA"
check "source test starttls" mc "$D" source test starttls
is "$(head -n 1 "$OUT")" "starttls: $NUSERS users, $NGROUPS groups" \
    "StartTLS, server certificate checked against --ca-file"
URL=$SLAPD_LDAPS_URL add ldaps --ca-file "$SLAPD_CA"
check "source test ldaps" mc "$D" source test ldaps
is "$(head -n 1 "$OUT")" "ldaps: $NUSERS users, $NGROUPS groups" \
    "ldaps://, server certificate checked against --ca-file"
add otherca --starttls --ca-file "$T/other.pem"
expect_user_error "source otherca: ldap://127\.0\.0\.1:$PORT: StartTLS failed: Connect error \(-11\).*--ca-file" \
    mc "$D" source test otherca
URL="ldaps://localhost:$LDAPS_PORT" add otherhost --ca-file "$SLAPD_CA"
expect_user_error "source otherhost: ldaps://localhost:$LDAPS_PORT: .*failed: Can't contact LDAP server" \
    mc "$D" source test otherhost
is "$(wc -c <"$OUT")" 0 "a certificate for 127.0.0.1 is refused for localhost"

# --- parameters refused when the source is added -------------------------------
bad_add() {	# bad_add RE OPTIONS...
	local re=$1
	shift
	expect_user_error "$re" mc "$D" source add ldap refused "$@"
}
bad_add '--url: .*scheme must be ldap:// or ldaps://' --url "http://127.0.0.1:$PORT" \
    --user-base "$PEOPLE"
bad_add '--url: .*scheme must be ldap:// or ldaps://' --url "127.0.0.1" \
    --user-base "$PEOPLE"
bad_add '--url: .*not an LDAP URL' --url "ldap://127.0.0.1:x" \
    --user-base "$PEOPLE"
bad_add '--url: .*port 99999 is out of range' --url "ldap://127.0.0.1:99999" \
    --user-base "$PEOPLE"
bad_add '--url: .*only scheme, host and port' \
    --url "ldap://127.0.0.1:$PORT/dc=example,dc=org" --user-base "$PEOPLE"
bad_add '--starttls: .*ldaps:// already' --url "ldaps://127.0.0.1:$PORT" \
    --starttls --user-base "$PEOPLE"
bad_add '--flavor: "novell" is neither openldap nor ad' --url "$URL" \
    --flavor novell --user-base "$PEOPLE"
bad_add '--nested: only with --flavor ad' --url "$URL" --nested \
    --user-base "$PEOPLE"
bad_add '--user-filter: "objectClass=person" does not start with' --url "$URL" \
    --user-base "$PEOPLE" --user-filter 'objectClass=person'
bad_add '--group-filter: .*unbalanced parentheses' --url "$URL" \
    --user-base "$PEOPLE" --group-filter '(&(cn=a)(cn=b)'
bad_add '--user-filter: .*text after the closing' --url "$URL" \
    --user-base "$PEOPLE" --user-filter '(cn=a)(cn=b)'
bad_add '--password-file: required with --bind-dn' --url "$URL" \
    --user-base "$PEOPLE" --bind-dn "$SLAPD_READER"
bad_add '--password-file: cannot read' --url "$URL" --user-base "$PEOPLE" \
    --bind-dn "$SLAPD_READER" --password-file "$T/nonexistent.pw"
bad_add '--user-base' --url "$URL"
bad_add '--page-size' --url "$URL" --user-base "$PEOPLE" --page-size 0
bad_add '--timeout' --url "$URL" --user-base "$PEOPLE" --timeout 601

# An empty first line would be an unauthenticated bind: never sent.
printf '\nsecond line\n' >"$T/empty.pw"
check "source add ldap emptypw" mc "$D" source add ldap emptypw --url "$URL" \
    --bind-dn "$SLAPD_READER" --password-file "$T/empty.pw" --user-base "$PEOPLE"
expect_user_error 'source emptypw: password file .*first line is empty' \
    mc "$D" source test emptypw

# --- paging past a size limit --------------------------------------------------
slapd_stop
python3 "$FIX" bulk 2500 3 >"$T/bulk.ldif" || bail "ldap-fixture.py bulk failed"
PORT=$(slapd_free_port)
slapd_start_with "$T/bulk" "$PORT" "$T/bulk.ldif" || bail "bulk slapd failed"
URL=$SLAPD_URL
PWF=$SLAPD_READER_PWFILE
ldapsearch -x -LLL -H "$URL" -D "$SLAPD_READER" -w "$SLAPD_READER_PW" \
    -b "$PEOPLE" "(objectClass=inetOrgPerson)" 1.1 >/dev/null 2>&1
is "$?" 4 "the reader's unpaged search stops at the size limit (4)"
NUSERS=$(ldap_count "$PEOPLE" "(objectClass=inetOrgPerson)")
is "$NUSERS" 2500 "ldapsearch, paged, counts 2500 users"
add bulk
check "source test bulk (pages of 500)" mc "$D" source test bulk
is "$(head -n 1 "$OUT")" "bulk: 2500 users, 3 groups" "every user read through paging"
add bulk7 --page-size 7
check "source test bulk7 (358 pages)" mc "$D" source test bulk7
is "$(head -n 1 "$OUT")" "bulk7: 2500 users, 3 groups" "the same with pages of 7"

done_testing
