/*
 * jobs.c: the bodies of the daemon's recurring jobs (jobs.h). The sync,
 * CRL, OCSP and domain jobs hand over to the core module that owns the
 * work; the expiry scan lives here, since it only reads the store and
 * raises alerts.
 *
 * Expiry warnings go out once per certificate (or CA) and threshold: the
 * alert key names the serial and the threshold, and the event is written
 * in the transaction that raises the alert, so however often the scan
 * runs, and whichever thread runs it, each is reported exactly once. A
 * scan that first sees a certificate late raises only the most urgent
 * threshold reached, never the stale ones above it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "crl.h"
#include "domain.h"
#include "eligible.h"
#include "err.h"
#include "jobs.h"
#include "ocsp.h"
#include "scheduler.h"
#include "store-dir.h"
#include "store.h"
#include "sync.h"
#include "util/array.h"
#include "util/timefmt.h"
#include "web.h"

#define DAY	86400

/* Days before the end at which to warn, ascending. */
static const int cert_days[] = { 1, 7, 30 };
static const int ca_days[] = { 7, 30, 90 };
#define NTHRESH	3

/* Usages as bits, so a dual pair (sign + encrypt) covers "both". */
#define USE_SIGN	1
#define USE_ENCRYPT	2

/* What the scan reads once and consults per certificate. */
struct scan {
	struct store	*st;
	const struct config *cfg;
	int64_t		 now;
	struct store_user **users;	/* by id */
	size_t		 nusers;
	struct store_group **groups;
	size_t		 ngroups;
	struct store_domain **doms;
	size_t		 ndoms;
	struct elig_ctx	*ec;
	size_t		 raised;
};

int
jobs_sync(struct job_result *out, struct web *w, const atomic_int *cancel,
    int64_t now)
{
	struct sync_opts o;
	struct sync_report *r = NULL;
	struct store *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = web_store(&st, w)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	o.at = now;
	o.cancel = cancel;
	rc = sync_run(&r, st, web_config(w), w->kek, &o);
	if (r != NULL)
		snprintf(out->msg, sizeof(out->msg), "%zu done, %zu failed%s",
		    r->done + r->resumed_done, r->failed + r->resumed_failed,
		    r->resumed_run != 0 ? " (finishing an earlier run)" : "");
	sync_report_free(r);
	return rc;
}

int
jobs_crl(struct job_result *out, struct web *w, const atomic_int *cancel,
    int64_t now)
{
	struct store *st;
	size_t n = 0;
	int rc;

	(void)cancel;
	memset(out, 0, sizeof(*out));
	if ((rc = web_store(&st, w)) != 0)
		return rc;
	rc = crl_refresh(&n, st, w->kek, web_config(w), now);
	snprintf(out->msg, sizeof(out->msg), "%zu CRL%s signed", n,
	    n == 1 ? "" : "s");
	out->quiet = rc == 0 && n == 0;
	return rc;
}

int
jobs_ocsp(struct job_result *out, struct web *w, const atomic_int *cancel,
    int64_t now)
{
	struct ocsp_refresh_stats stats;
	struct store *st;
	int rc;

	(void)cancel;
	memset(out, 0, sizeof(*out));
	if (w->ocsp == NULL) {
		snprintf(out->msg, sizeof(out->msg), "no responder in this "
		    "process");
		out->quiet = 1;
		return 0;
	}
	if ((rc = web_store(&st, w)) != 0)
		return rc;
	memset(&stats, 0, sizeof(stats));
	if ((rc = ocsp_refresh(w->ocsp, st, web_config(w), w->kek, now,
	    &stats)) != 0)
		return rc;
	snprintf(out->msg, sizeof(out->msg), "%zu CA%s, %zu responder "
	    "certificate%s made, %zu response%s signed, %zu held", stats.cas,
	    stats.cas == 1 ? "" : "s", stats.responders_made,
	    stats.responders_made == 1 ? "" : "s", stats.signed_now,
	    stats.signed_now == 1 ? "" : "s", stats.responses);
	out->quiet = stats.responders_made == 0 && stats.signed_now == 0;
	return 0;
}

