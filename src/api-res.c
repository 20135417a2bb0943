/*
 * api-res.c: the directory and certificate resources of /api/v1
 * (docs/api.md): who the token is, the overview, users, groups,
 * certificates with revoke and reissue, and events. Scoped tokens get
 * listings filtered before counting and 404 for anything outside their
 * groups, with the same message as for a thing that does not exist.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/pem.h>

#include "api-int.h"
#include "api-req.h"
#include "ca.h"
#include "config.h"
#include "domain.h"
#include "err.h"
#include "http.h"
#include "scheduler.h"
#include "store.h"
#include "store-dir.h"
#include "store-web.h"
#include "sync.h"
#include "token.h"
#include "util/array.h"
#include "util/timefmt.h"
#include "web.h"

#define DAY		86400
#define EXPIRY_DAYS	90	/* the overview's expiry chart */

/* ---- shared pieces ---- */

const char *
api_cert_state(const struct store_cert *cert, int64_t now)
{
	if (cert->state == CERT_STATE_REVOKED)
		return "revoked";
	return cert->not_after < now ? "expired" : "valid";
}

static json_t *
cert_pem(const struct store_cert *cert)
{
	BIO *b;
	BUF_MEM *m;
	json_t *j = NULL;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	if (PEM_write_bio(b, "CERTIFICATE", "", cert->der,
	    (long)cert->der_len) > 0 && BIO_get_mem_ptr(b, &m) == 1)
		j = json_stringn(m->data, m->length);
	BIO_free(b);
	return j;
}

static json_t *
days_left(int64_t until, int64_t now)
{
	return json_integer(until > now ? (until - now) / DAY : 0);
}

