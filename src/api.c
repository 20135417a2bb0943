/*
 * api.c: the /api/v1 dispatcher (docs/api.md): bearer authentication,
 * the routing table with each route's role, scope rule, query parameters
 * and audit action, JSON error answers, and the audit entry every
 * mutating request leaves, answered well or not. The resources
 * themselves are in api-res.c and api-res-ops.c.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "api.h"
#include "api-int.h"
#include "api-req.h"
#include "auditlog.h"
#include "err.h"
#include "http.h"
#include "log.h"
#include "store.h"
#include "store-dir.h"
#include "token.h"
#include "util/timefmt.h"
#include "web.h"

#define R_PAGED		0x01u	/* takes limit and offset */
#define R_UNSCOPED	0x02u	/* scoped tokens: 404 for the resource */

struct route {
	const char	*method;
	const char	*pattern;	/* segments; "*" is the parameter */
	enum token_role	 role;		/* at least */
	unsigned	 flags;		/* R_* */
	const char	*query;		/* parameters allowed besides paging */
	const char	*action;	/* audit action of a mutation */
	int		(*fn)(struct api_call *);
};

static const struct route routes[] = {
	{ "GET", "me", TOKEN_VIEWER, 0, NULL, NULL, api_me },
	{ "GET", "overview", TOKEN_VIEWER, 0, NULL, NULL, api_overview },
	{ "GET", "users", TOKEN_VIEWER, R_PAGED, "q group present", NULL,
	    api_users_list },
	{ "GET", "users/*", TOKEN_VIEWER, 0, NULL, NULL, api_user_get },
	{ "GET", "groups", TOKEN_VIEWER, R_PAGED, NULL, NULL,
	    api_groups_list },
	{ "PATCH", "groups/*", TOKEN_ADMIN, 0, NULL, "group.update",
	    api_group_patch },
	{ "GET", "certificates", TOKEN_VIEWER, R_PAGED, "email state user q",
	    NULL, api_certs_list },
	{ "GET", "certificates/*", TOKEN_VIEWER, 0, NULL, NULL,
	    api_cert_get },
	{ "POST", "certificates/*/revoke", TOKEN_OPERATOR, 0, NULL,
	    "cert.revoke", api_cert_revoke },
	{ "POST", "certificates/*/reissue", TOKEN_OPERATOR, 0, NULL,
	    "cert.reissue", api_cert_reissue },
	{ "GET", "domains", TOKEN_VIEWER, R_PAGED, NULL, NULL,
	    api_domains_list },
	{ "POST", "domains", TOKEN_ADMIN, 0, NULL, "domain.add",
	    api_domain_add },
	{ "POST", "domains/*/verify", TOKEN_ADMIN, 0, NULL, "domain.verify",
	    api_domain_verify },
	{ "GET", "seats", TOKEN_VIEWER, 0, NULL, NULL, api_seats_get },
	{ "PUT", "seats", TOKEN_ADMIN, 0, NULL, "seats.set", api_seats_put },
	{ "GET", "sources", TOKEN_VIEWER, R_PAGED | R_UNSCOPED, NULL, NULL,
	    api_sources_list },
	{ "DELETE", "sources/*", TOKEN_ADMIN, R_UNSCOPED, NULL,
	    "source.delete", api_source_delete },
	{ "GET", "events", TOKEN_VIEWER, R_PAGED, "kind state", NULL,
	    api_events_list },
	{ "GET", "exports/chain", TOKEN_OPERATOR, 0, "format", NULL,
	    api_export_chain },
	{ "GET", "sync", TOKEN_VIEWER, 0, NULL, NULL, api_sync_get },
	{ "POST", "sync", TOKEN_OPERATOR, 0, NULL, "sync.trigger",
	    api_sync_post },
	{ "GET", "audit", TOKEN_VIEWER, R_PAGED, "before", NULL,
	    api_audit_list },
	{ "GET", "tokens", TOKEN_ADMIN, R_PAGED | R_UNSCOPED, NULL, NULL,
	    api_tokens_list },
	{ "POST", "tokens", TOKEN_ADMIN, R_UNSCOPED, NULL, "token.create",
	    api_token_create },
	{ "DELETE", "tokens/*", TOKEN_ADMIN, R_UNSCOPED, NULL, "token.revoke",
	    api_token_delete },
	{ "GET", "cas", TOKEN_VIEWER, 0, NULL, NULL, api_cas_list },
	{ "POST", "cas/crl", TOKEN_ADMIN, 0, NULL, "crl.generate",
	    api_cas_crl },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

/* ---- answers ---- */

/* s with every byte outside printable ASCII as '?', at most max octets,
 * so that any path or field name can go into a JSON string or the log. */
static char *
printable(const char *s, size_t max)
{
	size_t n = strnlen(s, max), i;
	char *p;

	if ((p = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		p[i] = (unsigned char)s[i] >= 0x20 &&
		    (unsigned char)s[i] < 0x7f ? s[i] : '?';
	p[n] = '\0';
	return p;
}

int
api_reply(struct api_call *c, int status, json_t *j)
{
	char *text;

	if (j == NULL)
		return err_set(ERR_NOMEM, "out of memory building the answer");
	text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (text == NULL)
		return err_set(ERR_NOMEM, "out of memory building the answer");
	http_resp_clear(c->resp);
	http_resp_take(c->resp, status, "application/json",
	    (unsigned char *)text, strlen(text));
	c->status = status;
	return 0;
}

int
api_reply_page(struct api_call *c, json_t *page, size_t total)
{
	return api_reply(c, 200, json_pack("{s:o, s:I, s:I, s:I}",
	    "items", page, "total", (json_int_t)total,
	    "limit", (json_int_t)c->q.limit,
	    "offset", (json_int_t)c->q.offset));
}

int
api_reply_list(struct api_call *c, json_t *items)
{
	json_t *page;
	size_t i, total;

	if (items == NULL || (page = json_array()) == NULL) {
		json_decref(items);
		return err_set(ERR_NOMEM, "out of memory building the answer");
	}
	total = json_array_size(items);
	for (i = c->q.offset; i < total && i - c->q.offset < c->q.limit; i++)
		if (json_array_append(page, json_array_get(items, i)) != 0) {
			json_decref(page);
			json_decref(items);
			return err_set(ERR_NOMEM, "out of memory");
		}
	json_decref(items);
	return api_reply_page(c, page, total);
}

int
api_fail(struct api_call *c, int status, const char *code,
    const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	free(c->error);
	if ((c->error = printable(buf, sizeof(buf))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return api_reply(c, status, json_pack("{s:{s:s, s:s}}", "error",
	    "code", code, "message", c->error));
}

int
api_fail_rc(struct api_call *c, int rc)
{
	switch (rc) {
	case ERR_INVALID:
		return api_fail(c, 400, "bad_request", "%s", err_msg());
	case ERR_NOTFOUND:
		return api_fail(c, 404, "not_found", "%s", err_msg());
	case ERR_EXISTS:
		return api_fail(c, 409, "conflict", "%s", err_msg());
	default:
		return rc;
	}
}

int
api_set_target(struct api_call *c, const char *s)
{
	free(c->target);
	if ((c->target = printable(s, 200)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

json_t *
api_str(const char *s)
{
	json_t *j;
	char *p;

	if (s == NULL)
		return json_null();
	if ((j = json_string(s)) != NULL || (p = printable(s, SIZE_MAX)) ==
	    NULL)
		return j;
	j = json_string(p);
	free(p);
	return j;
}

json_t *
api_time(int64_t t)
{
	char buf[TIMEFMT_LEN];

	return t == 0 ? json_null() : json_string(timefmt_utc(buf, t));
}

/* ---- scope ---- */

int
api_scoped(const struct api_call *c)
{
	return c->auth->groups != NULL;
}

int
api_scope_load(struct api_call *c)
{
	struct store_user **u = NULL;
	size_t n = 0, i;
	int rc;

	if (c->vis_loaded || !api_scoped(c))
		return 0;
	if ((rc = store_user_list(&u, &n, c->st, NULL)) != 0)
		return rc;
	if ((c->vis = calloc(n > 0 ? n : 1, sizeof(*c->vis))) == NULL) {
		store_user_list_free(u, n);
		return err_set(ERR_NOMEM, "out of memory");
	}
	/* store_user_list() is by id, so vis stays ascending. */
	for (i = 0; i < n; i++)
		if (token_sees_user(c->auth, u[i]))
			c->vis[c->nvis++] = u[i]->id;
	store_user_list_free(u, n);
	c->vis_loaded = 1;
	return 0;
}

int
api_sees_user_id(struct api_call *c, int64_t uid)
{
	size_t lo = 0, hi, mid;

	if (!api_scoped(c))
		return 1;
	assert(c->vis_loaded);
	for (hi = c->nvis; lo < hi; ) {
		mid = lo + (hi - lo) / 2;
		if (c->vis[mid] == uid)
			return 1;
		if (c->vis[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
api_sees_cert(struct api_call *c, const struct store_cert *cert)
{
	if (!api_scoped(c))
		return 1;
	return cert->user_id != 0 && api_sees_user_id(c, cert->user_id);
}

/* ---- dispatch ---- */

/* Whether route r's pattern matches the path's segments; *param gets the
 * "*" segment. */
static int
match(const struct route *r, const struct api_path *p, const char **param)
{
	const char *pat = r->pattern, *end;
	size_t i, n;

	*param = NULL;
	for (i = 0; i < p->nseg; i++) {
		if (*pat == '\0')
			return 0;
		end = strchr(pat, '/');
		n = end != NULL ? (size_t)(end - pat) : strlen(pat);
		if (n == 1 && *pat == '*')
			*param = p->seg[i];
		else if (strlen(p->seg[i]) != n ||
		    strncmp(pat, p->seg[i], n) != 0)
			return 0;
		pat += n;
		if (*pat == '/')
			pat++;
	}
	return *pat == '\0';
}

/* The secret of an "Authorization: Bearer SECRET" header, or NULL. */
static const char *
bearer(const struct http_req *req)
{
	const char *h = http_header(req, "Authorization");

	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	for (h += 7; *h == ' '; h++)
		;
	return *h != '\0' ? h : NULL;
}

static int
unauthorized(struct api_call *c)
{
	int rc;

	if ((rc = api_fail(c, 401, "unauthorized", "a valid bearer token is "
	    "required (Authorization: Bearer mct_...)")) != 0)
		return rc;
	return http_resp_header(c->resp, "WWW-Authenticate", "Bearer");
}

static const char *
role_word(enum token_role r)
{
	return r == TOKEN_ADMIN ? "admin" : r == TOKEN_OPERATOR ? "operator" :
	    "viewer";
}

/* Route c's request and run its handler; the route found (if any) goes
 * to *found, for the audit entry. */
static int
route_call(struct api_call *c, const struct route **found)
{
	const struct route *r = NULL;
	const char *param;
	char allow[64];
	size_t i, n;
	int rc, known = 0;

	*found = NULL;
	if ((rc = api_path_parse(&c->path, c->req->path)) == ERR_INVALID)
		return api_fail(c, 400, "bad_request", "%s", err_msg());
	if (rc == ERR_NOTFOUND)
		goto notfound;
	if (rc != 0)
		return rc;
	allow[0] = '\0';
	for (i = 0; i < NROUTES; i++) {
		if (!match(&routes[i], &c->path, &param))
			continue;
		/* Scoped tokens must not learn which methods exist. */
		if ((routes[i].flags & R_UNSCOPED) && api_scoped(c))
			continue;
		known = 1;
		if (strcmp(routes[i].method, c->req->method) == 0) {
			r = &routes[i];
			c->param = param;
			break;
		}
		n = strlen(allow);
		snprintf(allow + n, sizeof(allow) - n, "%s%s",
		    n > 0 ? ", " : "", routes[i].method);
	}
	if (r == NULL && known) {
		if ((rc = api_fail(c, 405, "method_not_allowed", "%s is not "
		    "allowed here; use %s", c->req->method, allow)) != 0)
			return rc;
		return http_resp_header(c->resp, "Allow", allow);
	}
	if (r == NULL)
		goto notfound;
	*found = r;
	if (!token_allows(c->auth, r->role) ||
	    (r->role == TOKEN_ADMIN && api_scoped(c)))
		return api_fail(c, 403, "forbidden", "this needs an unscoped "
		    "%s token; %s is %s%s", role_word(r->role), c->auth->name,
		    role_word(c->auth->role), api_scoped(c) ? " (scoped)" :
		    "");
	if ((rc = api_query_parse(&c->q, c->req, r->query,
	    (r->flags & R_PAGED) != 0)) != 0)
		return api_fail_rc(c, rc);
	return r->fn(c);
notfound:
	return api_fail(c, 404, "not_found", "no such path %s",
	    c->req->path);
}

/* The audit entry of a mutating request, whatever its answer. */
static void
audit(struct api_call *c, const struct route *r)
{
	char *actor = NULL, *result = NULL, *action = NULL, *method = NULL;
	const char *target;
	int rc;

	if (c->audited && c->error == NULL)
		return;
	if (c->target == NULL)
		api_set_target(c, c->param != NULL ? c->param :
		    c->req->path);
	target = c->target != NULL ? c->target : "";
	if (asprintf(&actor, "token:%s", c->auth->name) < 0)
		actor = NULL;
	if (r != NULL)
		action = strdup(r->action);
	else if ((method = printable(c->req->method, 16)) == NULL ||
	    asprintf(&action, "api.%s", method) < 0)
		action = NULL;
	free(method);
	if (c->error != NULL && asprintf(&result, "error: %s",
	    c->error) < 0)
		result = NULL;
	if (actor == NULL || action == NULL ||
	    (c->error != NULL && result == NULL))
		log_error("out of memory writing the audit entry of %s",
		    target);
	else if ((rc = auditlog_append(c->st, c->now, actor, action, target,
	    result)) != 0)
		log_error_r(rc, "audit entry %s %s by %s", action, target,
		    actor);
	free(actor);
	free(action);
	free(result);
}

static int
mutating(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0;
}

int
api_handle(struct web *w, const struct http_req *req, struct http_resp *resp)
{
	struct api_call c;
	const struct route *r = NULL;
	const char *secret;
	size_t plen = strlen(API_PREFIX);
	int rc;

	if (strncmp(req->path, API_PREFIX, plen) != 0 ||
	    (req->path[plen] != '\0' && req->path[plen] != '/'))
		return 0;
	memset(&c, 0, sizeof(c));
	c.w = w;
	c.req = req;
	c.resp = resp;
	c.cfg = web_config(w);
	c.now = timefmt_now();
	if ((rc = web_store(&c.st, w)) != 0)
		goto fail;
	if ((secret = bearer(req)) == NULL ||
	    (rc = token_verify(&c.auth, c.st, secret, c.now)) != 0) {
		if (secret != NULL)
			log_info("refused a token from %s: %s",
			    req->peer != NULL ? req->peer : "?", err_msg());
		rc = unauthorized(&c);
		goto out;
	}
	if (req->body_len > API_MAX_BODY)
		rc = api_fail(&c, 413, "too_large", "the body is larger than "
		    "%d octets", API_MAX_BODY);
	else
		rc = route_call(&c, &r);
	if (rc == 0 && mutating(req->method))
		audit(&c, r);
fail:
	if (rc != 0) {
		log_error_r(rc, "%s %s", req->method, req->path);
		if (c.auth != NULL && mutating(req->method)) {
			free(c.error);
			c.error = strdup("internal error");
			c.status = 500;
			audit(&c, r);
		}
		rc = api_fail(&c, 500, "internal", "internal error; the "
		    "daemon log says more");
	}
out:
	if (rc != 0)
		http_resp_text(resp, 500, "internal error");
	token_auth_free(c.auth);
	api_path_clear(&c.path);
	free(c.target);
	free(c.error);
	free(c.vis);
	return 1;
}
