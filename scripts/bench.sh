#!/bin/sh
# `make bench`: issuance throughput with server-side key generation, side
# by side in one run: mailcert (worker pool, every certificate durably
# stored), the limit (a plain C loop of the same key generation and
# signing on the same threads, no store), and a shell loop of
# `openssl req -newkey` + `openssl x509 -req` (one loop per core).
# mailcert and the limit run three alternating rounds each; the table
# shows medians. Then the peak RSS of issuing 10,000 ec-p256 certificates,
# and the sync of 10,000 directory users (bench/bench-sync.sh).
# BENCH_SCALE multiplies the counts (default 1).
set -eu
BUILD=${1:-build}
BIN="$BUILD/mailcert"
B="$BUILD/bench/bench-issue"
T=$(nproc)
S=${BENCH_SCALE:-1}
W=$(mktemp -d /tmp/mcb.XXXXXX)
trap 'rm -rf "$W"' EXIT

"$BIN" --dir "$W/mc" init --org Bench --base-url http://127.0.0.1:8080 >/dev/null
# The shell loop signs with an openssl-made CA of the same key type.
openssl req -x509 -newkey rsa:4096 -nodes -keyout "$W/ca.key" -out "$W/ca.pem" \
    -subj "/C=DE/O=Bench/CN=Bench Shell CA" -days 3650 2>/dev/null
cat >"$W/ext.cnf" <<EXT
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = emailProtection
certificatePolicies = 2.23.140.1.5.1.3
authorityKeyIdentifier = keyid:always
subjectKeyIdentifier = hash
crlDistributionPoints = URI:http://127.0.0.1:8080/crl/issuing-1.crl
authorityInfoAccess = caIssuers;URI:http://127.0.0.1:8080/ca/issuing-1.crt
EXT

now() { date +%s.%N; }
rate() { echo "$1 $2 $3" | awk '{ printf "%.1f", $1 / ($3 - $2) }'; }
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

shell_loop() { # KEYSPEC COUNT TAG
	i=0
	while [ "$i" -lt "$2" ]; do
		openssl req -new -newkey "$1" -nodes -keyout "$W/k.$3" \
		    -subj "/CN=u$3x$i@example.org" -out "$W/r.$3" 2>/dev/null
		openssl x509 -req -in "$W/r.$3" -CA "$W/ca.pem" -CAkey "$W/ca.key" \
		    -set_serial "0x$(openssl rand -hex 19)" -days 365 \
		    -extfile "$W/ext.cnf" -out "$W/c.$3" 2>/dev/null
		i=$((i + 1))
	done
}

printf '%-9s %12s %12s %12s %14s %14s\n' key "mailcert/s" "limit/s" \
    "shell/s" "mailcert/limit" "mailcert/shell"
for spec in "rsa-2048 120 rsa:2048 16" "rsa-3072 40 rsa:3072 8" \
    "ec-p256 2000 ec:$W/p256.pem 40"; do
	set -- $spec
	kt=$1 n=$(($2 * S)) ks=$3 ns=$(($4 * S))
	[ "$kt" = ec-p256 ] && openssl ecparam -name prime256v1 -out "$W/p256.pem"
	# Three alternating rounds, medians: one run on a shared machine
	# varies by 10%, more than the gap being measured.
	lims="" mcs=""
	for _r in 1 2 3; do
		lims="$lims $("$B" limit "$W/mc" "$kt" "$n" "$T" | field certs_per_s)"
		mcs="$mcs $("$B" mailcert "$W/mc" "$kt" "$n" "$T" | field certs_per_s)"
	done
	lim=$(median $lims)
	mc=$(median $mcs)
	t0=$(now)
	j=0
	while [ "$j" -lt "$T" ]; do
		shell_loop "$ks" $((ns / T)) "$j" &
		j=$((j + 1))
	done
	wait
	sh=$(rate $(((ns / T) * T)) "$t0" "$(now)")
	printf '%-9s %12s %12s %12s %14s %14s\n' "$kt" "$mc" "$lim" "$sh" \
	    "$(echo "$mc $lim" | awk '{ printf "%.2f", $1 / $2 }')" \
	    "$(echo "$mc $sh" | awk '{ printf "%.1f", $1 / $2 }')"
done

"$BIN" --dir "$W/rss" init --org Bench --base-url http://127.0.0.1:8080 >/dev/null
out=$("$B" mailcert "$W/rss" ec-p256 $((10000 * S)) "$T")
echo "peak RSS issuing $((10000 * S)) ec-p256 certificates: $(echo "$out" |
    field peak_rss_kib) KiB ($(echo "$out" | field certs_per_s) certs/s," \
    "$(sqlite3 "$W/rss/mailcert.db" 'select count(*) from certs') rows stored)"

# Directory-driven enrolment: the import, first and no-op sync of 10,000
# users from slapd, with their phases (bench/bench-sync.sh).
echo
bash "$(dirname "$0")/../bench/bench-sync.sh" "$BUILD"

# The daemon's public endpoints under wrk: OCSP and key-directory lookups
# against openssl's own responder and a static file of the same server
# (bench/bench-web.sh).
echo
bash "$(dirname "$0")/../bench/bench-web.sh" "$BUILD"
