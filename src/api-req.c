/*
 * api-req.c: the strict parsers of /api/v1 requests (api-req.h). Bodies
 * go through jansson with duplicate keys refused, then a table of fields
 * per endpoint checks names, types and ranges, so every endpoint refuses
 * unknown fields and wrong types the same way, naming the field.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "api.h"
#include "api-req.h"
#include "err.h"
#include "http.h"
#include "keys.h"
#include "profile.h"
#include "store.h"
#include "store-dir.h"

/* ---- path ---- */

int
api_path_parse(struct api_path *out, const char *path)
{
	size_t plen = strlen(API_PREFIX), len, i;
	char *p, *seg;

	memset(out, 0, sizeof(*out));
	if (strncmp(path, API_PREFIX, plen) != 0 ||
	    (path[plen] != '/' && path[plen] != '\0'))
		return err_set(ERR_NOTFOUND, "no such path");
	path += plen;
	if (*path == '\0' || path[1] == '\0')
		return err_set(ERR_NOTFOUND, "no such path");
	len = strlen(++path);
	if (len > API_SEGS_MAX * (API_SEG_MAX + 1))
		return err_set(ERR_INVALID, "path: longer than %d octets",
		    API_SEGS_MAX * (API_SEG_MAX + 1));
	if ((out->buf = strdup(path)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (p = out->buf; p != NULL; ) {
		seg = p;
		if ((p = strchr(p, '/')) != NULL)
			*p++ = '\0';
		if (strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0) {
			err_set(ERR_INVALID, "path: segment \"%s\" is not "
			    "allowed", seg);
			api_path_clear(out);
			return ERR_INVALID;
		}
		if (strlen(seg) > API_SEG_MAX) {
			api_path_clear(out);
			return err_set(ERR_INVALID, "path: a segment is longer "
			    "than %d octets", API_SEG_MAX);
		}
		for (i = 0; seg[i] != '\0'; i++)
			if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f) {
				api_path_clear(out);
				return err_set(ERR_INVALID, "path: control "
				    "character in segment %zu", out->nseg + 1);
			}
		if (*seg == '\0' || out->nseg == API_SEGS_MAX) {
			api_path_clear(out);
			return err_set(ERR_NOTFOUND, "no such path");
		}
		out->seg[out->nseg++] = seg;
	}
	return 0;
}

void
api_path_clear(struct api_path *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

/* ---- query ---- */

/* Whether name is a word of the space-separated list. */
static int
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p;

	for (p = list; p != NULL && *p != '\0'; ) {
		if (strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '\0'))
			return n > 0;
		if ((p = strchr(p, ' ')) != NULL)
			p++;
	}
	return 0;
}

/* Plain decimal digits only (no sign, space or exponent) into min..max. */
static int
parse_num(int64_t *out, const char *s, int64_t min, int64_t max,
    const char *what)
{
	const char *p;
	int64_t v = 0;

	if (*s == '\0')
		return err_set(ERR_INVALID, "%s: empty; give a number %" PRId64
		    "..%" PRId64, what, min, max);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return err_set(ERR_INVALID, "%s: \"%.32s\" is not a "
			    "number %" PRId64 "..%" PRId64, what, s, min, max);
		if (v > (INT64_MAX - (*p - '0')) / 10)
			return err_set(ERR_INVALID, "%s: \"%.32s\" is out of "
			    "range %" PRId64 "..%" PRId64, what, s, min, max);
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return err_set(ERR_INVALID, "%s: %" PRId64 " is out of range %"
		    PRId64 "..%" PRId64, what, v, min, max);
	*out = v;
	return 0;
}

int
api_query_parse(struct api_query *out, const struct http_req *req,
    const char *allowed, int paged)
{
	const struct http_kv *kv;
	int64_t v;
	size_t i, j;
	int rc;

	memset(out, 0, sizeof(*out));
	out->req = req;
	out->limit = API_LIMIT_DEF;
	for (i = 0; i < req->nquery; i++) {
		kv = &req->query[i];
		if (kv->key == NULL || !(listed(allowed, kv->key) ||
		    (paged && (strcmp(kv->key, "limit") == 0 ||
		    strcmp(kv->key, "offset") == 0))))
			return err_set(ERR_INVALID, "unknown query parameter "
			    "\"%.64s\"", kv->key != NULL ? kv->key : "");
		for (j = 0; j < i; j++)
			if (strcmp(req->query[j].key, kv->key) == 0)
				return err_set(ERR_INVALID, "query parameter "
				    "\"%s\" given twice", kv->key);
		if (kv->value != NULL && strlen(kv->value) > API_QVAL_MAX)
			return err_set(ERR_INVALID, "query parameter \"%s\": "
			    "longer than %d octets", kv->key, API_QVAL_MAX);
		rc = 0;
		if (strcmp(kv->key, "limit") == 0) {
			if ((rc = parse_num(&v, kv->value ? kv->value : "", 1,
			    API_LIMIT_MAX, "query parameter \"limit\"")) == 0)
				out->limit = (size_t)v;
		} else if (strcmp(kv->key, "offset") == 0) {
			if ((rc = parse_num(&v, kv->value ? kv->value : "", 0,
			    INT32_MAX, "query parameter \"offset\"")) == 0)
				out->offset = (size_t)v;
		} else if (strcmp(kv->key, "before") == 0 &&
		    kv->value != NULL && *kv->value != '\0')
			rc = parse_num(&out->before, kv->value, 1, INT64_MAX,
			    "query parameter \"before\"");
		if (rc != 0)
			return rc;
	}
	return 0;
}

