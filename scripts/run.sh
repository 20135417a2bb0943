#!/bin/sh
# `make run`: initialise ./var/mailcert on first use, sync the sample
# directory (examples/users.csv) so its staff get certificates, sign CRLs,
# export the chain, make an admin token, say where everything is, and run
# the daemon in the foreground (Ctrl-C stops it). Running it again reuses
# what exists and replaces the token.
#   run.sh [--setup-only] [BUILD]   --setup-only: everything but the daemon
#   MAILCERT_DIR     data directory (default var/mailcert)
#   MAILCERT_LISTEN  address of the daemon (default 127.0.0.1:8080)
set -eu
SERVE=1
if [ "${1:-}" = --setup-only ]; then
	SERVE=0
	shift
fi
BUILD=${1:-build}
BIN="$BUILD/mailcert"
DIR=${MAILCERT_DIR:-var/mailcert}
LISTEN=${MAILCERT_LISTEN:-127.0.0.1:8080}
OUT=var/export
mc() { "$BIN" --dir "$DIR" "$@"; }

if [ ! -f "$DIR/mailcert.conf" ]; then
	# Certificates carry this URL for CRLs, CA certificates and OCSP,
	# which the daemon serves.
	mc init --org "Example Org" --base-url "http://$LISTEN"
fi
# examples/users.csv is a CSV directory source; its "staff" group gets
# certificates from the sync, as a real directory group would.
if ! mc source list --json | grep -q '"examples"'; then
	mc source add csv examples --path examples/users.csv
fi
if ! mc domain list --json | grep -q '"example.org"'; then
	# The examples have no DNS to publish a token in.
	mc domain add example.org --assert >/dev/null
fi
mc sync --yes >/dev/null	# reads the groups in
mc group set staff --auto-request on >/dev/null
mc sync --yes
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
     $BIN --dir $DIR user list --ineligible
     $BIN --dir $DIR export p12 SERIAL -o user.p12
MSG
if [ "$SERVE" = 0 ]; then
	exit 0
fi
# A token is shown only once, so each run makes a new one and revokes
# the one before.
mc token revoke make-run >/dev/null 2>&1 || true
TOKEN=$(mc token create --name make-run --role admin --expires 30)
cat <<MSG

  dashboard       http://$LISTEN/ui/
  admin token     $TOKEN
  (valid 30 days; \`mailcert token revoke make-run\` ends it)
The daemon runs in the foreground; Ctrl-C stops it.

MSG
exec "$BIN" --dir "$DIR" serve --listen "$LISTEN"
