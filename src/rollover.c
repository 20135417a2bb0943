/*
 * rollover.c: replacing an issuing CA (and its root) before it can no
 * longer sign full-length certificates (S/MIME BR 6.3.2: a CA never signs a
 * certificate that outlives it). The old CA keeps signing CRLs until every
 * certificate it signed that is still in use has a successor; then its
 * superseded certificates are revoked (RFC 5280 5.3.1 reason superseded),
 * it signs one last CRL, and it is retired.
 *
 * Crash safety: begin and finish are single transactions. Reissue cannot
 * be: issue_many() commits new certificates in groups of its own, and the
 * superseded_by marks on the old ones follow in one more transaction. The
 * mark is what says "done", and adopt() (run first by reissue and finish)
 * closes the gap a crash leaves between the two, so nothing is re-issued
 * twice and finish never waits on a mark that will not come.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "ca.h"
#include "config.h"
#include "crl.h"
#include "err.h"
#include "issue.h"
#include "keys.h"
#include "profile.h"
#include "rollover.h"
#include "store.h"
#include "util/array.h"
#include "util/timefmt.h"

#define DAY		86400
#define CN_MAX_BYTES	(256 + 32)

static const char *const health_names[ROLLOVER__MAX] = {
	[ROLLOVER_OK] = "ok",
	[ROLLOVER_SOON] = "rollover-soon",
	[ROLLOVER_SHORT] = "short",
	[ROLLOVER_EXPIRED] = "expired",
	[ROLLOVER_RETIRED] = "retired",
};

int64_t
rollover_full_until(const struct store_ca *ca, int days)
{
	/* A leaf ends at now + days * DAY - 1 and must not pass notAfter. */
	return ca->not_after - (int64_t)days * DAY + 1;
}

enum rollover_health
rollover_health(const struct store_ca *ca, int days, int64_t now)
{
	int64_t until = rollover_full_until(ca, days);

	if (ca->state == STORE_CA_RETIRED)
		return ROLLOVER_RETIRED;
	if (now > ca->not_after)
		return ROLLOVER_EXPIRED;
	if (now > until)
		return ROLLOVER_SHORT;
	if (until - now < (int64_t)ROLLOVER_WARN_DAYS * DAY)
		return ROLLOVER_SOON;
	return ROLLOVER_OK;
}

const char *
rollover_health_name(enum rollover_health h)
{
	return (size_t)h < ROLLOVER__MAX ? health_names[h] : "unknown";
}

static int
is_old_issuing(const struct store_ca *c, const struct store_ca *cur)
{
	return c->role == STORE_CA_ISSUING && c->state == STORE_CA_ACTIVE &&
	    c->id != cur->id;
}

/* How many active CAs root signed. */
static size_t
active_children(const struct store_ca *root, struct store_ca *const *cas,
    size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		if (cas[i]->parent_id == root->id &&
		    cas[i]->state == STORE_CA_ACTIVE)
			k++;
	return k;
}

/* A root that new CAs no longer come from: not the current CA's. */
static int
is_old_root(const struct store_ca *c, const struct store_ca *cur)
{
	return c->role == STORE_CA_ROOT && c->state == STORE_CA_ACTIVE &&
	    c->id != cur->parent_id;
}

/* From a CSR: mailcert never held the key (a released one it did). */
static int
from_csr(const struct store_cert *c)
{
	return c->key_id == NULL && c->key_released_at == 0;
}

static const char *
usage_of(const struct store_cert *c)
{
	return c->usage != NULL ? c->usage : "both";
}

/* Could fresh, of the current CA, stand in for old? */
static int
replaces(const struct store_cert *fresh, const struct store_cert *old)
{
	if (strcmp(fresh->email, old->email) != 0 ||
	    strcmp(usage_of(fresh), usage_of(old)) != 0 ||
	    strcmp(fresh->profile, old->profile) != 0)
		return 0;
	if (from_csr(old))
		return from_csr(fresh);
	return !from_csr(fresh) && strcmp(fresh->key_alg, old->key_alg) == 0;
}

