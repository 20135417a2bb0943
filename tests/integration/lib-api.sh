# shellcheck shell=bash
#
# lib-api.sh: what the /api/v1 tests (api.sh, api-scope.sh,
# api-badinput.sh) share, sourced after lib.sh: a data directory whose
# daemon listens on a free loopback port, tokens made by the CLI, and one
# request helper.
#
#   api_setup DIR          init DIR (ec-p384 CA) for a daemon on a free port
#   api_serve DIR          start `mailcert serve` on it, wait for /healthz
#   api_token DIR NAME ROLE [GROUPS]   print a new token's secret
#   api METHOD PATH TOKEN [BODY]       print the status; body in $AOUT,
#                                      headers in $HDR (PATH below /api/v1,
#                                      passed as is: no ../ folding)
#   hdr NAME               a header of the last answer, without CR
#   jqo FILTER             jq -r FILTER on the last answer
#   alive                  ok when the daemon still answers /healthz
#   db_snapshot DIR        hash of the certs, users, groups, domains and
#                          tokens tables (tokens without last_used_at)

command -v jq >/dev/null || bail "jq not installed (scripts/deps.sh)"
command -v curl >/dev/null || bail "curl not installed (scripts/deps.sh)"
command -v sqlite3 >/dev/null || bail "sqlite3 not installed"

HDR=$T_TMP/.hdr
AOUT=$T_TMP/.api
API_PORT=""
API_B=""
API_LOG=$T_TMP/serve.log
SERVE_PID=""

api_setup() {	# api_setup DIR
	API_PORT=$(free_port)
	[ -n "$API_PORT" ] || bail "no free port"
	API_B=http://127.0.0.1:$API_PORT
	mc "$1" init --org "API Test" --base-url "$API_B" --ca-key ec-p384 \
	    >/dev/null 2>"$ERR" || bail "init failed: $(head -3 "$ERR")"
	sed -i "s/^listen = .*/listen = 127.0.0.1:$API_PORT/; s/^stop_seconds = .*/stop_seconds = 5/; s/^sync_interval = .*/sync_interval = 0/" \
	    "$1/mailcert.conf"
}

api_serve() {	# api_serve DIR
	local i
	"$MAILCERT" --dir "$1" serve >"$T_TMP/serve.out" 2>"$API_LOG" \
	    </dev/null &
	SERVE_PID=$!
	track_pid "$SERVE_PID"
	for i in $(seq 300); do
		if curl -s -o /dev/null --max-time 2 "$API_B/healthz"; then
			return 0
		fi
		kill -0 "$SERVE_PID" 2>/dev/null ||
		    bail "mailcert serve died: $(head -5 "$API_LOG")"
		sleep 0.1
	done
	bail "mailcert serve did not come up: $(head -5 "$API_LOG")"
}

api_token() {	# api_token DIR NAME ROLE [GROUPS]
	local g=()
	[ -n "${4:-}" ] && g=(--groups "$4")
	"$MAILCERT" --dir "$1" token create --name "$2" --role "$3" "${g[@]}" \
	    2>"$ERR" </dev/null | grep -Eo 'mct_[A-Za-z0-9_-]{43}' | head -n 1
}

api() {	# api METHOD PATH TOKEN [BODY]
	local a=()
	[ -n "$3" ] && a+=(-H "Authorization: Bearer $3")
	[ $# -ge 4 ] && a+=(-H 'Content-Type: application/json' \
	    --data-binary "$4")
	curl -sS --path-as-is --max-time 30 -X "$1" -o "$AOUT" -D "$HDR" \
	    -w '%{http_code}' "${a[@]}" "$API_B/api/v1$2" 2>"$ERR"
}

hdr() {
	grep -i "^$1:" "$HDR" | head -n 1 | cut -d' ' -f2- | tr -d '\r'
}

jqo() {
	jq -r "$1" "$AOUT" 2>/dev/null
}

alive() {
	if kill -0 "$SERVE_PID" 2>/dev/null &&
	    curl -s -o /dev/null --max-time 5 "$API_B/healthz"; then
		ok "${1:-the daemon is still alive}"
	else
		fail "${1:-the daemon is still alive}"
		tail -n 5 "$API_LOG" | sed 's/^/#   /'
	fi
}

db_snapshot() {	# db_snapshot DIR
	sqlite3 "$1/mailcert.db" "SELECT * FROM certs ORDER BY id;
	    SELECT * FROM users ORDER BY id;
	    SELECT * FROM groups ORDER BY id;
	    SELECT * FROM domains ORDER BY name;
	    SELECT id, name, role, groups, hash, created_at, expires_at,
	        revoked_at FROM tokens ORDER BY id;" | sha256sum | cut -d' ' -f1
}
