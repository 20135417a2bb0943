#!/bin/sh
# Regenerates the seed corpus of the dirsrc_csv fuzz target
# (fuzz/corpus/dirsrc_csv/) with printf; make-corpus.sh runs it too. The
# output is committed; rerun only to change the seeds. Good files in every
# shape docs/csv-source.md allows, then one per refusal.
set -eu
cd "$(dirname "$0")"
dir=corpus/dirsrc_csv
# Inputs the fuzzers found (crash-*, found-*) are added by hand and kept.
mkdir -p "$dir"
find "$dir" -type f ! -name 'crash-*' ! -name 'found-*' -delete

hdr='id,email,given_name,surname,groups'

cp ../examples/users.csv "$dir/examples-users.csv"
printf '\357\273\277%s\r\nu1,j\303\274rgen@example.org,J\303\274rgen,M\303\274ller,staff\r\nu2,,,,\r\n' \
    "$hdr" >"$dir/bom-crlf.csv"
printf '%s\nu1,"a,b@example.org","Anna ""Nan""","Schmidt,\nJr."," staff ; ;finance;;  it "\n"u2","","","",""\n\n' \
    "$hdr" >"$dir/quoting.csv"
printf 'groups,surname,given_name,email,id\nstaff;it,Yilmaz,\303\226zlem,oezlem@example.org,u5\n' \
    >"$dir/column-order.csv"
printf '%s\n' "$hdr" >"$dir/header-only.csv"
printf '%s\nu1,,,,a;a;A;b\nu2,,,,b;c\nu3,,,,c;a\n' "$hdr" >"$dir/groups.csv"
printf '%s\nu1,,,,"say ""hi"";\tsales\r\n"\n' "$hdr" >"$dir/group-quote.csv"
printf '%s\nu1,,,,\nu1,,,,\n' "$hdr" >"$dir/duplicate-id.csv"
printf '%s\n,a@example.org,,,\n' "$hdr" >"$dir/empty-id.csv"
printf '%s\nu1,a,b,c\n' "$hdr" >"$dir/field-count.csv"
printf '%s\nu1,a"b,,,\n' "$hdr" >"$dir/stray-quote.csv"
printf '%s\nu1,"a"b,,,\n' "$hdr" >"$dir/after-quote.csv"
printf '%s\nu1,,,,"staff\n' "$hdr" >"$dir/unterminated.csv"
printf '%s\nu1,,J\374rgen,,\n' "$hdr" >"$dir/latin1.csv"
printf '%s\nu1,,a\rb,,\n' "$hdr" >"$dir/bare-cr.csv"
printf '%s\n\nu1,,,,\n' "$hdr" >"$dir/empty-line.csv"
printf 'id,mail,given_name,surname,groups,dept\n' >"$dir/unknown-column.csv"
printf 'id,email\n' >"$dir/missing-columns.csv"
printf '' >"$dir/empty.csv"
