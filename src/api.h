/*
 * api.h: the JSON API under /api/v1 (docs/api.md is the reference):
 * bearer tokens (token.h), roles and group scope, resources for users,
 * groups, certificates, domains, seats, sources, events, exports, sync,
 * tokens and the audit log. Every mutating request appends an audit entry
 * (auditlog.h) whatever its outcome. Errors are
 *   {"error": {"code": "...", "message": "..."}}
 * with the matching status; out-of-scope objects are 404, never 403.
 */
#ifndef MAILCERT_API_H
#define MAILCERT_API_H

#include <stddef.h>
#include <stdint.h>

struct http_req;
struct http_resp;
struct web;

#define API_PREFIX	"/api/v1"
#define API_MAX_BODY	(64 * 1024)	/* larger bodies: 413 */

/* 1 if req->path is under API_PREFIX (then resp is filled), 0 if not. */
int	api_handle(struct web *w, const struct http_req *req,
	    struct http_resp *resp);

#endif
