/*
 * sync.c: directory-driven enrolment (sync.h).
 *
 * A sync has three phases. Reading asks every source for a complete
 * snapshot and writes nothing. Planning is one transaction: it applies the
 * snapshots to the stored directory, records source status, alerts and
 * their events, decides the actions from lists loaded once (users,
 * groups, domains, managed certificates, all indexed in memory, so the
 * cost does not grow with a query per user), and stores them as a run.
 * Applying signs on worker threads and records each action in the group
 * commits of issue_run(), one action's certificates, revocations, state
 * and events in the same transaction, so a crash leaves every action
 * either done or planned and the next sync finishes the run.
 *
 * A plan that is shown to a human first is planned, rolled back, shown,
 * and planned again once confirmed: no write transaction stays open while
 * someone reads the table.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "ca.h"
#include "config.h"
#include "crl.h"
#include "directory.h"
#include "domain.h"
#include "eligible.h"
#include "err.h"
#include "issue.h"
#include "keys.h"
#include "profile.h"
#include "source.h"
#include "store-dir.h"
#include "store.h"
#include "sync.h"
#include "util/array.h"
#include "util/timefmt.h"

#define ALERT_SYNC_FAILED	"sync.failed:"		/* + source name */
#define ALERT_SEATS		"seats.exceeded:"	/* + group id */

struct sync {
	struct store	*st;
	const struct config *cfg;
	const struct kek *kek;
	const struct sync_opts *o;
	struct sync_report *r;
	int64_t		 at;

	struct store_source **srcs;	/* those to read, by name */
	size_t		 nsrcs;
	struct dir_snapshot **snaps;	/* per source; NULL if it failed */
	char		**errors;	/* per source: why it failed */
	size_t		 nread_notes;	/* notes made before planning */

	struct store_action **acts;	/* the plan; lines mirror it */
	size_t		 nacts, acap;
};

/* The state of one applied action, as last recorded. */
struct outcome {
	int		 failed;
	int		 done;
	char		*serials;	/* new serials */
	char		*error;
};

struct apply {
	struct sync	*s;
	struct store_action **acts;	/* planned, in seq order */
	struct ca_request *reqs;	/* ISSUE_ITEM_MAX per action */
	char		**bad;		/* per action: why it cannot be
					 * signed; NULL if it can */
	struct outcome	*out;
	int64_t		 at;		/* the run's clock */
	size_t		 committed;	/* items committed so far */
};

