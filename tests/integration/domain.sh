#!/usr/bin/env bash
#
# domain.sh: `mailcert domain add|verify|list` against a real dnsmasq
# (dnsmasq-base, ../shared/recipes/02-dnsmasq.md) on 127.0.0.1 at a port
# chosen here, answering example.org from its own config only: a good
# token, a wrong one, a missing record (NXDOMAIN), the right record next
# to another, and one split into two character-strings. Then resolvers
# that never answer or refuse, which must fail within the configured
# deadline, not hang. MAILCERT_NOW moves the clock to show the expiring
# and lapsed states and re-verification.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/mc
NOW0=2026-03-01T12:00:00Z
export MAILCERT_NOW=$NOW0

command -v dnsmasq >/dev/null || bail "dnsmasq not installed (scripts/deps.sh)"
command -v dig >/dev/null || bail "dig not installed (scripts/deps.sh)"

# A free loopback port for UDP and TCP alike (dnsmasq binds both).
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

dom_field() {	# dom_field JSONFILE DOMAIN FIELD
	json_field "$(json_objects "$1" | grep -E "\"name\":[[:space:]]*\"$2\"")" "$3"
}

token_of() {
	mc "$D" domain list --json >"$T/.l.json" 2>/dev/null
	dom_field "$T/.l.json" "$1" token
}

check "init" mc "$D" init --org "Domain Test Org" --ca-key ec-p384 \
    --base-url http://127.0.0.1:8080
[ "$RC" -eq 0 ] || bail "init failed"

# --- add ----------------------------------------------------------------------
check "domain add good.example.org" mc "$D" domain add Good.Example.ORG
like "$(cat "$OUT")" '^_mailcert\.good\.example\.org\. TXT "mailcert-verify=[0-9a-f]{32}"$' \
    "add prints exactly the record to publish"
is "$(wc -l <"$OUT")" 1 "one line on stdout"
file_has "$ERR" 'mailcert domain verify good\.example\.org' "stderr says how to verify"
TOK_GOOD=$(sed -n 's/.*mailcert-verify=\([0-9a-f]*\)".*/\1/p' "$OUT")
for d in wrong missing two chunk kept; do
	mc "$D" domain add "$d.example.org" >/dev/null 2>&1 ||
	    fail "domain add $d.example.org"
done
isnt "$(token_of wrong.example.org)" "$TOK_GOOD" "every domain has its own token"

S0=$(store_dump "$D" | sha256sum)
expect_user_error 'domain "good\.example\.org" exists already' mc "$D" domain add good.example.org
expect_user_error 'exists already' mc "$D" domain add GOOD.example.org
expect_user_error 'at least two labels' mc "$D" domain add localhost
expect_user_error 'starts with a hyphen' mc "$D" domain add -- -x.example.org
expect_user_error "character ' ' \(0x20\) is not allowed" mc "$D" domain add "a b.example.org"
expect_user_error 'A-label, "xn--bcher-kva\.example"' mc "$D" domain add "bücher.example"
expect_user_error 'ends with a dot' mc "$D" domain add example.org.
expect_user_error 'the domain is missing' mc "$D" domain add
expect_user_error 'no domain "nope\.example\.org"' mc "$D" domain verify nope.example.org
is "$(store_dump "$D" | sha256sum)" "$S0" "refused adds leave the store unchanged"

check "list: all unverified" mc "$D" domain list
is "$(grep -c ' unverified ' "$OUT")" 6 "six unverified domains"

