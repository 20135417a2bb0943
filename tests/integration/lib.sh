# shellcheck shell=bash
#
# lib.sh: what every integration test shares. Sourced by the scripts in
# this directory (one per story); each script runs the mailcert binary
# named by $MAILCERT against real peers (OpenSSL, NSS tools, gpgsm,
# sqlite3) and reports every assertion as one TAP line.
#
#   ok/fail MSG                    count one assertion
#   free_port                      a free TCP port on 127.0.0.1
#   check MSG cmd...               ok when cmd exits 0
#   check_fails MSG cmd...         ok when cmd exits non-zero
#   expect_exit CODE cmd...        ok when cmd exits CODE
#   expect_stderr_match RE cmd...  ok when cmd's stderr matches RE (ERE, any case)
#   expect_user_error RE cmd...    exit 1 + RE on stderr + exactly one line
#   is GOT WANT MSG / like STR RE MSG / unlike STR RE MSG
#   done_testing                   prints the plan, exits 1 if anything failed
#
# T_VERBOSE=1 shows every expected error message as a TAP comment.
# After run/check/expect_*, $RC holds the exit status and the files $OUT and
# $ERR the command's stdout and stderr.
#
# Every test gets its own directory under /tmp with a short name (gpg-agent
# puts its sockets in GNUPGHOME, and sun_path holds 108 bytes), removed on
# exit unless KEEP_TMP is set. Daemons a test starts are registered with
# track_pid and killed by PID on exit.

set -u

if [ -z "${MAILCERT:-}" ]; then
	echo "Bail out! MAILCERT is not set (meson sets it to the binary)"
	exit 1
