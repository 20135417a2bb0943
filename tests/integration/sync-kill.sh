#!/usr/bin/env bash
#
# sync-kill.sh: a sync killed with SIGKILL while it applies, at several
# points, and run again, loses nothing and does nothing twice.
#
# A few hundred users of a CSV source in one group whose policy is
# rsa-3072: key generation is slow enough that the apply takes seconds,
# so the test can watch sync_actions (read-only, through sqlite3) and kill
# the process right after the plan is stored (nothing done yet), after
# the first action, and after about half. After each kill the store must
# already be consistent: every certificate belongs to an action that is
# done, and has its cert.issued event. The sync run last must finish the
# cut-short run, and then every user has exactly one valid certificate,
# each action was done once, every certificate has one event, and one more
# sync has nothing to do.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/mc
DB=$D/mailcert.db
CSV=$T/users.csv
N=${SYNC_KILL_USERS:-150}

command -v jq >/dev/null || bail "jq not installed (scripts/deps.sh)"

q() {
	sqlite3 -cmd '.timeout 5000' "$DB" "$1" 2>/dev/null
}

# The store after a kill: certificates, done actions and cert.issued
# events must agree, one for one.
consistent() {	# consistent LABEL
	local certs ndone events
	certs=$(q "SELECT count(*) FROM certs")
	ndone=$(q "SELECT count(*) FROM sync_actions WHERE state = 'done'")
	events=$(q "SELECT count(*) FROM events WHERE kind = 'cert.issued'")
	is "$certs" "$ndone" "$1: one certificate per done action ($certs)"
	is "$events" "$certs" "$1: one cert.issued event per certificate"
	is "$(q "SELECT count(*) FROM sync_actions WHERE state = 'done' AND
	    (new_serials IS NULL OR new_serials NOT IN
	    (SELECT serial FROM certs))")" 0 \
	    "$1: every done action names its certificate"
}

# Start `sync --yes` in the background, wait until WHEN holds, SIGKILL it.
# WHEN is an SQL expression that is 1 when it is time. Prints nothing;
# sets KILLED=1 if the process was still running when killed.
sync_kill() {	# sync_kill LABEL WHEN
	local pid i
	KILLED=0
	"$MAILCERT" --dir "$D" sync --yes >"$T/bg.out" 2>"$T/bg.err" \
	    </dev/null &
	pid=$!
	track_pid "$pid"
	for i in $(seq 6000); do
		kill -0 "$pid" 2>/dev/null || break
		[ "$(q "SELECT $2")" = 1 ] && break
		sleep 0.01
	done
	if kill -KILL "$pid" 2>/dev/null; then
		KILLED=1
	fi
	wait "$pid" 2>/dev/null
	if [ "$KILLED" = 1 ]; then
		ok "$1: killed with SIGKILL at $(q "SELECT count(*) FROM
		    sync_actions WHERE state = 'done'") of $N done"
	else
		fail "$1: the sync ended before it could be killed"
		diag "$(head -n 5 "$T/bg.out" "$T/bg.err")"
	fi
}

check "init" mc "$D" init --org "Sync Kill Org" --base-url http://127.0.0.1:8080
[ "$RC" -eq 0 ] || bail "init failed"
check "domain add corp.example --assert" \
    mc "$D" domain add corp.example --assert
{
	echo "id,email,given_name,surname,groups"
	for i in $(seq 1 "$N"); do
		printf 'k%04d,k%04d@corp.example,Kim%04d,Kill,Staff\n' \
		    "$i" "$i" "$i"
	done
} >"$CSV"
check "source add csv hr" mc "$D" source add csv hr --path "$CSV"
check "a first sync reads the groups" mc "$D" sync
check "group set Staff --key rsa-3072" mc "$D" group set Staff \
    --auto-request on --key rsa-3072 --days 200
check "the plan" mc "$D" sync --dry-run
file_has "$OUT" "^  issue +$N\$" "the plan issues $N"

# Right after the plan is stored, before any action is done.
sync_kill "at the start" "(SELECT count(*) FROM sync_runs) > 0"
is "$(q "SELECT count(*) FROM sync_runs")" 1 "the plan is stored as one run"
d=$(q "SELECT count(*) FROM sync_actions WHERE state = 'done'")
if [ "$d" = 0 ]; then
	ok "killed before any action was done"
else
	skip "killed before any action was done" \
	    "the first action was quicker ($d done)"
fi
consistent "at the start"

sync_kill "after the first" \
    "(SELECT count(*) FROM sync_actions WHERE state = 'done') >= 1"
consistent "after the first"

sync_kill "after about half" \
    "(SELECT count(*) FROM sync_actions WHERE state = 'done') >= $((N / 2))"
consistent "after about half"
num_cmp "$(q "SELECT count(*) FROM sync_actions WHERE state = 'planned'")" \
    -gt 0 "actions were left planned"
is "$(q "SELECT count(*) FROM sync_runs")" 1 \
    "the resumed syncs planned no second run"

check "the sync after the kills" mc "$D" sync --yes --json
cp "$OUT" "$T/final.json"
like "$(jq '.resumed_run' "$T/final.json")" '^[1-9][0-9]*$' \
    "it finished the cut-short run"
consistent "at the end"

# Every user: exactly one valid certificate, and the right one.
mc "$D" cert list --json >"$T/certs.json" 2>/dev/null
is "$(jq 'length' "$T/certs.json")" "$N" "$N certificates in all"
is "$(jq '[.[] | select(.status == "valid")] | length' "$T/certs.json")" "$N" \
    "all valid"
is "$(jq -r '.[].email' "$T/certs.json" | sort -u | wc -l)" "$N" \
    "one certificate for each of the $N addresses"
is "$(jq -r '.[].serial' "$T/certs.json" | sort -u | wc -l)" "$N" \
    "no duplicate serials"
is "$(q "SELECT count(*) FROM (SELECT user_id FROM sync_actions
    WHERE state = 'done' GROUP BY user_id HAVING count(*) = 1)")" "$N" \
    "each user's action was done exactly once"
is "$(q "SELECT count(*) FROM sync_actions WHERE state <> 'done'")" 0 \
    "no action planned or failed"
is "$(q "SELECT count(*) FROM sync_runs WHERE state <> 'done'")" 0 \
    "the run is done"
mc "$D" events list --kind cert.issued --json >"$T/ev.json" 2>/dev/null
is "$(jq -r '.[].serial' "$T/ev.json" | sort | tr '\n' ' ')" \
    "$(jq -r '.[].serial' "$T/certs.json" | sort | tr '\n' ' ')" \
    "one cert.issued event per certificate, none twice"
mc "$D" export chain --format pem -o "$T/chain.pem" >/dev/null 2>&1
split_pem "$T/chain.pem" "$T/ch" >/dev/null
for s in $(jq -r '.[].serial' "$T/certs.json" |
    shuf -n 3 --random-source="$CSV"); do
	mc "$D" export cert "$s" --format pem -o "$T/$s.pem" >/dev/null 2>&1
	check "openssl verify -purpose smimesign $s" openssl verify \
	    -purpose smimesign -CAfile "$T/ch2.pem" -untrusted "$T/ch1.pem" \
	    "$T/$s.pem"
done

check "one more sync" mc "$D" sync --yes
file_has "$OUT" '^nothing to do' "nothing to do"

done_testing
