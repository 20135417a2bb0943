#!/usr/bin/env bash
#
# audit-log.sh: the hash-chained audit log from the command line. Every
# mutating command appends one entry (actor cli:LOGIN, action group.name,
# the words as target, ok or the error), read-only ones append nothing;
# python3 recomputes the chain from the database with the encoding of
# docs/audit.md; `audit verify` passes, then catches an edited target, a
# removed middle entry and a removed newest entry, each done with sqlite3.
# API tokens: printed once, never listed, stored as a SHA-256 only.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/mc
DB=$D/mailcert.db
export MAILCERT_NOW=2026-03-01T12:00:00Z
ME="cli:$(id -un)"

command -v sqlite3 >/dev/null || bail "sqlite3 not installed (scripts/deps.sh)"

q() {
	sqlite3 "$DB" "$1"
}

# The newest entry as "actor|action|target|result".
last_entry() {
	q "SELECT actor || '|' || action || '|' || target || '|' || result
	    FROM audit ORDER BY id DESC LIMIT 1"
}

count() {
	q "SELECT COUNT(*) FROM audit"
}

# An independent check of the chain and the head (docs/audit.md).
py_verify() {
	python3 - "$DB" <<'EOF'
import hashlib, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
prev, n = "0" * 64, 0
for row in db.execute("SELECT id, at, actor, action, target, result, "
                      "prev_hash, hash FROM audit ORDER BY id"):
    i, at, actor, action, target, result, prev_hash, h = row
    n += 1
    if i != n or prev_hash != prev:
        sys.exit("chain broken at entry %d" % i)
    m = hashlib.sha256()
    for f in (prev_hash, str(i), str(at), actor, action, target, result):
        b = f.encode()
        m.update(struct.pack(">I", len(b)) + b)
    if m.hexdigest() != h:
        sys.exit("entry %d does not match its hash" % i)
    prev = h
head = db.execute("SELECT value FROM settings WHERE key = 'audit.head'")
if head.fetchone()[0] != "%d:%s" % (n, prev):
    sys.exit("head does not match")
print(n)
EOF
}

check "init" mc "$D" init --org "Audit Log Test Org" --ca-key ec-p384 \
    --base-url http://127.0.0.1:8080
[ "$RC" -eq 0 ] || bail "init failed"
is "$(count)" 1 "init wrote one entry"
is "$(last_entry)" "$ME|init|--org Audit Log Test Org --ca-key ec-p384 --base-url http://127.0.0.1:8080|ok" \
    "init: actor, action, the words as target, ok"
is "$(q "SELECT at FROM audit WHERE id = 1")" "$(date -u -d 2026-03-01T12:00:00Z +%s)" \
    "the entry's time is the command's clock"

# --- mutating commands are audited, read-only ones are not --------------------
check "cert issue" mc "$D" cert issue --email alice@example.org \
    --given-name Alice --surname Example --key ec-p256
SERIAL=$(head -n 1 "$OUT")
is "$(last_entry)" "$ME|cert.issue|--email alice@example.org --given-name Alice --surname Example --key ec-p256|ok" \
    "cert issue audited"
N=$(count)
check "cert list" mc "$D" cert list
check "ca list" mc "$D" ca list
check "seats (show)" mc "$D" seats
check "audit list" mc "$D" audit list
is "$(count)" "$N" "reading commands append nothing"

check "cert revoke" mc "$D" cert revoke "$SERIAL" --reason keyCompromise
is "$(last_entry)" "$ME|cert.revoke|$SERIAL --reason keyCompromise|ok" \
    "revoke audited, words in the order given"
expect_user_error 'revoked already' mc "$D" cert revoke "$SERIAL" \
    --reason keyCompromise
like "$(last_entry)" "^$ME\|cert\.revoke\|$SERIAL --reason keyCompromise\|error: .*revoked already" \
    "a failed revoke is audited with its error"
check "crl generate" mc "$D" crl generate
is "$(last_entry)" "$ME|crl.generate||ok" "crl generate audited, no target"
check "domain add" mc "$D" domain add example.org
is "$(last_entry)" "$ME|domain.add|example.org|ok" "domain add audited"
expect_user_error 'at least two labels' mc "$D" domain add localhost
like "$(last_entry)" "^$ME\|domain\.add\|localhost\|error: " \
    "refused domain add audited as an error"
check "seats set" mc "$D" seats set 25
is "$(last_entry)" "$ME|seats|set 25|ok" "seats set audited"
N=$(count)
check "sync --dry-run" mc "$D" sync --dry-run
is "$(count)" "$N" "sync --dry-run is not audited"

