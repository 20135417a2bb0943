# shellcheck shell=bash
#
# lib-slapd.sh: a throwaway OpenLDAP slapd for the directory tests
# (../shared/recipes/01-slapd.md), sourced after lib.sh. One server per
# call of slapd_start*, on 127.0.0.1, under the suffix dc=example,dc=org,
# with the schema of ldap-fixture.py (an AD-like proxyAddresses and
# objectGUID) next to core, cosine and inetorgperson.
#
#   slapd_free_port                 print a free loopback TCP port
#   slapd_start DIR PORT            start a server holding only the suffix
#                                   entry and the reader (DIR is created)
#   slapd_start_with DIR PORT LDIF  slapadd LDIF offline, then start: much
#                                   faster than ldapadd for many entries,
#                                   and without schema checks (users with
#                                   no sn, as AD has them)
#   slapd_load LDIF                 ldapadd LDIF as the rootdn (entries
#                                   added while the server runs; the
#                                   fixture's LDIF has the suffix entry,
#                                   so it goes through slapd_start_with)
#   slapd_tls DIR LDAPS_PORT        before a start: make a CA and a server
#                                   certificate for 127.0.0.1, so the
#                                   server offers StartTLS and listens for
#                                   ldaps:// on LDAPS_PORT too; sets
#                                   SLAPD_CA (the CA, PEM) and
#                                   SLAPD_LDAPS_URL
#   slapd_stop                      stop the server, wait until it is gone
#
# After a start: SLAPD_URL, SLAPD_PID, SLAPD_DIR. Two accounts bind:
# SLAPD_ROOTDN (password SLAPD_ROOTPW) is above every limit, and
# SLAPD_READER (password SLAPD_READER_PW, also in the file
# SLAPD_READER_PWFILE) is an ordinary account: for it a search returns at
# most 1000 entries unless it pages (size.prtotal unlimited), as Active
# Directory's MaxPageSize does, so a reader that does not page fails.

SLAPD_SUFFIX="dc=example,dc=org"
SLAPD_ROOTDN="cn=admin,$SLAPD_SUFFIX"
SLAPD_ROOTPW=secret
SLAPD_READER="cn=reader,$SLAPD_SUFFIX"
SLAPD_READER_PW="reader pass"
SLAPD_URL=""
SLAPD_PID=""
SLAPD_DIR=""
SLAPD_READER_PWFILE=""
SLAPD_CA=""
SLAPD_LDAPS_URL=""
SLAPD_FIXTURE="$(dirname "${BASH_SOURCE[0]}")/ldap-fixture.py"

command -v slapd >/dev/null || [ -x /usr/sbin/slapd ] ||
    bail "slapd not installed (scripts/deps.sh)"
command -v ldapsearch >/dev/null || bail "ldap-utils not installed"

