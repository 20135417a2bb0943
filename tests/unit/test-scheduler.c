/*
 * test-scheduler.c: the daemon's jobs on their threads against a real
 * store, CA and CSV source, with the jobs' clock moved by the test: CRLs
 * re-signed after a revocation and at half their window, OCSP responses
 * refreshed, expiry and domain warnings exactly once per threshold
 * however often the scans run, a sync that cannot run twice at once, and
 * a stop in the middle of a long sync that the next sync finishes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "crl.h"
#include "domain.h"
#include "helpers.h"
#include "ocsp.h"
#include "scheduler.h"
#include "store-dir.h"
#include "sync.h"
#include "web.h"

struct fixture {
	struct tenv	*e;
	struct web	*w;
	struct scheduler *s;
	int64_t		 t0;		/* a minute into the CA's life */
	char		 csv[128];	/* the source's file */
};

/* The jobs' clock (sched_set_clock()). */
static _Atomic int64_t clock_now;

static int64_t
test_clock(void)
{
	return atomic_load(&clock_now);
}

static int
setup(void **state)
{
	struct fixture *fx;
	struct store_domain *d = NULL;
	struct store_source src;
	struct config *cfg = NULL;
	struct kek *kek = NULL;
	char params[256];

	assert_non_null(fx = calloc(1, sizeof(*fx)));
	fx->e = tenv_new(1);
	/* EC keys are made in microseconds; RSA would dominate the run. */
	fx->e->cfg->issue_key = KEY_ECP256;
	fx->e->cfg->sync_on_removal = CONFIG_REMOVAL_KEEP;
	/* The daemon's own config and KEK, on the same data directory. */
	ok(config_defaults(&cfg, fx->e->dir));
	cfg->issue_key = KEY_ECP256;
	cfg->sync_on_removal = CONFIG_REMOVAL_KEEP;
	cfg->serve_sync_interval = 0;
	ok(keys_kek_load(&kek, cfg->kek_path));
	ok(web_new(&fx->w, fx->e->dir, cfg, kek));
	fx->t0 = timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60;
	atomic_store(&clock_now, fx->t0);
	sched_set_clock(test_clock);
	ok(domain_assert(&d, fx->e->st, "example.org", fx->t0));
	store_domain_free(d);
	snprintf(fx->csv, sizeof(fx->csv), "%s/users.csv", fx->e->dir);
	snprintf(params, sizeof(params), "{\"path\": \"%s\"}", fx->csv);
	memset(&src, 0, sizeof(src));
	src.name = "corp";
	src.type = "csv";
	src.params = params;
	ok(store_source_put(fx->e->st, &src));
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	ok(sched_stop(fx->s, 30000));
	sched_set_clock(NULL);
	web_free(fx->w);
	tenv_free(fx->e);
	free(fx);
	return 0;
}

/* n users u00..u{n-1}@example.org; the first k in Staff, others in Other. */
static void
write_users(struct fixture *fx, int n, int k)
{
	char *text, line[128];
	int i;

	assert_non_null(text = calloc((size_t)n + 2, sizeof(line)));
	snprintf(text, sizeof(line), "id,email,given_name,surname,groups\n");
	for (i = 0; i < n; i++) {
		snprintf(line, sizeof(line), "u%02d,u%02d@example.org,Given,"
		    "Sur,%s\n", i, i, i < k ? "Staff" : "Other");
		memcpy(text + strlen(text), line, strlen(line) + 1);
	}
	ok(file_write(fx->csv, text, strlen(text), 0600, 0));
	free(text);
}

/* Read the directory in, then let Staff ask for keys of kind key
 * valid for days (0: defaults). */
static void
staff_policy(struct fixture *fx, const char *key, int days)
{
	struct sync_report *r = NULL;
	struct store_group *g = NULL;
	struct sync_opts o;

	memset(&o, 0, sizeof(o));
	o.at = fx->t0;
	ok(sync_run(&r, fx->e->st, fx->e->cfg, fx->e->kek, &o));
	sync_report_free(r);
	ok(store_group_get(&g, fx->e->st, "corp", "Staff"));
	g->auto_request = 1;
	g->days = days;
	if (key != NULL)
		assert_non_null(g->key = strdup(key));
	ok(store_group_set_policy(fx->e->st, g));
	store_group_free(g);
}