# --- tokens -------------------------------------------------------------------
check "token create" mc "$D" token create --name dash --role operator
TOKEN=$(cat "$OUT")
like "$TOKEN" '^mct_[A-Za-z0-9_-]{43}$' "the token is printed, alone, on stdout"
is "$(wc -l <"$OUT")" 1 "one line"
file_has "$ERR" 'shown only this once' "stderr says it is shown once"
is "$(last_entry)" "$ME|token.create|dash|ok" \
    "token create audited once, inside its transaction"
is "$(q "SELECT COUNT(*) FROM audit WHERE action = 'token.create'")" 1 \
    "no second entry from the command line"
HASH=$(printf '%s' "$TOKEN" | sha256sum | cut -d' ' -f1)
is "$(q "SELECT hash FROM tokens WHERE name = 'dash'")" "$HASH" \
    "the tokens table holds SHA-256 of the token"
like "$(q "SELECT hash FROM tokens")" '^[0-9a-f]{64}$' "only a 64-hex hash"
unlike "$(sqlite3 "$DB" .dump)" "${TOKEN#mct_}" "the secret is nowhere in the store"
check "token list" mc "$D" token list
unlike "$(cat "$OUT")" "${TOKEN#mct_}" "token list never shows the token"
unlike "$(cat "$OUT")" "$HASH" "  nor its hash"
like "$(cat "$OUT")" 'dash +operator' "  but names it with its role"
check "token list --json" mc "$D" --json token list
unlike "$(cat "$OUT")" "${TOKEN#mct_}|$HASH" "--json shows neither token nor hash"
check "token create --json" mc "$D" --json token create --name ci --role viewer
like "$(json_field "$(cat "$OUT")" token)" '^mct_[A-Za-z0-9_-]{43}$' \
    "--json gives the token once, in \"token\""
expect_user_error 'viewer or operator' mc "$D" token create --name x \
    --role admin --groups staff
like "$(last_entry)" "^$ME\|token\.create\|--name x --role admin --groups staff\|error: " \
    "a refused token create is audited by the command line"
is "$(q "SELECT COUNT(*) FROM tokens WHERE name = 'x'")" 0 "  and stores nothing"
check "token revoke" mc "$D" token revoke dash
is "$(last_entry)" "$ME|token.revoke|dash|ok" "token revoke audited once"
like "$(q "SELECT revoked_at FROM tokens WHERE name = 'dash'")" '^[0-9]+$' \
    "the token is revoked in the store"
check "token list after revoke" mc "$D" token list
like "$(grep '^[0-9]* *dash ' "$OUT")" 'Z +- +2026-03-01T12:00:00Z +- ' \
    "the listing shows when it was revoked"
expect_user_error 'revoked already' mc "$D" token revoke dash
expect_user_error 'no token "nope"' mc "$D" token revoke nope

# --- verify -------------------------------------------------------------------
N=$(count)
check "audit verify" mc "$D" audit verify
is "$(cat "$OUT")" "audit log intact: $N entries" "verify: intact, with the count"
is "$(py_verify 2>&1)" "$N" "python3 recomputes the same chain (docs/audit.md)"
check "audit list --json" mc "$D" --json audit list --limit 2
is "$(grep -c '"hash"' "$OUT")" 2 "--limit 2 lists two entries"

sqlite3 "$DB" ".backup '$T/good.db'"
restore() {
	rm -f "$DB-wal" "$DB-shm"
	sqlite3 "$DB" ".restore '$T/good.db'"
}

q "UPDATE audit SET target = 'bob@example.org' WHERE id = 2"
expect_exit 1 mc "$D" audit verify
file_has "$ERR" 'entry 2: its contents do not match its hash' \
    "an edited target is caught, naming entry 2"
check_fails "python3 sees it too" py_verify
restore
check "restored log verifies" mc "$D" audit verify

q "DELETE FROM audit WHERE id = 4"
expect_exit 1 mc "$D" audit verify
file_has "$ERR" 'entry 4: removed: entry 5 follows entry 3' \
    "a removed middle entry is caught, naming entry 4"
restore

q "DELETE FROM audit WHERE id = $N"
expect_exit 1 mc "$D" audit verify
file_has "$ERR" "entry $N: removed: the recorded head is entry $N" \
    "a removed newest entry is caught by the head"
# A mutation after the removal does not paper over it.
check "cert issue after the removal" mc "$D" cert issue \
    --email carol@example.org --given-name Carol --surname Example
expect_exit 1 mc "$D" audit verify
file_has "$ERR" "entry $N: removed" "  still caught after another append"
restore

q "DELETE FROM settings WHERE key = 'audit.head'"
expect_exit 1 mc "$D" audit verify
file_has "$ERR" 'head .* is missing' "a removed head is caught"
restore
check "audit verify --json" mc "$D" --json audit verify
like "$(cat "$OUT")" '"intact": true' "--json says intact"

done_testing
