/*
 * bench-issue.c: issuance throughput, as `make bench` runs it.
 *
 *   bench-issue mailcert DIR KEY N THREADS
 *	issue N certificates through issue_many(): mailbox check, key
 *	generation, profile lint, signature, key sealing, and group-committed
 *	durable storage in DIR's store.
 *   bench-issue limit DIR KEY N THREADS
 *	the ceiling: the same key generation and the same certificate built
 *	and signed by the same CA on the same number of threads, nothing
 *	checked, nothing sealed, nothing stored.
 *
 * Prints "certs_per_s=X peak_rss_kib=Y n=N".
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ca.h"
#include "config.h"
#include "err.h"
#include "issue.h"
#include "keys.h"
#include "profile.h"
#include "store.h"
#include "util/timefmt.h"

struct limit {
	pthread_mutex_t	 mu;
	int		 next;
	int		 n;
	int		 failed;
	enum key_type	 kt;
	const struct ca	*ca;
	const struct config *cfg;
	int64_t		 now;
};

static double
seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *
limit_worker(void *arg)
{
	struct limit *l = arg;
	struct profile_leaf p;
	ASN1_INTEGER *serial;
	EVP_PKEY *key;
	X509 *x;
	char email[64];
	int i;

	for (;;) {
		pthread_mutex_lock(&l->mu);
		i = l->next++;
		pthread_mutex_unlock(&l->mu);
		if (i >= l->n)
			break;
		snprintf(email, sizeof(email), "user%d@example.org", i);
		key = NULL;
		x = NULL;
		serial = NULL;
		memset(&p, 0, sizeof(p));
		if (keys_generate(&key, l->kt) != 0 ||
		    ca_serial_new(&serial) != 0)
			goto fail;
		p.email = email;
		p.profile = PROFILE_STRICT;
		p.pubkey = key;
		p.issuer = l->ca->cert;
		p.issuer_name = l->ca->name;
		p.base_url = l->cfg->base_url;
		p.serial = serial;
		p.not_before = l->now;
		p.not_after = l->now + 365 * 86400 - 1;
		if (profile_build_leaf(&x, &p) != 0 ||
		    X509_sign(x, l->ca->key, profile_digest(l->ca->key)) <= 0)
			goto fail;
		goto next;
fail:
		pthread_mutex_lock(&l->mu);
		l->failed++;
		pthread_mutex_unlock(&l->mu);
next:
		X509_free(x);
		EVP_PKEY_free(key);
		ASN1_INTEGER_free(serial);
	}
	return NULL;
}

static int
run_limit(const struct ca *ca, const struct config *cfg, enum key_type kt,
    int n, int threads)
{
	struct limit l;
	pthread_t tids[64];
	int t;

	memset(&l, 0, sizeof(l));
	pthread_mutex_init(&l.mu, NULL);
	l.n = n;
	l.kt = kt;
	l.ca = ca;
	l.cfg = cfg;
	l.now = timefmt_now();
	for (t = 0; t < threads; t++)
		pthread_create(&tids[t], NULL, limit_worker, &l);
	for (t = 0; t < threads; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&l.mu);
	return l.failed ? err_set(ERR_INTERNAL, "%d of %d failed", l.failed,
	    n) : 0;
}

static int
run_mailcert(struct store *st, const struct ca *ca, const struct kek *kek,
    const struct config *cfg, enum key_type kt, int n, int threads)
{
	struct ca_request *reqs = NULL;
	struct issue_result *res = NULL;
	char (*emails)[64] = NULL;
	int i, bad = 0, rc;

	if ((reqs = calloc((size_t)n, sizeof(*reqs))) == NULL ||
	    (emails = calloc((size_t)n, sizeof(*emails))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		snprintf(emails[i], sizeof(emails[i]), "user%d@example.org", i);
		reqs[i].email = emails[i];
		reqs[i].given_name = "Bench";
		reqs[i].surname = "User";
		reqs[i].key = kt;
		reqs[i].profile = PROFILE_STRICT;
	}
	if ((rc = issue_many(&res, st, ca, kek, cfg, reqs, (size_t)n, threads,
	    timefmt_now())) != 0)
		goto out;
	for (i = 0; i < n; i++)
		if (res[i].rc != 0 && bad++ == 0)
			fprintf(stderr, "bench: %s\n", res[i].error);
	if (bad)
		rc = err_set(ERR_INTERNAL, "%d of %d failed", bad, n);
out:
	issue_results_free(res, (size_t)n);
	free(reqs);
	free(emails);
	return rc;
}

int
main(int argc, char **argv)
{
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct kek *kek = NULL;
	struct ca *ca = NULL;
	struct rusage ru;
	enum key_type kt;
	double t0, t1;
	int n, threads, rc;

	if (argc != 6 || (strcmp(argv[1], "mailcert") != 0 &&
	    strcmp(argv[1], "limit") != 0)) {
		fprintf(stderr, "usage: bench-issue mailcert|limit DIR KEY N "
		    "THREADS\n");
		return 1;
	}
	n = (int)strtol(argv[4], NULL, 10);
	threads = (int)strtol(argv[5], NULL, 10);
	if (n < 1 || threads < 1 || threads > 64) {
		fprintf(stderr, "bench-issue: bad N or THREADS\n");
		return 1;
	}
	if ((rc = keys_type_parse(&kt, argv[3])) != 0 ||
	    (rc = config_load(&cfg, argv[2])) != 0 ||
	    (rc = keys_kek_load(&kek, cfg->kek_path)) != 0 ||
	    (rc = store_open(&st, cfg)) != 0 ||
	    (rc = ca_load(&ca, st, kek, NULL)) != 0)
		goto out;
	t0 = seconds();
	if (strcmp(argv[1], "limit") == 0)
		rc = run_limit(ca, cfg, kt, n, threads);
	else
		rc = run_mailcert(st, ca, kek, cfg, kt, n, threads);
	t1 = seconds();
	if (rc == 0) {
		getrusage(RUSAGE_SELF, &ru);
		printf("certs_per_s=%.1f peak_rss_kib=%ld n=%d\n",
		    (double)n / (t1 - t0), ru.ru_maxrss, n);
	}
out:
	if (rc != 0)
		fprintf(stderr, "bench-issue: %s\n", err_msg());
	ca_free(ca);
	store_close(st);
	keys_kek_free(kek);
	config_free(cfg);
	return rc == 0 ? 0 : 1;
}
