#!/bin/sh
# `make run`: initialise ./var/mailcert on first use, issue certificates to
# the sample users who have no valid one, sign CRLs, export the chain, and
# say where everything is. Running it again reuses what exists.
set -eu
BUILD=${1:-build}
BIN="$BUILD/mailcert"
DIR=${MAILCERT_DIR:-var/mailcert}
OUT=var/export
mc() { "$BIN" --dir "$DIR" "$@"; }

if [ ! -f "$DIR/mailcert.conf" ]; then
	mc init --org "Example Org" --base-url http://127.0.0.1:8080
fi
issued=0
# examples/users.csv: id,email,given_name,surname,groups (no quoted commas)
tail -n +2 examples/users.csv | while IFS=, read -r _id email given surname _groups; do
	if mc cert list --email "$email" --status valid --json |
	    grep -q '"serial"'; then
		continue
	fi
	serial=$(mc cert issue --email "$email" --given-name "$given" \
	    --surname "$surname")
	echo "issued $serial for $given $surname <$email>"
done
mc crl generate
mkdir -p "$OUT"
mc export chain --format pem -o "$OUT/chain.pem" 2>/dev/null
mc export chain --format p7b -o "$OUT/chain.p7b" 2>/dev/null
mc export chain --format sst -o "$OUT/chain.sst" 2>/dev/null
mc export chain --format der -o "$OUT/root.cer" 2>/dev/null
mc export crl --format der -o "$OUT/issuing-1.crl" 2>/dev/null
cat <<MSG

mailcert is ready.
  data directory  $DIR  (config, SQLite store, key-encryption key)
  CA chain        $OUT/chain.pem, $OUT/chain.p7b, root $OUT/root.cer
  Exchange Online $OUT/chain.sst (Set-SmimeConfig -SMIMECertificateIssuingCA)
  CRL             $OUT/issuing-1.crl
  certificates    $(mc cert list --status valid --json | grep -c '"serial"') valid
Try: $BIN --dir $DIR cert list
     $BIN --dir $DIR export p12 SERIAL -o user.p12
MSG
