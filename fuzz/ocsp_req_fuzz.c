/*
 * ocsp_req_fuzz.c: OCSP requests as a client sends them (RFC 6960): the
 * bytes as a POST body to ocsp_answer(), and as the base64 text of a GET
 * to ocsp_get_decode() and, when that decodes, to ocsp_answer() again.
 * The responder is real: a throwaway data directory with a root and an
 * issuing CA, three certificates (one revoked) and a refreshed cache,
 * made once per process and removed at exit. Seeds cannot know that CA,
 * so a request that parses is also sent again re-aimed at it: every
 * CertID gets the CA's hashes, and serials 1..3 become its certificates'.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "ca.h"
#include "config.h"
#include "err.h"
#include "keys.h"
#include "ocsp.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char		 dir[64];
static struct ocsp_cache *cache;
static int64_t		 now;
static X509		*issuer;	/* the issuing CA */
static ASN1_INTEGER	*serials[3];	/* its certificates */

static void
remove_dir(void)
{
	DIR *d;
	struct dirent *de;
	char *p;

	ocsp_cache_free(cache);
	X509_free(issuer);
	for (int i = 0; i < 3; i++)
		ASN1_INTEGER_free(serials[i]);
	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((p = file_join(dir, de->d_name)) != NULL)
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(dir);
}

static void
die(const char *what)
{
	fprintf(stderr, "ocsp_req_fuzz: %s: %s\n", what, err_msg());
	abort();
}

/* The data directory and the refreshed cache the inputs are sent to. */
static void
make_responder(void)
{
	static const char *const who[3] = { "a@example.com", "b@example.com",
	    "c@example.com" };
	struct config *cfg = NULL;
	struct kek *kek = NULL;
	struct store *st = NULL;
	struct ca *ca = NULL;
	struct ca_issued *iss = NULL;
	struct ca_request r;
	int i;

	snprintf(dir, sizeof(dir), "/tmp/mailcert-fuzz.XXXXXX");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	atexit(remove_dir);
	if (config_defaults(&cfg, dir) != 0)
		die("config");
	cfg->ca_key = KEY_ECP384;	/* a profile CA key made in milliseconds */
	if (keys_kek_create(cfg->kek_path) != 0 ||
	    keys_kek_load(&kek, cfg->kek_path) != 0 ||
	    store_open(&st, cfg) != 0 || ca_init(st, kek, cfg) != 0 ||
	    ca_load(&ca, st, kek, NULL) != 0)
		die("data directory");
	now = timefmt_now();
	for (i = 0; i < 3; i++) {
		memset(&r, 0, sizeof(r));
		r.email = who[i];
		r.given_name = "Given";
		r.surname = "Sur";
		r.key = KEY_ECP256;
		r.profile = PROFILE_STRICT;
		if (ca_issue(&iss, st, ca, kek, cfg, &r, now) != 0)
			die("issue");
		if ((serials[i] = ASN1_INTEGER_dup(X509_get0_serialNumber(
		    iss->cert))) == NULL)
			die("serial");
		if (i == 1 && store_cert_revoke(st, iss->serial,
		    REVOKE_KEY_COMPROMISE, now) != 0)
			die("revoke");
		ca_issued_free(iss);
	}
	if (ocsp_cache_new(&cache) != 0 ||
	    ocsp_refresh(cache, st, cfg, kek, now, NULL) != 0)
		die("refresh");
	issuer = ca->cert;
	ca->cert = NULL; /* transferred */
	ca_free(ca);
	store_close(st);
	keys_kek_free(kek);
	config_free(cfg);
}

/* Answer der and check the answer is a whole OCSPResponse. */
static void
answer(const unsigned char *der, size_t len)
{
	OCSP_RESPONSE *resp;
	unsigned char *out = NULL;
	const unsigned char *p;
	size_t olen;
	int age;

	if (ocsp_answer(&out, &olen, &age, cache, "issuing-1", der, len,
	    now) != 0)
		die("answer");
	p = out;
	if ((resp = d2i_OCSP_RESPONSE(NULL, &p, (long)olen)) == NULL ||
	    p != out + olen || age < 0)
		abort();
	OCSP_RESPONSE_free(resp);
	free(out);
}

/* req with every CertID re-aimed at our CA, DER in *out (or NULL). */
static void
reaim(unsigned char **out, int *len, const unsigned char *der, size_t dlen)
{
	OCSP_REQUEST *req, *re = NULL;
	OCSP_CERTID *cid, *nid;
	ASN1_OBJECT *alg;
	ASN1_INTEGER *serial;
	const unsigned char *p = der;
	const EVP_MD *md;
	long v;
	int i;

	*out = NULL;
	if ((req = d2i_OCSP_REQUEST(NULL, &p, (long)dlen)) == NULL ||
	    (re = OCSP_REQUEST_new()) == NULL)
		goto out;
	for (i = 0; i < OCSP_request_onereq_count(req); i++) {
		cid = OCSP_onereq_get0_id(OCSP_request_onereq_get0(req, i));
		if (!OCSP_id_get0_info(NULL, &alg, NULL, &serial, cid))
			goto out;
		md = OBJ_obj2nid(alg) == NID_sha256 ? EVP_sha256() :
		    EVP_sha1();
		v = ASN1_INTEGER_get(serial);
		if (v >= 1 && v <= 3)
			serial = serials[v - 1];
		if ((nid = OCSP_cert_id_new(md, X509_get_subject_name(issuer),
		    X509_get0_pubkey_bitstr(issuer), serial)) == NULL)
			goto out;
		if (OCSP_request_add0_id(re, nid) == NULL) {
			OCSP_CERTID_free(nid);
			goto out;
		}
	}
	if ((*len = i2d_OCSP_REQUEST(re, out)) <= 0)
		*out = NULL;
out:
	ERR_clear_error();
	OCSP_REQUEST_free(req);
	OCSP_REQUEST_free(re);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *der = NULL;
	char *text;
	size_t len;
	int n = 0;

	if (cache == NULL)
		make_responder();
	answer(data, size);
	reaim(&der, &n, data, size);
	if (der != NULL) {
		answer(der, (size_t)n);
		OPENSSL_free(der);
		der = NULL;
	}
	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ocsp_get_decode(&der, &len, text) == 0) {
		answer(der, len);
		free(der);
	}
	free(text);
	return 0;
}