static int64_t
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (int64_t)(t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static int __attribute__((format(printf, 2, 3)))
note(struct sync_report *r, const char *fmt, ...)
{
	char *line = NULL, **v;
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (len < 0)
		return err_set(ERR_NOMEM, "out of memory");
	if ((v = realloc(r->notes, (r->nnotes + 1) * sizeof(*v))) == NULL) {
		free(line);
		return err_set(ERR_NOMEM, "out of memory");
	}
	r->notes = v;
	r->notes[r->nnotes++] = line;
	return 0;
}

static void
line_clear(struct sync_line *l)
{
	free(l->email);
	free(l->source);
	free(l->ext_id);
	free(l->group);
	free(l->old_serials);
	free(l->new_serials);
	free(l->error);
	memset(l, 0, sizeof(*l));
}

/* Forget the plan, and the notes planning made, before planning again. */
static void
plan_clear(struct sync *s)
{
	size_t i;

	for (i = 0; i < s->nacts; i++) {
		store_action_free(s->acts[i]);
		line_clear(&s->r->lines[i]);
	}
	s->nacts = 0;
	s->r->nlines = 0;
	memset(s->r->counts, 0, sizeof(s->r->counts));
	while (s->r->nnotes > s->nread_notes)
		free(s->r->notes[--s->r->nnotes]);
}

/* ---- events ---- */

/* Store an event at s->at; data is a jansson object, consumed. */
static int
event(struct store *st, int64_t at, const char *kind, int64_t user_id,
    const char *email, const char *serial, int64_t group_id,
    const char *domain, json_t *data)
{
	struct store_event e;
	char *text = NULL;
	int rc;

	if (data != NULL && (text = json_dumps(data, JSON_COMPACT |
	    JSON_SORT_KEYS)) == NULL) {
		json_decref(data);
		return err_set(ERR_NOMEM, "out of memory");
	}
	json_decref(data);
	memset(&e, 0, sizeof(e));
	e.kind = (char *)kind;
	e.created_at = at;
	e.user_id = user_id;
	e.email = (char *)email;
	e.serial = (char *)serial;
	e.group_id = group_id;
	e.domain = (char *)domain;
	e.data = text;
	rc = store_event_put(st, &e);
	free(text);
	return rc;
}

/* Raise alert key; when it is new, write the event that reports it. */
static int
alert(struct sync *s, const char *key, const char *kind, int64_t group_id,
    const char *domain, json_t *data)
{
	int raised = 0, rc;

	if ((rc = store_alert_raise(s->st, key, s->at, &raised)) != 0 ||
	    !raised) {
		json_decref(data);
		return rc;
	}
	return event(s->st, s->at, kind, 0, NULL, NULL, group_id, domain,
	    data);
}

/* ---- reading ---- */

/* Whether msg starts by naming source name, as source_read()'s do. */
static int
named(const char *msg, const char *name)
{
	size_t n = strlen(name);

	return strncmp(msg, "source ", 7) == 0 &&
	    strncmp(msg + 7, name, n) == 0 && msg[7 + n] == ':';
}

/*
 * Read every selected source into s->snaps. Nothing is written: a source
 * that fails is remembered with its message for the planning transaction.
 */
static int
read_sources(struct sync *s)
{
	struct store_source **all = NULL;
	size_t nall = 0, i, k;
	int rc;

	if ((rc = store_source_list(&all, &nall, s->st)) != 0)
		return rc;
	if ((s->srcs = calloc(nall > 0 ? nall : 1, sizeof(*s->srcs))) == NULL ||
	    (s->snaps = calloc(nall > 0 ? nall : 1,
	    sizeof(*s->snaps))) == NULL ||
	    (s->errors = calloc(nall > 0 ? nall : 1,
	    sizeof(*s->errors))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nall; i++) {
		if (s->o->source != NULL && strcmp(all[i]->name,
		    s->o->source) != 0)
			continue;
		s->srcs[s->nsrcs++] = all[i];
		all[i] = NULL; /* transferred */
	}
	if (s->o->source != NULL && s->nsrcs == 0) {
		rc = err_set(ERR_NOTFOUND, "no source called \"%s\" (see "
		    "mailcert source list)", s->o->source);
		goto out;
	}
	if (nall == 0 && (rc = note(s->r, "no sources are configured "
	    "(mailcert source add)")) != 0)
		goto out;
	s->r->sources = s->nsrcs;
	for (k = 0; k < s->nsrcs; k++) {
		err_clear();
		rc = source_read(&s->snaps[k], s->srcs[k], s->cfg);
		if (rc == ERR_NOMEM)
			goto out;
		if (rc != 0) {
			if ((s->errors[k] = strdup(*err_msg() ? err_msg() :
			    err_str(rc))) == NULL) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
			s->r->sources_failed++;
			if (named(s->errors[k], s->srcs[k]->name))
				rc = note(s->r, "%s; its users are left as "
				    "they were", s->errors[k]);
			else
				rc = note(s->r, "source %s: %s; its users are "
				    "left as they were", s->srcs[k]->name,
				    s->errors[k]);
			if (rc != 0)
				goto out;
			continue;
		}
		s->r->users_read += s->snaps[k]->nusers;
		if (s->snaps[k]->nusers == 0 && !s->o->allow_mass_removal) {
			rc = err_set(ERR_GUARD, "source %s delivered no users; "
			    "a directory that suddenly looks empty is more "
			    "likely broken than empty: pass "
			    "--allow-mass-removal if it really is",
			    s->srcs[k]->name);
			goto out;
		}
	}
	rc = 0;
out:
	store_source_list_free(all, nall);
	return rc;
}

/* Source status, sync.failed alerts, and the snapshots, in the plan's
 * transaction. */
static int
record_sources(struct sync *s)
{
	struct store_source *src;
	char key[sizeof(ALERT_SYNC_FAILED) + STORE_NAME_MAX];
	size_t k;
	int rc;

	for (k = 0; k < s->nsrcs; k++) {
		src = s->srcs[k];
		snprintf(key, sizeof(key), ALERT_SYNC_FAILED "%s", src->name);
		if (s->snaps[k] == NULL) {
			if ((rc = store_source_set_status(s->st, src->id, s->at,
			    s->errors[k])) != 0 ||
			    (rc = alert(s, key, EVENT_SYNC_FAILED, 0, NULL,
			    json_pack("{s:s, s:s}", "source", src->name,
			    "error", s->errors[k]))) != 0)
				return rc;
			continue;
		}
		if ((rc = store_dir_apply(s->st, src->id, s->snaps[k], s->at,
		    NULL)) != 0 ||
		    (rc = store_source_set_status(s->st, src->id, s->at,
		    NULL)) != 0 ||
		    (rc = store_alert_clear(s->st, key)) != 0)
			return rc;
	}
	return 0;
}

/* domain.expiring and domain.lapsed, once per verification that ends. */
static int
record_domains(struct sync *s, struct store_domain *const *doms, size_t n)
{
	char until[TIMEFMT_LEN];
	const struct store_domain *d;
	const char *kind;
	size_t i;
	int lapsed, raised, rc;

	for (i = 0; i < n; i++) {
		d = doms[i];
		if ((rc = domain_alert(&kind, &raised, s->st, d, s->at)) != 0)
			return rc;
		if (kind == NULL)
			continue;
		lapsed = strcmp(kind, EVENT_DOMAIN_LAPSED) == 0;
		timefmt_utc(until, d->valid_until);
		if ((rc = note(s->r, "domain %s: verification %s %s%s", d->name,
		    lapsed ? "lapsed on" : "ends on", until, lapsed ? "; its "
		    "users get no new certificates until it is verified "
		    "again" : "")) != 0)
			return rc;
	}
	return 0;
}

/* ---- planning ---- */

static int
cmp_cert_user(const void *a, const void *b)
{
	const struct store_cert *x = *(const struct store_cert *const *)a;
	const struct store_cert *y = *(const struct store_cert *const *)b;

	if (x->user_id != y->user_id)
		return (x->user_id > y->user_id) - (x->user_id < y->user_id);
	return (x->id > y->id) - (x->id < y->id);
}

static int
cmp_user_order(const void *a, const void *b)
{
	const struct store_user *x = *(const struct store_user *const *)a;
	const struct store_user *y = *(const struct store_user *const *)b;
	int r;

	if ((r = strcmp(x->source, y->source)) != 0)
		return r;
	return (x->id > y->id) - (x->id < y->id);
}

/*
 * The managed certificates that count at at: not revoked, not expired,
 * sorted by user. *out is the caller's (store_cert_list_free()).
 */
static int
load_managed(struct store_cert ***out, size_t *n, struct store *st,
    int64_t at)
{
	struct store_cert_filter f;
	struct store_cert **v = NULL;
	size_t nv = 0, i, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	memset(&f, 0, sizeof(f));
	f.state = CERT_STATE_VALID;
	f.expired = 0;
	f.now = at;
	f.managed = 1;
	if ((rc = store_cert_list(&v, &nv, st, &f)) != 0)
		return rc;
	/* The filter's notion of expired may include the second itself. */
	for (i = 0; i < nv; i++) {
		if (v[i]->user_id == 0 || v[i]->not_after <= at) {
			store_cert_free(v[i]);
			continue;
		}
		v[k++] = v[i];
	}
	array_sort(v, k, sizeof(*v), cmp_cert_user);
	*out = v;
	*n = k;
	return 0;
}

/* Users holding at least one certificate of v (sorted by user). */
static size_t
count_users(struct store_cert *const *v, size_t n)
{
	size_t i, used = 0;

	for (i = 0; i < n; i++)
		if (i == 0 || v[i]->user_id != v[i - 1]->user_id)
			used++;
	return used;
}

static int
seats_total(size_t *total, struct store *st)
{
	char *v = NULL, *end;
	unsigned long long t;
	int rc;

	*total = SYNC_SEATS_UNLIMITED;
	if ((rc = store_setting_get(&v, st, STORE_SETTING_SEATS)) ==
	    ERR_NOTFOUND) {
		err_clear();
		return 0;
	}
	if (rc != 0)
		return rc;
	t = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || *end != '\0' || t >= SIZE_MAX) {
		rc = err_set(ERR_STORE, "the stored seat quota \"%s\" is not a "
		    "number; set it again with mailcert seats set", v);
		free(v);
		return rc;
	}
	free(v);
	*total = (size_t)t;
	return 0;
}

int
sync_seats(size_t *total, size_t *used, struct store *st, int64_t at)
{
	struct store_cert **v = NULL;
	size_t n = 0;
	int rc;

	*used = 0;
	if ((rc = seats_total(total, st)) != 0 ||
	    (rc = load_managed(&v, &n, st, at)) != 0)
		return rc;
	*used = count_users(v, n);
	store_cert_list_free(v, n);
	return 0;
}

/* The certificates of user uid in v (sorted by user): [*b, *e). */
static void
certs_of(size_t *b, size_t *e, struct store_cert *const *v, size_t n,
    int64_t uid)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v[mid]->user_id < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*b = lo;
	while (lo < n && v[lo]->user_id == uid)
		lo++;
	*e = lo;
}