# --- dnsmasq ------------------------------------------------------------------
PORT=$(free_port)
[ -n "$PORT" ] || bail "no free port"
TOK_TWO=$(token_of two.example.org)
TOK_CHUNK=$(token_of chunk.example.org)
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
log-queries
txt-record=_mailcert.good.example.org,"mailcert-verify=$TOK_GOOD"
txt-record=_mailcert.wrong.example.org,"mailcert-verify=00000000000000000000000000000000"
txt-record=_mailcert.two.example.org,"v=spf1 -all"
txt-record=_mailcert.two.example.org,"mailcert-verify=$TOK_TWO"
txt-record=_mailcert.chunk.example.org,"mailcert-verify=","$TOK_CHUNK"
EOF
dnsmasq --test --conf-file="$T/dnsmasq.conf" >/dev/null 2>&1 || bail "dnsmasq rejects its config"
dnsmasq -k --conf-file="$T/dnsmasq.conf" 2>"$T/dnsmasq.err" &
track_pid $!
for _ in $(seq 50); do
	dig @127.0.0.1 -p "$PORT" +short +time=1 +tries=1 TXT _mailcert.good.example.org 2>/dev/null |
	    grep -q '^"' && break
	sleep 0.1
done
dig @127.0.0.1 -p "$PORT" +short +time=1 +tries=1 TXT _mailcert.good.example.org |
    grep -q "mailcert-verify=$TOK_GOOD" || bail "dnsmasq did not come up: $(head -3 "$T/dnsmasq.err")"
ok "dnsmasq answers on 127.0.0.1:$PORT"

printf '\n[dns]\nservers = 127.0.0.1:%s\n' "$PORT" >>"$D/mailcert.conf"

# --- verify -------------------------------------------------------------------
check "good token verifies" mc "$D" domain verify good.example.org
is "$(cat "$OUT")" "good.example.org: verified until 2027-03-01T12:00:00Z (dns)" "the line says until when"
check "list --json" mc "$D" domain list --json
J=$T/l.json
cp "$OUT" "$J"
is "$(dom_field "$J" good.example.org state)" verified "state verified"
is "$(dom_field "$J" good.example.org method)" dns "method dns"
is "$(dom_field "$J" good.example.org days_left)" 365 "365 days left"
is "$(dom_field "$J" good.example.org asserted)" false "not asserted"

expect_user_error 'none is "mailcert-verify=' mc "$D" domain verify wrong.example.org
file_has "$OUT" '^wrong\.example\.org: not verified: _mailcert\.wrong\.example\.org has 1 TXT record but none is' \
    "wrong token: the line says why"
expect_user_error 'not verified' mc "$D" domain verify missing.example.org
file_has "$OUT" 'missing\.example\.org: not verified: _mailcert\.missing\.example\.org does not exist \(NXDOMAIN' \
    "missing record: NXDOMAIN named"
check "the right record next to another verifies" mc "$D" domain verify two.example.org
check "a record in two character-strings verifies" mc "$D" domain verify chunk.example.org

mc "$D" domain list --json >"$J" 2>/dev/null
is "$(dom_field "$J" wrong.example.org state)" unverified "wrong stays unverified"
like "$(dom_field "$J" wrong.example.org last_error)" 'none is' "wrong: last error recorded"
like "$(dom_field "$J" missing.example.org last_error)" 'NXDOMAIN' "missing: last error recorded"

# --- assert -------------------------------------------------------------------
check "--assert" mc "$D" domain add closed.example.net --assert
is "$(cat "$OUT")" "closed.example.net: asserted without DNS, verified until 2027-03-01T12:00:00Z; run \`mailcert domain add closed.example.net --assert\` again before then" \
    "assert says it was without DNS and until when"
check "--assert on a known, unverified domain" mc "$D" domain add kept.example.org --assert
check "list" mc "$D" domain list
like "$(grep '^closed\.example\.net ' "$OUT")" ' verified +asserted +365 ' "table marks it asserted"
# an assertion survives a failed DNS check until it lapses
expect_user_error 'not verified' mc "$D" domain verify kept.example.org
file_has "$OUT" '^kept\.example\.org: still verified until 2027-03-01T12:00:00Z \(asserted, 365 days left\)' \
    "a failed check keeps the assertion"

# --- all domains, exit status ---------------------------------------------------
expect_exit 1 mc "$D" domain verify
file_has "$OUT" '^good\.example\.org: verified until' "verify all: good line"
file_has "$OUT" '^wrong\.example\.org: not verified' "verify all: wrong line"
file_has "$OUT" '^closed\.example\.net: asserted until 2027-03-01T12:00:00Z, not looked up in DNS' \
    "verify all: asserted domains are not looked up"
