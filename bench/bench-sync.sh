#!/usr/bin/env bash
#
# bench-sync.sh BUILD: directory-driven enrolment at scale, as `make bench`
# runs it (scripts/bench.sh). A throwaway slapd (tests/integration/
# lib-slapd.sh) is bulk-loaded offline with 10,000 users (times
# BENCH_SCALE) in one group, read by an ldap source; the group is
# auto-request with ec-p256 keys. Three syncs are measured, each as its
# own process: the import (the group is not auto-request yet, so it only
# stores the directory), the first sync that issues a certificate to
# every user, and the no-op sync after it. For each: wall time, peak RSS
# (getrusage of the child), and the phases `sync --json` reports (read,
# plan, apply), with the ratio to the issue's targets on the 2-core
# machine: first sync 60 s, no-op sync 5 s, 200 MiB. A ratio above 1
# misses the target.
set -u
BUILD=${1:-build}
case "$BUILD" in
/*) ;;
*) BUILD="$PWD/$BUILD" ;;
esac
HERE=$(cd "$(dirname "$0")" && pwd)
INT=$HERE/../tests/integration
N=$((10000 * ${BENCH_SCALE:-1}))

# lib.sh gives the temporary directory, its cleanup and daemon tracking;
# lib-slapd.sh the server. They print TAP-style bail-outs on failure.
export MAILCERT=$BUILD/mailcert
. "$INT/lib.sh"
. "$INT/lib-slapd.sh"

W=$T_TMP
D=$W/mc

python3 "$INT/ldap-fixture.py" bulk "$N" 1 >"$W/bulk.ldif" ||
    bail "ldap-fixture.py bulk failed"
slapd_start_with "$W/slapd" "$(slapd_free_port)" "$W/bulk.ldif" ||
    bail "slapd failed"

mc "$D" init --org Bench --base-url http://127.0.0.1:8080 >/dev/null ||
    bail "init failed"
mc "$D" domain add example.org --assert >/dev/null || bail "domain add failed"
mc "$D" source add ldap dir --url "$SLAPD_URL" --bind-dn "$SLAPD_READER" \
    --password-file "$SLAPD_READER_PWFILE" \
    --user-base "ou=people,$SLAPD_SUFFIX" \
    --group-base "ou=groups,$SLAPD_SUFFIX" >/dev/null ||
    bail "source add failed"

# measure NAME ARGS...: run `mailcert sync ARGS --json` once; write
# NAME.json (its output) and NAME.m ("wall_s rss_kib exit_status cpu_s";
# cpu_s, user + system, shows how much of the wall time a loaded machine
# took away).
measure() {
	local name=$1
	shift
	/usr/bin/python3 - "$W/$name" "$MAILCERT" --dir "$D" sync --json \
	    "$@" <<'EOF'
import resource, subprocess, sys, time
out = sys.argv[1]
with open(out + ".json", "wb") as f, open(out + ".err", "wb") as e:
    t0 = time.monotonic()
    rc = subprocess.run(sys.argv[2:], stdout=f, stderr=e,
                        stdin=subprocess.DEVNULL).returncode
    wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(out + ".m", "w") as m:
    m.write("%.3f %d %d %.3f\n" % (wall, ru.ru_maxrss, rc,
                                   ru.ru_utime + ru.ru_stime))
EOF
	if [ "$(cut -d' ' -f3 "$W/$name.m")" != 0 ]; then
		echo "sync $name failed:" >&2
		head -n 5 "$W/$name.err" >&2
		exit 1
	fi
}

measure import
mc "$D" group set Group0 --auto-request on --key ec-p256 >/dev/null ||
    bail "group set failed"
measure first --yes
measure noop --yes

issued=$(jq '.done' "$W/first.json")
noop_actions=$(jq '.actions | length' "$W/noop.json")

# row NAME LIMIT_S LABEL: label, wall s, limit s, read, plan and apply ms,
# peak RSS KiB, CPU s, tab-separated.
row() {
	local wall rss cpu
	read -r wall rss _ cpu <"$W/$1.m"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$3" "$wall" "$2" \
	    "$(jq -r '[.read_ms, .plan_ms, .apply_ms] | @tsv' "$W/$1.json")" \
	    "$rss" "$cpu"
}

printf 'sync of %d users from slapd, ec-p256, %d cores\n' "$N" "$(nproc)"
printf '%-8s %7s %8s %6s %7s %7s %8s %6s %8s %10s %6s\n' sync wall_s \
    limit_s ratio read_s plan_s apply_s cpu_s rss_MiB limit_MiB ratio
{
	row import - import
	row first 60 first
	row noop 5 no-op
} | awk -F'\t' '{
	r = $3 == "-" ? "-" : sprintf("%.2f", $2 / $3)
	printf "%-8s %7.1f %8s %6s %7.1f %7.1f %8.1f %6.1f %8.0f %10d %6.2f\n",
	    $1, $2, $3, r, $4 / 1000, $5 / 1000, $6 / 1000, $8, $7 / 1024,
	    200, $7 / 1024 / 200 }'
read -r wi _ <"$W/import.m"
read -r wf _ <"$W/first.m"
echo "$wi $wf" | awk '{ printf "import + first: %.1f s (limit 60 s, " \
    "ratio %.2f)\n", $1 + $2, ($1 + $2) / 60 }'
echo "first sync issued $issued certificates; the no-op sync planned" \
    "$noop_actions actions"