/*
 * The n strings at(v, i) joined by ','. NULL when out of memory or when n
 * is 0.
 */
static char *
join(const void *v, size_t n, const char *(*at)(const void *, size_t))
{
	size_t i, len = 1, pos = 0, l;
	char *s;

	if (n == 0)
		return NULL;
	for (i = 0; i < n; i++)
		len += strlen(at(v, i)) + 1;
	if ((s = malloc(len)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (i > 0)
			s[pos++] = ',';
		l = strlen(at(v, i));
		memcpy(s + pos, at(v, i), l);
		pos += l;
	}
	s[pos] = '\0';
	return s;
}

static const char *
cert_serial(const void *v, size_t i)
{
	return ((struct store_cert *const *)v)[i]->serial;
}

static const char *
issued_serial(const void *v, size_t i)
{
	return ((struct ca_issued *const *)v)[i]->serial;
}

/*
 * Append an action of kind for u, with policy g (NULL for a revocation)
 * replacing or revoking old[0..nold).
 */
static int
plan_add(struct sync *s, enum store_action_kind kind,
    const struct store_user *u, const char *email,
    const struct store_group *g, struct store_cert *const *old, size_t nold)
{
	const struct config *cfg = s->cfg;
	struct store_action *a = NULL, **av;
	struct sync_line *lv, *l;
	size_t lcap = s->acap;
	int rc;

	if (s->nacts == s->acap) {
		if ((av = array_grow(s->acts, s->nacts, &s->acap,
		    sizeof(*av))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		s->acts = av;
		if ((lv = realloc(s->r->lines, s->acap * sizeof(*lv))) ==
		    NULL) {
			s->acap = lcap;
			return err_set(ERR_NOMEM, "out of memory");
		}
		s->r->lines = lv;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	a->kind = kind;
	a->user_id = u->id;
	a->state = STORE_ACTION_PLANNED;
	if ((a->email = strdup(email)) == NULL ||
	    (u->given_name != NULL &&
	    (a->given_name = strdup(u->given_name)) == NULL) ||
	    (u->surname != NULL && (a->surname = strdup(u->surname)) == NULL) ||
	    (nold > 0 &&
	    (a->old_serials = join(old, nold, cert_serial)) == NULL))
		goto nomem;
	if (g != NULL) {
		a->group_id = g->id;
		a->days = g->days != 0 ? g->days : cfg->issue_days;
		if ((a->key = strdup(g->key != NULL ? g->key :
		    keys_type_name(cfg->issue_key))) == NULL ||
		    (a->profile = strdup(g->profile != NULL ? g->profile :
		    profile_name(cfg->issue_profile))) == NULL ||
		    (a->usage = strdup(g->usage != NULL ? g->usage :
		    "both")) == NULL)
			goto nomem;
	}
	l = &s->r->lines[s->nacts];
	memset(l, 0, sizeof(*l));
	s->acts[s->nacts++] = a;
	s->r->nlines = s->nacts;
	s->r->counts[kind]++;
	a = NULL; /* transferred */
	l->kind = kind;
	if ((l->email = strdup(email)) == NULL ||
	    (l->source = strdup(u->source)) == NULL ||
	    (l->ext_id = strdup(u->ext_id)) == NULL ||
	    (g != NULL && (l->group = strdup(g->name)) == NULL) ||
	    (nold > 0 &&
	    (l->old_serials = join(old, nold, cert_serial)) == NULL))
		goto nomem;
	return 0;
nomem:
	rc = err_set(ERR_NOMEM, "out of memory");
	store_action_free(a);
	return rc;
}

/* What one user needs, per sync.h. */
static int
plan_user(struct sync *s, const struct elig_ctx *ec,
    const struct store_user *u, struct store_cert *const *c, size_t nc)
{
	const struct store_group *pol = NULL;
	const char *email = NULL;
	int64_t soonest = INT64_MAX;
	size_t i, ncur = 0;
	unsigned reasons;
	struct store_cert **cur = NULL;
	int rc;

	reasons = elig_check(ec, u, &email, &pol);
	if (reasons != 0) {
		if ((reasons & ELIG_LEFT) && nc > 0 &&
		    s->cfg->sync_on_removal == CONFIG_REMOVAL_REVOKE)
			return plan_add(s, STORE_ACTION_REVOKE, u, c[0]->email,
			    NULL, c, nc);
		return 0;
	}
	if (nc == 0)
		return plan_add(s, STORE_ACTION_ISSUE, u, email, pol, NULL, 0);
	for (i = 0; i < nc; i++)
		if (strcmp(c[i]->email, email) != 0)
			return plan_add(s, STORE_ACTION_REISSUE, u, email, pol,
			    c, nc);
	/* Renewed ones stay valid, replaced: only the current ones count. */
	if ((cur = calloc(nc, sizeof(*cur))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < nc; i++) {
		if (c[i]->superseded_by != NULL)
			continue;
		cur[ncur++] = c[i];
		if (c[i]->not_after < soonest)
			soonest = c[i]->not_after;
	}
	rc = 0;
	if (ncur > 0 && soonest - s->at <=
	    (int64_t)s->cfg->sync_renew_days * 86400)
		rc = plan_add(s, STORE_ACTION_RENEW, u, email, pol, cur, ncur);
	free(cur);
	return rc;
}

/* Drop planned action i (an issue the seats do not allow). */
static void
plan_drop(struct sync *s, size_t i)
{
	s->r->counts[s->acts[i]->kind]--;
	store_action_free(s->acts[i]);
	line_clear(&s->r->lines[i]);
	memmove(&s->acts[i], &s->acts[i + 1], (s->nacts - i - 1) *
	    sizeof(*s->acts));
	memmove(&s->r->lines[i], &s->r->lines[i + 1], (s->nacts - i - 1) *
	    sizeof(*s->r->lines));
	s->r->nlines = --s->nacts;
}

/*
 * A group gets all the seats its new users need or none: a partial
 * rollout would pick winners by directory order.
 */
static int
plan_seats(struct sync *s, struct store_group *const *groups, size_t ngroups,
    size_t total, size_t used)
{
	char key[sizeof(ALERT_SEATS) + 24];
	size_t free_seats, need, i, k;
	const struct store_group *g;
	int rc;

	free_seats = total == SYNC_SEATS_UNLIMITED ? SIZE_MAX :
	    total > used ? total - used : 0;
	for (k = 0; k < ngroups; k++) {
		g = groups[k];
		need = 0;
		for (i = 0; i < s->nacts; i++)
			if (s->acts[i]->kind == STORE_ACTION_ISSUE &&
			    s->acts[i]->group_id == g->id)
				need++;
		snprintf(key, sizeof(key), ALERT_SEATS "%lld",
		    (long long)g->id);
		if (need <= free_seats) {
			free_seats -= need;
			if ((rc = store_alert_clear(s->st, key)) != 0)
				return rc;
			continue;
		}
		for (i = s->nacts; i-- > 0;)
			if (s->acts[i]->kind == STORE_ACTION_ISSUE &&
			    s->acts[i]->group_id == g->id)
				plan_drop(s, i);
		if ((rc = note(s->r, "group \"%s\" needs %zu seats, %zu free: "
		    "no certificates for it this sync", g->name, need,
		    free_seats)) != 0 ||
		    (rc = alert(s, key, EVENT_SEATS_EXCEEDED, g->id, NULL,
		    json_pack("{s:s, s:s, s:I, s:I, s:I}", "group", g->name,
		    "source", g->source, "needed", (json_int_t)need, "free",
		    (json_int_t)free_seats, "total",
		    total == SYNC_SEATS_UNLIMITED ? (json_int_t)-1 :
		    (json_int_t)total))) != 0)
			return rc;
	}
	return 0;
}

/* Whether source id was read in this sync. */
static int
in_scope(const struct sync *s, int64_t source_id)
{
	size_t k;

	for (k = 0; k < s->nsrcs; k++)
		if (s->srcs[k]->id == source_id && s->snaps[k] != NULL)
			return 1;
	return 0;
}

/* Decide every action, inside the caller's transaction. */
static int
plan_decide(struct sync *s)
{
	struct store_user_filter uf;
	struct store_user **users = NULL, **scope = NULL;
	struct store_group **groups = NULL;
	struct store_domain **doms = NULL;
	struct store_cert **certs = NULL;
	struct elig_ctx *ec = NULL;
	size_t nusers = 0, ngroups = 0, ndoms = 0, ncerts = 0, nscope = 0;
	size_t total, used, i, b, e, limit;
	int rc;

	memset(&uf, 0, sizeof(uf));
	uf.present = -1;
	if ((rc = store_user_list(&users, &nusers, s->st, &uf)) != 0 ||
	    (rc = store_group_list(&groups, &ngroups, s->st)) != 0 ||
	    (rc = store_domain_list(&doms, &ndoms, s->st)) != 0 ||
	    (rc = load_managed(&certs, &ncerts, s->st, s->at)) != 0 ||
	    (rc = seats_total(&total, s->st)) != 0)
		goto out;
	if (!s->o->dry_run && (rc = record_domains(s, doms, ndoms)) != 0)
		goto out;
	if ((rc = elig_ctx_new(&ec, groups, ngroups, doms, ndoms, users,
	    nusers, s->at)) != 0)
		goto out;
	if ((scope = calloc(nusers > 0 ? nusers : 1, sizeof(*scope))) ==
	    NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nusers; i++)
		if (in_scope(s, users[i]->source_id))
			scope[nscope++] = users[i];
	array_sort(scope, nscope, sizeof(*scope), cmp_user_order);
	for (i = 0; i < nscope; i++) {
		certs_of(&b, &e, certs, ncerts, scope[i]->id);
		if ((rc = plan_user(s, ec, scope[i], e > b ? certs + b : NULL,
		    e - b)) != 0)
			goto out;
	}
	used = count_users(certs, ncerts);
	if ((rc = plan_seats(s, groups, ngroups, total, used)) != 0)
		goto out;
	limit = (size_t)s->cfg->sync_max_removal_percent;
	if (!s->o->allow_mass_removal &&
	    s->r->counts[STORE_ACTION_REVOKE] * 100 > limit * used) {
		rc = err_set(ERR_GUARD, "the sync would revoke the "
		    "certificates of %zu of %zu managed users, more than "
		    "max_removal_percent = %zu%%; nothing was changed: pass "
		    "--allow-mass-removal if they really left",
		    s->r->counts[STORE_ACTION_REVOKE], used, limit);
		goto out;
	}
	rc = 0;
out:
	elig_ctx_free(ec);
	free(scope);
	store_cert_list_free(certs, ncerts);
	store_domain_list_free(doms, ndoms);
	store_group_list_free(groups, ngroups);
	store_user_list_free(users, nusers);
	return rc;
}

/*
 * One planning transaction. With commit set, a non-empty plan is stored
 * as a run (*run_id) and everything is committed; otherwise everything is
 * rolled back and only the report is left.
 */
static int
plan(struct sync *s, int commit, int64_t *run_id)
{
	struct store_run run;
	size_t i;
	int rc;

	*run_id = 0;
	plan_clear(s);
	if ((rc = store_begin(s->st)) != 0)
		return rc;
	if ((rc = record_sources(s)) != 0 || (rc = plan_decide(s)) != 0)
		goto fail;
	if (!commit) {
		store_rollback(s->st);
		return 0;
	}
	if (s->nacts > 0) {
		memset(&run, 0, sizeof(run));
		run.started_at = timefmt_now();
		run.at = s->at;
		run.state = STORE_RUN_APPLYING;
		run.source = (char *)s->o->source;
		if ((rc = store_run_put(s->st, &run)) != 0)
			goto fail;
		for (i = 0; i < s->nacts; i++) {
			s->acts[i]->run_id = run.id;
			s->acts[i]->seq = (int64_t)i + 1;
			if ((rc = store_action_put(s->st, s->acts[i])) != 0)
				goto fail;
		}
	}
	if ((rc = store_commit(s->st)) != 0)
		goto fail;
	*run_id = s->nacts > 0 ? run.id : 0;
	return 0;
fail:
	store_rollback(s->st);
	return rc;
}

/* ---- applying ---- */

/* Room for a serial: 40 hex digits (store.h) and a NUL. */
#define SERIAL_BUF	48

/*
 * Which of the n new certificates replaces old: the one of the same usage
 * (a dual pair renews half by half), else the first.
 */
static size_t
replacement(struct store *st, const char *old, const struct ca_request *reqs,
    size_t n)
{
	struct store_cert *c = NULL;
	size_t k, by = 0;

	if (n > 1 && store_cert_get(&c, st, old) == 0) {
		for (k = 0; k < n; k++)
			if (strcmp(c->usage, profile_usage_name(reqs[k].usage))
			    == 0)
				by = k;
		store_cert_free(c);
	}
	err_clear();
	return by;
}

/*
 * Revoke serial for reason with its event, which names the address of
 * the certificate (a reissue's old one). One revoked by hand meanwhile is
 * left as it is.
 */
static int
revoke_one(struct apply *ap, struct store *st, const struct store_action *a,
    const char *serial, int reason)
{
	struct store_cert *c = NULL;
	int rc;

	if ((rc = store_cert_get(&c, st, serial)) != 0)
		return rc;
	if (c->state == CERT_STATE_REVOKED) {
		store_cert_free(c);
		return 0;
	}
	if ((rc = store_cert_revoke(st, serial, reason, ap->at)) == 0)
		rc = event(st, ap->at, EVENT_CERT_REVOKED, a->user_id, c->email,
		    serial, a->group_id, NULL, json_pack("{s:s}", "reason",
		    store_reason_name(reason)));
	store_cert_free(c);
	return rc;
}

/*
 * Revoke the action's old certificates for reason (0: leave them valid),
 * and mark them replaced by the new ones if any. from[k] receives the
 * first old serial that new certificate k replaces.
 */
static int
revoke_old(struct apply *ap, struct store *st, const struct store_action *a,
    int reason, struct ca_issued *const *iss, size_t n,
    const struct ca_request *reqs, char from[][SERIAL_BUF])
{
	char *list = NULL, *p, *save = NULL;
	size_t k;
	int rc = 0;

	if (a->old_serials == NULL)
		return 0;
	if ((list = strdup(a->old_serials)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (p = strtok_r(list, ",", &save); p != NULL;
	    p = strtok_r(NULL, ",", &save)) {
		if (reason != 0 && (rc = revoke_one(ap, st, a, p, reason)) != 0)
			break;
		if (n == 0)
			continue;
		k = replacement(st, p, reqs, n);
		if ((rc = store_cert_supersede(st, p, iss[k]->serial)) != 0)
			break;
		if (from[k][0] == '\0')
			snprintf(from[k], SERIAL_BUF, "%s", p);
	}
	free(list);
	return rc;
}

/* issue_run()'s sink: one action's writes, in its group commit. */
static int
apply_record(void *arg, struct store *st, size_t i,
    struct ca_issued *const *iss, size_t n, int rc, const char *error)
{
	struct apply *ap = arg;
	struct store_action *a = ap->acts[i];
	struct outcome *o = &ap->out[i];
	const struct ca_request *reqs = &ap->reqs[i * ISSUE_ITEM_MAX];
	char *serials = NULL, from[ISSUE_ITEM_MAX][SERIAL_BUF];
	const char *kind;
	size_t k;

	/*
	 * A stop is honoured only as a group commit begins, before it wrote
	 * anything: failing here rolls the group back and ends issue_run(),
	 * so every action is either committed whole or still planned.
	 */
	if (ap->s->o->cancel != NULL && atomic_load(ap->s->o->cancel) &&
	    i == ap->committed)
		return err_set(ERR_IO, "sync stopped: the daemon is shutting "
		    "down; the next sync finishes the run");
	free(o->serials);
	free(o->error);
	memset(o, 0, sizeof(*o));
	if (rc == 0 && ap->bad[i] != NULL) {
		rc = ERR_INVALID;
		error = ap->bad[i];
	}
	if (rc != 0) {
		o->failed = 1;
		if ((o->error = strdup(error)) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		return store_action_fail(st, a->id, error, ap->at);
	}
	if (n > 0 && (serials = join(iss, n, issued_serial)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	memset(from, 0, sizeof(from));
	switch (a->kind) {
	case STORE_ACTION_REISSUE:
		rc = revoke_old(ap, st, a, REVOKE_SUPERSEDED, iss, n, reqs,
		    from);
		break;
	case STORE_ACTION_RENEW:
		rc = revoke_old(ap, st, a, 0, iss, n, reqs, from);
		break;
	case STORE_ACTION_REVOKE:
		rc = revoke_old(ap, st, a, REVOKE_CESSATION_OF_OPERATION, NULL,
		    0, NULL, from);
		break;
	default:
		break;
	}
	kind = a->kind == STORE_ACTION_RENEW ? EVENT_CERT_RENEWED :
	    EVENT_CERT_ISSUED;
	for (k = 0; rc == 0 && k < n; k++)
		rc = event(st, ap->at, kind, a->user_id, iss[k]->email,
		    iss[k]->serial, a->group_id, NULL,
		    a->kind == STORE_ACTION_RENEW ? json_pack("{s:s?}",
		    "old_serial", from[k][0] != '\0' ? from[k] : NULL) :
		    NULL);
	if (rc == 0)
		rc = store_action_done(st, a->id, serials, ap->at);
	if (rc != 0) {
		free(serials);
		return rc;
	}
	o->done = 1;
	o->serials = serials;
	return 0;
}

static void
apply_committed(void *arg, size_t done, size_t total)
{
	struct apply *ap = arg;
	const struct sync_opts *o = ap->s->o;

	ap->committed = done;
	if (o->progress != NULL)
		o->progress(o->arg, done, total);
}

/* The requests of action a into reqs[0..*n); a message if unusable. */
static int
action_requests(struct ca_request *reqs, size_t *n, char **bad,
    const struct store_action *a)
{
	enum key_type kt;
	enum cert_profile prof;
	int rc;

	*n = 0;
	if (a->kind == STORE_ACTION_REVOKE)
		return 0;
	err_clear();
	if (a->key == NULL || a->profile == NULL || a->usage == NULL ||
	    (rc = keys_type_parse(&kt, a->key)) != 0 ||
	    (rc = profile_parse(&prof, a->profile)) != 0 ||
	    (strcmp(a->usage, "both") != 0 && strcmp(a->usage, "dual") != 0)) {
		if (asprintf(bad, "action %lld has no usable policy: %s",
		    (long long)a->id, *err_msg() ? err_msg() :
		    "key, profile or usage missing or unknown") < 0) {
			*bad = NULL;
			return err_set(ERR_NOMEM, "out of memory");
		}
		return 0;
	}
	memset(reqs, 0, ISSUE_ITEM_MAX * sizeof(*reqs));
	reqs[0].email = a->email;
	reqs[0].given_name = a->given_name;
	reqs[0].surname = a->surname;
	reqs[0].key = kt;
	reqs[0].days = a->days;
	reqs[0].profile = prof;
	reqs[0].usage = USAGE_BOTH;
	reqs[0].user_id = a->user_id;
	*n = 1;
	if (strcmp(a->usage, "dual") == 0) {
		reqs[1] = reqs[0];
		reqs[0].usage = USAGE_SIGN;
		reqs[1].usage = USAGE_ENCRYPT;
		*n = 2;
	}
	return 0;
}

/*
 * Apply the planned actions of run (at its clock), then a CRL if anything
 * of the run was revoked, and mark the run done. *done and *failed count
 * this apply's outcomes; lines (may be NULL) get each action's result,
 * indexed by seq.
 */
static int
apply_run(struct sync *s, const struct store_run *run, size_t *done,
    size_t *failed, struct sync_line *lines, size_t nlines)
{
	struct store_action **all = NULL, **acts = NULL;
	struct issue_item *items = NULL;
	struct issue_sink sink;
	struct apply ap;
	struct ca *ca = NULL;
	size_t nall = 0, nacts = 0, i, li, need_ca = 0, revoked = 0;
	int rc;

	*done = *failed = 0;
	memset(&ap, 0, sizeof(ap));
	if ((rc = store_action_list(&all, &nall, s->st, run->id, -1)) != 0)
		return rc;
	if ((acts = calloc(nall > 0 ? nall : 1, sizeof(*acts))) == NULL ||
	    (items = calloc(nall > 0 ? nall : 1, sizeof(*items))) == NULL ||
	    (ap.reqs = calloc((nall > 0 ? nall : 1) * ISSUE_ITEM_MAX,
	    sizeof(*ap.reqs))) == NULL ||
	    (ap.bad = calloc(nall > 0 ? nall : 1, sizeof(*ap.bad))) == NULL ||
	    (ap.out = calloc(nall > 0 ? nall : 1, sizeof(*ap.out))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < nall; i++) {
		if (all[i]->state == STORE_ACTION_DONE &&
		    all[i]->kind != STORE_ACTION_ISSUE &&
		    all[i]->kind != STORE_ACTION_RENEW)
			revoked++;
		if (all[i]->state != STORE_ACTION_PLANNED)
			continue;
		acts[nacts] = all[i];
		if ((rc = action_requests(&ap.reqs[nacts * ISSUE_ITEM_MAX],
		    &items[nacts].nreqs, &ap.bad[nacts], all[i])) != 0)
			goto out;
		items[nacts].reqs = &ap.reqs[nacts * ISSUE_ITEM_MAX];
		need_ca += items[nacts].nreqs;
		nacts++;
	}
	if (need_ca > 0 && (rc = ca_load(&ca, s->st, s->kek, NULL)) != 0)
		goto out;
	ap.s = s;
	ap.acts = acts;
	ap.at = run->at;
	memset(&sink, 0, sizeof(sink));
	sink.record = apply_record;
	sink.committed = apply_committed;
	sink.arg = &ap;
	rc = issue_run(s->st, ca, s->kek, s->cfg, items, nacts, s->o->threads,
	    run->at, &sink);
	for (i = 0; i < nacts; i++) {
		if (ap.out[i].done) {
			(*done)++;
			if (acts[i]->kind == STORE_ACTION_REVOKE ||
			    acts[i]->kind == STORE_ACTION_REISSUE)
				revoked++;
		} else if (ap.out[i].failed)
			(*failed)++;
		li = (size_t)acts[i]->seq - 1;
		if (lines == NULL || acts[i]->seq < 1 || li >= nlines)
			continue;
		lines[li].new_serials = ap.out[i].serials;
		lines[li].error = ap.out[i].error;
		ap.out[i].serials = ap.out[i].error = NULL; /* transferred */
	}
	if (rc != 0)
		goto out;
	if (revoked > 0 && (rc = crl_generate(s->st, s->kek, s->cfg,
	    run->at)) != 0)
		goto out;
	rc = store_run_finish(s->st, run->id, timefmt_now());
out:
	for (i = 0; ap.out != NULL && i < nall; i++) {
		free(ap.out[i].serials);
		free(ap.out[i].error);
	}
	for (i = 0; ap.bad != NULL && i < nall; i++)
		free(ap.bad[i]);
	free(ap.out);
	free(ap.bad);
	free(ap.reqs);
	free(items);
	free(acts);
	ca_free(ca);
	store_action_list_free(all, nall);
	return rc;
}

/* Finish a run a crash left behind, before anything is planned anew. */
static int
resume(struct sync *s)
{
	struct store_run *run = NULL;
	size_t done, failed;
	int rc;

	if ((rc = store_run_unfinished(&run, s->st)) == ERR_NOTFOUND) {
		err_clear();
		return 0;
	}
	if (rc != 0)
		return rc;
	if (s->o->dry_run) {
		rc = note(s->r, "run %lld was left unfinished; a sync that is "
		    "not a dry run finishes it first", (long long)run->id);
		goto out;
	}
	if ((rc = apply_run(s, run, &done, &failed, NULL, 0)) != 0)
		goto out;
	s->r->resumed_run = run->id;
	s->r->resumed_done = done;
	s->r->resumed_failed = failed;
out:
	store_run_free(run);
	return rc;
}

/* Whether the plan in s is the one r showed (kinds and users). */
static int
same_plan(const struct sync_report *r, const struct sync_line *shown,
    size_t nshown)
{
	size_t i;

	if (r->nlines != nshown)
		return 0;
	for (i = 0; i < nshown; i++)
		if (r->lines[i].kind != shown[i].kind ||
		    strcmp(r->lines[i].source, shown[i].source) != 0 ||
		    strcmp(r->lines[i].ext_id, shown[i].ext_id) != 0 ||
		    strcmp(r->lines[i].email, shown[i].email) != 0)
			return 0;
	return 1;
}

/* Plan and, unless declined or a dry run, store the plan as a run. */
static int
plan_confirmed(struct sync *s, int64_t *run_id)
{
	struct sync_line *shown = NULL;
	size_t nshown = 0, i;
	int rc;

	*run_id = 0;
	if (s->o->dry_run || s->o->confirm == NULL)
		return plan(s, !s->o->dry_run, run_id);
	if ((rc = plan(s, 0, run_id)) != 0)
		return rc;
	if (s->nacts == 0)
		return plan(s, 1, run_id);
	if (s->o->confirm(s->o->arg, s->r) != 0) {
		s->r->declined = 1;
		return 0;
	}
	/* Keep what was shown to compare it with the plan made again. */
	shown = s->r->lines;
	nshown = s->r->nlines;
	s->r->lines = NULL;
	s->r->nlines = 0;
	for (i = 0; i < s->nacts; i++)
		store_action_free(s->acts[i]);
	s->nacts = 0;
	s->acap = 0;
	free(s->acts);
	s->acts = NULL;
	rc = plan(s, 1, run_id);
	if (rc == 0 && !same_plan(s->r, shown, nshown)) {
		/* Too late to undo: the new plan is stored and is applied. */
		rc = note(s->r, "the plan changed while it was being "
		    "confirmed; this is the plan that was applied");
	}
	for (i = 0; i < nshown; i++)
		line_clear(&shown[i]);
	free(shown);
	return rc;
}

int
sync_run(struct sync_report **out, struct store *st,
    const struct config *cfg, const struct kek *kek,
    const struct sync_opts *o)
{
	struct sync s;
	struct sync_report *r = NULL;
	struct store_run run;
	struct timespec t0;
	size_t checked, dfailed, k;
	int64_t run_id = 0;
	int rc;

	*out = NULL;
	memset(&s, 0, sizeof(s));
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	*out = r;
	s.st = st;
	s.cfg = cfg;
	s.kek = kek;
	s.o = o;
	s.r = r;
	s.at = r->at = o->at != 0 ? o->at : timefmt_now();

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = resume(&s)) != 0)
		goto out;
	r->apply_ms = ms_since(&t0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((rc = read_sources(&s)) != 0)
		goto out;
	s.nread_notes = r->nnotes;
	r->read_ms = ms_since(&t0);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Lookups outside any transaction: DNS may take seconds. */
	if (!o->dry_run && (rc = domain_verify_due(&checked, &dfailed, st, cfg,
	    s.at)) != 0)
		goto out;
	if ((rc = plan_confirmed(&s, &run_id)) != 0)
		goto out;
	r->plan_ms = ms_since(&t0);
	r->run_id = run_id;

	if (run_id != 0) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		memset(&run, 0, sizeof(run));
		run.id = run_id;
		run.at = s.at;
		rc = apply_run(&s, &run, &r->done, &r->failed, r->lines,
		    r->nlines);
		r->apply_ms += ms_since(&t0);
		if (rc != 0)
			goto out;
	}
	if (r->failed + r->resumed_failed > 0)
		rc = err_set(ERR_IO, "%zu of %zu actions failed; the rest were "
		    "applied", r->failed + r->resumed_failed,
		    r->done + r->failed + r->resumed_done + r->resumed_failed);
	else if (r->sources_failed > 0)
		rc = err_set(ERR_IO, "%zu source%s could not be read; %s users "
		    "were left as they were", r->sources_failed,
		    r->sources_failed == 1 ? "" : "s",
		    r->sources_failed == 1 ? "its" : "their");
out:
	for (k = 0; k < s.nsrcs; k++) {
		store_source_free(s.srcs[k]);
		dir_snapshot_free(s.snaps[k]);
		free(s.errors[k]);
	}
	free(s.srcs);
	free(s.snaps);
	free(s.errors);
	for (k = 0; k < s.nacts; k++)
		store_action_free(s.acts[k]);
	free(s.acts);
	return rc;
}

void
sync_report_free(struct sync_report *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nlines; i++)
		line_clear(&r->lines[i]);
	free(r->lines);
	for (i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r);
}