int
jobs_domains(struct job_result *out, struct web *w, const atomic_int *cancel,
    int64_t now)
{
	struct store_domain **doms = NULL;
	struct store *st;
	const char *kind;
	size_t checked = 0, failed = 0, nraised = 0, n = 0, i;
	int raised, rc;

	(void)cancel;
	memset(out, 0, sizeof(*out));
	if ((rc = web_store(&st, w)) != 0)
		return rc;
	/* Lookups outside any transaction: DNS may take seconds. */
	if ((rc = domain_verify_due(&checked, &failed, st, web_config(w),
	    now)) != 0 ||
	    (rc = store_domain_list(&doms, &n, st)) != 0 ||
	    (rc = store_begin(st)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if ((rc = domain_alert(&kind, &raised, st, doms[i], now)) != 0)
			break;
		nraised += (size_t)raised;
	}
	if (rc != 0 || (rc = store_commit(st)) != 0) {
		store_rollback(st);
		nraised = 0;
	}
out:
	snprintf(out->msg, sizeof(out->msg), "%zu domain%s re-verified, %zu "
	    "failed, %zu alert%s raised", checked - failed,
	    checked - failed == 1 ? "" : "s", failed, nraised,
	    nraised == 1 ? "" : "s");
	out->quiet = rc == 0 && checked == 0 && nraised == 0;
	store_domain_list_free(doms, n);
	return rc;
}

/* ---- expiry ---- */

/* The most urgent threshold of t[] that left seconds reach; 0: none. */
static int
threshold(const int *t, int64_t left)
{
	size_t i;

	for (i = 0; i < NTHRESH; i++)
		if (left <= (int64_t)t[i] * DAY)
			return t[i];
	return 0;
}

static unsigned
use_bits(const char *usage)
{
	if (strcmp(usage, "sign") == 0)
		return USE_SIGN;
	if (strcmp(usage, "encrypt") == 0)
		return USE_ENCRYPT;
	return USE_SIGN | USE_ENCRYPT;
}

/*
 * Raise key and, when it is new, write the event kind about serial (with
 * user_id and email, which may be 0 and NULL). data is consumed.
 */
static int
raise_event(struct scan *sc, const char *key, const char *kind,
    int64_t user_id, const char *email, const char *serial, json_t *data)
{
	struct store_event e;
	char *text = NULL;
	int raised = 0, rc;

	if (data == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if ((rc = store_alert_raise(sc->st, key, sc->now, &raised)) != 0 ||
	    !raised)
		goto out;
	if ((text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.kind = (char *)kind;
	e.created_at = sc->now;
	e.user_id = user_id;
	e.email = (char *)email;
	e.serial = (char *)serial;
	e.data = text;
	if ((rc = store_event_put(sc->st, &e)) == 0)
		sc->raised++;
out:
	free(text);
	json_decref(data);
	return rc;
}

static int
cmp_user_id(const void *key, const void *elem)
{
	int64_t id = *(const int64_t *)key;
	const struct store_user *u = *(struct store_user *const *)elem;

	return id < u->id ? -1 : id > u->id;
}

/* By address, so a certificate's successors are next to it. */
static int
cmp_cert_email(const void *a, const void *b)
{
	const struct store_cert *x = *(struct store_cert *const *)a;
	const struct store_cert *y = *(struct store_cert *const *)b;

	return strcmp(x->email, y->email);
}

/*
 * Whether the sync will renew c before it expires: it is managed for a
 * user who is still eligible (eligible.h), and the threshold is not below
 * renew_days, when the renewal would have happened already.
 */
static int
will_renew(const struct scan *sc, const struct store_cert *c, int t)
{
	struct store_user **u;

	if (c->user_id == 0 || t < sc->cfg->sync_renew_days)
		return 0;
	u = sc->nusers == 0 ? NULL : bsearch(&c->user_id, sc->users,
	    sc->nusers, sizeof(*sc->users), cmp_user_id);
	return u != NULL && elig_check(sc->ec, *u, NULL, NULL) == 0;
}

/* Warn about c, one of the valid certificates v[b..e) of its address. */
static int
cert_expiring(struct scan *sc, struct store_cert *const *v, size_t b,
    size_t e, const struct store_cert *c)
{
	char key[128], na[TIMEFMT_LEN];
	unsigned newer = 0;
	size_t k;
	int t;

	if (c->not_after <= sc->now ||
	    (t = threshold(cert_days, c->not_after - sc->now)) == 0)
		return 0;
	for (k = b; k < e; k++)
		if (v[k]->not_after > c->not_after)
			newer |= use_bits(v[k]->usage);
	if ((newer & use_bits(c->usage)) == use_bits(c->usage) ||
	    will_renew(sc, c, t))
		return 0;
	snprintf(key, sizeof(key), "%s:%s:%d", EVENT_CERT_EXPIRING, c->serial,
	    t);
	return raise_event(sc, key, EVENT_CERT_EXPIRING, c->user_id, c->email,
	    c->serial, json_pack("{s:I, s:i, s:s}", "days_left",
	    (json_int_t)((c->not_after - sc->now) / DAY), "threshold", t,
	    "not_after", timefmt_utc(na, c->not_after)));
}

static int
scan_certs(struct scan *sc)
{
	struct store_cert_filter f;
	struct store_cert **v = NULL;
	size_t n = 0, b, e, i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.state = CERT_STATE_VALID;
	f.expired = 0;
	f.now = sc->now;
	if ((rc = store_cert_list(&v, &n, sc->st, &f)) != 0)
		return rc;
	array_sort(v, n, sizeof(*v), cmp_cert_email);
	for (b = 0; rc == 0 && b < n; b = e) {
		for (e = b + 1; e < n && strcmp(v[e]->email, v[b]->email) == 0;
		    e++)
			;
		for (i = b; rc == 0 && i < e; i++)
			rc = cert_expiring(sc, v, b, e, v[i]);
	}
	store_cert_list_free(v, n);
	return rc;
}

/* ca.expiring for the end of ca's life (what "expires") or of the time
 * it can still sign a full-length certificate ("full_term"), at end. */
static int
ca_expiring(struct scan *sc, const struct store_ca *ca, const char *what,
    int64_t end)
{
	char key[128], na[TIMEFMT_LEN], until[TIMEFMT_LEN];
	int64_t left = end > sc->now ? end - sc->now : 0;
	int t;

	if ((t = threshold(ca_days, left)) == 0)
		return 0;
	snprintf(key, sizeof(key), "%s:%s:%s:%d", EVENT_CA_EXPIRING, what,
	    ca->serial, t);
	return raise_event(sc, key, EVENT_CA_EXPIRING, 0, NULL, ca->serial,
	    json_pack("{s:s, s:s, s:I, s:i, s:s, s:s}", "ca", ca->name,
	    "what", what, "days_left", (json_int_t)(left / DAY), "threshold",
	    t, "not_after", timefmt_utc(na, ca->not_after), "until",
	    timefmt_utc(until, end)));
}

static int
scan_cas(struct scan *sc)
{
	struct store_ca **cas = NULL;
	const struct store_ca *ca;
	size_t n = 0, i;
	int rc;

	if ((rc = store_ca_list(&cas, &n, sc->st)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < n; i++) {
		ca = cas[i];
		if (ca->state == STORE_CA_RETIRED || ca->not_after <= sc->now)
			continue;
		rc = ca_expiring(sc, ca, "expires", ca->not_after);
		if (rc == 0 && ca->role == STORE_CA_ISSUING)
			rc = ca_expiring(sc, ca, "full_term", ca->not_after -
			    (int64_t)sc->cfg->issue_days * DAY);
	}
	store_ca_list_free(cas, n);
	return rc;
}

int
jobs_expiry(struct job_result *out, struct web *w, const atomic_int *cancel,
    int64_t now)
{
	struct store_user_filter uf;
	struct scan sc;
	int rc;

	(void)cancel;
	memset(out, 0, sizeof(*out));
	memset(&sc, 0, sizeof(sc));
	sc.cfg = web_config(w);
	sc.now = now;
	memset(&uf, 0, sizeof(uf));
	uf.present = -1;
	if ((rc = web_store(&sc.st, w)) != 0 ||
	    (rc = store_user_list(&sc.users, &sc.nusers, sc.st, &uf)) != 0 ||
	    (rc = store_group_list(&sc.groups, &sc.ngroups, sc.st)) != 0 ||
	    (rc = store_domain_list(&sc.doms, &sc.ndoms, sc.st)) != 0 ||
	    (rc = elig_ctx_new(&sc.ec, sc.groups, sc.ngroups, sc.doms,
	    sc.ndoms, sc.users, sc.nusers, now)) != 0 ||
	    (rc = store_begin(sc.st)) != 0)
		goto out;
	if ((rc = scan_certs(&sc)) != 0 || (rc = scan_cas(&sc)) != 0 ||
	    (rc = store_commit(sc.st)) != 0) {
		store_rollback(sc.st);
		sc.raised = 0;
	}
out:
	snprintf(out->msg, sizeof(out->msg), "%zu expiry warning%s raised",
	    sc.raised, sc.raised == 1 ? "" : "s");
	out->quiet = rc == 0 && sc.raised == 0;
	elig_ctx_free(sc.ec);
	store_domain_list_free(sc.doms, sc.ndoms);
	store_group_list_free(sc.groups, sc.ngroups);
	store_user_list_free(sc.users, sc.nusers);
	return rc;
}