const char *
api_query_get(const struct api_query *q, const char *name)
{
	const char *v = http_query(q->req, name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
api_parse_id(int64_t *out, const char *s, const char *what)
{
	return parse_num(out, s, 1, INT64_MAX, what);
}

int
api_parse_bool(int *out, const char *s, const char *what)
{
	if (strcmp(s, "true") == 0)
		*out = 1;
	else if (strcmp(s, "false") == 0)
		*out = 0;
	else
		return err_set(ERR_INVALID, "%s: \"%.32s\" is neither true "
		    "nor false", what, s);
	return 0;
}

/* ---- bodies ---- */

enum ftype { F_BOOL, F_INT, F_STRING, F_STRLIST };

struct field {
	const char	*name;
	enum ftype	 type;
	int		 required;
	int		 nullable;
	int64_t		 min, max;	/* F_INT; octets for strings */
};

struct fval {
	int		 present;
	int		 null;
	int		 b;
	int64_t		 i;
	const char	*s;		/* borrowed from the JSON tree */
	json_t		*list;		/* borrowed */
};

static const char *
type_word(enum ftype t, int nullable)
{
	switch (t) {
	case F_BOOL:
		return nullable ? "true, false or null" : "true or false";
	case F_INT:
		return nullable ? "an integer or null" : "an integer";
	case F_STRING:
		return nullable ? "a string or null" : "a string";
	default:
		return nullable ? "an array of strings or null" :
		    "an array of strings";
	}
}

/* A string a person typed: bounded, no control characters. */
static int
check_str(const char *s, size_t len, const struct field *f)
{
	size_t i;

	if (len < (size_t)f->min || len > (size_t)f->max)
		return err_set(ERR_INVALID, "field \"%s\": length %zu is out "
		    "of range %" PRId64 "..%" PRId64, f->name, len, f->min,
		    f->max);
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return err_set(ERR_INVALID, "field \"%s\": control "
			    "character at offset %zu", f->name, i);
	return 0;
}

static int
check_value(struct fval *v, json_t *j, const struct field *f)
{
	json_t *e;
	size_t k;
	int rc;

	v->present = 1;
	if (json_is_null(j)) {
		if (!f->nullable)
			return err_set(ERR_INVALID, "field \"%s\": expected "
			    "%s, not null", f->name, type_word(f->type, 0));
		v->null = 1;
		return 0;
	}
	switch (f->type) {
	case F_BOOL:
		if (!json_is_boolean(j))
			break;
		v->b = json_is_true(j);
		return 0;
	case F_INT:
		if (!json_is_integer(j))
			break;
		v->i = json_integer_value(j);
		if (v->i < f->min || v->i > f->max)
			return err_set(ERR_INVALID, "field \"%s\": %" PRId64
			    " is out of range %" PRId64 "..%" PRId64, f->name,
			    v->i, f->min, f->max);
		return 0;
	case F_STRING:
		if (!json_is_string(j))
			break;
		v->s = json_string_value(j);
		return check_str(v->s, json_string_length(j), f);
	case F_STRLIST:
		if (!json_is_array(j))
			break;
		if (json_array_size(j) > 64)
			return err_set(ERR_INVALID, "field \"%s\": more than "
			    "64 entries", f->name);
		json_array_foreach(j, k, e) {
			if (!json_is_string(e))
				return err_set(ERR_INVALID, "field \"%s\": "
				    "entry %zu is not a string", f->name, k);
			if ((rc = check_str(json_string_value(e),
			    json_string_length(e), f)) != 0)
				return rc;
		}
		v->list = j;
		return 0;
	}
	return err_set(ERR_INVALID, "field \"%s\": expected %s", f->name,
	    type_word(f->type, f->nullable));
}

/*
 * Parse body as an object of the n fields f into v[0..n); *root holds
 * the tree the strings in v borrow from (the caller's, json_decref()).
 */
static int
load_fields(json_t **root, struct fval *v, const struct field *f, size_t n,
    const unsigned char *body, size_t len, int *syntax)
{
	json_error_t je;
	json_t *o, *j;
	const char *key;
	size_t i;
	int rc;

	*root = NULL;
	*syntax = 0;
	if (n > 0)
		memset(v, 0, n * sizeof(*v));
	if (len > API_MAX_BODY)
		return err_set(ERR_INVALID, "body: larger than %d octets",
		    API_MAX_BODY);
	if (body == NULL || len == 0) {
		o = NULL;
	} else if ((o = json_loadb((const char *)body, len,
	    JSON_REJECT_DUPLICATES, &je)) == NULL) {
		*syntax = 1;
		return err_set(ERR_INVALID, "body: line %d column %d: %s",
		    je.line, je.column, je.text);
	} else if (!json_is_object(o)) {
		json_decref(o);
		return err_set(ERR_INVALID, "body: expected a JSON object");
	}
	if (o != NULL) {
		json_object_foreach(o, key, j) {
			for (i = 0; i < n && strcmp(f[i].name, key) != 0; i++)
				;
			if (i == n) {
				rc = err_set(ERR_INVALID, "unknown field "
				    "\"%.64s\"", key);
				goto fail;
			}
			if ((rc = check_value(&v[i], j, &f[i])) != 0)
				goto fail;
		}
	}
	for (i = 0; i < n; i++)
		if (f[i].required && !v[i].present) {
			rc = err_set(ERR_INVALID, "field \"%s\" is required",
			    f[i].name);
			goto fail;
		}
	*root = o;
	return 0;
fail:
	json_decref(o);
	return rc;
}

static char *
dup_or_null(const struct fval *v)
{
	return v->present && !v->null && v->s != NULL ? strdup(v->s) : NULL;
}

int
api_body_none(const unsigned char *body, size_t len, int *syntax)
{
	json_t *root = NULL;
	int rc;

	rc = load_fields(&root, NULL, NULL, 0, body, len, syntax);
	json_decref(root);
	return rc;
}

int
api_body_revoke_parse(struct api_body_revoke *out, const unsigned char *body,
    size_t len, int *syntax)
{
	static const struct field f[] = {
		{ "reason", F_STRING, 1, 0, 1, 64 },
	};
	struct fval v[1];
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_fields(&root, v, f, 1, body, len, syntax)) != 0)
		return rc;
	/* "unspecified" and the rest are not for mailbox certificates. */
	if ((rc = store_reason_parse(&out->reason, v[0].s)) != 0)
		rc = err_set(ERR_INVALID, "field \"reason\": \"%s\" is not one "
		    "of keyCompromise, affiliationChanged, superseded, "
		    "cessationOfOperation, privilegeWithdrawn", v[0].s);
	json_decref(root);
	return rc;
}