static void
start(struct fixture *fx)
{
	ok(sched_start(&fx->s, fx->w));
	assert_non_null(fx->s);
}

/* Status of j once it is neither queued nor running. */
static struct sched_status
settled(struct fixture *fx, enum sched_job j)
{
	struct sched_status st;
	int i;

	for (i = 0; i < 12000; i++) {
		sched_status(&st, fx->s, j);
		if (!st.queued && !st.running)
			return st;
		usleep(10000);
	}
	fail_msg("job %s did not finish in two minutes", sched_job_name(j));
	return st;
}

/* Status of j once its first run, due at sched_start(), is over. */
static struct sched_status
first_run(struct fixture *fx, enum sched_job j)
{
	struct sched_status st;
	int i;

	for (i = 0; i < 12000; i++) {
		st = settled(fx, j);
		if (st.last_end != 0)
			return st;
		usleep(10000);
	}
	fail_msg("job %s did not run in two minutes", sched_job_name(j));
	return st;
}

/*
 * Trigger j once it is idle (its first run may be in flight), wait for
 * that run, and require that it succeeded. Returns its status.
 */
static struct sched_status
run(struct fixture *fx, enum sched_job j)
{
	struct sched_status st;
	int i, rc;

	for (i = 0; (rc = sched_trigger(fx->s, j)) == ERR_EXISTS; i++) {
		assert_true(i < 12000);
		usleep(10000);
	}
	want(rc, 0);
	st = settled(fx, j);
	if (st.last_rc != 0)
		fail_msg("job %s failed: %s", sched_job_name(j), st.last_msg);
	return st;
}

/* Events of kind (all states); caller frees. */
static struct store_event **
events(struct fixture *fx, const char *kind, size_t *n)
{
	struct store_event_filter f;
	struct store_event **v = NULL;

	memset(&f, 0, sizeof(f));
	f.kind = kind;
	f.state = -1;
	ok(store_event_list(&v, n, fx->e->st, &f));
	return v;
}

static size_t
nevents(struct fixture *fx, const char *kind)
{
	struct store_event **v;
	size_t n;

	v = events(fx, kind, &n);
	store_event_list_free(v, n);
	return n;
}

/* How many events of kind concern serial with data.threshold t. */
static size_t
nwarned(struct fixture *fx, const char *kind, const char *serial, int t)
{
	struct store_event **v;
	json_t *data;
	size_t n, i, hits = 0;

	v = events(fx, kind, &n);
	for (i = 0; i < n; i++) {
		if (v[i]->serial == NULL || strcmp(v[i]->serial, serial) != 0)
			continue;
		assert_non_null(data = json_loads(v[i]->data, 0, NULL));
		if (json_integer_value(json_object_get(data, "threshold")) ==
		    t)
			hits++;
		json_decref(data);
	}
	store_event_list_free(v, n);
	return hits;
}

static struct store_crl *
latest_crl(struct fixture *fx, const struct ca *ca)
{
	struct store_ca *rec = NULL;
	struct store_crl *crl = NULL;

	ok(store_ca_get(&rec, fx->e->st, ca->name));
	ok(store_crl_latest(&crl, fx->e->st, rec->id));
	store_ca_free(rec);
	return crl;
}

/* Decode crl, check its signature by ca and whether it lists serial. */
static int
crl_lists(const struct store_crl *crl, const struct ca *ca,
    const char *serial)
{
	const unsigned char *p = crl->der;
	X509_CRL *x;
	X509_REVOKED *rev = NULL;
	ASN1_INTEGER *ai;
	BIGNUM *bn = NULL;
	int found;

	assert_non_null(x = d2i_X509_CRL(NULL, &p, (long)crl->der_len));
	assert_int_equal(X509_CRL_verify(x, X509_get0_pubkey(ca->cert)), 1);
	assert_true(BN_hex2bn(&bn, serial) > 0);
	assert_non_null(ai = BN_to_ASN1_INTEGER(bn, NULL));
	found = X509_CRL_get0_by_serial(x, &rev, ai) == 1;
	ASN1_INTEGER_free(ai);
	BN_free(bn);
	X509_CRL_free(x);
	return found;
}

