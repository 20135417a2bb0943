/*
 * api-req.h: what a /api/v1 request carries, parsed strictly before any
 * handler sees it (docs/api.md "Conventions"): the path below the prefix
 * as segments, the query parameters a route allows (limit and offset
 * checked here), and each JSON body into a typed struct. Anything else
 * is refused with a message naming the segment, parameter or field.
 *
 * Every parser returns 0 or ERR_INVALID (err_set() names the problem);
 * body parsers set *syntax to 1 when the body is not JSON at all, so the
 * caller can answer bad_json instead of bad_request. Strings in parsed
 * structs are the caller's, released by the matching *_clear().
 */
#ifndef MAILCERT_API_REQ_H
#define MAILCERT_API_REQ_H

#include <stddef.h>
#include <stdint.h>

#include "token.h"

struct http_req;

#define API_SEGS_MAX	6	/* deeper paths are no route */
#define API_SEG_MAX	255	/* octets of one path segment */
#define API_QVAL_MAX	256	/* octets of one query value */
#define API_LIMIT_MAX	500
#define API_LIMIT_DEF	50
#define API_STR_MAX	256	/* octets of a string in a body */

/* The path below API_PREFIX, split at '/'. */
struct api_path {
	char		*buf;		/* the segments, NUL-separated */
	const char	*seg[API_SEGS_MAX]; /* into buf */
	size_t		 nseg;
};

/*
 * Split path (which must start with API_PREFIX "/") into segments.
 * ERR_INVALID for a segment that is ".", "..", longer than API_SEG_MAX or
 * holds a control character; ERR_NOTFOUND (no such path) for an empty
 * segment or more than API_SEGS_MAX. *out is cleared with api_path_clear().
 */
int	api_path_parse(struct api_path *out, const char *path);
void	api_path_clear(struct api_path *p);

/* The query parameters of a request, checked against a route's list. */
struct api_query {
	const struct http_req *req;
	size_t		 limit;		/* API_LIMIT_DEF unless given */
	size_t		 offset;	/* 0 unless given */
	int64_t		 before;	/* "before" if allowed and given, else 0 */
};

/*
 * Check req's query: every name in allowed (a space-separated list; NULL
 * for none), or limit/offset when paged, or before when it is in allowed;
 * none given twice; values at most API_QVAL_MAX octets. limit must be
 * 1..API_LIMIT_MAX and offset 0..INT32_MAX, both plain decimal digits.
 */
int	api_query_parse(struct api_query *out, const struct http_req *req,
	    const char *allowed, int paged);
/* The value of name, NULL when absent or empty (filters treat both as
 * "any"). Borrowed from the request. */
const char *api_query_get(const struct api_query *q, const char *name);

/* Strict decimal 1..INT64_MAX; ERR_INVALID naming what. */
int	api_parse_id(int64_t *out, const char *s, const char *what);
/* "true" | "false"; ERR_INVALID naming what. */
int	api_parse_bool(int *out, const char *s, const char *what);

/* ---- bodies ---- */

/* An endpoint that takes no fields: no body, or the empty object. */
int	api_body_none(const unsigned char *body, size_t len, int *syntax);

/* POST /certificates/{serial}/revoke */
struct api_body_revoke {
	int		 reason;	/* enum revoke_reason */
};
int	api_body_revoke_parse(struct api_body_revoke *out,
	    const unsigned char *body, size_t len, int *syntax);

/* PATCH /groups/{id}: only the fields given are set. */
#define API_GROUP_AUTO		0x01u
#define API_GROUP_KEY		0x02u
#define API_GROUP_DAYS		0x04u
#define API_GROUP_PROFILE	0x08u
#define API_GROUP_USAGE		0x10u
struct api_body_group {
	unsigned	 set;		/* API_GROUP_* given */
	int		 auto_request;
	char		*key;		/* canonical name; NULL: default */
	int		 days;		/* 0: default */
	char		*profile;	/* canonical name; NULL: default */
	char		*usage;		/* "both" | "dual"; NULL: "both" */
};
int	api_body_group_parse(struct api_body_group *out,
	    const unsigned char *body, size_t len, int *syntax);
void	api_body_group_clear(struct api_body_group *b);

/* POST /domains */
struct api_body_domain {
	char		*name;
};
int	api_body_domain_parse(struct api_body_domain *out,
	    const unsigned char *body, size_t len, int *syntax);
void	api_body_domain_clear(struct api_body_domain *b);

/* PUT /seats */
#define API_SEATS_MAX	10000000
struct api_body_seats {
	int64_t		 total;		/* -1: no quota */
};
int	api_body_seats_parse(struct api_body_seats *out,
	    const unsigned char *body, size_t len, int *syntax);

/* POST /tokens */
#define API_TOKEN_NAME_MAX	64
#define API_TOKEN_DAYS_MAX	3650
struct api_body_token {
	char		*name;
	enum token_role	 role;
	char		*groups;	/* names joined by ','; NULL: unscoped */
	int		 expires_days;	/* 0: never */
};
int	api_body_token_parse(struct api_body_token *out,
	    const unsigned char *body, size_t len, int *syntax);
void	api_body_token_clear(struct api_body_token *b);

#endif