file_has "$ERR" '2 of 7 domains not verified' "verify all: the summary counts failures"
is "$(wc -l <"$OUT")" 7 "one line per domain"

# --- time passes ---------------------------------------------------------------
MAILCERT_NOW=2027-02-10T12:00:00Z run mc "$D" domain list --json
cp "$OUT" "$J"
is "$(dom_field "$J" good.example.org state)" expiring "20 days before: expiring"
is "$(dom_field "$J" good.example.org days_left)" 19 "19 whole days left"
is "$(dom_field "$J" closed.example.net asserted)" true "JSON marks the assertion"
MAILCERT_NOW=2027-03-02T12:00:00Z run mc "$D" domain list
like "$(grep '^good\.example\.org ' "$OUT")" ' lapsed +dns +0 ' "a day after: lapsed"
like "$(grep '^closed\.example\.net ' "$OUT")" ' lapsed +asserted +0 ' "the assertion lapses too"
MAILCERT_NOW=2027-03-02T12:00:00Z expect_exit 1 mc "$D" domain verify
file_has "$OUT" '^closed\.example\.net: not verified: the assertion lapsed on 2027-03-01T12:00:00Z; assert it again' \
    "a lapsed assertion needs --assert again"

MAILCERT_NOW=2027-02-10T12:00:00Z check "re-verify" mc "$D" domain verify good.example.org
is "$(cat "$OUT")" "good.example.org: verified until 2028-02-10T12:00:00Z (dns)" "re-verification extends validity"
MAILCERT_NOW=2027-02-10T12:00:00Z run mc "$D" domain list --json
is "$(dom_field "$OUT" good.example.org state)" verified "verified again"
is "$(dom_field "$OUT" good.example.org days_left)" 365 "365 days from the re-verification"

# --- resolvers that do not answer -------------------------------------------------
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(300)' >"$T/mute.port" &
track_pid $!
for _ in $(seq 50); do
	[ -s "$T/mute.port" ] && break
	sleep 0.1
done
MUTE=$(cat "$T/mute.port")
[ -n "$MUTE" ] || bail "no silent UDP socket"
cp "$D/mailcert.conf" "$T/conf.good"
sed -i "s/^servers = .*/servers = 127.0.0.1:$MUTE/" "$D/mailcert.conf"
S1=$(sqlite3 "$D/mailcert.db" "SELECT verified_at, valid_until, method FROM domains WHERE name = 'good.example.org'")
START=$(date +%s)
expect_user_error "no answer from DNS servers \(127\.0\.0\.1:$MUTE\) within 6000 ms" \
    mc "$D" domain verify good.example.org
EL=$(($(date +%s) - START))
num_cmp "$EL" -lt 15 "a silent resolver fails by the deadline (${EL}s), no hang"
num_cmp "$EL" -ge 5 "after the default 3000 ms x 2 tries"
is "$(sqlite3 "$D/mailcert.db" "SELECT verified_at, valid_until, method FROM domains WHERE name = 'good.example.org'")" \
    "$S1" "a timeout keeps the verification"
file_has "$OUT" 'good\.example\.org: still verified until 2028-02-10T12:00:00Z \(dns, 711 days left\)' \
    "and says it still holds"

CLOSED=$(free_port)
sed -i "s/^servers = .*/servers = 127.0.0.1:$CLOSED/" "$D/mailcert.conf"
START=$(date +%s)
expect_user_error 'refused or failed' mc "$D" domain verify good.example.org
num_cmp "$(($(date +%s) - START))" -lt 15 "a closed port fails quickly"

sed -i "s/^servers = .*/servers = not-an-address/" "$D/mailcert.conf"
expect_user_error '\[dns\] servers: "not-an-address" is not an IP address' mc "$D" domain list
cp "$T/conf.good" "$D/mailcert.conf"
check "back on dnsmasq, verify works again" mc "$D" domain verify good.example.org

done_testing