fi
case "$MAILCERT" in
/*) ;;
*) MAILCERT="$PWD/$MAILCERT" ;;
esac
if [ ! -x "$MAILCERT" ]; then
	echo "Bail out! MAILCERT=$MAILCERT is not an executable"
	exit 1
fi

# Byte-wise matching (UTF-8 names are compared as bytes) and UTC dates.
export LC_ALL=C TZ=UTC
unset MAILCERT_DIR GNUPGHOME

T_NUM=0
T_FAILED=0
T_PIDS=""
T_TMP=$(mktemp -d /tmp/mc.XXXXXX) || {
	echo "Bail out! mktemp failed"
	exit 1
}
OUT="$T_TMP/.out"
ERR="$T_TMP/.err"
RC=0

t_cleanup() {
	local p
	for p in $T_PIDS; do
		kill -TERM "$p" 2>/dev/null
	done
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "# kept $T_TMP"
	else
		rm -rf "$T_TMP"
	fi
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM HUP

# Register a daemon's PID to be killed when the test ends.
track_pid() {
	T_PIDS="$T_PIDS $1"
}

# A TCP port free on 127.0.0.1 right now, for a daemon the test starts.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# Show the last command's output under a failed assertion (first lines only).
diag_last() {
	if [ -s "$ERR" ]; then
		echo "#   stderr:"
		head -n 8 "$ERR" | sed 's/^/#     /'
	fi
	if [ -s "$OUT" ]; then
		echo "#   stdout:"
		head -n 8 "$OUT" | sed 's/^/#     /'
	fi
}

ok() {
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM - $*"
}

fail() {
	T_NUM=$((T_NUM + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_NUM - $*"
}

# An assertion that cannot be made here, with the reason (TAP SKIP).
skip() {
	T_NUM=$((T_NUM + 1))
	echo "ok $T_NUM - $1 # SKIP $2"
}

bail() {
	echo "Bail out! $*"
	exit 1
}

# A command line for messages, with the binary's path shortened.
cmdline() {
	local s="$*"
	s=${s//"$MAILCERT"/mailcert}
	s=${s//"$T_TMP"/\$T}
	printf '%s' "${s:0:160}"
}

# Run cmd with stdin from /dev/null; sets RC, $OUT, $ERR.
run() {
	"$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

# Run cmd with stdin from a file.
run_stdin() {
	local in=$1
	shift
	"$@" >"$OUT" 2>"$ERR" <"$in"
	RC=$?
}

check() {
	local msg=$1
	shift
	run "$@"
	if [ "$RC" -eq 0 ]; then
		ok "$msg"
	else
		fail "$msg"
		diag "  command: $(cmdline "$@")" "  exit status $RC, wanted 0"
		diag_last
	fi
}

check_fails() {
	local msg=$1
	shift
	run "$@"
	if [ "$RC" -ne 0 ]; then
		ok "$msg"
	else
		fail "$msg"
		diag "  command: $(cmdline "$@")" "  exit status 0, wanted non-zero"
		diag_last
	fi
}

expect_exit() {
	local want=$1
	shift
	run "$@"
	if [ "$RC" -eq "$want" ]; then
		ok "exit $want: $(cmdline "$@")"
	else
		fail "exit $want: $(cmdline "$@")"
		diag "  got exit status $RC"
		diag_last
	fi
}

expect_stderr_match() {
	local re=$1
	shift
	run "$@"
	if grep -Eiq -- "$re" "$ERR"; then
		ok "stderr ~ /$re/: $(cmdline "$@")"
	else
		fail "stderr ~ /$re/: $(cmdline "$@")"
		diag "  exit status $RC"
		diag_last
	fi
}

# A user error: exit status 1 and a one-line message matching re.
expect_user_error() {
	local re=$1 c
	shift
	c=$(cmdline "$@")
	run "$@"
	if [ "$RC" -eq 1 ]; then
		ok "exit 1: $c"
	else
		fail "exit 1: $c"
		diag "  got exit status $RC"
		diag_last
	fi
	[ -n "${T_VERBOSE:-}" ] && diag "  stderr: $(head -c 300 "$ERR")"
	if grep -Eiq -- "$re" "$ERR"; then
		ok "  message names the problem /$re/"
	else
		fail "  message names the problem /$re/"
		diag_last
	fi
	if [ "$(wc -l <"$ERR")" -eq 1 ]; then
		ok "  message is one line"
	else
		fail "  message is one line"
		diag "  stderr has $(wc -l <"$ERR") lines"
		diag_last
	fi
}

is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		fail "$3"
		diag "  got:  '${1:0:300}'" "  want: '${2:0:300}'"
	fi
}

isnt() {
	if [ "$1" != "$2" ]; then
		ok "$3"
	else
		fail "$3"
		diag "  both: '${1:0:300}'"
	fi
}

like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		fail "$3"
		diag "  '${1:0:400}'" "  does not match /$2/"
	fi
}

unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		fail "$3"
		diag "  '${1:0:400}'" "  matches /$2/"
	else
		ok "$3"
	fi
}

# Integer comparison: num_cmp A OP B MSG, OP one of -eq -ne -lt -le -gt -ge.
num_cmp() {
	if test "$1" "$2" "$3" 2>/dev/null; then
		ok "$4"
	else
		fail "$4"
		diag "  wanted: $1 $2 $3"
	fi
}

file_has() {
	if grep -Eq -- "$2" "$1" 2>/dev/null; then
		ok "$3"
	else
		fail "$3"
		diag "  /$2/ not in $(cmdline "$1")"
		[ -f "$1" ] && head -n 8 "$1" | sed 's/^/#     /'
	fi
}

done_testing() {
	echo "1..$T_NUM"
	echo "# $((T_NUM - T_FAILED)) passed, $T_FAILED failed"
	[ "$T_FAILED" -eq 0 ]
	exit $?
}

# --- mailcert -------------------------------------------------------------

# mc DIR ARGS...: mailcert against data directory DIR.
mc() {
	local d=$1
	shift
	"$MAILCERT" --dir "$d" "$@"
}

# Issue a certificate; print its serial, or nothing (and fail) on error.
# issue_cert DIR ARGS... (ARGS go after `cert issue`).
issue_cert() {
	local d=$1
	shift
	if "$MAILCERT" --dir "$d" cert issue "$@" >"$T_TMP/.iss" \
	    2>"$T_TMP/.isserr" </dev/null; then
		head -n 1 "$T_TMP/.iss"
	else
		echo "# cert issue $* failed: $(head -n 3 "$T_TMP/.isserr")" >&2
	fi
}

# --- certificates ---------------------------------------------------------

# Split a PEM bundle into PREFIX1.pem, PREFIX2.pem, ...; print the count.
split_pem() {
	awk -v p="$2" '
	/-----BEGIN CERTIFICATE-----/ { n++; f = p n ".pem" }
	f != "" { print > f }
	/-----END CERTIFICATE-----/ { close(f); f = "" }
	END { print n + 0 }' "$1"
}

pem_count() {
	grep -c -- '-----BEGIN CERTIFICATE-----' "$1" 2>/dev/null || true
}

# SHA-256 fingerprint of a certificate (PEM, or DER with "der" as $2).
fpr() {
	openssl x509 -inform "${2:-PEM}" -in "$1" -noout -fingerprint -sha256 \
	    2>/dev/null | cut -d= -f2
}

sha1_fpr() {
	openssl x509 -in "$1" -noout -fingerprint -sha1 2>/dev/null | cut -d= -f2
}

# SHA-256 of a certificate's public key (SubjectPublicKeyInfo DER).
cert_spki_hash() {
	openssl x509 -in "$1" -noout -pubkey 2>/dev/null |
	    openssl pkey -pubin -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1
}

key_spki_hash() {
	openssl pkey -in "$1" -pubout -outform DER 2>/dev/null |
	    sha256sum | cut -d' ' -f1
}

# The lines of one extension in `openssl x509 -text`: the header line
# ("X509v3 Key Usage: critical") then its value lines, trimmed.
# ext_block FILE NAME
ext_block() {
	openssl x509 -in "$1" -noout -text 2>/dev/null | text_block "$2"
}

# The same for any `openssl ... -text` output on stdin: text_block NAME
text_block() {
	awk -v name="$1" '
	function indent(s) { match(s, /^ */); return RLENGTH }
	on && indent($0) <= hdr { exit }
	on { sub(/^ +/, ""); sub(/ +$/, ""); print; next }
	{ t = $0; sub(/^ +/, "", t) }
	index(t, name ":") == 1 { on = 1; hdr = indent($0); sub(/ +$/, "", t); print t }'
}