int
api_body_group_parse(struct api_body_group *out, const unsigned char *body,
    size_t len, int *syntax)
{
	static const struct field f[] = {
		{ "auto_request", F_BOOL, 0, 0, 0, 0 },
		{ "key", F_STRING, 0, 1, 1, 32 },
		{ "days", F_INT, 0, 1, 1, PROFILE_MAX_DAYS },
		{ "profile", F_STRING, 0, 1, 1, 32 },
		{ "usage", F_STRING, 0, 1, 1, 32 },
	};
	struct fval v[5];
	json_t *root = NULL;
	enum key_type kt;
	enum cert_profile prof;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_fields(&root, v, f, 5, body, len, syntax)) != 0)
		return rc;
	if (v[0].present) {
		out->set |= API_GROUP_AUTO;
		out->auto_request = v[0].b;
	}
	if (v[1].present && !v[1].null) {
		if ((rc = keys_type_parse(&kt, v[1].s)) != 0) {
			rc = err_set(ERR_INVALID, "field \"key\": %s",
			    err_msg());
			goto out;
		}
		if ((out->key = strdup(keys_type_name(kt))) == NULL)
			goto nomem;
	}
	if (v[1].present)
		out->set |= API_GROUP_KEY;
	if (v[2].present) {
		out->set |= API_GROUP_DAYS;
		out->days = v[2].null ? 0 : (int)v[2].i;
	}
	if (v[3].present && !v[3].null) {
		if ((rc = profile_parse(&prof, v[3].s)) != 0) {
			rc = err_set(ERR_INVALID, "field \"profile\": %s",
			    err_msg());
			goto out;
		}
		if ((out->profile = strdup(profile_name(prof))) == NULL)
			goto nomem;
	}
	if (v[3].present)
		out->set |= API_GROUP_PROFILE;
	if (v[4].present && !v[4].null) {
		if (strcmp(v[4].s, "both") != 0 && strcmp(v[4].s, "dual") != 0) {
			rc = err_set(ERR_INVALID, "field \"usage\": \"%s\" is "
			    "neither both nor dual", v[4].s);
			goto out;
		}
		if ((out->usage = dup_or_null(&v[4])) == NULL)
			goto nomem;
	}
	if (v[4].present)
		out->set |= API_GROUP_USAGE;
	if (out->set == 0)
		rc = err_set(ERR_INVALID, "body: give at least one of "
		    "auto_request, key, days, profile, usage");
	goto out;
