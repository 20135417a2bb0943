/*
 * api-int.h: what the /api/v1 dispatcher (api.c) and the resource
 * handlers (api-res*.c) share: one struct api_call per request, the ways
 * to answer it, the group scope of the token, and the handlers the
 * routing table names. Not for use outside the API.
 */
#ifndef MAILCERT_API_INT_H
#define MAILCERT_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api-req.h"

struct config;
struct http_req;
struct http_resp;
struct store;
struct store_cert;
struct store_user;
struct token_auth;
struct web;

/* One request while it is handled; everything here lives for the call. */
struct api_call {
	struct web	*w;
	struct store	*st;		/* the thread's connection (web.h) */
	const struct config *cfg;	/* in force when the request came */
	const struct http_req *req;
	struct http_resp *resp;
	struct token_auth *auth;	/* verified token */
	struct api_path	 path;
	struct api_query q;
	const char	*param;		/* the route's {..} segment, or NULL */
	int64_t		 now;
	char		*target;	/* audit target; NULL: param or path */
	int		 audited;	/* the module wrote the audit entry of
					 * its success itself */
	int		 status;	/* answered with */
	char		*error;		/* why it failed (an error answer, or
					 * a failure answered 200): audited */
	int64_t		*vis;		/* scope: visible user ids, ascending */
	size_t		 nvis;
	int		 vis_loaded;
};

/* Answer status with j (taken over, NULL: out of memory). Returns 0 or
 * ERR_NOMEM. */
int	api_reply(struct api_call *c, int status, json_t *j);
/* Answer {"items": page (taken over), "total", "limit", "offset"}. */
int	api_reply_page(struct api_call *c, json_t *page, size_t total);
/* Answer {"items": page of items, "total", "limit", "offset"} from every
 * matching item (taken over), paged by c->q. */
int	api_reply_list(struct api_call *c, json_t *items);
/* Answer an error {"error": {"code", "message"}}. Returns 0 (answered)
 * or ERR_NOMEM. */
int	api_fail(struct api_call *c, int status, const char *code,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * Answer module failure rc with err_msg(): ERR_INVALID 400 bad_request,
 * ERR_NOTFOUND 404, ERR_EXISTS 409 conflict; anything else is returned
 * for the dispatcher to answer 500 (and log).
 */
int	api_fail_rc(struct api_call *c, int rc);
/* The audit target of this request (copied). */
int	api_set_target(struct api_call *c, const char *s);

/* s as a JSON string, null for NULL; text that is not UTF-8 (written by
 * someone else, such as an audit target) with '?' for what is not
 * printable ASCII. */
json_t	*api_str(const char *s);
/* RFC 3339 text, or null for 0. */
json_t	*api_time(int64_t t);
/* 1 if the token is scoped to groups. */
int	api_scoped(const struct api_call *c);
/* 1 if user id uid is within the token's scope (unscoped: always). */
int	api_sees_user_id(struct api_call *c, int64_t uid);
/* As api_sees_user_id() for the user c is linked to (0: by hand, which
 * scoped tokens never see). */
int	api_sees_cert(struct api_call *c, const struct store_cert *cert);
/* Load the scope once (before api_sees_*()); 0 or a store failure. */
int	api_scope_load(struct api_call *c);

/* "valid" | "revoked" | "expired" at now. */
const char *api_cert_state(const struct store_cert *cert, int64_t now);
/* The certificate object; detail adds "pem" and "days_left". */
json_t	*api_cert_json(const struct store_cert *cert, int64_t now,
	    int detail);

/* {"total": N|null, "used", "free": N|null} at now; NULL on failure. */
json_t	*api_seats_json(struct store *st, int64_t now);

/* ---- handlers (api-res.c, api-res-ops.c): answer, return 0, or a
 * failure for a 500 ---- */
int	api_me(struct api_call *c);
int	api_overview(struct api_call *c);
int	api_users_list(struct api_call *c);
int	api_user_get(struct api_call *c);
int	api_groups_list(struct api_call *c);
int	api_group_patch(struct api_call *c);
int	api_certs_list(struct api_call *c);
int	api_cert_get(struct api_call *c);
int	api_cert_revoke(struct api_call *c);
int	api_cert_reissue(struct api_call *c);
int	api_events_list(struct api_call *c);
int	api_domains_list(struct api_call *c);
int	api_domain_add(struct api_call *c);
int	api_domain_verify(struct api_call *c);
int	api_seats_get(struct api_call *c);
int	api_seats_put(struct api_call *c);
int	api_sources_list(struct api_call *c);
int	api_source_delete(struct api_call *c);
int	api_export_chain(struct api_call *c);
int	api_sync_get(struct api_call *c);
int	api_sync_post(struct api_call *c);
int	api_audit_list(struct api_call *c);
int	api_tokens_list(struct api_call *c);
int	api_token_create(struct api_call *c);
int	api_token_delete(struct api_call *c);
int	api_cas_list(struct api_call *c);
int	api_cas_crl(struct api_call *c);

#endif
