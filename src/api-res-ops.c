/*
 * api-res-ops.c: the operational resources of /api/v1 (docs/api.md):
 * domains, seats, sources, chain exports, sync, the audit log, tokens and
 * CAs. Sources and tokens are for unscoped tokens only (api.c); a scoped
 * token sees its own audit entries only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "api-int.h"
#include "api-req.h"
#include "config.h"
#include "crl.h"
#include "domain.h"
#include "err.h"
#include "export.h"
#include "http.h"
#include "rollover.h"
#include "scheduler.h"
#include "store.h"
#include "store-dir.h"
#include "store-web.h"
#include "sync.h"
#include "token.h"
#include "web.h"

#define DAY	86400

static int
append(json_t *a, json_t *v)
{
	if (v == NULL || json_array_append_new(a, v) != 0)
		return err_set(ERR_NOMEM, "out of memory building the answer");
	return 0;
}

static int
body_fail(struct api_call *c, int rc, int syntax)
{
	return syntax ? api_fail(c, 400, "bad_json", "%s", err_msg()) :
	    api_fail_rc(c, rc);
}

static json_t *
days_left(int64_t until, int64_t now)
{
	return json_integer(until > now ? (until - now) / DAY : 0);
}

/* ---- domains ---- */

static json_t *
domain_json(const struct store_domain *d, int64_t now)
{
	enum domain_state s = domain_state(d, now);
	json_t *j;
	char *name = NULL, *value = NULL;

	if (asprintf(&name, "%s.%s", DOMAIN_TXT_LABEL, d->name) < 0)
		return NULL;
	if (asprintf(&value, "%s%s", DOMAIN_TXT_PREFIX, d->token) < 0) {
		free(name);
		return NULL;
	}
	j = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:i, s:o, s:s?, s:s, s:s}",
	    "name", d->name,
	    "state", s == DOMAIN_STATE_UNVERIFIED ? "pending" :
	    s == DOMAIN_STATE_LAPSED ? "lapsed" : "verified",
	    "method", d->method == STORE_DOMAIN_NONE ? NULL :
	    store_domain_method_name(d->method),
	    "verified_at", api_time(d->verified_at),
	    "valid_until", api_time(d->valid_until),
	    "days_left", domain_days_left(d, now),
	    "last_check_at", api_time(d->last_check_at),
	    "last_error", d->last_error,
	    "txt_name", name, "txt_value", value);
	free(name);
	free(value);
	return j;
}