# The header line of an extension, "" if absent.
ext_header() {
	ext_block "$1" "$2" | head -n 1
}

# The value lines of an extension.
ext_value() {
	ext_block "$1" "$2" | tail -n +2
}

# Seconds since the epoch of an OpenSSL date ("Mar  1 12:00:00 2026 GMT").
to_epoch() {
	date -u -d "$1" +%s
}

not_before() {
	to_epoch "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)"
}

not_after() {
	to_epoch "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)"
}

# The DER, as hex, of field IDX (1-based) of a certificate's tbsCertificate:
# 1 version, 2 serial, 3 signature, 4 issuer, 5 validity, 6 subject,
# 7 subjectPublicKeyInfo, 8 extensions. tbs_field_hex FILE IDX
tbs_field_hex() {
	local f=$1 idx=$2 der="$T_TMP/.tbs.der" line off hl len
	openssl x509 -in "$f" -outform DER -out "$der" 2>/dev/null || return 1
	line=$(openssl asn1parse -inform DER -in "$der" 2>/dev/null |
	    awk '/d=2 /' | sed -n "${idx}p")
	off=$(printf '%s' "$line" | sed -n 's/^ *\([0-9]*\):.*/\1/p')
	hl=$(printf '%s' "$line" | sed -n 's/.*hl= *\([0-9]*\).*/\1/p')
	len=$(printf '%s' "$line" | sed -n 's/.*l= *\([0-9]*\) .*/\1/p')
	[ -n "$off" ] && [ -n "$hl" ] && [ -n "$len" ] || return 1
	tail -c +$((off + 1)) "$der" | head -c $((hl + len)) | od -An -tx1 |
	    tr -d ' \n'
}