slapd_free_port() {
	/usr/bin/python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# Write DIR/slapd.conf and the reader's password file.
slapd_conf() {
	local dir=$1 hash
	mkdir -p "$dir/db" || return 1
	python3 "$SLAPD_FIXTURE" schema >"$dir/mailcert-test.schema" || return 1
	hash=$(/usr/sbin/slappasswd -s "$SLAPD_READER_PW") || return 1
	printf '%s\n' "$SLAPD_READER_PW" >"$dir/reader.pw"
	SLAPD_READER_PWFILE="$dir/reader.pw"
	cat >"$dir/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include $dir/mailcert-test.schema
pidfile $dir/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb

database mdb
maxsize 1073741824
suffix "$SLAPD_SUFFIX"
rootdn "$SLAPD_ROOTDN"
rootpw $SLAPD_ROOTPW
directory $dir/db
# At most 1000 entries per search, but any number through paging.
sizelimit size.soft=1000 size.hard=1000 size.prtotal=unlimited
access to attrs=userPassword
	by anonymous auth
	by * none
access to *
	by * read
EOF
	if [ -f "$dir/tls/server.pem" ]; then
		cat >>"$dir/slapd.conf" <<EOF
TLSCACertificateFile $dir/tls/ca.pem
TLSCertificateFile $dir/tls/server.pem
TLSCertificateKeyFile $dir/tls/server.key
EOF
	fi
	/usr/sbin/slaptest -Q -u -f "$dir/slapd.conf"
}

# The reader account, as LDIF (slapadd needs it in the same file).
slapd_reader_ldif() {
	printf '%s\n' "dn: $SLAPD_READER" "objectClass: organizationalRole" \
	    "objectClass: simpleSecurityObject" "cn: reader" \
	    "userPassword: $(/usr/sbin/slappasswd -s "$SLAPD_READER_PW")" ""
}

# Start slapd on DIR's config and wait until it answers (5 s at most).
slapd_run() {
	local dir=$1 port=$2 i urls
	SLAPD_DIR=$dir
	SLAPD_URL="ldap://127.0.0.1:$port"
	urls="$SLAPD_URL/"
	[ -f "$dir/tls/server.pem" ] && urls="$urls $SLAPD_LDAPS_URL/"
	/usr/sbin/slapd -d 0 -f "$dir/slapd.conf" -h "$urls" \
	    >"$dir/slapd.log" 2>&1 </dev/null &
	SLAPD_PID=$!
	track_pid "$SLAPD_PID"
	for i in $(seq 1 50); do
		if ldapsearch -x -H "$SLAPD_URL" -s base -b "" namingContexts \
		    >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$SLAPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# slapd did not start; its log:" >&2
	sed 's/^/#   /' "$dir/slapd.log" >&2
	return 1
}

slapd_start() {
	local dir=$1 port=$2
	slapd_conf "$dir" || return 1
	slapd_run "$dir" "$port" || return 1
	{
		printf '%s\n' "dn: $SLAPD_SUFFIX" "objectClass: dcObject" \
		    "objectClass: organization" "o: Example" "dc: example" ""
		slapd_reader_ldif
	} >"$dir/base.ldif"
	slapd_load "$dir/base.ldif"
}

slapd_start_with() {
	local dir=$1 port=$2 ldif=$3
	slapd_conf "$dir" || return 1
	# -q: no consistency checks, -s: no schema checks (fast, and AD-like
	# entries without the attributes inetOrgPerson demands).
	if ! { cat "$ldif"; slapd_reader_ldif; } | /usr/sbin/slapadd -q -s \
	    -f "$dir/slapd.conf" >"$dir/slapadd.log" 2>&1; then
		sed 's/^/#   /' "$dir/slapadd.log" >&2
		return 1
	fi
	slapd_run "$dir" "$port"
}

slapd_tls() {
	local t=$1/tls
	mkdir -p "$t" || return 1
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$t/ca.key" -out "$t/ca.pem" -days 2 \
	    -subj "/CN=Test LDAP CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign" >/dev/null 2>&1 &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$t/server.key" -out "$t/server.csr" \
	    -subj "/CN=127.0.0.1" >/dev/null 2>&1 &&
	printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
	    >"$t/ext" &&
	openssl x509 -req -in "$t/server.csr" -CA "$t/ca.pem" \
	    -CAkey "$t/ca.key" -CAcreateserial -days 2 -extfile "$t/ext" \
	    -out "$t/server.pem" >/dev/null 2>&1 || return 1
	SLAPD_CA=$t/ca.pem
	SLAPD_LDAPS_URL="ldaps://127.0.0.1:$2"
}

slapd_load() {
	ldapadd -x -H "$SLAPD_URL" -D "$SLAPD_ROOTDN" -w "$SLAPD_ROOTPW" \
	    -f "$1" >/dev/null
}

slapd_stop() {
	local i
	[ -n "$SLAPD_PID" ] || return 0
	kill -TERM "$SLAPD_PID" 2>/dev/null
	for i in $(seq 1 50); do
		kill -0 "$SLAPD_PID" 2>/dev/null || break
		sleep 0.1
	done
	SLAPD_PID=""
}