/* Issue a certificate by hand for email, valid for days, at at. */
static char *
issue(struct fixture *fx, const char *email, int days, int64_t at)
{
	struct ca_request req = req_for(email, KEY_ECP256);
	struct ca_issued *iss = NULL;
	char *serial;

	req.days = days;
	ok(ca_issue(&iss, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg, &req,
	    at));
	assert_non_null(serial = strdup(iss->serial));
	ca_issued_free(iss);
	return serial;
}

static void
test_scheduler__names(void **state)
{
	int j;

	(void)state;
	for (j = 0; j < SCHED__MAX; j++)
		assert_int_equal(sched_job_parse(sched_job_name(j)), j);
	assert_int_equal(sched_job_parse("sync"), SCHED_SYNC);
	assert_int_equal(sched_job_parse("expiry"), SCHED_EXPIRY);
	assert_int_equal(sched_job_parse("nope"), -1);
	/* NULL is a no-op */
	ok(sched_stop(NULL, 0));
}

static void
test_scheduler__crl(void **state)
{
	struct fixture *fx = *state;
	struct store_crl *crl, *root_crl;
	struct sched_status st;
	char *serial;
	int64_t first;

	start(fx);
	/* The first run is due at once and signs what is missing. */
	st = first_run(fx, SCHED_CRL);
	assert_int_equal(st.last_rc, 0);
	assert_true(st.last_end >= st.last_start && st.last_end > 0);
	assert_int_equal(st.next_due, st.last_end + 60);
	crl = latest_crl(fx, fx->e->ca);
	root_crl = latest_crl(fx, fx->e->root);
	first = crl->number;
	assert_int_equal(crl->this_update, fx->t0);
	assert_int_equal(crl->next_update, fx->t0 + 7 * DAY);
	store_crl_free(crl);
	store_crl_free(root_crl);

	/* Nothing changed: nothing is signed. */
	st = run(fx, SCHED_CRL);
	assert_string_equal(st.last_msg, "0 CRLs signed");
	crl = latest_crl(fx, fx->e->ca);
	assert_int_equal(crl->number, first);
	store_crl_free(crl);

	/* A revocation is on the next CRL, of that CA only. */
	serial = issue(fx, "rev@example.org", 30, fx->t0);
	ok(store_cert_revoke(fx->e->st, serial, REVOKE_KEY_COMPROMISE,
	    fx->t0 + 30));
	atomic_store(&clock_now, fx->t0 + 60);
	st = run(fx, SCHED_CRL);
	assert_string_equal(st.last_msg, "1 CRL signed");
	crl = latest_crl(fx, fx->e->ca);
	assert_int_equal(crl->number, first + 1);
	assert_int_equal(crl->this_update, fx->t0 + 60);
	assert_true(crl_lists(crl, fx->e->ca, serial));
	store_crl_free(crl);
	st = run(fx, SCHED_CRL);
	assert_string_equal(st.last_msg, "0 CRLs signed");

	/* Half the window gone: re-signed, before nextUpdate is near. */
	atomic_store(&clock_now, fx->t0 + 60 + 7 * DAY / 2);
	run(fx, SCHED_CRL);
	crl = latest_crl(fx, fx->e->ca);
	assert_int_equal(crl->number, first + 1);
	store_crl_free(crl);
	atomic_store(&clock_now, fx->t0 + 61 + 7 * DAY / 2);
	st = run(fx, SCHED_CRL);
	assert_string_equal(st.last_msg, "1 CRL signed");
	crl = latest_crl(fx, fx->e->ca);
	assert_int_equal(crl->number, first + 2);
	assert_true(crl_lists(crl, fx->e->ca, serial));
	store_crl_free(crl);
	free(serial);
}