# The OIDs (as OpenSSL names them) of a certificate's extensions, in order,
# one a line: the OBJECTs at depth 5 after the [3] tag of tbsCertificate.
ext_oids() {
	openssl asn1parse -in "$1" 2>/dev/null | awk '
	/d=2 .*cont \[ 3 \]/ { on = 1; next }
	on && /d=[0-2] / { on = 0 }
	on && /d=5 .*prim: OBJECT/ { sub(/.*:/, ""); print }'
}

# A serial in the one form we compare: uppercase hex, no leading zeros.
norm_serial() {
	printf '%s' "$1" | tr 'a-f' 'A-F' | sed 's/^0*//'
}

cert_serial() {
	norm_serial "$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)"
}

# A throwaway self-signed root made by OpenSSL (not by mailcert), for
# negative checks: make_foreign_root OUT_PREFIX
make_foreign_root() {
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1.key" -out "$1.pem" -days 30 \
	    -subj "/C=XX/O=Elsewhere/CN=Foreign Root" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1
}

# The dump of a data directory's store without its audit log, which every
# mutating command appends to, refused or not (docs/audit.md). store_dump DIR
store_dump() {
	sqlite3 "$1/mailcert.db" .dump 2>&1 |
	    grep -Ev '^INSERT INTO "?audit"? |audit\.head'
}

# Snapshot of a data directory's store: the dump of the SQLite database
# (without the audit log) and `cert list --json`, hashed. store_state DIR
store_state() {
	local d=$1
	{
		store_dump "$d"
		"$MAILCERT" --dir "$d" cert list --json 2>&1 </dev/null
	} | sha256sum | cut -d' ' -f1
}

# --- JSON (no jq on a fresh machine) -----------------------------------------
# The objects of a flat JSON array (no braces inside values), one a line.
json_objects() {
	tr -d '\n' <"$1" | sed -e 's/^[[:space:]]*\[[[:space:]]*//' \
	    -e 's/[[:space:]]*\][[:space:]]*$//' \
	    -e 's/}[[:space:]]*,[[:space:]]*{/}\n{/g'
	echo
}

# The object of a JSON array whose "serial" is $2.
json_object_by_serial() {
	json_objects "$1" | grep -E "\"serial\":[[:space:]]*\"$2\"" | head -n 1
}

# A member of a one-line JSON object: a string's text, or a number/literal.
json_field() {
	local v
	v=$(printf '%s' "$1" |
	    sed -n "s/.*\"$2\":[[:space:]]*\"\\([^\"]*\\)\".*/\\1/p")
	if [ -z "$v" ]; then
		v=$(printf '%s' "$1" |
		    sed -n "s/.*\"$2\":[[:space:]]*\\([-0-9a-z.][-0-9a-zA-Z.+]*\\).*/\\1/p")
	fi
	printf '%s' "$v"
}

# An extension as DER, from asn1parse: "critical HEX" or "- HEX" (HEX is
# the extnValue's content, uppercase), nothing if absent. ext_der FILE NAME
ext_der() {
	openssl asn1parse -in "$1" 2>/dev/null | awk -v name="$2" '
	/d=2 .*cont \[ 3 \]/ { on = 1; next }
	on && /d=[0-2] / { on = 0 }
	!on { next }
	/d=5 .*prim: OBJECT/ { o = $0; sub(/.*:/, "", o); cur = (o == name); crit = "-"; next }
	cur && /d=5 .*prim: BOOLEAN/ { if ($0 ~ /:255 *$/) crit = "critical"; next }
	cur && /d=5 .*prim: OCTET STRING/ { h = $0; sub(/.*:/, "", h); print crit, h; exit }'
}

# Uppercase hex of a string's bytes.
hexstr() {
	printf '%s' "$1" | od -An -tx1 | tr -d ' \n' | tr 'a-f' 'A-F'
}
