#!/usr/bin/env bash
#
# dashboard.sh: the dashboard (/ui/) served by a real `mailcert serve`,
# first over HTTP with curl (redirects, CSP and anti-framing headers,
# ETag revalidation, 404, 405, HEAD), then in Debian's headless Chromium
# driven by playwright-core (tests/ui/dashboard.mjs): sign in, the
# overview's numbers against /overview, a user searched by name with the
# keyboard, their certificate revoked as operator (and `cert show` agrees),
# a viewer's revoke refused with the API's 403 message, a 401 back to the
# sign-in, no sideways scrolling at 360 px. Screenshots go to
# BUILD/meson-logs/dashboard (or $MAILCERT_UI_OUT).
#
# playwright-core comes from npm (`npm ci` with the committed lock file)
# into a cache outside the source tree, reused while the lock file is
# unchanged; set MAILCERT_UI_NODE_DIR to use another directory. No
# browser is ever downloaded: the test drives /usr/bin/chromium.

. "$(dirname "$0")/lib.sh"

T=$T_TMP
D=$T/mc
SRC=$(cd "$(dirname "$0")/../.." && pwd)
UIT=$SRC/tests/ui

command -v node >/dev/null || bail "node not installed (scripts/deps.sh)"
command -v npm >/dev/null || bail "npm not installed (scripts/deps.sh)"
CHROMIUM=/usr/lib/chromium/chromium
[ -x "$CHROMIUM" ] || bail "chromium not installed (scripts/deps.sh)"

free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# --- playwright-core ---------------------------------------------------------

lock_id=$(sha256sum "$UIT/package-lock.json" | cut -c1-16)
NODE_DIR=${MAILCERT_UI_NODE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mailcert/ui-test-$lock_id}
if [ ! -f "$NODE_DIR/node_modules/playwright-core/package.json" ]; then
	# Installed aside and moved into place, so that a run in parallel
	# never sees half an installation.
	mkdir -p "$(dirname "$NODE_DIR")"
	tmp=$(mktemp -d "$NODE_DIR.tmp.XXXXXX") || bail "mktemp failed"
	cp "$UIT/package.json" "$UIT/package-lock.json" "$tmp/"
	if ! (cd "$tmp" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci \
	    --ignore-scripts --no-audit --no-fund) >"$T/npm.log" 2>&1; then
		sed 's/^/# /' "$T/npm.log" | tail -n 20
		rm -rf "$tmp"
		bail "npm ci of tests/ui failed (is the npm registry reachable?)"
	fi
	mv -T "$tmp" "$NODE_DIR" 2>/dev/null || rm -rf "$tmp"
fi
diag "playwright-core from $NODE_DIR"

# --- a data directory like `make run` -----------------------------------------------

PORT=$(free_port)
BASE=http://127.0.0.1:$PORT
check "init" mc "$D" init --org "Example Org" --base-url "$BASE"
check "source add csv examples" mc "$D" source add csv examples \
    --path "$SRC/examples/users.csv"
check "domain add example.org --assert" mc "$D" domain add example.org --assert
check "sync reads the groups" mc "$D" sync --yes
check "group staff auto-request" mc "$D" group set staff --auto-request on
check "sync issues the staff's certificates" mc "$D" sync --yes

token() {	# token ROLE: a new token's secret
	"$MAILCERT" --dir "$D" token create --name "dash-$1" --role "$1" \
	    </dev/null 2>"$T/token.err" | grep -o 'mct_[A-Za-z0-9_-]*' | head -n 1
}
ADMIN=$(token admin)
OPERATOR=$(token operator)
VIEWER=$(token viewer)
like "$ADMIN $OPERATOR $VIEWER" '^mct_[^ ]+ mct_[^ ]+ mct_[^ ]+$' \
    "tokens for admin, operator and viewer"

"$MAILCERT" --dir "$D" serve --listen "127.0.0.1:$PORT" \
    >"$T/serve.out" 2>"$T/serve.log" </dev/null &
SERVE=$!
track_pid "$SERVE"
for _ in $(seq 300); do
	curl -fsS -o /dev/null "$BASE/healthz" 2>/dev/null && break
	kill -0 "$SERVE" 2>/dev/null || break
	sleep 0.1
done
if ! curl -fsS -o /dev/null "$BASE/healthz"; then
	sed 's/^/# /' "$T/serve.log" | tail -n 20
	bail "mailcert serve did not come up on $BASE"
fi
ok "mailcert serve listens on $BASE"

# --- the files, over HTTP -------------------------------------------------------

# hdr FILE NAME: a response header's value (last response in FILE).
hdr() {
	tr -d '\r' <"$1" | sed -n "s/^$2: *//Ip" | tail -n 1
}
# get ARGS...: curl, headers to $T/h, body to $T/b, status printed.
get() {
	# curl writes no file for an empty body.
	rm -f "$T/b"
	touch "$T/b"
	curl -sS -o "$T/b" -D "$T/h" -w '%{http_code}' "$@"
}