json_t *
api_cert_json(const struct store_cert *c, int64_t now, int detail)
{
	json_t *j;

	j = json_pack("{s:s, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, s:s, s:s, "
	    "s:s?, s:o, s:o, s:o, s:o, s:s?, s:b}",
	    "serial", c->serial,
	    "ca", c->ca_name,
	    "email", c->email,
	    "given_name", c->given_name,
	    "surname", c->surname,
	    "profile", c->profile,
	    "key_alg", c->key_alg,
	    "usage", c->usage != NULL ? c->usage : "both",
	    "state", api_cert_state(c, now),
	    "reason", c->state == CERT_STATE_REVOKED ?
	    store_reason_name(c->reason) : NULL,
	    "not_before", api_time(c->not_before),
	    "not_after", api_time(c->not_after),
	    "revoked_at", api_time(c->revoked_at),
	    "user_id", c->user_id != 0 ? json_integer(c->user_id) :
	    json_null(),
	    "superseded_by", c->superseded_by,
	    "managed", c->user_id != 0);
	if (j != NULL && detail &&
	    (json_object_set_new(j, "pem", cert_pem(c)) != 0 ||
	    json_object_set_new(j, "days_left",
	    c->state == CERT_STATE_REVOKED ? json_integer(0) :
	    days_left(c->not_after, now)) != 0)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

/* Every certificate, oldest first. */
static int
all_certs(struct store_cert ***out, size_t *n, struct store *st,
    int64_t user_id)
{
	struct store_cert_filter f;

	memset(&f, 0, sizeof(f));
	f.state = -1;
	f.expired = -1;
	f.user_id = user_id;
	return store_cert_list(out, n, st, &f);
}

/* Case-insensitive substring. */
static int
has(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; hay != NULL && *hay != '\0'; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* The name of group id in v, or NULL. */
static const struct store_group *
group_by_id(struct store_group *const *v, size_t n, int64_t id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i]->id == id)
			return v[i];
	return NULL;
}

static int
append(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		return err_set(ERR_NOMEM, "out of memory building the answer");
	return 0;
}

/* ---- me ---- */

int
api_me(struct api_call *c)
{
	struct store_group **g = NULL;
	const struct store_group *gr;
	json_t *names = NULL;
	size_t ng = 0, i;
	int rc;

	if (api_scoped(c)) {
		if ((rc = store_group_list(&g, &ng, c->st)) != 0)
			return rc;
		if ((names = json_array()) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		for (i = 0; i < c->auth->ngroups; i++)
			if ((gr = group_by_id(g, ng, c->auth->groups[i])) !=
			    NULL && (rc = append(names,
			    json_string(gr->name))) != 0)
				goto out;
	} else
		names = json_null();
	rc = api_reply(c, 200, json_pack("{s:s, s:s, s:o}", "name",
	    c->auth->name, "role", token_role_name(c->auth->role), "groups",
	    names));
	names = NULL;	/* taken over */
out:
	json_decref(names);
	store_group_list_free(g, ng);
	return rc;
}

/* ---- overview ---- */

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Valid certificates by expiry day over the next EXPIRY_DAYS. */
static json_t *
expiries(int64_t *days, size_t n)
{
	char buf[TIMEFMT_LEN];
	json_t *a;
	size_t i, k;

	if ((a = json_array()) == NULL)
		return NULL;
	array_sort(days, n, sizeof(*days), cmp_i64);
	for (i = 0; i < n; i = k) {
		for (k = i; k < n && days[k] == days[i]; k++)
			;
		timefmt_utc(buf, days[i] * DAY);
		buf[10] = '\0';
		if (append(a, json_pack("{s:s, s:I}", "date", buf, "count",
		    (json_int_t)(k - i))) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
api_overview(struct api_call *c)
{
	struct store_cert **certs = NULL;
	struct store_domain **doms = NULL;
	struct store_ca **cas = NULL;
	struct store_stats stats;
	struct sched_status ss;
	int64_t last, last_ms;
	json_t *j = NULL, *dj = NULL, *cj = NULL, *seats = NULL, *ex = NULL;
	int64_t *days = NULL;
	size_t nc = 0, nd = 0, nca = 0, i, ndays = 0, counts[3] = { 0 };
	const char *state;
	int rc;

	if ((rc = api_scope_load(c)) != 0 ||
	    (rc = all_certs(&certs, &nc, c->st, 0)) != 0 ||
	    (rc = store_domain_list(&doms, &nd, c->st)) != 0 ||
	    (rc = store_ca_list(&cas, &nca, c->st)) != 0 ||
	    (rc = store_stats_get(&stats, c->st, c->now)) != 0)
		goto out;
	if ((days = calloc(nc > 0 ? nc : 1, sizeof(*days))) == NULL)
		goto nomem;
	for (i = 0; i < nc; i++) {
		if (!api_sees_cert(c, certs[i]))
			continue;
		state = api_cert_state(certs[i], c->now);
		counts[*state == 'v' ? 0 : *state == 'r' ? 1 : 2]++;
		if (*state == 'v' && certs[i]->not_after <= c->now +
		    EXPIRY_DAYS * DAY)
			days[ndays++] = certs[i]->not_after / DAY;
	}
	if ((dj = json_array()) == NULL || (cj = json_array()) == NULL ||
	    (seats = api_seats_json(c->st, c->now)) == NULL ||
	    (ex = expiries(days, ndays)) == NULL)
		goto nomem;
	for (i = 0; i < nd; i++) {
		enum domain_state s = domain_state(doms[i], c->now);

		if ((rc = append(dj, json_pack("{s:s, s:s, s:i}", "name",
		    doms[i]->name, "state", s == DOMAIN_STATE_UNVERIFIED ?
		    "pending" : s == DOMAIN_STATE_LAPSED ? "lapsed" :
		    "verified", "days_left",
		    domain_days_left(doms[i], c->now)))) != 0)
			goto out;
	}
	for (i = 0; i < nca; i++)
		if ((rc = append(cj, json_pack("{s:s, s:s, s:s, s:o}",
		    "name", cas[i]->name, "role", cas[i]->role ==
		    STORE_CA_ROOT ? "root" : "issuing", "state",
		    cas[i]->state == STORE_CA_ACTIVE ? "active" : "retired",
		    "days_left", days_left(cas[i]->not_after, c->now)))) != 0)
			goto out;
	memset(&ss, 0, sizeof(ss));
	if (c->w->sched != NULL)
		sched_status(&ss, c->w->sched, SCHED_SYNC);
	if ((rc = sched_sync_last(&last, &last_ms, c->w->sched, c->st)) != 0)
		goto out;
	j = json_pack("{s:{s:I, s:I, s:I}, s:o, s:o, s:o, s:o, "
	    "s:{s:I, s:I}, s:{s:o, s:o, s:b}}",
	    "certificates", "valid", (json_int_t)counts[0],
	    "revoked", (json_int_t)counts[1], "expired", (json_int_t)counts[2],
	    "expiries", ex, "seats", seats, "domains", dj, "cas", cj,
	    "outbox", "pending", (json_int_t)stats.events[STORE_EVENT_PENDING],
	    "failed", (json_int_t)stats.events[STORE_EVENT_FAILED],
	    "sync", "last_success", api_time(last),
	    "duration_ms", last_ms >= 0 ? json_integer(last_ms) : json_null(),
	    "running", ss.running);
	ex = seats = dj = cj = NULL;	/* taken over */
	rc = api_reply(c, 200, j);
	goto out;
nomem:
	rc = err_set(ERR_NOMEM, "out of memory");
out:
	json_decref(ex);
	json_decref(seats);
	json_decref(dj);
	json_decref(cj);
	free(days);
	store_cert_list_free(certs, nc);
	store_domain_list_free(doms, nd);
	store_ca_list_free(cas, nca);
	return rc;
}

/* ---- users ---- */

static json_t *
user_json(struct api_call *c, const struct store_user *u,
    struct store_group *const *g, size_t ng, struct store_cert *const *certs,
    size_t nc)
{
	const struct store_group *gr;
	json_t *groups, *serials, *j;
	size_t i;

	if ((groups = json_array()) == NULL)
		return NULL;
	if ((serials = json_array()) == NULL) {
		json_decref(groups);
		return NULL;
	}
	for (i = 0; i < u->ngroups; i++)
		if ((gr = group_by_id(g, ng, u->group_ids[i])) != NULL &&
		    (!api_scoped(c) || token_sees_group(c->auth, gr->id)) &&
		    append(groups, json_string(gr->name)) != 0)
			goto fail;
	for (i = nc; i-- > 0; )
		if (certs[i]->user_id == u->id &&
		    append(serials, json_string(certs[i]->serial)) != 0)
			goto fail;
	j = json_pack("{s:I, s:s, s:s, s:s?, s:s?, s:s?, s:b, s:o, s:o}",
	    "id", (json_int_t)u->id, "source", u->source, "ext_id", u->ext_id,
	    "email", u->email, "given_name", u->given_name,
	    "surname", u->surname, "present", u->present,
	    "groups", groups, "certificates", serials);
	return j;
fail:
	json_decref(groups);
	json_decref(serials);
	return NULL;
}

/* Whether u is in a group called (or numbered) want. */
static int
in_group(const struct store_user *u, struct store_group *const *g,
    size_t ng, const char *want)
{
	const struct store_group *gr;
	char id[24];
	size_t i;

	for (i = 0; i < u->ngroups; i++) {
		if ((gr = group_by_id(g, ng, u->group_ids[i])) == NULL)
			continue;
		snprintf(id, sizeof(id), "%lld", (long long)gr->id);
		if (strcmp(gr->name, want) == 0 || strcmp(id, want) == 0)
			return 1;
	}
	return 0;
}

int
api_users_list(struct api_call *c)
{
	struct store_user **u = NULL, **hit = NULL;
	struct store_group **g = NULL;
	struct store_cert **certs = NULL;
	const char *q = api_query_get(&c->q, "q");
	const char *grp = api_query_get(&c->q, "group");
	const char *pres = api_query_get(&c->q, "present");
	json_t *page = NULL;
	size_t nu = 0, ng = 0, nc = 0, nhit = 0, i;
	int present = -1, rc;

	if (pres != NULL && (rc = api_parse_bool(&present, pres,
	    "query parameter \"present\"")) != 0)
		return api_fail_rc(c, rc);
	if ((rc = api_scope_load(c)) != 0 ||
	    (rc = store_user_list(&u, &nu, c->st, NULL)) != 0 ||
	    (rc = store_group_list(&g, &ng, c->st)) != 0)
		goto out;
	if ((hit = calloc(nu > 0 ? nu : 1, sizeof(*hit))) == NULL ||
	    (page = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < nu; i++) {
		if (!api_sees_user_id(c, u[i]->id) ||
		    (present != -1 && u[i]->present != present) ||
		    (grp != NULL && !in_group(u[i], g, ng, grp)) ||
		    (q != NULL && !has(u[i]->email, q) &&
		    !has(u[i]->given_name, q) && !has(u[i]->surname, q)))
			continue;
		hit[nhit++] = u[i];
	}
	if (c->q.offset < nhit &&
	    (rc = all_certs(&certs, &nc, c->st, 0)) != 0)
		goto out;
	for (i = c->q.offset; i < nhit && i - c->q.offset < c->q.limit; i++)
		if ((rc = append(page, user_json(c, hit[i], g, ng, certs,
		    nc))) != 0)
			goto out;
	rc = api_reply_page(c, page, nhit);
	page = NULL;	/* taken over */
	goto out;
nomem:
	rc = err_set(ERR_NOMEM, "out of memory");
out:
	json_decref(page);
	free(hit);
	store_cert_list_free(certs, nc);
	store_user_list_free(u, nu);
	store_group_list_free(g, ng);
	return rc;
}

int
api_user_get(struct api_call *c)
{
	struct store_user *u = NULL;
	struct store_group **g = NULL;
	struct store_cert **certs = NULL;
	size_t ng = 0, nc = 0;
	int64_t id;
	int rc;

	if (api_parse_id(&id, c->param, "user id") != 0)
		return api_fail(c, 404, "not_found", "no user %s", c->param);
	if ((rc = api_scope_load(c)) != 0)
		return rc;
	rc = store_user_get(&u, c->st, id);
	if (rc == ERR_NOTFOUND || (rc == 0 && !api_sees_user_id(c, id))) {
		rc = api_fail(c, 404, "not_found", "no user %s", c->param);
		goto out;
	}
	if (rc != 0 || (rc = store_group_list(&g, &ng, c->st)) != 0 ||
	    (rc = all_certs(&certs, &nc, c->st, id)) != 0)
		goto out;
	rc = api_reply(c, 200, user_json(c, u, g, ng, certs, nc));
out:
	store_user_free(u);
	store_group_list_free(g, ng);
	store_cert_list_free(certs, nc);
	return rc;
}

/* ---- groups ---- */

static json_t *
group_json(const struct store_group *g)
{
	return json_pack("{s:I, s:s, s:s, s:b, s:I, s:b, s:s?, s:o, s:s?, "
	    "s:s}", "id", (json_int_t)g->id, "source", g->source, "name",
	    g->name, "present", g->present, "members",
	    (json_int_t)g->nmembers, "auto_request", g->auto_request,
	    "key", g->key, "days", g->days != 0 ? json_integer(g->days) :
	    json_null(), "profile", g->profile, "usage",
	    g->usage != NULL ? g->usage : "both");
}

int
api_groups_list(struct api_call *c)
{
	struct store_group **g = NULL;
	json_t *items;
	size_t ng = 0, i;
	int rc;

	if ((rc = store_group_list(&g, &ng, c->st)) != 0)
		return rc;
	if ((items = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = 0; rc == 0 && i < ng; i++)
		if (!api_scoped(c) || token_sees_group(c->auth, g[i]->id))
			rc = append(items, group_json(g[i]));
	if (rc == 0)
		rc = api_reply_list(c, items);
	else
		json_decref(items);
	store_group_list_free(g, ng);
	return rc;
}

/* The group whose id is c->param, or a 404 answer (*g NULL). */
static int
group_find(struct store_group **out, struct api_call *c)
{
	struct store_group **g = NULL;
	size_t ng = 0, i;
	int64_t id;
	int rc;

	*out = NULL;
	if (api_parse_id(&id, c->param, "group id") != 0)
		return api_fail(c, 404, "not_found", "no group %s", c->param);
	if ((rc = store_group_list(&g, &ng, c->st)) != 0)
		return rc;
	for (i = 0; i < ng; i++)
		if (g[i]->id == id && (!api_scoped(c) ||
		    token_sees_group(c->auth, id))) {
			*out = g[i];
			g[i] = NULL;	/* transferred */
			break;
		}
	store_group_list_free(g, ng);
	if (*out == NULL)
		return api_fail(c, 404, "not_found", "no group %s", c->param);
	return 0;
}

/* Replace *field with a copy of v (NULL clears). */
static int
set_str(char **field, const char *v)
{
	char *n = NULL;

	if (v != NULL && (n = strdup(v)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	free(*field);
	*field = n;
	return 0;
}

int
api_group_patch(struct api_call *c)
{
	struct store_group *g = NULL, *again = NULL;
	struct api_body_group b;
	int rc, syntax;

	memset(&b, 0, sizeof(b));
	if ((rc = group_find(&g, c)) != 0 || g == NULL)
		return rc;
	if ((rc = api_body_group_parse(&b, c->req->body, c->req->body_len,
	    &syntax)) != 0) {
		rc = syntax ? api_fail(c, 400, "bad_json", "%s", err_msg()) :
		    api_fail_rc(c, rc);
		goto out;
	}
	if (b.set & API_GROUP_AUTO)
		g->auto_request = b.auto_request;
	if (b.set & API_GROUP_DAYS)
		g->days = b.days;
	if (((b.set & API_GROUP_KEY) && (rc = set_str(&g->key, b.key)) != 0) ||
	    ((b.set & API_GROUP_PROFILE) &&
	    (rc = set_str(&g->profile, b.profile)) != 0) ||
	    ((b.set & API_GROUP_USAGE) &&
	    (rc = set_str(&g->usage, b.usage)) != 0))
		goto out;
	if ((rc = store_group_set_policy(c->st, g)) != 0) {
		rc = api_fail_rc(c, rc);
		goto out;
	}
	store_group_free(g);
	g = NULL;
	if ((rc = group_find(&again, c)) != 0 || again == NULL)
		goto out;
	rc = api_reply(c, 200, group_json(again));
out:
	api_body_group_clear(&b);
	store_group_free(g);
	store_group_free(again);
	return rc;
}

/* ---- certificates ---- */

int
api_certs_list(struct api_call *c)
{
	struct store_cert **certs = NULL;
	const char *email = api_query_get(&c->q, "email");
	const char *state = api_query_get(&c->q, "state");
	const char *user = api_query_get(&c->q, "user");
	const char *q = api_query_get(&c->q, "q");
	json_t *items = NULL;
	size_t nc = 0, i;
	int64_t uid = 0;
	int rc;

	if (state != NULL && strcmp(state, "valid") != 0 &&
	    strcmp(state, "revoked") != 0 && strcmp(state, "expired") != 0)
		return api_fail(c, 400, "bad_request", "query parameter "
		    "\"state\": \"%.32s\" is not valid, revoked or expired",
		    state);
	if (user != NULL && (rc = api_parse_id(&uid, user,
	    "query parameter \"user\"")) != 0)
		return api_fail_rc(c, rc);
	if ((rc = api_scope_load(c)) != 0 ||
	    (rc = all_certs(&certs, &nc, c->st, uid)) != 0)
		return rc;
	if ((items = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = nc; rc == 0 && i-- > 0; ) {
		if (!api_sees_cert(c, certs[i]) ||
		    (email != NULL && strcasecmp(certs[i]->email, email) != 0) ||
		    (state != NULL && strcmp(api_cert_state(certs[i],
		    c->now), state) != 0) ||
		    (q != NULL && !has(certs[i]->email, q) &&
		    !has(certs[i]->serial, q) &&
		    !has(certs[i]->given_name, q) &&
		    !has(certs[i]->surname, q)))
			continue;
		rc = append(items, api_cert_json(certs[i], c->now, 0));
	}
	store_cert_list_free(certs, nc);
	if (rc != 0) {
		json_decref(items);
		return rc;
	}
	return api_reply_list(c, items);
}

/*
 * The certificate c->param names, or a 404 answer (*out NULL): malformed
 * serials, unknown ones and those outside the scope read the same.
 */
static int
cert_find(struct store_cert **out, struct api_call *c)
{
	size_t i, n = strlen(c->param);
	int rc;

	*out = NULL;
	for (i = 0; i < n && isxdigit((unsigned char)c->param[i]); i++)
		;
	if (n == 0 || n > 40 || i < n)
		goto notfound;
	if ((rc = api_scope_load(c)) != 0)
		return rc;
	rc = store_cert_get(out, c->st, c->param);
	if (rc == ERR_NOTFOUND)
		goto notfound;
	if (rc != 0)
		return rc;
	if (api_sees_cert(c, *out))
		return api_set_target(c, (*out)->serial);
	store_cert_free(*out);
	*out = NULL;
notfound:
	return api_fail(c, 404, "not_found", "no certificate %s", c->param);
}

int
api_cert_get(struct api_call *c)
{
	struct store_cert *cert = NULL;
	int rc;

	if ((rc = cert_find(&cert, c)) != 0 || cert == NULL)
		return rc;
	rc = api_reply(c, 200, api_cert_json(cert, c->now, 1));
	store_cert_free(cert);
	return rc;
}

/* An outbox event about cert at c->now; data (consumed) may be NULL. */
static int
cert_event(struct api_call *c, const char *kind,
    const struct store_cert *cert, const char *serial, json_t *data)
{
	struct store_event e;
	char *text = NULL;
	int rc;

	if (data == NULL || json_object_set_new(data, "by",
	    json_sprintf("token:%s", c->auth->name)) != 0 ||
	    (text = json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		json_decref(data);
		return err_set(ERR_NOMEM, "out of memory");
	}
	json_decref(data);
	memset(&e, 0, sizeof(e));
	e.kind = (char *)kind;
	e.created_at = c->now;
	e.user_id = cert->user_id;
	e.email = cert->email;
	e.serial = (char *)serial;
	e.data = text;
	rc = store_event_put(c->st, &e);
	free(text);
	return rc;
}

/* Nudge CRL and OCSP after a revocation; one queued already is enough. */
static void
catch_up(struct api_call *c)
{
	if (c->w->sched == NULL)
		return;
	(void)sched_trigger(c->w->sched, SCHED_CRL);
	(void)sched_trigger(c->w->sched, SCHED_OCSP);
	err_clear();
}

static int
body_fail(struct api_call *c, int rc, int syntax)
{
	return syntax ? api_fail(c, 400, "bad_json", "%s", err_msg()) :
	    api_fail_rc(c, rc);
}

int
api_cert_revoke(struct api_call *c)
{
	struct store_cert *cert = NULL;
	struct api_body_revoke b;
	int rc, syntax;

	if ((rc = cert_find(&cert, c)) != 0 || cert == NULL)
		return rc;
	if ((rc = api_body_revoke_parse(&b, c->req->body, c->req->body_len,
	    &syntax)) != 0) {
		rc = body_fail(c, rc, syntax);
		goto out;
	}
	if (cert->state == CERT_STATE_REVOKED) {
		rc = api_fail(c, 409, "conflict", "certificate %s is revoked "
		    "already", cert->serial);
		goto out;
	}
	if ((rc = store_begin(c->st)) != 0)
		goto out;
	if ((rc = store_cert_revoke(c->st, cert->serial, b.reason,
	    c->now)) != 0 ||
	    (rc = cert_event(c, EVENT_CERT_REVOKED, cert, cert->serial,
	    json_pack("{s:s}", "reason", store_reason_name(b.reason)))) != 0 ||
	    (rc = store_commit(c->st)) != 0) {
		store_rollback(c->st);
		rc = api_fail_rc(c, rc);
		goto out;
	}
	catch_up(c);
	store_cert_free(cert);
	cert = NULL;
	if ((rc = store_cert_get(&cert, c->st, c->param)) == 0)
		rc = api_reply(c, 200, api_cert_json(cert, c->now, 1));
out:
	store_cert_free(cert);
	return rc;
}

/* What reissuing cert asks for: the same of everything but the key. */
static int
reissue_request(struct ca_request *req, const struct store_cert *cert)
{
	int rc;

	memset(req, 0, sizeof(*req));
	req->email = cert->email;
	req->given_name = cert->given_name;
	req->surname = cert->surname;
	req->user_id = cert->user_id;
	if ((rc = keys_type_parse(&req->key, cert->key_alg)) != 0 ||
	    (rc = profile_parse(&req->profile, cert->profile)) != 0 ||
	    (rc = profile_usage_parse(&req->usage, cert->usage != NULL ?
	    cert->usage : "both")) != 0)
		return err_set(ERR_EXISTS, "certificate %s cannot be "
		    "reissued: %s", cert->serial, err_msg());
	return 0;
}

int
api_cert_reissue(struct api_call *c)
{
	struct store_cert *cert = NULL;
	struct ca_issued *iss = NULL;
	struct ca_request req;
	struct ca *ca = NULL;
	int rc, syntax;

	if ((rc = cert_find(&cert, c)) != 0 || cert == NULL)
		return rc;
	if ((rc = api_body_none(c->req->body, c->req->body_len,
	    &syntax)) != 0) {
		rc = body_fail(c, rc, syntax);
		goto out;
	}
	if (cert->state == CERT_STATE_REVOKED || cert->not_after < c->now) {
		rc = api_fail(c, 409, "conflict", "certificate %s is %s",
		    cert->serial, api_cert_state(cert, c->now));
		goto out;
	}
	/* As a rollover does: a key we never held needs a new CSR. */
	if (cert->key_id == NULL && cert->key_released_at == 0) {
		rc = api_fail(c, 409, "conflict", "certificate %s was issued "
		    "from a CSR; reissuing needs a new CSR", cert->serial);
		goto out;
	}
	if ((rc = reissue_request(&req, cert)) != 0) {
		rc = api_fail_rc(c, rc);
		goto out;
	}
	if ((rc = ca_load(&ca, c->st, c->w->kek, NULL)) != 0 ||
	    (rc = ca_prepare(&iss, ca, c->w->kek, c->cfg, &req, c->now)) != 0) {
		rc = api_fail_rc(c, rc);
		goto out;
	}
	if ((rc = store_begin(c->st)) != 0)
		goto out;
	if ((rc = ca_record(c->st, ca, &req, iss)) != 0 ||
	    (rc = store_cert_revoke(c->st, cert->serial, REVOKE_SUPERSEDED,
	    c->now)) != 0 ||
	    (rc = store_cert_supersede(c->st, cert->serial,
	    iss->serial)) != 0 ||
	    (rc = cert_event(c, EVENT_CERT_REVOKED, cert, cert->serial,
	    json_pack("{s:s, s:s}", "reason", "superseded", "new_serial",
	    iss->serial))) != 0 ||
	    (rc = cert_event(c, EVENT_CERT_ISSUED, cert, iss->serial,
	    json_pack("{s:s}", "old_serial", cert->serial))) != 0 ||
	    (rc = store_commit(c->st)) != 0) {
		store_rollback(c->st);
		rc = api_fail_rc(c, rc);
		goto out;
	}
	catch_up(c);
	rc = api_reply(c, 200, json_pack("{s:s, s:[s]}", "revoked",
	    cert->serial, "issued", iss->serial));
out:
	ca_issued_free(iss);
	ca_free(ca);
	store_cert_free(cert);
	return rc;
}

/* ---- events ---- */

static json_t *
event_json(const struct store_event *e)
{
	json_t *data = NULL;

	if (e->data != NULL)
		data = json_loads(e->data, 0, NULL);
	return json_pack("{s:I, s:s, s:o, s:o, s:s?, s:s?, s:s?, s:s, s:i, "
	    "s:s?, s:o}", "id", (json_int_t)e->id, "kind", e->kind,
	    "created_at", api_time(e->created_at), "user_id",
	    e->user_id != 0 ? json_integer(e->user_id) : json_null(),
	    "email", e->email, "serial", e->serial, "domain", e->domain,
	    "state", store_event_state_name(e->state), "attempts",
	    e->attempts, "last_error", e->last_error, "data",
	    data != NULL ? data : json_null());
}

int
api_events_list(struct api_call *c)
{
	struct store_event **ev = NULL;
	struct store_event_filter f;
	const char *state = api_query_get(&c->q, "state");
	json_t *items = NULL;
	size_t n = 0, i;
	int rc;

	memset(&f, 0, sizeof(f));
	f.kind = api_query_get(&c->q, "kind");
	f.state = -1;
	if (state != NULL && (f.state = store_event_state_parse(state)) < 0)
		return api_fail(c, 400, "bad_request", "query parameter "
		    "\"state\": \"%.32s\" is not pending, claimed, done or "
		    "failed", state);
	if ((rc = api_scope_load(c)) != 0 ||
	    (rc = store_event_list(&ev, &n, c->st, &f)) != 0)
		return rc;
	if ((items = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = n; rc == 0 && i-- > 0; )
		if (!api_scoped(c) || (ev[i]->user_id != 0 &&
		    api_sees_user_id(c, ev[i]->user_id)))
			rc = append(items, event_json(ev[i]));
	store_event_list_free(ev, n);
	if (rc != 0) {
		json_decref(items);
		return rc;
	}
	return api_reply_list(c, items);
}