nomem:
	rc = err_set(ERR_NOMEM, "out of memory");
out:
	if (rc != 0)
		api_body_group_clear(out);
	json_decref(root);
	return rc;
}

void
api_body_group_clear(struct api_body_group *b)
{
	free(b->key);
	free(b->profile);
	free(b->usage);
	memset(b, 0, sizeof(*b));
}

int
api_body_domain_parse(struct api_body_domain *out, const unsigned char *body,
    size_t len, int *syntax)
{
	static const struct field f[] = {
		{ "name", F_STRING, 1, 0, 1, 253 },
	};
	struct fval v[1];
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_fields(&root, v, f, 1, body, len, syntax)) != 0)
		return rc;
	if ((out->name = strdup(v[0].s)) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	json_decref(root);
	return rc;
}

void
api_body_domain_clear(struct api_body_domain *b)
{
	free(b->name);
	memset(b, 0, sizeof(*b));
}

int
api_body_seats_parse(struct api_body_seats *out, const unsigned char *body,
    size_t len, int *syntax)
{
	static const struct field f[] = {
		{ "total", F_INT, 1, 1, 0, API_SEATS_MAX },
	};
	struct fval v[1];
	json_t *root = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_fields(&root, v, f, 1, body, len, syntax)) != 0)
		return rc;
	out->total = v[0].null ? -1 : v[0].i;
	json_decref(root);
	return 0;
}

/* A token name: printable ASCII without spaces, as the CLI takes it. */
static int
check_token_name(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return err_set(ERR_INVALID, "field \"name\": use "
			    "printable ASCII without spaces");
	return 0;
}

int
api_body_token_parse(struct api_body_token *out, const unsigned char *body,
    size_t len, int *syntax)
{
	static const struct field f[] = {
		{ "name", F_STRING, 1, 0, 1, API_TOKEN_NAME_MAX },
		{ "role", F_STRING, 1, 0, 1, 16 },
		{ "groups", F_STRLIST, 0, 1, 1, 2 * STORE_NAME_MAX + 1 },
		{ "expires_days", F_INT, 0, 1, 0, API_TOKEN_DAYS_MAX },
	};
	struct fval v[4];
	json_t *root = NULL, *e;
	size_t k, n = 0;
	char *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load_fields(&root, v, f, 4, body, len, syntax)) != 0)
		return rc;
	if ((rc = check_token_name(v[0].s)) != 0)
		goto out;
	if ((rc = token_role_parse(&out->role, v[1].s)) != 0) {
		rc = err_set(ERR_INVALID, "field \"role\": \"%s\" is not "
		    "admin, operator or viewer", v[1].s);
		goto out;
	}
	if ((out->name = strdup(v[0].s)) == NULL)
		goto nomem;
	if (v[2].list != NULL && json_array_size(v[2].list) > 0) {
		if (out->role == TOKEN_ADMIN) {
			rc = err_set(ERR_INVALID, "field \"groups\": an admin "
			    "token cannot be scoped to groups");
			goto out;
		}
		json_array_foreach(v[2].list, k, e) {
			if (strchr(json_string_value(e), ',') != NULL) {
				rc = err_set(ERR_INVALID, "field \"groups\": "
				    "entry %zu holds a ','", k);
				goto out;
			}
			n += json_string_length(e) + 1;
		}
		if ((out->groups = p = malloc(n)) == NULL)
			goto nomem;
		json_array_foreach(v[2].list, k, e) {
			if (k > 0)
				*p++ = ',';
			memcpy(p, json_string_value(e), json_string_length(e));
			p += json_string_length(e);
		}
		*p = '\0';
	}
	out->expires_days = v[3].present && !v[3].null ? (int)v[3].i : 0;
	goto out;
nomem:
	rc = err_set(ERR_NOMEM, "out of memory");
out:
	if (rc != 0)
		api_body_token_clear(out);
	json_decref(root);
	return rc;
}

void
api_body_token_clear(struct api_body_token *b)
{
	free(b->name);
	free(b->groups);
	memset(b, 0, sizeof(*b));
}
