#!/bin/sh
# Regenerates the seed corpora in fuzz/corpus/<target>/ with the openssl
# CLI. The output is committed; rerun only to change the seeds. Keys are
# throwaway and never written to the corpus: where a bundle needs a
# non-certificate block, it gets a PUBLIC KEY or EC PARAMETERS block.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
csr=corpus/csr
crt=corpus/certread
cnf=corpus/config
# Inputs the fuzzers found (crash-*, found-*) are added by hand and kept.
mkdir -p "$csr" "$crt" "$cnf"
find corpus -type f ! -name 'crash-*' ! -name 'found-*' -delete

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out "$tmp/ec.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
    -out "$tmp/rsa.key" 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 \
    -out "$tmp/rsa1024.key" 2>/dev/null
openssl pkey -in "$tmp/ec.key" -pubout -out "$tmp/ec.pub"

req() {
	out=$1
	key=$2
	shift 2
	openssl req -new -key "$tmp/$key" -out "$out" "$@"
}

# certificate requests: good ones in both framings, then one per refusal
req "$csr/ec-good.pem" ec.key -subj /CN=alice@example.com \
    -addext subjectAltName=email:alice@example.com \
    -addext keyUsage=critical,digitalSignature,keyAgreement \
    -addext extendedKeyUsage=emailProtection \
    -addext basicConstraints=critical,CA:FALSE
openssl req -in "$csr/ec-good.pem" -outform DER -out "$csr/ec-good.der"
req "$csr/rsa-good.pem" rsa.key -subj /emailAddress=alice@example.com \
    -addext subjectAltName=email:alice@EXAMPLE.com \
    -addext keyUsage=digitalSignature,keyEncipherment,dataEncipherment \
    -addext extendedKeyUsage=emailProtection,clientAuth
req "$csr/empty-subject.der" ec.key -subj / -outform DER
req "$csr/bad-everything.pem" ec.key -subj /CN=bob@example.com/O=Example \
    -addext subjectAltName=email:bob@example.com,URI:http://example.com/,DNS:example.com,IP:192.0.2.1 \
    -addext keyUsage=keyCertSign,cRLSign \
    -addext extendedKeyUsage=serverAuth,1.2.3.4 \
    -addext basicConstraints=CA:TRUE,pathlen:0 \
    -addext subjectKeyIdentifier=hash
req "$csr/bad-san.pem" ec.key -subj / \
    -addext subjectAltName=email:alice@example.com,URI:http://example.com/
req "$csr/bad-ku.pem" ec.key -subj / -addext keyUsage=keyEncipherment
req "$csr/bad-eku.pem" ec.key -subj / -addext extendedKeyUsage=serverAuth
req "$csr/bad-bc.pem" ec.key -subj / -addext basicConstraints=CA:TRUE
req "$csr/unknown-ext.der" ec.key -subj / -outform DER \
    -addext 1.2.3.4=DER:05:00
req "$csr/smtputf8.der" ec.key -subj / -outform DER \
    -addext 'subjectAltName=otherName:1.3.6.1.5.5.7.8.9;UTF8:alice@example.com'
req "$csr/rsa1024.der" rsa1024.key -subj /CN=alice@example.com -outform DER
sed 's/CERTIFICATE REQUEST/NEW CERTIFICATE REQUEST/' "$csr/ec-good.pem" \
    >"$csr/new-label.pem"
head -c 100 "$csr/ec-good.der" >"$csr/truncated.der"
{ cat "$csr/ec-good.der"; printf 'xyz'; } >"$csr/trailing.der"
cat "$csr/ec-good.pem" "$csr/rsa-good.pem" >"$csr/two.pem"
cat "$csr/ec-good.pem" "$tmp/ec.pub" >"$csr/with-pubkey.pem"
{ cat "$csr/ec-good.pem"; echo trailing text; } >"$csr/trailing.pem"
printf 'not a request\n' >"$csr/text.txt"

# certificates: PEM, DER, bundles with text and other blocks, oddities
openssl req -x509 -new -key "$tmp/ec.key" -subj /CN=one -days 1 \
    -out "$crt/one.pem"
openssl req -x509 -new -key "$tmp/rsa.key" -subj /CN=two -days 1 \
    -out "$tmp/two.pem"
openssl x509 -in "$crt/one.pem" -outform DER -out "$crt/one.der"
openssl x509 -in "$crt/one.pem" -text >"$crt/with-text.pem"
openssl x509 -in "$crt/one.pem" -addtrust emailProtection -trustout \
    >"$crt/trusted.pem"