int
api_domains_list(struct api_call *c)
{
	struct store_domain **d = NULL;
	json_t *items;
	size_t n = 0, i;
	int rc;

	if ((rc = store_domain_list(&d, &n, c->st)) != 0)
		return rc;
	if ((items = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++)
		rc = append(items, domain_json(d[i], c->now));
	store_domain_list_free(d, n);
	if (rc != 0) {
		json_decref(items);
		return rc;
	}
	return api_reply_list(c, items);
}

int
api_domain_add(struct api_call *c)
{
	struct api_body_domain b;
	struct store_domain *d = NULL;
	int rc, syntax;

	if ((rc = api_body_domain_parse(&b, c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	if ((rc = api_set_target(c, b.name)) == 0) {
		if ((rc = domain_add(&d, c->st, b.name)) == 0)
			rc = api_reply(c, 201, domain_json(d, c->now));
		else
			rc = api_fail_rc(c, rc);
	}
	store_domain_free(d);
	api_body_domain_clear(&b);
	return rc;
}

int
api_domain_verify(struct api_call *c)
{
	struct store_domain *d = NULL;
	int rc, syntax;

	if ((rc = api_body_none(c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	if ((rc = store_domain_get(&d, c->st, c->param)) == ERR_NOTFOUND ||
	    rc == ERR_INVALID)
		return api_fail(c, 404, "not_found", "no domain %s", c->param);
	if (rc != 0)
		return rc;
	store_domain_free(d);
	d = NULL;
	/* The outcome, either way, is in the domain answered. */
	if ((rc = domain_verify(c->st, c->cfg, c->param, c->now)) != 0) {
		if (rc != ERR_NOTFOUND && rc != ERR_IO)
			return rc;
		if ((c->error = strdup(err_msg())) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
	}
	if ((rc = store_domain_get(&d, c->st, c->param)) != 0)
		return rc;
	rc = api_reply(c, 200, domain_json(d, c->now));
	store_domain_free(d);
	return rc;
}

/* ---- seats ---- */

json_t *
api_seats_json(struct store *st, int64_t now)
{
	size_t total, used;

	if (sync_seats(&total, &used, st, now) != 0)
		return NULL;
	if (total == SYNC_SEATS_UNLIMITED)
		return json_pack("{s:n, s:I, s:n}", "total", "used",
		    (json_int_t)used, "free");
	return json_pack("{s:I, s:I, s:I}", "total", (json_int_t)total,
	    "used", (json_int_t)used, "free",
	    (json_int_t)(total > used ? total - used : 0));
}

int
api_seats_get(struct api_call *c)
{
	json_t *j;

	if ((j = api_seats_json(c->st, c->now)) == NULL)
		return err_msg()[0] != '\0' ? ERR_STORE :
		    err_set(ERR_NOMEM, "out of memory");
	return api_reply(c, 200, j);
}

int
api_seats_put(struct api_call *c)
{
	struct api_body_seats b;
	char num[24];
	int rc, syntax;

	if ((rc = api_body_seats_parse(&b, c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	snprintf(num, sizeof(num), "%lld", (long long)b.total);
	if ((rc = api_set_target(c, b.total < 0 ? "none" : num)) != 0 ||
	    (rc = store_setting_set(c->st, STORE_SETTING_SEATS,
	    b.total < 0 ? NULL : num)) != 0)
		return rc;
	return api_seats_get(c);
}

/* ---- sources ---- */

/* Whether a parameter's name says it could hold a secret. */
static int
secretish(const char *key)
{
	static const char *const words[] = { "secret", "password", "passwd",
	    "token", "credential" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(key, words[i]) != NULL)
			return 1;
	return 0;
}

static json_t *
params_json(const char *text)
{
	json_t *in, *out, *v;
	const char *key;

	if ((out = json_object()) == NULL)
		return NULL;
	if (text == NULL || (in = json_loads(text, 0, NULL)) == NULL)
		return out;
	if (json_is_object(in))
		json_object_foreach(in, key, v)
			if (!secretish(key) &&
			    json_object_set(out, key, v) != 0) {
				json_decref(out);
				out = NULL;
				break;
			}
	json_decref(in);
	return out;
}

int
api_sources_list(struct api_call *c)
{
	struct store_source **s = NULL;
	json_t *items;
	size_t n = 0, i;
	int rc;

	if ((rc = store_source_list(&s, &n, c->st)) != 0)
		return rc;
	if ((items = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++)
		rc = append(items, json_pack("{s:s, s:s, s:o, s:o, s:o, s:s?}",
		    "name", s[i]->name, "type", s[i]->type, "params",
		    params_json(s[i]->params), "created_at",
		    api_time(s[i]->created_at), "last_read_at",
		    api_time(s[i]->last_read_at), "last_error",
		    s[i]->last_error));
	store_source_list_free(s, n);
	if (rc != 0) {
		json_decref(items);
		return rc;
	}
	return api_reply_list(c, items);
}

int
api_source_delete(struct api_call *c)
{
	int rc, syntax;

	if ((rc = api_body_none(c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	if ((rc = store_source_delete(c->st, c->param)) == ERR_NOTFOUND)
		return api_fail(c, 404, "not_found", "no source %s", c->param);
	if (rc != 0)
		return rc;
	return api_reply(c, 200, json_pack("{s:s, s:b}", "name", c->param,
	    "deleted", 1));
}

/* ---- exports ---- */

int
api_export_chain(struct api_call *c)
{
	static const char *const types[EXPORT__MAX] = {
		[EXPORT_PEM] = "application/x-pem-file",
		[EXPORT_P7B] = "application/pkcs7-mime",
		[EXPORT_SST] = "application/vnd.ms-pkiseccert",
	};
	static const char *const exts[EXPORT__MAX] = {
		[EXPORT_PEM] = "pem", [EXPORT_P7B] = "p7b", [EXPORT_SST] = "sst",
	};
	const char *fs = api_query_get(&c->q, "format");
	STACK_OF(X509) *certs = NULL;
	enum export_format f = EXPORT_PEM;
	unsigned char *der = NULL;
	char disp[64];
	size_t len;
	int rc;

	if (fs != NULL && export_format_parse(&f, fs, EXPORT_ALLOW(EXPORT_PEM) |
	    EXPORT_ALLOW(EXPORT_P7B) | EXPORT_ALLOW(EXPORT_SST)) != 0)
		return api_fail(c, 400, "bad_request", "query parameter "
		    "\"format\": %s", err_msg());
	if ((rc = export_chain_certs(&certs, c->st, c->now)) != 0)
		return rc;
	if ((rc = export_certs(&der, &len, certs, f)) != 0)
		goto out;
	http_resp_clear(c->resp);
	http_resp_take(c->resp, 200, types[f], der, len);
	c->status = 200;
	snprintf(disp, sizeof(disp), "attachment; filename=\"chain.%s\"",
	    exts[f]);
	rc = http_resp_header(c->resp, "Content-Disposition", disp);
out:
	sk_X509_pop_free(certs, X509_free);
	return rc;
}

/* ---- sync ---- */

static json_t *
last_run(struct api_call *c)
{
	struct store_run *run = NULL;
	struct store_action **a = NULL;
	json_t *acts = NULL, *j = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = store_run_latest(&run, c->st)) == ERR_NOTFOUND) {
		err_clear();
		return json_null();
	}
	if (rc != 0 || (rc = store_action_list(&a, &n, c->st, run->id,
	    -1)) != 0 || (acts = json_array()) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		if (api_sees_user_id(c, a[i]->user_id) &&
		    append(acts, json_pack("{s:s, s:s?, s:s, s:s?, s:s?}",
		    "kind", store_action_kind_name(a[i]->kind), "email",
		    a[i]->email, "state", store_action_state_name(a[i]->state),
		    "new_serials", a[i]->new_serials, "error",
		    a[i]->error)) != 0)
			goto out;
	j = json_pack("{s:I, s:o, s:o, s:o}", "id", (json_int_t)run->id,
	    "at", api_time(run->at), "finished_at",
	    api_time(run->finished_at), "actions", acts);
	acts = NULL;	/* taken over */
out:
	json_decref(acts);
	store_action_list_free(a, n);
	store_run_free(run);
	return j;
}

int
api_sync_get(struct api_call *c)
{
	struct sched_status ss;
	json_t *run;
	int rc;

	if ((rc = api_scope_load(c)) != 0)
		return rc;
	memset(&ss, 0, sizeof(ss));
	if (c->w->sched != NULL)
		sched_status(&ss, c->w->sched, SCHED_SYNC);
	if ((run = last_run(c)) == NULL)
		return err_msg()[0] != '\0' ? ERR_STORE :
		    err_set(ERR_NOMEM, "out of memory");
	return api_reply(c, 200, json_pack("{s:b, s:b, s:o, s:o, s:o, s:o, "
	    "s:s?, s:o, s:o, s:o}", "running", ss.running, "queued",
	    ss.queued, "last_start", api_time(ss.last_start), "last_end",
	    api_time(ss.last_end), "last_success", api_time(ss.last_success),
	    "last_rc", ss.last_start != 0 ? json_integer(ss.last_rc) :
	    json_null(), "last_message", ss.last_msg[0] != '\0' ?
	    ss.last_msg : NULL, "duration_ms", ss.last_start != 0 ?
	    json_integer(ss.last_duration_ms) : json_null(), "next_due",
	    api_time(ss.next_due), "last_run", run));
}

int
api_sync_post(struct api_call *c)
{
	int rc, syntax;

	if ((rc = api_body_none(c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	if ((rc = api_set_target(c, "sync")) != 0)
		return rc;
	if (c->w->sched == NULL)
		return api_fail(c, 503, "unavailable", "the scheduler is not "
		    "running");
	if ((rc = sched_trigger(c->w->sched, SCHED_SYNC)) == ERR_EXISTS)
		return api_fail(c, 409, "conflict", "a sync is queued or "
		    "running already");
	if (rc != 0)
		return rc;
	return api_reply(c, 202, json_pack("{s:b}", "queued", 1));
}

/* ---- audit ---- */

int
api_audit_list(struct api_call *c)
{
	struct store_audit **v = NULL;
	json_t *items;
	char *mine = NULL;
	size_t n = 0, i;
	int rc;

	if (api_scoped(c) && asprintf(&mine, "token:%s", c->auth->name) < 0)
		return err_set(ERR_NOMEM, "out of memory");
	if ((rc = store_audit_list(&v, &n, c->st, 0, 0)) != 0) {
		free(mine);
		return rc;
	}
	if ((items = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = n; rc == 0 && i-- > 0; ) {
		if ((c->q.before != 0 && v[i]->id >= c->q.before) ||
		    (mine != NULL && strcmp(v[i]->actor, mine) != 0))
			continue;
		rc = append(items, json_pack("{s:I, s:o, s:o, s:o, s:o, s:o, "
		    "s:s}", "id", (json_int_t)v[i]->id, "at",
		    api_time(v[i]->at), "actor", api_str(v[i]->actor),
		    "action", api_str(v[i]->action), "target",
		    api_str(v[i]->target), "result", api_str(v[i]->result),
		    "hash", v[i]->hash));
	}
	store_audit_list_free(v, n);
	free(mine);
	if (rc != 0) {
		json_decref(items);
		return rc;
	}
	return api_reply_list(c, items);
}

/* ---- tokens ---- */

/* "3,7" (group ids) as group names. */
static json_t *
token_groups(const char *ids, struct store_group *const *g, size_t ng)
{
	json_t *a;
	const char *p;
	char *end;
	long long id;
	size_t i;

	if (ids == NULL)
		return json_null();
	if ((a = json_array()) == NULL)
		return NULL;
	for (p = ids; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		id = strtoll(p, &end, 10);
		if (end == p)
			break;
		for (i = 0; i < ng && g[i]->id != id; i++)
			;
		if (i < ng && append(a, json_string(g[i]->name)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static json_t *
token_json(const struct store_token *t, struct store_group *const *g,
    size_t ng)
{
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
	    "id", (json_int_t)t->id, "name", t->name, "role", t->role,
	    "groups", token_groups(t->groups, g, ng),
	    "created_at", api_time(t->created_at),
	    "expires_at", api_time(t->expires_at),
	    "revoked_at", api_time(t->revoked_at),
	    "last_used_at", api_time(t->last_used_at));
}

/*
 * Answer with the token named name (unrevoked, newest; NULL: id id),
 * with extra fields of j (taken over) first.
 */
static int
reply_token(struct api_call *c, int status, const char *name, int64_t id,
    json_t *j)
{
	struct store_token **t = NULL;
	struct store_group **g = NULL;
	json_t *tj = NULL;
	size_t nt = 0, ng = 0, i;
	int rc;

	if ((rc = store_token_list(&t, &nt, c->st)) != 0 ||
	    (rc = store_group_list(&g, &ng, c->st)) != 0)
		goto out;
	for (i = nt; i-- > 0; )
		if (name != NULL ? strcmp(t[i]->name, name) == 0 &&
		    t[i]->revoked_at == 0 : t[i]->id == id)
			break;
	if (i == SIZE_MAX) {
		rc = err_set(ERR_INTERNAL, "token %s vanished", name != NULL ?
		    name : "by id");
		goto out;
	}
	if ((tj = token_json(t[i], g, ng)) == NULL ||
	    (j != NULL && json_object_update(j, tj) != 0)) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (j == NULL) {
		j = tj;
		tj = NULL;
	}
	rc = api_reply(c, status, j);
	j = NULL;	/* taken over */
out:
	json_decref(j);
	json_decref(tj);
	store_token_list_free(t, nt);
	store_group_list_free(g, ng);
	return rc;
}

int
api_tokens_list(struct api_call *c)
{
	struct store_token **t = NULL;
	struct store_group **g = NULL;
	json_t *items = NULL;
	size_t nt = 0, ng = 0, i;
	int rc;

	if ((rc = store_token_list(&t, &nt, c->st)) != 0 ||
	    (rc = store_group_list(&g, &ng, c->st)) != 0)
		goto out;
	if ((items = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = 0; rc == 0 && i < nt; i++)
		rc = append(items, token_json(t[i], g, ng));
	if (rc == 0) {
		rc = api_reply_list(c, items);
		items = NULL;	/* taken over */
	}
out:
	json_decref(items);
	store_token_list_free(t, nt);
	store_group_list_free(g, ng);
	return rc;
}

static char *
actor_of(const struct api_call *c)
{
	char *a;

	return asprintf(&a, "token:%s", c->auth->name) < 0 ? NULL : a;
}

int
api_token_create(struct api_call *c)
{
	struct api_body_token b;
	char *secret = NULL, *actor = NULL;
	int rc, syntax;

	if ((rc = api_body_token_parse(&b, c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	if ((rc = api_set_target(c, b.name)) != 0)
		goto out;
	if ((actor = actor_of(c)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = token_create(&secret, c->st, b.name, b.role, b.groups,
	    b.expires_days, c->now, actor);
	/* A group that is not there is a bad value in the body. */
	if (rc == ERR_NOTFOUND)
		rc = api_fail(c, 400, "bad_request", "field \"groups\": %s",
		    err_msg());
	else if (rc != 0)
		rc = api_fail_rc(c, rc);
	else {
		c->audited = 1;
		rc = reply_token(c, 201, b.name, 0, json_pack("{s:s}",
		    "token", secret));
	}
out:
	if (secret != NULL) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
	free(actor);
	api_body_token_clear(&b);
	return rc;
}

int
api_token_delete(struct api_call *c)
{
	char *actor = NULL;
	int64_t id;
	int rc, syntax;

	if ((rc = api_body_none(c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	if (api_parse_id(&id, c->param, "token id") != 0)
		return api_fail(c, 404, "not_found", "no token %s", c->param);
	if ((actor = actor_of(c)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	rc = token_revoke(c->st, c->param, c->now, actor);
	free(actor);
	if (rc == ERR_NOTFOUND)
		return api_fail(c, 404, "not_found", "no token %s", c->param);
	if (rc != 0)
		return api_fail_rc(c, rc);
	c->audited = 1;
	return reply_token(c, 200, NULL, id, NULL);
}

/* ---- CAs ---- */

int
api_cas_list(struct api_call *c)
{
	struct store_ca **v = NULL;
	json_t *a;
	size_t n = 0, i;
	int rc;

	if ((rc = store_ca_list(&v, &n, c->st)) != 0)
		return rc;
	if ((a = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++)
		rc = append(a, json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, "
		    "s:o}", "name", v[i]->name, "role", v[i]->role ==
		    STORE_CA_ROOT ? "root" : "issuing", "state", v[i]->state ==
		    STORE_CA_ACTIVE ? "active" : "retired", "serial",
		    v[i]->serial, "not_before", api_time(v[i]->not_before),
		    "not_after", api_time(v[i]->not_after), "days_left",
		    days_left(v[i]->not_after, c->now), "signs_full_until",
		    api_time(rollover_full_until(v[i], c->cfg->issue_days))));
	store_ca_list_free(v, n);
	if (rc != 0) {
		json_decref(a);
		return rc;
	}
	return api_reply(c, 200, a);
}

int
api_cas_crl(struct api_call *c)
{
	struct store_ca **v = NULL;
	struct store_crl *crl = NULL;
	json_t *a = NULL;
	size_t n = 0, i;
	int rc, syntax;

	if ((rc = api_body_none(c->req->body, c->req->body_len,
	    &syntax)) != 0)
		return body_fail(c, rc, syntax);
	if ((rc = api_set_target(c, "crl")) != 0 ||
	    (rc = crl_generate(c->st, c->w->kek, c->cfg, c->now)) != 0 ||
	    (rc = store_ca_list(&v, &n, c->st)) != 0)
		goto out;
	if ((a = json_array()) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (i = 0; rc == 0 && i < n; i++) {
		if (v[i]->state == STORE_CA_RETIRED ||
		    store_crl_latest(&crl, c->st, v[i]->id) != 0)
			continue;
		rc = append(a, json_pack("{s:s, s:I, s:o, s:o}", "ca",
		    v[i]->name, "number", (json_int_t)crl->number,
		    "this_update", api_time(crl->this_update), "next_update",
		    api_time(crl->next_update)));
		store_crl_free(crl);
		crl = NULL;
	}
	if (rc == 0) {
		err_clear();
		rc = api_reply(c, 200, json_pack("{s:o}", "crls", a));
		a = NULL;	/* taken over */
	}
out:
	json_decref(a);
	store_ca_list_free(v, n);
	return rc;
}