static void
test_scheduler__cert_expiry(void **state)
{
	struct fixture *fx = *state;
	struct store_cert_filter f;
	struct store_cert **v = NULL;
	struct store_event **ev;
	struct sched_status st;
	char *hand, *old, *renewed, na[TIMEFMT_LEN];
	const char *stay = NULL, *left = NULL;
	json_t *data;
	size_t nv = 0, n, i;
	int64_t end;
	int round;

	/* u00 stays in Staff; u01 leaves it (and keeps the certificate). */
	write_users(fx, 2, 2);
	staff_policy(fx, NULL, 40);
	start(fx);
	st = run(fx, SCHED_SYNC);
	assert_string_equal(st.last_msg, "2 done, 0 failed");
	write_users(fx, 2, 1);
	run(fx, SCHED_SYNC);
	memset(&f, 0, sizeof(f));
	f.state = CERT_STATE_VALID;
	f.expired = -1;
	f.managed = 1;
	ok(store_cert_list(&v, &nv, fx->e->st, &f));
	assert_int_equal(nv, 2);
	for (i = 0; i < nv; i++) {
		if (strcmp(v[i]->email, "u00@example.org") == 0)
			stay = v[i]->serial;
		else
			left = v[i]->serial;
	}
	assert_non_null(stay);
	assert_non_null(left);
	hand = issue(fx, "hand@example.org", 40, fx->t0);
	/* replaced by a longer one: never warned about */
	old = issue(fx, "ren@example.org", 40, fx->t0);
	renewed = issue(fx, "ren@example.org", 100, fx->t0);
	end = fx->t0 + 40 * DAY - 1;

	for (round = 0; round < 2; round++) {
		/* 29 days left: the sync would still renew u00's */
		atomic_store(&clock_now, end - 29 * DAY);
		run(fx, SCHED_EXPIRY);
		assert_int_equal(nevents(fx, EVENT_CERT_EXPIRING), 2);
		assert_int_equal(nwarned(fx, EVENT_CERT_EXPIRING, hand, 30),
		    1);
		assert_int_equal(nwarned(fx, EVENT_CERT_EXPIRING, left, 30),
		    1);
	}
	for (round = 0; round < 2; round++) {
		/* 6 days left, below renew_days: renewal did not happen */
		atomic_store(&clock_now, end - 6 * DAY);
		st = run(fx, SCHED_EXPIRY);
		assert_string_equal(st.last_msg, round == 0 ?
		    "3 expiry warnings raised" : "0 expiry warnings raised");
		assert_int_equal(nevents(fx, EVENT_CERT_EXPIRING), 5);
		assert_int_equal(nwarned(fx, EVENT_CERT_EXPIRING, hand, 7), 1);
		assert_int_equal(nwarned(fx, EVENT_CERT_EXPIRING, left, 7), 1);
		assert_int_equal(nwarned(fx, EVENT_CERT_EXPIRING, stay, 7), 1);
	}
	for (round = 0; round < 3; round++) {
		atomic_store(&clock_now, end - DAY / 2 + round * 60);
		run(fx, SCHED_EXPIRY);
		assert_int_equal(nevents(fx, EVENT_CERT_EXPIRING), 8);
		assert_int_equal(nwarned(fx, EVENT_CERT_EXPIRING, stay, 1), 1);
	}
	assert_int_equal(nwarned(fx, EVENT_CERT_EXPIRING, old, 30) +
	    nwarned(fx, EVENT_CERT_EXPIRING, old, 7) +
	    nwarned(fx, EVENT_CERT_EXPIRING, old, 1) +
	    nwarned(fx, EVENT_CERT_EXPIRING, renewed, 30), 0);
	/* expired certificates are not warned about */
	atomic_store(&clock_now, end + 1);
	run(fx, SCHED_EXPIRY);
	assert_int_equal(nevents(fx, EVENT_CERT_EXPIRING), 8);

	/* what the event says */
	ev = events(fx, EVENT_CERT_EXPIRING, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(ev[i]->serial, hand) != 0)
			continue;
		assert_string_equal(ev[i]->email, "hand@example.org");
		assert_int_equal(ev[i]->user_id, 0);
		assert_non_null(data = json_loads(ev[i]->data, 0, NULL));
		assert_string_equal(json_string_value(json_object_get(data,
		    "not_after")), timefmt_utc(na, end));
		if (json_integer_value(json_object_get(data, "threshold")) ==
		    7) {
			assert_int_equal(ev[i]->created_at, end - 6 * DAY);
			assert_int_equal(json_integer_value(json_object_get(
			    data, "days_left")), 6);
		}
		json_decref(data);
	}
	store_event_list_free(ev, n);
	store_cert_list_free(v, nv);
	free(hand);
	free(old);
	free(renewed);
}