is "$(get "$BASE/")" 302 "/ answers 302"
is "$(hdr "$T/h" Location)" /ui/ "  to /ui/"
is "$(get "$BASE/ui")" 302 "/ui answers 302"
is "$(hdr "$T/h" Location)" /ui/ "  to /ui/"
is "$(get "$BASE/ui/")" 200 "/ui/ answers 200"
is "$(hdr "$T/h" Content-Type)" "text/html; charset=utf-8" "  as HTML"
cmp -s "$T/b" "$SRC/ui/index.html" && ok "  ui/index.html, byte for byte" ||
    fail "  ui/index.html, byte for byte"
is "$(hdr "$T/h" Content-Security-Policy)" "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'" \
    "  with the Content-Security-Policy"
is "$(hdr "$T/h" X-Frame-Options)" DENY "  X-Frame-Options: DENY"
is "$(hdr "$T/h" Cache-Control)" no-cache "  Cache-Control: no-cache"
ETAG=$(hdr "$T/h" ETag)
like "$ETAG" '^"[0-9a-f]{16,}"$' "  a strong ETag"
is "$(get -H "If-None-Match: $ETAG" "$BASE/ui/")" 304 \
    "If-None-Match with that ETag: 304"
is "$(wc -c <"$T/b")" 0 "  without a body"
is "$(get -H "If-None-Match: \"x\", W/$ETAG" "$BASE/ui/index.html")" 304 \
    "a list with the weak form of the ETag: 304"
is "$(get -H 'If-None-Match: "0000"' "$BASE/ui/")" 200 \
    "another ETag: 200"
is "$(get "$BASE/ui/app.js")" 200 "/ui/app.js answers 200"
is "$(hdr "$T/h" Content-Type)" "text/javascript; charset=utf-8" \
    "  as JavaScript"
isnt "$(hdr "$T/h" ETag)" "$ETAG" "  with its own ETag"
is "$(get "$BASE/ui/style.css")" 200 "/ui/style.css answers 200"
is "$(hdr "$T/h" Content-Type)" "text/css; charset=utf-8" "  as CSS"
is "$(get -I "$BASE/ui/app.js")" 200 "HEAD /ui/app.js answers 200"
is "$(hdr "$T/h" Content-Length)" "$(wc -c <"$SRC/ui/app.js")" \
    "  with the file's length"
is "$(get "$BASE/ui/nope.js")" 404 "an unknown file: 404"
is "$(hdr "$T/h" X-Frame-Options)" DENY "  also with X-Frame-Options"
is "$(get --path-as-is "$BASE/ui/../mailcert.conf")" 404 \
    "/ui/../mailcert.conf: 404"
is "$(get --path-as-is "$BASE/ui/%2e%2e/mailcert.conf")" 404 \
    "/ui/%2e%2e/mailcert.conf: 404"
is "$(get -X POST -d x "$BASE/ui/")" 405 "POST /ui/: 405"
is "$(hdr "$T/h" Allow)" "GET, HEAD" "  Allow: GET, HEAD"
is "$(get -X DELETE "$BASE/")" 405 "DELETE /: 405"

# --- in the browser -------------------------------------------------------------

OUTDIR=${MAILCERT_UI_OUT:-${MESON_BUILD_ROOT:-$(dirname "$MAILCERT")}/meson-logs/dashboard}
mkdir -p "$OUTDIR" || bail "cannot create $OUTDIR"
rm -f "$OUTDIR"/*.png
diag "screenshots go to $OUTDIR"

MC_BASE=$BASE MC_ADMIN=$ADMIN MC_OPERATOR=$OPERATOR MC_VIEWER=$VIEWER \
    MC_SEARCH=Dupont MC_OUT=$OUTDIR MC_NODE_DIR=$NODE_DIR \
    MC_CHROMIUM=$CHROMIUM timeout 300 node "$UIT/dashboard.mjs" \
    >"$T/node.out" 2>"$T/node.err" </dev/null
NODE_RC=$?
SERIAL=
# dashboard.mjs numbers its own checks; they are counted again here.
while IFS= read -r line; do
	case $line in
	"ok "*) ok "${line#ok * - }" ;;
	"not ok "*) fail "${line#not ok * - }" ;;
	"# revoked "*) SERIAL=${line#\# revoked }; echo "$line" ;;
	"Bail out!"*) fail "dashboard.mjs: ${line#Bail out! }" ;;
	"1.."*) ;;
	*) echo "# $line" ;;
	esac
done <"$T/node.out"
is "$NODE_RC" 0 "dashboard.mjs exits 0"
if [ "$NODE_RC" -ne 0 ] && [ -s "$T/node.err" ]; then
	sed 's/^/# /' "$T/node.err" | tail -n 20
fi

if [ -n "$SERIAL" ]; then
	check "cert show $SERIAL" mc "$D" cert show "$SERIAL"
	file_has "$OUT" '^status: *revoked' \
	    "  the certificate revoked in the browser is revoked"
else
	fail "the browser revoked a certificate"
fi
for s in overview users certificate domains audit narrow; do
	if [ "$(file -b "$OUTDIR/$s.png" 2>/dev/null | cut -d, -f1)" = \
	    "PNG image data" ]; then
		ok "screenshot $s.png"
	else
		fail "screenshot $s.png"
	fi
done
kill -0 "$SERVE" 2>/dev/null && ok "the daemon is still running" ||
    fail "the daemon is still running"

done_testing