/* All CAs and the current issuing CA (a record of the list, borrowed). */
static int
load_cas(struct store_ca ***cas, size_t *n, struct store_ca **cur,
    struct store *st)
{
	struct store_ca *rec = NULL;
	size_t i;
	int rc;

	*cas = NULL;
	*n = 0;
	*cur = NULL;
	if ((rc = store_ca_current(&rec, st)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = err_set(ERR_UNINIT, "the store holds no active "
			    "issuing CA");
		return rc;
	}
	if ((rc = store_ca_list(cas, n, st)) != 0)
		goto out;
	for (i = 0; i < *n; i++)
		if ((*cas)[i]->id == rec->id)
			*cur = (*cas)[i];
	if (*cur == NULL)
		rc = err_set(ERR_STORE, "the current CA \"%s\" is missing from "
		    "the list of CAs", rec->name);
out:
	if (rc != 0) {
		store_ca_list_free(*cas, *n);
		*cas = NULL;
		*n = 0;
	}
	store_ca_free(rec);
	return rc;
}

/*
 * The certificates of every old issuing CA that match state and expired
 * (as in store_cert_filter), by CA then age. *out is the caller's
 * (store_cert_list_free()).
 */
static int
old_certs(struct store_cert ***out, size_t *nout, struct store *st,
    struct store_ca *const *cas, size_t n, const struct store_ca *cur,
    int state, int expired, int64_t now)
{
	struct store_cert_filter f;
	struct store_cert **all = NULL, **v = NULL, **nall;
	size_t len = 0, cap = 0, nv = 0, i, j;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	for (i = 0; rc == 0 && i < n; i++) {
		if (!is_old_issuing(cas[i], cur))
			continue;
		memset(&f, 0, sizeof(f));
		f.ca_id = cas[i]->id;
		f.state = state;
		f.expired = expired;
		f.now = now;
		if ((rc = store_cert_list(&v, &nv, st, &f)) != 0)
			break;
		for (j = 0; j < nv; j++) {
			if ((nall = array_grow(all, len, &cap, sizeof(*all))) ==
			    NULL) {
				rc = err_set(ERR_NOMEM, "out of memory");
				break;
			}
			all = nall;
			all[len++] = v[j];
			v[j] = NULL; /* transferred */
		}
		store_cert_list_free(v, nv);
		v = NULL;
	}
	if (rc != 0) {
		store_cert_list_free(all, len);
		return rc;
	}
	*out = all;
	*nout = len;
	return 0;
}

/* A valid certificate of the current CA, and whether one of the old CAs'
 * certificates names it as superseded_by already. */
struct fresh {
	struct store_cert *c;
	int		 claimed;
};

static int
cmp_serial(const void *a, const void *b)
{
	const struct fresh *x = *(struct fresh *const *)a;
	const struct fresh *y = *(struct fresh *const *)b;

	return strcmp(x->c->serial, y->c->serial);
}

static int
cmp_email(const void *a, const void *b)
{
	const struct fresh *x = *(struct fresh *const *)a;
	const struct fresh *y = *(struct fresh *const *)b;
	int d;

	if ((d = strcmp(x->c->email, y->c->email)) != 0)
		return d;
	return (x->c->id > y->c->id) - (x->c->id < y->c->id);
}

/* The first of the n sorted entries whose key is not below key. */
static size_t
lower_bound(struct fresh *const *v, size_t n, const char *key, int by_email)
{
	size_t lo = 0, hi = n, mid;
	const char *s;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s = by_email ? v[mid]->c->email : v[mid]->c->serial;
		if (strcmp(s, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Inside the caller's transaction: mark every active, unmarked certificate
 * of the old CAs that has an unclaimed replacement under the current CA
 * (replaces()) superseded by it, oldest first on both sides. Sorted
 * indexes keep this near-linear for large stores.
 */
static int
adopt(size_t *adopted, struct store *st, struct store_ca *const *cas,
    size_t n, const struct store_ca *cur, int64_t now)
{
	struct store_cert_filter f;
	struct store_cert **cur_certs = NULL, **old = NULL;
	struct fresh *fr = NULL, **by_serial = NULL, **by_email = NULL;
	size_t ncur = 0, nold = 0, i, k;
	int rc;

	*adopted = 0;
	memset(&f, 0, sizeof(f));
	f.ca_id = cur->id;
	f.state = CERT_STATE_VALID;
	f.expired = 0;
	f.now = now;
	if ((rc = store_cert_list(&cur_certs, &ncur, st, &f)) != 0)
		return rc;
	if (ncur == 0)
		goto out;
	if ((fr = calloc(ncur, sizeof(*fr))) == NULL ||
	    (by_serial = calloc(ncur, sizeof(*by_serial))) == NULL ||
	    (by_email = calloc(ncur, sizeof(*by_email))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < ncur; i++) {
		fr[i].c = cur_certs[i];
		by_serial[i] = by_email[i] = &fr[i];
	}
	array_sort(by_serial, ncur, sizeof(*by_serial), cmp_serial);
	array_sort(by_email, ncur, sizeof(*by_email), cmp_email);

	/* Claims of any old certificate, also revoked or expired ones. */
	if ((rc = old_certs(&old, &nold, st, cas, n, cur, -1, -1, now)) != 0)
		goto out;
	for (i = 0; i < nold; i++) {
		if (old[i]->superseded_by == NULL)
			continue;
		k = lower_bound(by_serial, ncur, old[i]->superseded_by, 0);
		if (k < ncur && strcmp(by_serial[k]->c->serial,
		    old[i]->superseded_by) == 0)
			by_serial[k]->claimed = 1;
	}
	for (i = 0; i < nold; i++) {
		if (old[i]->state != CERT_STATE_VALID ||
		    old[i]->not_after < now || old[i]->superseded_by != NULL)
			continue;
		for (k = lower_bound(by_email, ncur, old[i]->email, 1);
		    k < ncur && strcmp(by_email[k]->c->email,
		    old[i]->email) == 0; k++) {
			if (by_email[k]->claimed ||
			    !replaces(by_email[k]->c, old[i]))
				continue;
			if ((rc = store_cert_supersede(st, old[i]->serial,
			    by_email[k]->c->serial)) != 0)
				goto out;
			by_email[k]->claimed = 1;
			(*adopted)++;
			break;
		}
	}
out:
	free(by_email);
	free(by_serial);
	free(fr);
	store_cert_list_free(old, nold);
	store_cert_list_free(cur_certs, ncur);
	return rc;
}

/* One above the highest N of the CAs called prefix + N; 1 if none. */
static long long
next_number(struct store_ca *const *cas, size_t n, const char *prefix)
{
	size_t i, plen = strlen(prefix);
	long long v, max = 0;
	char *end;

	for (i = 0; i < n; i++) {
		if (strncmp(cas[i]->name, prefix, plen) != 0)
			continue;
		v = strtoll(cas[i]->name + plen, &end, 10);
		if (end != cas[i]->name + plen && *end == '\0' && v > max)
			max = v;
	}
	return max + 1;
}

int
rollover_begin(struct rollover_begun *out, struct store *st,
    const struct kek *kek, const struct config *cfg, int new_root,
    int64_t now)
{
	struct store_ca **cas = NULL, *cur = NULL, *root_rec = NULL;
	struct ca *root = NULL;
	char cn[CN_MAX_BYTES], when[TIMEFMT_LEN];
	long long num;
	size_t n = 0, i;
	int rc, txn = 0;

	memset(out, 0, sizeof(*out));
	/* Checked inside the transaction: two begins cannot both pass. */
	if ((rc = store_begin(st)) != 0)
		return rc;
	txn = 1;
	if ((rc = load_cas(&cas, &n, &cur, st)) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (is_old_issuing(cas[i], cur)) {
			rc = err_set(ERR_EXISTS, "a rollover is in progress: "
			    "issuing CAs \"%s\" and \"%s\" are both active; "
			    "finish it before beginning another",
			    cas[i]->name, cur->name);
			goto out;
		}
		if (cas[i]->id == cur->parent_id)
			root_rec = cas[i];
	}
	if (root_rec == NULL) {
		rc = err_set(ERR_STORE, "the root of CA \"%s\" is missing",
		    cur->name);
		goto out;
	}
	if (!new_root && rollover_full_until(root_rec, cfg->issue_days) <=
	    now) {
		rc = err_set(ERR_INVALID, "root \"%s\" ends %s, too soon for "
		    "an issuing CA under it to sign %d-day certificates; "
		    "begin the rollover with a new root", root_rec->name,
		    timefmt_utc(when, root_rec->not_after), cfg->issue_days);
		goto out;
	}
	snprintf(out->old, sizeof(out->old), "%s", cur->name);
	if (new_root) {
		num = next_number(cas, n, "root-");
		snprintf(out->root, sizeof(out->root), "root-%lld", num);
		if (snprintf(cn, sizeof(cn), "%s Root CA %lld", cfg->org,
		    num) >= (int)sizeof(cn)) {
			rc = err_set(ERR_INVALID, "organisation name is too "
			    "long for a CA name");
			goto out;
		}
		if ((rc = ca_create(&root, st, kek, cfg, NULL, out->root, cn,
		    now)) != 0)
			goto out;
	} else {
		snprintf(out->root, sizeof(out->root), "%s", root_rec->name);
		if ((rc = ca_load(&root, st, kek, root_rec->name)) != 0)
			goto out;
	}
	num = next_number(cas, n, "issuing-");
	snprintf(out->issuing, sizeof(out->issuing), "issuing-%lld", num);
	if (snprintf(cn, sizeof(cn), "%s S/MIME CA %lld", cfg->org, num) >=
	    (int)sizeof(cn)) {
		rc = err_set(ERR_INVALID, "organisation name is too long for a "
		    "CA name");
		goto out;
	}
	if ((rc = ca_create(NULL, st, kek, cfg, root, out->issuing, cn,
	    now)) != 0)
		goto out;
	rc = store_commit(st);
	txn = 0;
	out->new_root = new_root;
out:
	if (txn)
		store_rollback(st);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	ca_free(root);
	store_ca_list_free(cas, n);
	return rc;
}

static int
status_add_blocked(struct rollover_status *s, size_t *cap,
    const struct store_cert *c)
{
	struct rollover_blocked *b;

	if ((b = array_grow(s->blocked, s->nblocked, cap, sizeof(*b))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	s->blocked = b;
	b = &s->blocked[s->nblocked];
	memset(b, 0, sizeof(*b));
	s->nblocked++;
	if ((b->serial = strdup(c->serial)) == NULL ||
	    (b->email = strdup(c->email)) == NULL ||
	    (b->ca_name = strdup(c->ca_name)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

int
rollover_status(struct rollover_status **out, struct store *st, int64_t now)
{
	struct rollover_status *s = NULL;
	struct store_ca **cas = NULL, *cur;
	struct store_cert **v = NULL;
	struct store_cert_filter f;
	struct rollover_old *o;
	size_t n = 0, nv = 0, i, j, nold = 0, bcap = 0;
	int pass, rc;

	*out = NULL;
	if ((rc = load_cas(&cas, &n, &cur, st)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (is_old_issuing(cas[i], cur) || is_old_root(cas[i], cur))
			nold++;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->current = strdup(cur->name)) == NULL ||
	    (nold > 0 && (s->old = calloc(nold, sizeof(*s->old))) == NULL)) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Issuing CAs first: they are what the administrator acts on. */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			if (pass == 0 ? !is_old_issuing(cas[i], cur) :
			    !is_old_root(cas[i], cur))
				continue;
			o = &s->old[s->nold++];
			if ((o->name = strdup(cas[i]->name)) == NULL) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
			o->role = cas[i]->role;
			o->not_after = cas[i]->not_after;
			if (pass == 1) {
				o->cas = active_children(cas[i], cas, n);
				continue;
			}
			memset(&f, 0, sizeof(f));
			f.ca_id = cas[i]->id;
			f.state = CERT_STATE_VALID;
			f.expired = 0;
			f.now = now;
			if ((rc = store_cert_list(&v, &nv, st, &f)) != 0)
				goto out;
			for (j = 0; j < nv; j++) {
				o->active++;
				if (v[j]->superseded_by != NULL)
					o->superseded++;
				else if (from_csr(v[j])) {
					o->csr++;
					if ((rc = status_add_blocked(s, &bcap,
					    v[j])) != 0)
						goto out;
				}
			}
			store_cert_list_free(v, nv);
			v = NULL;
			nv = 0;
		}
	}
	*out = s;
	s = NULL; /* transferred */
out:
	store_cert_list_free(v, nv);
	rollover_status_free(s);
	store_ca_list_free(cas, n);
	return rc;
}

void
rollover_status_free(struct rollover_status *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nold; i++)
		free(s->old[i].name);
	for (i = 0; i < s->nblocked; i++) {
		free(s->blocked[i].serial);
		free(s->blocked[i].email);
		free(s->blocked[i].ca_name);
	}
	free(s->old);
	free(s->blocked);
	free(s->current);
	free(s);
}

/* The request that re-issues c with a new key of its type. */
static int
request_for(struct ca_request *req, const struct store_cert *c)
{
	int rc;

	memset(req, 0, sizeof(*req));
	req->email = c->email;
	req->given_name = c->given_name;
	req->surname = c->surname;
	/* a managed certificate's replacement stays managed */
	req->user_id = c->user_id;
	req->days = 0;	/* the configured default: a full-length one */
	if ((rc = keys_type_parse(&req->key, c->key_alg)) != 0 ||
	    (rc = profile_parse(&req->profile, c->profile)) != 0 ||
	    (rc = profile_usage_parse(&req->usage, usage_of(c))) != 0)
		return err_set(rc, "certificate %s has an unknown stored key "
		    "type, profile or usage", c->serial);
	return 0;
}

/* Record a failure of pair p with the current message. */
static int
pair_fail(struct rollover_pair *p, int rc, const char *msg)
{
	p->rc = rc;
	if ((p->error = strdup(msg)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

/*
 * Inside the caller's transaction: mark p's old certificate superseded by
 * serial unless a concurrent run marked it first. The first mark stands, so
 * every old certificate has one successor; the later one is reported in p.
 */
static int
mark(struct rollover_pair *p, struct store *st, const char *serial)
{
	struct store_cert *c = NULL;
	char msg[160];
	int rc;

	if ((rc = store_cert_get(&c, st, p->old_serial)) != 0)
		return rc;
	if (c->superseded_by == NULL)
		rc = store_cert_supersede(st, p->old_serial, serial);
	else {
		snprintf(msg, sizeof(msg), "re-issued meanwhile by another run "
		    "as %s; %s is a second certificate", c->superseded_by,
		    serial);
		rc = pair_fail(p, ERR_EXISTS, msg);
	}
	store_cert_free(c);
	return rc;
}

int
rollover_reissue(struct rollover_reissue **out, struct store *st,
    const struct kek *kek, const struct config *cfg, size_t batch,
    int64_t now)
{
	struct rollover_reissue *r = NULL;
	struct store_ca **cas = NULL, *cur;
	struct store_cert **v = NULL;
	struct ca *ca = NULL;
	struct ca_request *reqs = NULL;
	struct issue_result *res = NULL;
	size_t *map = NULL;		/* reqs[k] re-issues pair map[k] */
	size_t n = 0, nv = 0, nreq = 0, i, k, nold = 0;
	int rc, txn = 0;

	*out = NULL;
	if ((rc = load_cas(&cas, &n, &cur, st)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (is_old_issuing(cas[i], cur))
			nold++;
	if (nold == 0) {
		rc = err_set(ERR_INVALID, "no rollover is in progress: \"%s\" "
		    "is the only active issuing CA", cur->name);
		goto out;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = ca_load(&ca, st, kek, cur->name)) != 0)
		goto out;
	if ((rc = store_begin(st)) != 0)
		goto out;
	txn = 1;
	if ((rc = adopt(&r->adopted, st, cas, n, cur, now)) != 0 ||
	    (rc = store_commit(st)) != 0)
		goto out;
	txn = 0;

	if ((rc = old_certs(&v, &nv, st, cas, n, cur, CERT_STATE_VALID, 0,
	    now)) != 0)
		goto out;
	for (i = 0; i < nv; i++) {
		if (v[i]->superseded_by != NULL)
			continue;
		if (from_csr(v[i]))
			r->csr++;
		else if (batch != 0 && r->n == batch)
			r->remaining++;
		else
			r->n++;
	}
	if (r->n == 0)
		goto done;
	if ((r->v = calloc(r->n, sizeof(*r->v))) == NULL ||
	    (reqs = calloc(r->n, sizeof(*reqs))) == NULL ||
	    (map = calloc(r->n, sizeof(*map))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0, k = 0; i < nv && k < r->n; i++) {
		if (v[i]->superseded_by != NULL || from_csr(v[i]))
			continue;
		if ((r->v[k].old_serial = strdup(v[i]->serial)) == NULL ||
		    (r->v[k].email = strdup(v[i]->email)) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = request_for(&reqs[nreq], v[i])) != 0) {
			if ((rc = pair_fail(&r->v[k], rc, err_msg())) != 0)
				goto out;
		} else
			map[nreq++] = k;
		k++;
	}
	/* reqs borrow strings of v, which lives until out. */
	if (nreq > 0 && (rc = issue_many(&res, st, ca, kek, cfg, reqs, nreq,
	    0, now)) != 0)
		goto out;

	/*
	 * The new certificates are durable now. If this transaction is lost,
	 * the next run's adopt() pairs them up instead of issuing again.
	 */
	if ((rc = store_begin(st)) != 0)
		goto out;
	txn = 1;
	for (k = 0; k < nreq; k++) {
		if (res[k].rc != 0) {
			if ((rc = pair_fail(&r->v[map[k]], res[k].rc,
			    res[k].error != NULL ? res[k].error : "")) != 0)
				goto out;
			continue;
		}
		if ((rc = mark(&r->v[map[k]], st, res[k].serial)) != 0)
			goto out;
		if (r->v[map[k]].rc == 0) {
			r->v[map[k]].new_serial = res[k].serial;
			res[k].serial = NULL; /* transferred */
		}
	}
	if ((rc = store_commit(st)) != 0)
		goto out;
	txn = 0;
done:
	*out = r;
	r = NULL; /* transferred */
out:
	if (txn)
		store_rollback(st);
	issue_results_free(res, nreq);
	free(map);
	free(reqs);
	store_cert_list_free(v, nv);
	ca_free(ca);
	rollover_reissue_free(r);
	store_ca_list_free(cas, n);
	return rc;
}

void
rollover_reissue_free(struct rollover_reissue *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; r->v != NULL && i < r->n; i++) {
		free(r->v[i].old_serial);
		free(r->v[i].new_serial);
		free(r->v[i].email);
		free(r->v[i].error);
	}
	free(r->v);
	free(r);
}

/*
 * The last CRL of rec, inside the caller's transaction. No other CRL of
 * this CA follows, so nextUpdate is its notAfter: a relying party must not
 * treat the list as stale while certificates it covers can still be valid
 * (RFC 5280 5.1.2.5). An expired CA gets none: nothing it signed is valid.
 */
static int
final_crl(struct store *st, const struct kek *kek, const struct store_ca *rec,
    int64_t now)
{
	if (now >= rec->not_after)
		return 0;
	return crl_sign_next(st, kek, rec, now, rec->not_after);
}

/*
 * Revoke rec's superseded certificates, sign its last CRL, retire it, and
 * add its name to out->retired (which has room for every CA).
 */
static int
retire(struct rollover_finish *out, struct store *st, const struct kek *kek,
    struct store_ca *rec, int64_t now)
{
	struct store_cert_filter f;
	struct store_cert **v = NULL;
	size_t n = 0, i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.ca_id = rec->id;
	f.state = CERT_STATE_VALID;
	f.expired = -1;
	f.now = now;
	if ((rc = store_cert_list(&v, &n, st, &f)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (v[i]->superseded_by == NULL)
			continue;
		if ((rc = store_cert_revoke(st, v[i]->serial,
		    REVOKE_SUPERSEDED, now)) != 0)
			goto out;
		out->revoked++;
	}
	if ((rc = final_crl(st, kek, rec, now)) != 0 ||
	    (rc = store_ca_set_state(st, rec->name, STORE_CA_RETIRED)) != 0)
		goto out;
	if ((out->retired[out->nretired] = strdup(rec->name)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	out->nretired++;
	/* Later checks in this transaction see it retired. */
	rec->state = STORE_CA_RETIRED;
out:
	store_cert_list_free(v, n);
	return rc;
}

int
rollover_finish(struct rollover_finish *out, struct store *st,
    const struct kek *kek, int64_t now)
{
	struct store_ca **cas = NULL, *cur;
	struct store_cert **v = NULL;
	char names[160] = "";
	size_t n = 0, nv = 0, i;
	int rc, txn = 0;

	memset(out, 0, sizeof(*out));
	if ((rc = store_begin(st)) != 0)
		return rc;
	txn = 1;
	if ((rc = load_cas(&cas, &n, &cur, st)) != 0)
		goto out;
	if ((out->retired = calloc(n, sizeof(*out->retired))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = adopt(&out->adopted, st, cas, n, cur, now)) != 0 ||
	    (rc = old_certs(&v, &nv, st, cas, n, cur, CERT_STATE_VALID, 0,
	    now)) != 0)
		goto out;
	for (i = 0; i < nv; i++) {
		if (v[i]->superseded_by != NULL)
			continue;
		out->pending++;
		if (from_csr(v[i]))
			out->csr++;
	}
	if (out->pending > 0) {
		for (i = 0; i < n; i++)
			if (is_old_issuing(cas[i], cur))
				snprintf(names + strlen(names), sizeof(names) -
				    strlen(names), "%s\"%s\"", names[0] ?
				    ", " : "", cas[i]->name);
		if (out->csr > 0)
			rc = err_set(ERR_EXISTS, "%zu active certificate%s of "
			    "%s %s not superseded yet, %zu of them from a CSR",
			    out->pending, out->pending == 1 ? "" : "s", names,
			    out->pending == 1 ? "is" : "are", out->csr);
		else
			rc = err_set(ERR_EXISTS, "%zu active certificate%s of "
			    "%s %s not superseded yet", out->pending,
			    out->pending == 1 ? "" : "s", names,
			    out->pending == 1 ? "is" : "are");
		goto out;
	}
	for (i = 0; i < n; i++)
		if (is_old_issuing(cas[i], cur) &&
		    (rc = retire(out, st, kek, cas[i], now)) != 0)
			goto out;
	/* A root goes once nothing it signed is active: a new-root rollover. */
	for (i = 0; i < n; i++)
		if (is_old_root(cas[i], cur) &&
		    active_children(cas[i], cas, n) == 0 &&
		    (rc = retire(out, st, kek, cas[i], now)) != 0)
			goto out;
	rc = store_commit(st);
	txn = 0;
out:
	if (txn)
		store_rollback(st);
	if (rc != 0) {
		/* Nothing of it was stored: report only what blocked. */
		out->adopted = out->revoked = 0;
		for (i = 0; i < out->nretired; i++)
			free(out->retired[i]);
		free(out->retired);
		out->retired = NULL;
		out->nretired = 0;
	}
	store_cert_list_free(v, nv);
	store_ca_list_free(cas, n);
	return rc;
}

void
rollover_finish_clear(struct rollover_finish *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nretired; i++)
		free(f->retired[i]);
	free(f->retired);
	memset(f, 0, sizeof(*f));
}