static void
test_scheduler__ca_expiry(void **state)
{
	struct fixture *fx = *state;
	struct store_event **ev;
	struct store_ca *rec = NULL;
	const char *what;
	json_t *data;
	size_t n, i;
	int64_t end = fx->e->ca->not_after;
	int round;

	start(fx);
	/* the first scan finds nothing near */
	first_run(fx, SCHED_EXPIRY);
	assert_int_equal(nevents(fx, EVENT_CA_EXPIRING), 0);
	/* 29 days before it can no longer sign a full 365 days */
	for (round = 0; round < 2; round++) {
		atomic_store(&clock_now, end - 394 * DAY);
		run(fx, SCHED_EXPIRY);
		assert_int_equal(nevents(fx, EVENT_CA_EXPIRING), 1);
	}
	/* seen first a week before the end: only the most urgent one, and
	 * the full-term warning that was not yet given */
	for (round = 0; round < 2; round++) {
		atomic_store(&clock_now, end - 6 * DAY);
		run(fx, SCHED_EXPIRY);
		assert_int_equal(nevents(fx, EVENT_CA_EXPIRING), 3);
	}
	ok(store_ca_get(&rec, fx->e->st, "issuing-1"));
	ev = events(fx, EVENT_CA_EXPIRING, &n);
	for (i = 0; i < n; i++) {
		assert_string_equal(ev[i]->serial, rec->serial);
		assert_non_null(data = json_loads(ev[i]->data, 0, NULL));
		assert_string_equal(json_string_value(json_object_get(data,
		    "ca")), "issuing-1");
		what = json_string_value(json_object_get(data, "what"));
		assert_non_null(what);
		if (i == 0) {
			assert_string_equal(what, "full_term");
			assert_int_equal(json_integer_value(json_object_get(
			    data, "threshold")), 30);
			assert_int_equal(json_integer_value(json_object_get(
			    data, "days_left")), 29);
		} else
			assert_int_equal(json_integer_value(json_object_get(
			    data, "threshold")), 7);
		json_decref(data);
	}
	store_event_list_free(ev, n);
	store_ca_free(rec);
}

static void
test_scheduler__domains(void **state)
{
	struct fixture *fx = *state;
	struct store_domain *d = NULL;
	struct sched_status st;
	int round;

	ok(store_domain_get(&d, fx->e->st, "example.org"));
	start(fx);
	first_run(fx, SCHED_DOMAINS);
	assert_int_equal(nevents(fx, EVENT_DOMAIN_EXPIRING), 0);
	for (round = 0; round < 2; round++) {
		atomic_store(&clock_now, d->valid_until - 10 * DAY);
		st = run(fx, SCHED_DOMAINS);
		assert_int_equal(nevents(fx, EVENT_DOMAIN_EXPIRING), 1);
	}
	assert_string_equal(st.last_msg, "0 domains re-verified, 0 failed, "
	    "0 alerts raised");
	atomic_store(&clock_now, d->valid_until + 1);
	st = run(fx, SCHED_DOMAINS);
	assert_string_equal(st.last_msg, "0 domains re-verified, 0 failed, "
	    "1 alert raised");
	assert_int_equal(nevents(fx, EVENT_DOMAIN_LAPSED), 1);
	/* a sync at the same clock does not report it again */
	write_users(fx, 1, 1);
	run(fx, SCHED_SYNC);
	assert_int_equal(nevents(fx, EVENT_DOMAIN_LAPSED), 1);
	assert_int_equal(nevents(fx, EVENT_DOMAIN_EXPIRING), 1);
	store_domain_free(d);
}

static void
test_scheduler__ocsp_without_cache(void **state)
{
	struct fixture *fx = *state;
	struct sched_status st;

	start(fx);
	st = run(fx, SCHED_OCSP);
	assert_string_equal(st.last_msg, "no responder in this process");
	assert_true(st.last_success > 0);
}

static void
test_scheduler__ocsp(void **state)
{
	struct fixture *fx = *state;
	struct sched_status st;
	char *serial;

	ok(ocsp_cache_new(&fx->w->ocsp));
	serial = issue(fx, "ocsp@example.org", 30, fx->t0);
	start(fx);
	st = first_run(fx, SCHED_OCSP);
	if (st.last_rc != 0)
		fail_msg("ocsp failed: %s", st.last_msg);
	assert_non_null(strstr(st.last_msg, "responder certificate made"));
	assert_non_null(strstr(st.last_msg, "1 response signed"));
	/* a state change is picked up by a triggered run */
	ok(store_cert_revoke(fx->e->st, serial, REVOKE_KEY_COMPROMISE,
	    fx->t0 + 30));
	st = run(fx, SCHED_OCSP);
	assert_non_null(strstr(st.last_msg, "0 responder certificates made, "
	    "1 response signed"));
	ok(sched_stop(fx->s, 30000));
	fx->s = NULL;
	ocsp_cache_free(fx->w->ocsp);
	fx->w->ocsp = NULL;
	free(serial);
}