openssl ecparam -name prime256v1 >"$tmp/params.pem"
cat "$crt/one.pem" "$tmp/ec.pub" "$tmp/params.pem" "$tmp/two.pem" \
    >"$crt/bundle.pem"
sed 's/CERTIFICATE/X509 CERTIFICATE/' "$tmp/two.pem" >"$crt/x509-label.pem"
head -c 200 "$crt/one.der" >"$crt/truncated.der"
{ cat "$crt/one.der"; printf '\0\0'; } >"$crt/trailing.der"
cp "$tmp/ec.pub" "$crt/no-cert.pem"
printf -- '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n' \
    >"$crt/not-a-cert.pem"
printf -- '-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n' \
    >"$crt/bad-base64.pem"

# configurations
cat >"$cnf/full.conf" <<'CONF'
# every key
[ca]
org = Example GmbH
country = DE
base_url = http://pki.example.org:8080/
key = ec-p384

[issue]
key = ec-p256
days = 730
profile = multipurpose

[crl]
subscriber_days = 7
ca_days = 360

[store]
backend = sqlite
path = /var/lib/mailcert/mailcert.db
CONF
cat >"$cnf/quoted.conf" <<'CONF'
; quoting
[ca]
org = "  M\"u\"ller & S\\ohne #1 = ;  "
[store]
path = "db dir/mail # cert.db"
CONF
printf '[ca]\r\norg = M\303\274ller\r\nbase_url = http://[2001:db8::1]\r\n' \
    >"$cnf/crlf-utf8.conf"
printf '[ca]\norg = a\norg = b\n' >"$cnf/duplicate.conf"
printf '[ca]\nbase_url = https://example.org\n' >"$cnf/https.conf"
printf '[ca]\nkey = rsa-2048\n' >"$cnf/ca-key.conf"
printf '[cert]\nx = 1\n' >"$cnf/section.conf"
printf '[issue]\ndays = 826\n' >"$cnf/range.conf"
printf '[ca]\norg = "open\n' >"$cnf/unterminated.conf"
printf '' >"$cnf/empty.conf"

# serialized stores and trust bundles (the sst and bundle targets)
sh ./make-sst-corpus.sh

# CSV directory exports (the dirsrc_csv target)
sh ./make-csv-corpus.sh

# OCSP requests (ocsp_req) and API requests (api_req)
sh ./make-ocsp-corpus.sh
sh ./make-api-corpus.sh

# Microsoft Graph member pages (the graph_page target): good pages in the
# shapes Graph sends, then one per refusal
g=corpus/graph_page
mkdir -p "$g"
id=a0000000-0000-4000-8000-00000000000
u1='{"@odata.type":"#microsoft.graph.user","id":"'$id'1","mail":"anna@example.org","givenName":"Anna","surname":"Schmidt","userPrincipalName":"anna@contoso.example","proxyAddresses":["smtp:a@contoso.example","SMTP:anna.schmidt@example.org"]}'
u2='{"id":"'$id'2","mail":null,"givenName":null,"surname":null,"userPrincipalName":"b@contoso.example","proxyAddresses":[]}'
u3='{"id":"A0000000-0000-4000-8000-00000000000F","mail":"","givenName":"G\u00fcl","surname":"Y\u0131lmaz","userPrincipalName":"g@contoso.example"}'
next='"@odata.nextLink":"https://graph.microsoft.com/v1.0/groups/11111111-1111-4111-8111-111111111111/transitiveMembers/microsoft.graph.user?$skiptoken=X"'
printf '{"@odata.context":"x","@odata.count":3,"value":[%s,%s],%s}' \
    "$u1" "$u2" "$next" >"$g/page-next.json"
printf '{"value":[%s]}' "$u3" >"$g/last-page.json"
printf '{"value":[]}' >"$g/empty.json"
printf '{"value":[{"id":"%s1","userPrincipalName":null}]}' "$id" \
    >"$g/limited.json"
printf '{"value":[{"id":"42","userPrincipalName":"x"}]}' >"$g/bad-id.json"
printf '{"value":[{"id":"%s1","userPrincipalName":"x","mail":7}]}' "$id" \
    >"$g/mail-number.json"
printf '{"value":[{"id":"%s1","userPrincipalName":"x","proxyAddresses":"SMTP:a@b"}]}' \
    "$id" >"$g/proxy-string.json"
printf '{"value":{}}' >"$g/value-object.json"
printf '{"value":[],"value":[]}' >"$g/duplicate-key.json"
printf '{"error":{"code":"TooManyRequests","message":"slow down"}}' \
    >"$g/error.json"
printf '{"value":[%s' "$u1" >"$g/truncated.json"
