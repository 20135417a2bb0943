/*
 * bench-ocsp-peer.c: what `openssl ocsp -port` needs to serve the same CA
 * as mailcert's responder in the web benchmark (bench/bench-web.sh), so
 * that the peer is an honest one: the same issuing CA, the same serials
 * and states.
 *
 *   bench-ocsp-peer DIR KEY.pem INDEX.txt
 *	write the active issuing CA's private key, unsealed, to KEY.pem
 *	(mode 0600) and its certificates as an `openssl ca` index to
 *	INDEX.txt.
 *
 * For benchmarks only: CA keys never leave the store otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ca.h"
#include "config.h"
#include "err.h"
#include "keys.h"
#include "store.h"

/* "YYMMDDHHMMSSZ" as openssl ca's index writes times. */
static void
index_time(char buf[16], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, 16, "%y%m%d%H%M%SZ", &tm);
}

static int
write_index(const char *path, struct store *st, const struct ca *ca)
{
	struct store_cert_filter f = { .state = -1, .expired = -1 };
	struct store_cert **v = NULL;
	char exp[16], rev[16], *subj;
	const unsigned char *p;
	X509 *x;
	FILE *fp;
	size_t n = 0, i;
	int rc;

	f.ca_id = ca->id;
	if ((rc = store_cert_list(&v, &n, st, &f)) != 0)
		return rc;
	if ((fp = fopen(path, "w")) == NULL) {
		store_cert_list_free(v, n);
		return err_set(ERR_IO, "cannot write \"%s\"", path);
	}
	for (i = 0; i < n; i++) {
		p = v[i]->der;
		if ((x = d2i_X509(NULL, &p, (long)v[i]->der_len)) == NULL)
			continue;
		subj = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
		index_time(exp, v[i]->not_after);
		if (v[i]->state == CERT_STATE_REVOKED) {
			index_time(rev, v[i]->revoked_at);
			fprintf(fp, "R\t%s\t%s,%s\t%s\tunknown\t%s\n", exp, rev,
			    store_reason_name(v[i]->reason), v[i]->serial,
			    subj != NULL ? subj : "/");
		} else
			fprintf(fp, "V\t%s\t\t%s\tunknown\t%s\n", exp,
			    v[i]->serial, subj != NULL ? subj : "/");
		OPENSSL_free(subj);
		X509_free(x);
	}
	rc = fclose(fp) == 0 ? 0 : err_set(ERR_IO, "cannot write \"%s\"",
	    path);
	store_cert_list_free(v, n);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct config *cfg = NULL;
	struct kek *kek = NULL;
	struct store *st = NULL;
	struct ca *ca = NULL;
	FILE *fp = NULL;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: bench-ocsp-peer DIR KEY.pem "
		    "INDEX.txt\n");
		return 2;
	}
	if ((rc = config_load(&cfg, argv[1])) != 0 ||
	    (rc = keys_kek_load(&kek, cfg->kek_path)) != 0 ||
	    (rc = store_open(&st, cfg)) != 0 ||
	    (rc = ca_load(&ca, st, kek, NULL)) != 0 ||
	    (rc = write_index(argv[3], st, ca)) != 0)
		goto out;
	umask(077);
	if ((fp = fopen(argv[2], "w")) == NULL ||
	    !PEM_write_PrivateKey(fp, ca->key, NULL, NULL, 0, NULL, NULL) ||
	    fclose(fp) != 0) {
		rc = err_set(ERR_IO, "cannot write \"%s\"", argv[2]);
		fp = NULL;
		goto out;
	}
	fp = NULL;
out:
	if (fp != NULL)
		fclose(fp);
	if (rc != 0)
		fprintf(stderr, "bench-ocsp-peer: %s\n", err_msg());
	ca_free(ca);
	store_close(st);
	keys_kek_free(kek);
	config_free(cfg);
	return rc != 0;
}
