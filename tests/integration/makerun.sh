#!/bin/bash
# makerun.sh: `make run` on a fresh checkout reaches a running daemon whose
# API and dashboard show the sample users, and the printed token works.
# scripts/run.sh runs in a scratch working directory (it writes var/
# there), with the daemon on a free port.
. "$(dirname "$0")/lib.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(dirname "$MAILCERT")
PORT=$(free_port)
W="$T_TMP/w"
mkdir -p "$W/examples" "$W/scripts"
cp "$SRC/examples/users.csv" "$W/examples/"
cd "$W" || exit 1

MAILCERT_DIR="$W/var/mailcert" MAILCERT_LISTEN="127.0.0.1:$PORT" \
    sh "$SRC/scripts/run.sh" "$BUILD" >"$T_TMP/run.out" 2>"$T_TMP/run.err" &
RUN_PID=$!
track_pid "$RUN_PID"
up=0
for _ in $(seq 1 600); do
	if curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null; then
		up=1
		break
	fi
	kill -0 "$RUN_PID" 2>/dev/null || break
	sleep 0.1
done
is "$up" 1 "make run reaches a daemon answering /healthz"
[ "$up" = 1 ] || { cat "$T_TMP/run.err" >&2; done_testing; }

URL=$(sed -n 's/^ *dashboard *\(http[^ ]*\)$/\1/p' "$T_TMP/run.out")
TOKEN=$(sed -n 's/^ *admin token *\(mct_[A-Za-z0-9_-]*\)$/\1/p' "$T_TMP/run.out")
is "$URL" "http://127.0.0.1:$PORT/ui/" "it prints the dashboard URL"
like "$TOKEN" '^mct_[A-Za-z0-9_-]{43}$' "it prints an admin token"
check "the dashboard page is served" curl -fsS -o "$T_TMP/ui.html" "$URL"
like "$(cat "$T_TMP/ui.html")" '<html' "the dashboard is HTML"

auth=(-H "Authorization: Bearer $TOKEN")
check "the token signs in to the API" curl -fsS "${auth[@]}" -o "$T_TMP/me.json" \
    "http://127.0.0.1:$PORT/api/v1/me"
is "$(jq -r .role "$T_TMP/me.json")" admin "the printed token is an admin's"
curl -fsS "${auth[@]}" -o "$T_TMP/users.json" \
    "http://127.0.0.1:$PORT/api/v1/users?limit=500"
want=$(tail -n +2 "$SRC/examples/users.csv" | cut -d, -f2 | sort)
is "$(jq -r '.items[].email' "$T_TMP/users.json" | sort)" "$want" \
    "the API lists exactly the sample users"
staff=$(cut -d, -f5 "$SRC/examples/users.csv" | grep -c -w staff)
is "$(curl -fsS "${auth[@]}" "http://127.0.0.1:$PORT/api/v1/certificates?state=valid&limit=500" |
    jq '[.items[].email] | unique | length')" "$staff" \
    "every staff member holds a valid certificate"

# The sync ran from the CLI before the daemon started; the overview and
# /metrics still know when it last succeeded.
like "$(curl -fsS "${auth[@]}" "http://127.0.0.1:$PORT/api/v1/overview" |
    jq -r .sync.last_success)" '^20[0-9-]+T[0-9:]+Z$' \
    "the overview shows the last sync, run before the daemon started"
like "$(curl -fsS "http://127.0.0.1:$PORT/metrics")" \
    'mailcert_sync_last_success_timestamp_seconds [0-9]+' \
    "so does /metrics"

kill -TERM "$RUN_PID"
rc=0
wait "$RUN_PID" || rc=$?
is "$rc" 0 "SIGTERM stops the daemon with exit 0"
done_testing
