#!/bin/sh
# Regenerates the seed corpus of the api_req fuzz target
# (fuzz/corpus/api_req/) with printf. The output is committed; rerun only
# to change the seeds. Each seed is "METHOD\nPATH\nQUERY\nBODY" with the
# path below /api/v1 (api_req_fuzz.c): every route of docs/api.md with a
# good request, then the refusals docs/api.md names.
set -eu
cd "$(dirname "$0")"
dir=corpus/api_req
# Inputs the fuzzers found (crash-*, found-*) are added by hand and kept.
mkdir -p "$dir"
find "$dir" -type f ! -name 'crash-*' ! -name 'found-*' -delete

seed() {	# NAME METHOD PATH QUERY BODY
	printf '%s\n%s\n%s\n%s' "$2" "$3" "$4" "$5" >"$dir/$1"
}

# good requests, one per route
seed me GET me '' ''
seed overview GET overview '' ''
seed users GET users 'q=ali&group=staff&present=true&limit=10&offset=0' ''
seed user GET users/1 '' ''
seed groups GET groups 'limit=500' ''
seed group-patch PATCH groups/1 '' '{"auto_request":true,"key":"ec-p256","days":90,"profile":"strict","usage":"dual"}'
seed group-reset PATCH groups/1 '' '{"key":null,"days":null,"profile":null,"usage":null}'
seed certs GET certificates 'email=alice@example.org&state=valid&user=1&q=A' ''
seed cert GET certificates/0A1B '' ''
seed revoke POST certificates/0A1B/revoke '' '{"reason":"keyCompromise"}'
seed reissue POST certificates/0A1B/reissue '' '{}'
seed domains GET domains '' ''
seed domain-add POST domains '' '{"name":"example.org"}'
seed domain-verify POST domains/example.org/verify '' ''
seed seats GET seats '' ''
seed seats-put PUT seats '' '{"total":50}'
seed seats-none PUT seats '' '{"total":null}'
seed sources GET sources '' ''
seed source-delete DELETE sources/hr '' ''
seed events GET events 'kind=cert.issued&state=pending' ''
seed export GET exports/chain 'format=sst' ''
seed sync GET sync '' ''
seed sync-post POST sync '' ''
seed audit GET audit 'before=10&limit=5' ''
seed tokens GET tokens '' ''
seed token-create POST tokens '' '{"name":"dash","role":"viewer","groups":["staff","hr/sales"],"expires_days":30}'
seed token-delete DELETE tokens/3 '' ''
seed cas GET cas '' ''
seed crl POST cas/crl '' ''

# refusals
seed bad-json POST certificates/0A/revoke '' '{"reason":'
seed not-object POST domains '' '["example.org"]'
seed wrong-type PUT seats '' '{"total":"5"}'
seed real-number PUT seats '' '{"total":1e3}'
seed unknown-field POST domains '' '{"name":"example.org","verify":true}'
seed duplicate-key POST certificates/0A/revoke '' '{"reason":"superseded","reason":"keyCompromise"}'
seed nul-in-string POST domains '' '{"name":"a\u0000b"}'
seed bad-utf8 POST domains '' "$(printf '{"name":"\377"}')"
seed deep-json POST domains '' '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]'
seed limit-zero GET certificates 'limit=0' ''
seed limit-big GET certificates 'limit=501' ''
seed limit-neg GET users 'limit=-1' ''
seed limit-exp GET users 'limit=1e3' ''
seed limit-empty GET users 'limit=' ''
seed limit-bare GET users 'limit' ''
seed offset-word GET events 'offset=abc' ''
seed twice GET users 'q=a&q=b' ''
seed unknown-param GET groups 'color=red' ''
seed dotdot GET certificates/../tokens '' ''
seed dot GET ./me '' ''
seed slash GET users/ '' ''
seed double-slash GET //me '' ''
seed control "$(printf 'GET')" "$(printf 'certificates/0A\001')" '' ''
seed long-serial GET certificates/0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF '' ''
seed deep GET a/b/c/d/e/f/g/h '' ''
seed method DELETE users '' ''
seed method-lower get me '' ''