static void
test_scheduler__sync_once(void **state)
{
	struct fixture *fx = *state;
	struct sched_status st;
	struct store_run *r = NULL;

	write_users(fx, 3, 3);
	staff_policy(fx, NULL, 0);
	start(fx);
	/* interval 0: only when triggered */
	st = settled(fx, SCHED_SYNC);
	assert_int_equal(st.last_start, 0);
	assert_int_equal(st.next_due, 0);
	ok(sched_trigger(fx->s, SCHED_SYNC));
	want_msg(sched_trigger(fx->s, SCHED_SYNC), ERR_EXISTS,
	    "job \"sync\" is");
	st = settled(fx, SCHED_SYNC);
	assert_int_equal(st.last_rc, 0);
	assert_string_equal(st.last_msg, "3 done, 0 failed");
	assert_int_equal(nevents(fx, EVENT_CERT_ISSUED), 3);
	ok(store_run_latest(&r, fx->e->st));
	assert_int_equal(r->state, STORE_RUN_DONE);
	assert_int_equal(r->at, fx->t0);
	store_run_free(r);
	/* idle again: it can be triggered, and finds nothing to do */
	st = run(fx, SCHED_SYNC);
	assert_string_equal(st.last_msg, "0 done, 0 failed");
	assert_int_equal(nevents(fx, EVENT_CERT_ISSUED), 3);
	want(sched_trigger(fx->s, SCHED__MAX), ERR_INVALID);
}

/* RSA keys make the sync take seconds, long enough to stop it midway. */
#define STOP_USERS	30
#define STOP_DEADLINE_MS 5000

static void
test_scheduler__stop_during_sync(void **state)
{
	struct fixture *fx = *state;
	struct store_run *run = NULL;
	struct store_action **acts = NULL;
	struct sync_report *r = NULL;
	struct sync_opts o;
	struct timespec t0, t1;
	size_t nacts = 0, planned_left = 0, i;
	int64_t ms;

	write_users(fx, STOP_USERS, STOP_USERS);
	staff_policy(fx, "rsa-2048", 0);
	start(fx);
	ok(sched_trigger(fx->s, SCHED_SYNC));
	for (i = 0; store_run_unfinished(&run, fx->e->st) != 0; i++) {
		assert_true(i < 12000);
		usleep(5000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(sched_stop(fx->s, STOP_DEADLINE_MS));
	fx->s = NULL;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (int64_t)(t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < STOP_DEADLINE_MS);

	/* stopped between actions: the run is left for the next sync */
	store_run_free(run);
	run = NULL;
	ok(store_run_unfinished(&run, fx->e->st));
	ok(store_action_list(&acts, &nacts, fx->e->st, run->id, -1));
	assert_int_equal(nacts, STOP_USERS);
	for (i = 0; i < nacts; i++)
		if (acts[i]->state == STORE_ACTION_PLANNED)
			planned_left++;
		else
			assert_int_equal(acts[i]->state, STORE_ACTION_DONE);
	store_action_list_free(acts, nacts);
	assert_true(planned_left > 0);
	assert_int_equal(nevents(fx, EVENT_CERT_ISSUED),
	    STOP_USERS - planned_left);

	memset(&o, 0, sizeof(o));
	o.at = fx->t0 + 60;
	ok(sync_run(&r, fx->e->st, fx->e->cfg, fx->e->kek, &o));
	assert_int_equal(r->resumed_run, run->id);
	assert_int_equal(r->resumed_done, planned_left);
	sync_report_free(r);
	store_run_free(run);
	run = NULL;
	assert_int_equal(store_run_unfinished(&run, fx->e->st),
	    ERR_NOTFOUND);
	assert_int_equal(nevents(fx, EVENT_CERT_ISSUED), STOP_USERS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scheduler__names),
		cmocka_unit_test_setup_teardown(test_scheduler__crl, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scheduler__cert_expiry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler__ca_expiry,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler__domains,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_scheduler__ocsp_without_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scheduler__ocsp, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scheduler__sync_once,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_scheduler__stop_during_sync, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
