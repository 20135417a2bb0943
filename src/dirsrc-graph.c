/*
 * dirsrc-graph.c: the Microsoft Graph directory source
 * (docs/graph-source.md).
 *
 * The token comes from the OAuth 2.0 client-credentials grant (RFC 6749
 * section 4.4) as the Microsoft identity platform implements it: a form
 * POST to {login}/{tenant}/oauth2/v2.0/token with scope
 * "{graph origin}/.default"; its errors follow RFC 6749 section 5.2.
 * Graph pages collections with @odata.nextLink (learn.microsoft.com/graph/
 * paging) and throttles with 429 or 503 and Retry-After
 * (learn.microsoft.com/graph/throttling), which we honour a bounded
 * number of times, each wait capped.
 *
 * The bearer token goes only to the origin of base_url: a nextLink
 * elsewhere is refused, redirects are not followed, and only https:// is
 * spoken except to the loopback, where tests run their stand-in.
 *
 * Reading is all or nothing: every group and every page must arrive and
 * parse, because a directory read in part would look like people leaving.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "directory.h"
#include "dirsrc-graph.h"
#include "err.h"
#include "util/array.h"
#include "util/file.h"

#define DEF_BASE_URL	"https://graph.microsoft.com/v1.0"
#define DEF_LOGIN_URL	"https://login.microsoftonline.com"
#define DEF_MAX_RETRIES	5
#define DEF_TIMEOUT	30
#define WAIT_MAX	60		/* seconds of one throttling wait */
#define TOKEN_RESP_MAX	(256 * 1024)	/* octets of the token response */
#define TENANT_MAX	256		/* octets of a tenant id or domain */
#define GUID_LEN	36
#define MEMBER_QUERY	"$select=id,mail,givenName,surname," \
			"userPrincipalName,proxyAddresses&$top=999&$count=true"

const struct source_opt dirsrc_graph_opts[] = {
	{ "tenant", SOURCE_OPT_STRING, 1, 0, 0, NULL,
	    "the directory (tenant) id, or a domain of the tenant" },
	{ "client_id", SOURCE_OPT_STRING, 1, 0, 0, NULL,
	    "the application (client) id of the app registration" },
	{ "secret_file", SOURCE_OPT_PATH, 1, 0, 0, NULL,
	    "a file with the client secret on its first line" },
	{ "groups", SOURCE_OPT_LIST, 1, 0, 0, NULL,
	    "object ids (GUIDs) of the groups to read" },
	{ "base_url", SOURCE_OPT_STRING, 0, 0, 0, DEF_BASE_URL,
	    "the Graph endpoint (national clouds)" },
	{ "login_url", SOURCE_OPT_STRING, 0, 0, 0, DEF_LOGIN_URL,
	    "the login endpoint (national clouds)" },
	{ "max_retries", SOURCE_OPT_INT, 0, 0, 10, "5",
	    "retries of a request answered 429 or 503" },
	{ "timeout", SOURCE_OPT_INT, 0, 1, 600, "30",
	    "seconds one request may take" },
	{ "ca_file", SOURCE_OPT_PATH, 0, 0, 0, NULL,
	    "CA certificates to trust for TLS instead of the system's" },
	{ NULL, 0, 0, 0, 0, NULL, NULL },
};

struct params {
	const char	*tenant;
	const char	*client_id;
	const char	*secret_file;
	const json_t	*groups;	/* array of GUIDs */
	const char	*base_url;
	const char	*login_url;
	const char	*ca_file;	/* NULL: the system's CAs */
	long		 max_retries;
	long		 timeout;	/* seconds a request */
};

struct body {
	char		*buf;		/* NUL-terminated once done */
	size_t		 len;		/* bytes received */
	size_t		 cap;		/* bytes allocated */
	size_t		 max;		/* ceiling on len */
	int		 too_big;	/* stopped at the ceiling */
	int		 nomem;		/* stopped for lack of memory */
};

/* A user with the configured groups (indexes) they were delivered in. */
struct muser {
	struct dirsrc_graph_user u;	/* owned */
	size_t		*groups;	/* in the order first seen */
	size_t		 ngroups;
	size_t		 gcap;
};

struct graph {
	const char	*name;		/* the source, for messages */
	struct params	 p;
	CURL		*h;		/* one handle keeps the connection */
	char		*base;		/* base_url without trailing '/' */
	char		*auth;		/* the Authorization header; wiped */
	char		**gnames;	/* displayName per configured group */
	struct muser	*users;		/* merged over all groups */
	size_t		 nusers;
	size_t		 ucap;
	json_t		*index;		/* user id -> index into users */
	char		 errbuf[CURL_ERROR_SIZE];
};

static pthread_once_t	 global_once = PTHREAD_ONCE_INIT;
static CURLcode		 global_rc = CURLE_FAILED_INIT;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/* 8-4-4-4-12 hex digits, as Graph writes object ids. */
static int
is_guid(const char *s)
{
	size_t i;

	for (i = 0; i < GUID_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!is_hex(s[i]))
			return 0;
	}
	return s[GUID_LEN] == '\0';
}

/*
 * The length of s up to its first control character, so text from a
 * server stays on the one line of a message.
 */
static int
line_len(const char *s, int max)
{
	int n;

	for (n = 0; n < max && s[n] != '\0'; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			break;
	return n;
}

/* --- parameters ------------------------------------------------------- */

static int
get_str(const char **out, const json_t *params, const char *key,
    const char *opt, const char *def)
{
	const json_t *v;

	*out = def;
	if ((v = json_object_get(params, key)) == NULL)
		return def != NULL ? 0 : err_set(ERR_INVALID, "%s: missing",
		    opt);
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return err_set(ERR_INVALID, "%s: must be a non-empty text",
		    opt);
	*out = json_string_value(v);
	return 0;
}

static int
get_int(long *out, const json_t *params, const char *key, const char *opt,
    long def, long min, long max)
{
	const json_t *v;

	*out = def;
	if ((v = json_object_get(params, key)) == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return err_set(ERR_INVALID, "%s: must be a whole number in "
		    "%ld..%ld", opt, min, max);
	*out = (long)json_integer_value(v);
	return 0;
}

/*
 * The scheme, host and port (the default one if absent) of url in new
 * strings (curl_free()). ERR_INVALID if url is not an absolute URL.
 */
static int
url_origin(const char *url, char **scheme, char **host, char **port)
{
	CURLU *u;
	int rc = 0;

	*scheme = *host = *port = NULL;
	if ((u = curl_url()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK) {
		curl_free(*scheme);
		curl_free(*host);
		curl_free(*port);
		*scheme = *host = *port = NULL;
		rc = ERR_INVALID;
	}
	curl_url_cleanup(u);
	return rc;
}

/* https://, or http:// to the loopback, and nothing after the path. */
static int
check_url(const char *opt, const char *url)
{
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc;

	if (strchr(url, '?') != NULL || strchr(url, '#') != NULL)
		return err_set(ERR_INVALID, "%s: \"%s\" has a query or "
		    "fragment; give the endpoint only", opt, url);
	if ((rc = url_origin(url, &scheme, &host, &port)) != 0) {
		if (rc == ERR_INVALID)
			rc = err_set(ERR_INVALID, "%s: \"%s\" is not an "
			    "absolute URL", opt, url);
		return rc;
	}
	if (strcasecmp(scheme, "https") != 0 &&
	    (strcasecmp(scheme, "http") != 0 ||
	    (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "[::1]") != 0 &&
	    strcasecmp(host, "localhost") != 0)))
		rc = err_set(ERR_INVALID, "%s: \"%s\": only https:// is "
		    "allowed (http:// only to 127.0.0.1, ::1 or localhost)",
		    opt, url);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	return rc;
}

/* The tenant goes into the login URL's path. */
static int
check_tenant(const char *t)
{
	const char *s;

	if (strlen(t) > TENANT_MAX)
		return err_set(ERR_INVALID, "--tenant: longer than %d bytes",
		    TENANT_MAX);
	for (s = t; *s != '\0'; s++)
		if (!(is_hex(*s) || (*s >= 'g' && *s <= 'z') ||
		    (*s >= 'G' && *s <= 'Z') || *s == '.' || *s == '-'))
			return err_set(ERR_INVALID, "--tenant: \"%s\": only "
			    "a tenant id (GUID) or a domain name", t);
	return 0;
}

static int
check_groups(const json_t *groups)
{
	const json_t *g;
	size_t i, j;

	if (!json_is_array(groups) || json_array_size(groups) == 0)
		return err_set(ERR_INVALID, "--groups: must be a non-empty "
		    "list of group object ids");
	json_array_foreach(groups, i, g) {
		if (!json_is_string(g) || !is_guid(json_string_value(g)))
			return err_set(ERR_INVALID, "--groups: entry %zu is "
			    "not a group object id (a GUID such as "
			    "02bd9fd6-8f93-4758-87c3-1fb73740a315)", i + 1);
		for (j = 0; j < i; j++)
			if (strcasecmp(json_string_value(g), json_string_value(
			    json_array_get(groups, j))) == 0)
				return err_set(ERR_INVALID, "--groups: %s "
				    "given twice", json_string_value(g));
	}
	return 0;
}

static int
load_params(struct params *p, const json_t *params)
{
	int rc;

	memset(p, 0, sizeof(*p));
	if (!json_is_object(params))
		return err_set(ERR_INVALID, "graph source parameters are not "
		    "a JSON object");
	if ((rc = get_str(&p->tenant, params, "tenant", "--tenant",
	    NULL)) != 0 ||
	    (rc = get_str(&p->client_id, params, "client_id", "--client-id",
	    NULL)) != 0 ||
	    (rc = get_str(&p->secret_file, params, "secret_file",
	    "--secret-file", NULL)) != 0 ||
	    (rc = get_str(&p->base_url, params, "base_url", "--base-url",
	    DEF_BASE_URL)) != 0 ||
	    (rc = get_str(&p->login_url, params, "login_url", "--login-url",
	    DEF_LOGIN_URL)) != 0 ||
	    (rc = get_int(&p->max_retries, params, "max_retries",
	    "--max-retries", DEF_MAX_RETRIES, 0, 10)) != 0 ||
	    (rc = get_int(&p->timeout, params, "timeout", "--timeout",
	    DEF_TIMEOUT, 1, 600)) != 0)
		return rc;
	if (json_object_get(params, "ca_file") != NULL &&
	    (rc = get_str(&p->ca_file, params, "ca_file", "--ca-file",
	    NULL)) != 0)
		return rc;
	p->groups = json_object_get(params, "groups");
	if ((rc = check_tenant(p->tenant)) != 0 ||
	    (rc = check_groups(p->groups)) != 0 ||
	    (rc = check_url("--base-url", p->base_url)) != 0 ||
	    (rc = check_url("--login-url", p->login_url)) != 0)
		return rc;
	return 0;
}

/* The client secret: file_read_secret() naming the option. */
static int
read_secret(char **out, const char *path)
{
	char msg[512];
	int rc;

	if ((rc = file_read_secret(out, path)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return err_set(rc, "--secret-file: %s", msg);
	}
	return 0;
}

int
dirsrc_graph_check(const json_t *params)
{
	struct params p;
	char *secret = NULL;
	int rc;

	if ((rc = load_params(&p, params)) != 0)
		return rc;
	rc = read_secret(&secret, p.secret_file);
	file_secret_free(secret);
	return rc;
}

/* --- page parsing ------------------------------------------------------ */

void
dirsrc_graph_page_free(struct dirsrc_graph_page *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nusers; i++) {
		free(p->users[i].id);
		free(p->users[i].email);
		free(p->users[i].given_name);
		free(p->users[i].surname);
	}
	free(p->users);
	free(p->next);
	free(p);
}

/* A string member of a user: NULL when absent, null or empty. */
static int
user_str(const char **out, const json_t *u, const char *key, size_t entry,
    const char *id)
{
	const json_t *v;

	*out = NULL;
	if ((v = json_object_get(u, key)) == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return err_set(ERR_INVALID, "entry %zu (id %s): \"%s\" is not "
		    "a string", entry, id, key);
	if (json_string_length(v) > DIR_VALUE_MAX)
		return err_set(ERR_INVALID, "entry %zu (id %s): \"%s\" is "
		    "longer than %d bytes", entry, id, key, DIR_VALUE_MAX);
	if (json_string_length(v) > 0)
		*out = json_string_value(v);
	return 0;
}

/* The primary address: the "SMTP:" entry of proxyAddresses, else mail. */
static int
user_email(const char **out, const json_t *u, size_t entry, const char *id)
{
	const json_t *pa, *a;
	const char *s;
	size_t i;
	int rc;

	*out = NULL;
	if ((pa = json_object_get(u, "proxyAddresses")) != NULL &&
	    !json_is_null(pa)) {
		if (!json_is_array(pa))
			return err_set(ERR_INVALID, "entry %zu (id %s): "
			    "\"proxyAddresses\" is not an array", entry, id);
		json_array_foreach(pa, i, a) {
			if (!json_is_string(a))
				return err_set(ERR_INVALID, "entry %zu (id "
				    "%s): proxyAddresses entry %zu is not a "
				    "string", entry, id, i + 1);
			s = json_string_value(a);
			/* Upper case marks the primary; "smtp:" are aliases. */
			if (*out != NULL || strncmp(s, "SMTP:", 5) != 0 ||
			    s[5] == '\0')
				continue;
			if (json_string_length(a) - 5 > DIR_VALUE_MAX)
				return err_set(ERR_INVALID, "entry %zu (id "
				    "%s): the SMTP: proxy address is longer "
				    "than %d bytes", entry, id, DIR_VALUE_MAX);
			*out = s + 5;
		}
	}
	if (*out == NULL && (rc = user_str(out, u, "mail", entry, id)) != 0)
		return rc;
	return 0;
}

static int
dup_or_null(char **out, const char *s)
{
	*out = NULL;
	if (s != NULL && (*out = strdup(s)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

/* Append entry (from 1) of a page's value array to pg. */
static int
parse_user(struct dirsrc_graph_page *pg, size_t *cap, const json_t *u,
    size_t entry)
{
	struct dirsrc_graph_user nu, *users;
	const json_t *v;
	const char *email, *given, *sur, *upn;
	char id[GUID_LEN + 1];
	size_t i;
	int rc;

	memset(&nu, 0, sizeof(nu));
	if (!json_is_object(u))
		return err_set(ERR_INVALID, "entry %zu is not an object",
		    entry);
	v = json_object_get(u, "id");
	if (!json_is_string(v) || !is_guid(json_string_value(v)))
		return err_set(ERR_INVALID, "entry %zu: \"id\" is not a Graph "
		    "object id (GUID)", entry);
	/* Graph ids are case-insensitive; one spelling keeps them one key. */
	for (i = 0; i <= GUID_LEN; i++) {
		id[i] = json_string_value(v)[i];
		if (id[i] >= 'A' && id[i] <= 'F')
			id[i] += 'a' - 'A';
	}
	if ((rc = user_str(&upn, u, "userPrincipalName", entry, id)) != 0)
		return rc;
	/*
	 * Every user has one; Graph leaves it null, like every other
	 * property, when the app may not read users. Taking such a page
	 * would make everyone look addressless.
	 */
	if (upn == NULL)
		return err_set(ERR_INVALID, "entry %zu (id %s): no "
		    "userPrincipalName; does the app have the User.Read.All "
		    "application permission?", entry, id);
	if ((rc = user_email(&email, u, entry, id)) != 0 ||
	    (rc = user_str(&given, u, "givenName", entry, id)) != 0 ||
	    (rc = user_str(&sur, u, "surname", entry, id)) != 0)
		return rc;
	if ((users = array_grow(pg->users, pg->nusers, cap,
	    sizeof(*pg->users))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	pg->users = users;
	if ((rc = dup_or_null(&nu.id, id)) != 0 ||
	    (rc = dup_or_null(&nu.email, email)) != 0 ||
	    (rc = dup_or_null(&nu.given_name, given)) != 0 ||
	    (rc = dup_or_null(&nu.surname, sur)) != 0) {
		free(nu.id);
		free(nu.email);
		free(nu.given_name);
		return rc;
	}
	pg->users[pg->nusers++] = nu;
	return 0;
}

int
dirsrc_graph_parse_page(struct dirsrc_graph_page **out, const char *data,
    size_t len)
{
	struct dirsrc_graph_page *pg = NULL;
	json_t *root = NULL;
	const json_t *value, *u, *next;
	json_error_t jerr;
	size_t i, cap = 0;
	int rc;

	*out = NULL;
	if ((root = json_loadb(data, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		rc = err_set(ERR_INVALID, "not JSON (line %d column %d: %s)",
		    jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		rc = err_set(ERR_INVALID, "not a JSON object");
		goto out;
	}
	if (!json_is_array(value = json_object_get(root, "value"))) {
		rc = err_set(ERR_INVALID, "no \"value\" array");
		goto out;
	}
	if ((pg = calloc(1, sizeof(*pg))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(value, i, u) {
		if ((rc = parse_user(pg, &cap, u, i + 1)) != 0)
			goto out;
	}
	next = json_object_get(root, "@odata.nextLink");
	if (next != NULL && !json_is_null(next)) {
		if (!json_is_string(next) || json_string_length(next) == 0) {
			rc = err_set(ERR_INVALID, "\"@odata.nextLink\" is not "
			    "a URL");
			goto out;
		}
		if ((rc = dup_or_null(&pg->next, json_string_value(next))) !=
		    0)
			goto out;
	}
	*out = pg;
	pg = NULL;	/* transferred */
	rc = 0;
 out:
	dirsrc_graph_page_free(pg);
	json_decref(root);
	return rc;
}

/* --- HTTP -------------------------------------------------------------- */

/* libcurl's write callback: anything but n as the result aborts. */
static size_t
body_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb, cap;
	char *p;

	if (n > b->max - b->len) {
		b->too_big = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap * 2 > b->len + n + 1 ? b->cap * 2 : b->len + n + 1;
		if (cap > b->max + 1)
			cap = b->max + 1;
		if ((p = realloc(b->buf, cap)) == NULL) {
			b->nomem = 1;
			return 0;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return n;
}

static void
body_reset(struct body *b, size_t max)
{
	b->len = 0;
	b->max = max;
	b->too_big = b->nomem = 0;
}

/* Wipe what a body held (a token response) and release it. */
static void
body_free(struct body *b, int wipe)
{
	if (b->buf != NULL && wipe)
		OPENSSL_cleanse(b->buf, b->cap);
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

static void
slist_free_wiped(struct curl_slist *l)
{
	struct curl_slist *n;

	for (n = l; n != NULL; n = n->next)
		OPENSSL_cleanse(n->data, strlen(n->data));
	curl_slist_free_all(l);
}

/* Set every option; 0 or the first failing CURLcode. */
static CURLcode
setup(struct graph *g, struct body *b, const char *url, const char *form,
    struct curl_slist *hdrs)
{
	CURL *h = g->h;
	CURLcode c;

	if ((c = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, g->errbuf)) !=
	    CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_URL, url)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http")) !=
	    CURLE_OK ||
	    /* Never follow: the token must not travel anywhere else. */
	    (c = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L)) !=
	    CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_TIMEOUT, g->p.timeout)) !=
	    CURLE_OK ||
	    /* Signals for timeouts are not thread-safe. */
	    (c = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)b->max)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write)) !=
	    CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_WRITEDATA, b)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_USERAGENT,
	    "mailcert/" MAILCERT_VERSION)) != CURLE_OK)
		return c;
	if (g->p.ca_file != NULL &&
	    (c = curl_easy_setopt(h, CURLOPT_CAINFO, g->p.ca_file)) !=
	    CURLE_OK)
		return c;
	if (form != NULL &&
	    ((c = curl_easy_setopt(h, CURLOPT_POSTFIELDS, form)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
	    (long)strlen(form))) != CURLE_OK))
		return c;
	return CURLE_OK;
}

/*
 * One exchange: a POST of form when form is not NULL, else a GET with the
 * token. *status and *after (Retry-After in seconds, 0 if none) for any
 * HTTP answer; ERR_IO when there was none.
 */
static int
perform(struct graph *g, struct body *b, const char *url, const char *form,
    const char *what, long *status, curl_off_t *after)
{
	struct curl_slist *hdrs = NULL, *n;
	CURLcode c;
	int rc;

	*status = 0;
	*after = 0;
	curl_easy_reset(g->h);
	g->errbuf[0] = '\0';
	if ((n = curl_slist_append(hdrs, "Accept: application/json")) ==
	    NULL)
		goto nomem;
	hdrs = n;
	if (form == NULL) {
		if ((n = curl_slist_append(hdrs, g->auth)) == NULL)
			goto nomem;
		hdrs = n;
		/* Graph wants it for $count and casts on member lists. */
		if ((n = curl_slist_append(hdrs,
		    "ConsistencyLevel: eventual")) == NULL)
			goto nomem;
		hdrs = n;
	}
	if ((c = setup(g, b, url, form, hdrs)) != CURLE_OK) {
		rc = err_set(ERR_INTERNAL, "libcurl refuses an option: %s",
		    curl_easy_strerror(c));
		goto out;
	}
	c = curl_easy_perform(g->h);
	if (b->nomem)
		goto nomem;
	if (b->too_big || c == CURLE_FILESIZE_EXCEEDED) {
		rc = err_set(ERR_INVALID, "source %s: %s: the response is "
		    "larger than %zu bytes", g->name, what, b->max);
		goto out;
	}
	if (c != CURLE_OK) {
		rc = err_set(ERR_IO, "source %s: %s: %s", g->name, what,
		    g->errbuf[0] != '\0' ? g->errbuf : curl_easy_strerror(c));
		goto out;
	}
	if (curl_easy_getinfo(g->h, CURLINFO_RESPONSE_CODE, status) !=
	    CURLE_OK || curl_easy_getinfo(g->h, CURLINFO_RETRY_AFTER,
	    after) != CURLE_OK) {
		rc = err_set(ERR_INTERNAL, "libcurl has no response code");
		goto out;
	}
	/* An empty body never reached body_write(). */
	if (b->buf == NULL && (b->buf = malloc(1)) == NULL)
		goto nomem;
	b->buf[b->len] = '\0';
	rc = 0;
	goto out;
 nomem:
	rc = err_set(ERR_NOMEM, "out of memory");
 out:
	/* Only the endpoint knows the token and secret; wipe our copies. */
	(void)curl_easy_setopt(g->h, CURLOPT_HTTPHEADER, NULL);
	slist_free_wiped(hdrs);
	return rc;
}

/*
 * The reason an error response gives, as ": code: text" on one line:
 * Graph's error.code and error.message, or OAuth's error and
 * error_description (RFC 6749 section 5.2). "" if it gives none.
 */
static void
server_reason(char *buf, size_t size, const struct body *b)
{
	json_t *root;
	const json_t *e;
	const char *code = NULL, *text = NULL;

	buf[0] = '\0';
	if ((root = json_loadb(b->buf, b->len, 0, NULL)) == NULL)
		return;
	e = json_object_get(root, "error");
	if (json_is_string(e)) {
		code = json_string_value(e);
		text = json_string_value(json_object_get(root,
		    "error_description"));
	} else if (json_is_object(e)) {
		code = json_string_value(json_object_get(e, "code"));
		text = json_string_value(json_object_get(e, "message"));
	}
	if (code != NULL && text != NULL)
		snprintf(buf, size, ": %.*s: %.*s", line_len(code, 100), code,
		    line_len(text, 300), text);
	else if (code != NULL)
		snprintf(buf, size, ": %.*s", line_len(code, 100), code);
	json_decref(root);
}

static void
pause_for(long seconds)
{
	struct timespec ts;

	ts.tv_sec = seconds;
	ts.tv_nsec = 0;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * perform() until a 2xx, repeated after 429 and 503 as the server asks (its
 * Retry-After, else 1, 2, 4 ... seconds; at most WAIT_MAX) at most
 * max_retries times. On 0, b holds the response, NUL-terminated. what names
 * the request in messages ("group ... page 2").
 */
static int
request(struct graph *g, struct body *b, size_t max, const char *url,
    const char *form, const char *what)
{
	char reason[512];
	curl_off_t after;
	long status, tries, wait;
	int rc;

	for (tries = 0;; tries++) {
		body_reset(b, max);
		if ((rc = perform(g, b, url, form, what, &status, &after)) !=
		    0)
			return rc;
		if (status >= 200 && status <= 299)
			return 0;
		if ((status != 429 && status != 503) ||
		    tries >= g->p.max_retries)
			break;
		if (after > 0)
			wait = after < WAIT_MAX ? (long)after : WAIT_MAX;
		else
			wait = tries < 6 ? 1L << tries : WAIT_MAX;
		pause_for(wait);
	}
	server_reason(reason, sizeof(reason), b);
	if (status == 429 || status == 503)
		return err_set(ERR_IO, "source %s: %s: HTTP %ld after %ld "
		    "retries%s", g->name, what, status, tries, reason);
	return err_set(ERR_IO, "source %s: %s: HTTP %ld%s", g->name, what,
	    status, reason);
}

/* A new string of printf-style arguments; NULL when out of memory. */
static char *
str_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
str_fmt(const char *fmt, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(s, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return s;
}

/* "{scheme}://{host}[:port]/.default": the scope of the whole API. */
static int
make_scope(char **out, const char *base)
{
	CURLU *u;
	char *s = NULL;
	int rc = 0;

	*out = NULL;
	if ((u = curl_url()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PATH, "/.default", 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK)
		rc = err_set(ERR_INVALID, "--base-url: \"%s\" has no scope",
		    base);
	else if ((*out = strdup(s)) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	curl_free(s);
	curl_url_cleanup(u);
	return rc;
}

/* The client-credentials grant: g->auth from the login endpoint. */
static int
get_token(struct graph *g)
{
	struct body b;
	json_t *root = NULL;
	const json_t *tok, *type;
	char *secret = NULL, *scope = NULL, *url = NULL, *form = NULL;
	char *e_id = NULL, *e_secret = NULL, *e_scope = NULL, *login = NULL;
	char msg[512];
	const char *s;
	size_t n;
	int rc;

	memset(&b, 0, sizeof(b));
	if ((rc = read_secret(&secret, g->p.secret_file)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		rc = err_set(rc, "source %s: %s", g->name, msg);
		goto out;
	}
	if ((rc = make_scope(&scope, g->base)) != 0)
		goto out;
	n = strlen(g->p.login_url);
	while (n > 0 && g->p.login_url[n - 1] == '/')
		n--;
	if ((url = str_fmt("%.*s/%s/oauth2/v2.0/token", (int)n,
	    g->p.login_url, g->p.tenant)) == NULL ||
	    (e_id = curl_easy_escape(g->h, g->p.client_id, 0)) == NULL ||
	    (e_secret = curl_easy_escape(g->h, secret, 0)) == NULL ||
	    (e_scope = curl_easy_escape(g->h, scope, 0)) == NULL ||
	    (form = str_fmt("grant_type=client_credentials&client_id=%s&"
	    "client_secret=%s&scope=%s", e_id, e_secret, e_scope)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((login = str_fmt("token request to %s", url)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = request(g, &b, TOKEN_RESP_MAX, url, form, login)) != 0)
		goto out;
	root = json_loadb(b.buf, b.len, 0, NULL);
	tok = json_object_get(root, "access_token");
	type = json_object_get(root, "token_type");
	if (!json_is_string(tok) || json_string_length(tok) == 0 ||
	    (type != NULL && (!json_is_string(type) ||
	    strcasecmp(json_string_value(type), "Bearer") != 0))) {
		rc = err_set(ERR_IO, "source %s: %s: the answer holds no "
		    "bearer access_token", g->name, login);
		goto out;
	}
	/* It goes into a header line: visible ASCII only. */
	for (s = json_string_value(tok); *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e) {
			rc = err_set(ERR_IO, "source %s: %s: the access_token "
			    "holds a character a header cannot carry",
			    g->name, login);
			goto out;
		}
	if ((g->auth = str_fmt("Authorization: Bearer %s",
	    json_string_value(tok))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
 out:
	/* jansson frees without wiping: wipe its copy of the token first. */
	if (json_is_string(tok = json_object_get(root, "access_token")))
		OPENSSL_cleanse((char *)json_string_value(tok),
		    json_string_length(tok));
	json_decref(root);
	body_free(&b, 1);
	file_secret_free(secret);
	file_secret_free(form);
	if (e_secret != NULL)
		OPENSSL_cleanse(e_secret, strlen(e_secret));
	curl_free(e_secret);
	curl_free(e_id);
	curl_free(e_scope);
	free(scope);
	free(url);
	free(login);
	return rc;
}

/* --- groups and members ------------------------------------------------ */

static const char *
group_id(const struct graph *g, size_t i)
{
	return json_string_value(json_array_get(g->p.groups, i));
}

/* g->gnames[i]: the displayName of configured group i. */
static int
read_group_name(struct graph *g, struct body *b, size_t i)
{
	json_t *root = NULL;
	const json_t *dn;
	char *url = NULL, what[64];
	size_t j;
	int rc;

	snprintf(what, sizeof(what), "group %s", group_id(g, i));
	if ((url = str_fmt("%s/groups/%s?$select=id,displayName", g->base,
	    group_id(g, i))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = request(g, b, DIRSRC_GRAPH_PAGE_MAX, url, NULL, what)) != 0)
		goto out;
	root = json_loadb(b->buf, b->len, 0, NULL);
	dn = json_object_get(root, "displayName");
	if (!json_is_string(dn) || json_string_length(dn) == 0 ||
	    json_string_length(dn) > DIR_GROUP_NAME_MAX ||
	    strlen(json_string_value(dn)) != json_string_length(dn)) {
		rc = err_set(ERR_INVALID, "source %s: %s: the answer holds no "
		    "displayName of 1 to %d bytes", g->name, what,
		    DIR_GROUP_NAME_MAX);
		goto out;
	}
	for (j = 0; j < i; j++)
		if (strcmp(g->gnames[j], json_string_value(dn)) == 0) {
			rc = err_set(ERR_INVALID, "source %s: groups %s and %s "
			    "are both called \"%.*s\"; give only one, or "
			    "rename one in Entra ID", g->name, group_id(g, j),
			    group_id(g, i), line_len(g->gnames[j], 100),
			    g->gnames[j]);
			goto out;
		}
	if ((g->gnames[i] = strdup(json_string_value(dn))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = 0;
 out:
	json_decref(root);
	free(url);
	return rc;
}

/* Take the users of pg (moved out of it) into g->users as members of gi. */
static int
merge_page(struct graph *g, struct dirsrc_graph_page *pg, size_t gi)
{
	struct muser *m, *nu;
	const json_t *at;
	size_t i, *ng;

	for (i = 0; i < pg->nusers; i++) {
		if ((at = json_object_get(g->index, pg->users[i].id)) !=
		    NULL) {
			m = &g->users[json_integer_value(at)];
			/* Transitive lists may repeat a user. */
			if (m->groups[m->ngroups - 1] == gi)
				continue;
		} else {
			if (g->nusers >= DIR_USERS_MAX)
				return err_set(ERR_INVALID, "more than %d "
				    "users", DIR_USERS_MAX);
			if ((nu = array_grow(g->users, g->nusers, &g->ucap,
			    sizeof(*g->users))) == NULL)
				return err_set(ERR_NOMEM, "out of memory");
			g->users = nu;
			if (json_object_set_new(g->index, pg->users[i].id,
			    json_integer((json_int_t)g->nusers)) != 0)
				return err_set(ERR_NOMEM, "out of memory");
			m = &g->users[g->nusers++];
			memset(m, 0, sizeof(*m));
			m->u = pg->users[i];
			memset(&pg->users[i], 0, sizeof(pg->users[i]));
		}
		if ((ng = array_grow(m->groups, m->ngroups, &m->gcap,
		    sizeof(*m->groups))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		m->groups = ng;
		m->groups[m->ngroups++] = gi;
	}
	return 0;
}

/*
 * 1 if url has the scheme, host and port of the Graph endpoint; else 0,
 * with url's origin as text in buf for the message.
 */
static int
same_origin(char *buf, size_t size, const char *url, const char *base)
{
	char *s1 = NULL, *h1 = NULL, *p1 = NULL, *s2 = NULL, *h2 = NULL;
	char *p2 = NULL;
	int same;

	snprintf(buf, size, "a URL libcurl cannot parse");
	same = url_origin(url, &s1, &h1, &p1) == 0 &&
	    url_origin(base, &s2, &h2, &p2) == 0 &&
	    strcasecmp(s1, s2) == 0 && strcasecmp(h1, h2) == 0 &&
	    strcmp(p1, p2) == 0;
	if (!same && s1 != NULL)
		snprintf(buf, size, "%.*s://%.*s:%.*s", line_len(s1, 20), s1,
		    line_len(h1, 100), h1, line_len(p1, 10), p1);
	curl_free(s1);
	curl_free(h1);
	curl_free(p1);
	curl_free(s2);
	curl_free(h2);
	curl_free(p2);
	return same;
}

/* Every page of configured group gi's users into g->users. */
static int
read_members(struct graph *g, struct body *b, size_t gi)
{
	struct dirsrc_graph_page *pg = NULL;
	const char *gid = group_id(g, gi);
	char *url = NULL, what[96], msg[512];
	size_t page;
	int rc;

	if ((url = str_fmt("%s/groups/%s/transitiveMembers/"
	    "microsoft.graph.user?" MEMBER_QUERY, g->base, gid)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (page = 1; url != NULL; page++) {
		if (page > DIRSRC_GRAPH_PAGES_MAX) {
			rc = err_set(ERR_INVALID, "source %s: group %s: more "
			    "than %d pages", g->name, gid,
			    DIRSRC_GRAPH_PAGES_MAX);
			goto out;
		}
		snprintf(what, sizeof(what), "group %s page %zu", gid, page);
		if ((rc = request(g, b, DIRSRC_GRAPH_PAGE_MAX, url, NULL,
		    what)) != 0)
			goto out;
		if ((rc = dirsrc_graph_parse_page(&pg, b->buf, b->len)) != 0 ||
		    (rc = merge_page(g, pg, gi)) != 0) {
			snprintf(msg, sizeof(msg), "%s", err_msg());
			rc = err_set(rc, "source %s: %s: %s", g->name, what,
			    msg);
			goto out;
		}
		if (pg->next != NULL &&
		    !same_origin(msg, sizeof(msg), pg->next, g->base)) {
			rc = err_set(ERR_INVALID, "source %s: %s: refusing "
			    "the @odata.nextLink to %s: the token is only for "
			    "%s", g->name, what, msg, g->base);
			goto out;
		}
		free(url);
		url = pg->next;
		pg->next = NULL;	/* transferred */
		dirsrc_graph_page_free(pg);
		pg = NULL;
	}
	rc = 0;
 out:
	dirsrc_graph_page_free(pg);
	free(url);
	return rc;
}

/* The merged users, with their groups, as a finished snapshot. */
static int
build(struct dir_snapshot **out, struct graph *g)
{
	struct dir_snapshot *snap = NULL;
	struct dirsrc_graph_user *u;
	char msg[512];
	size_t i, j, dup[2];
	int rc;

	*out = NULL;
	if ((snap = dir_snapshot_new(g->name)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < g->nusers; i++) {
		u = &g->users[i].u;
		if ((rc = dir_snapshot_add_user(snap, u->id, u->email,
		    u->given_name, u->surname, i + 1)) != 0)
			goto bad;
		for (j = 0; j < g->users[i].ngroups; j++)
			if ((rc = dir_snapshot_add_member(snap,
			    g->gnames[g->users[i].groups[j]])) != 0)
				goto bad;
	}
	/* Ids are unique already: merge_page() keyed users by them. */
	if ((rc = dir_snapshot_finish(snap, dup)) != 0) {
		dir_snapshot_free(snap);
		return rc;
	}
	*out = snap;
	return 0;
 bad:
	snprintf(msg, sizeof(msg), "%s", err_msg());
	rc = err_set(rc, "source %s: user %s: %s", g->name, g->users[i].u.id,
	    msg);
	dir_snapshot_free(snap);
	return rc;
}

int
dirsrc_graph_read(struct dir_snapshot **out, const json_t *params,
    const char *name)
{
	struct graph g;
	struct body b;
	char msg[512];
	size_t i, ngroups;
	int rc;

	*out = NULL;
	memset(&g, 0, sizeof(g));
	memset(&b, 0, sizeof(b));
	g.name = name;
	if ((rc = load_params(&g.p, params)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return err_set(rc, "source %s: %s", name, msg);
	}
	if (pthread_once(&global_once, global_init) != 0 ||
	    global_rc != CURLE_OK)
		return err_set(ERR_INTERNAL, "libcurl does not initialise");
	ngroups = json_array_size(g.p.groups);
	if ((g.h = curl_easy_init()) == NULL ||
	    (g.base = strdup(g.p.base_url)) == NULL ||
	    (g.gnames = calloc(ngroups, sizeof(*g.gnames))) == NULL ||
	    (g.index = json_object()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = strlen(g.base); i > 0 && g.base[i - 1] == '/'; i--)
		g.base[i - 1] = '\0';
	if ((rc = get_token(&g)) != 0)
		goto out;
	/* Names first: a clash fails before thousands of users are read. */
	for (i = 0; i < ngroups; i++)
		if ((rc = read_group_name(&g, &b, i)) != 0)
			goto out;
	for (i = 0; i < ngroups; i++)
		if ((rc = read_members(&g, &b, i)) != 0)
			goto out;
	rc = build(out, &g);
 out:
	for (i = 0; i < g.nusers; i++) {
		free(g.users[i].u.id);
		free(g.users[i].u.email);
		free(g.users[i].u.given_name);
		free(g.users[i].u.surname);
		free(g.users[i].groups);
	}
	free(g.users);
	if (g.gnames != NULL)
		for (i = 0; i < ngroups; i++)
			free(g.gnames[i]);
	free(g.gnames);
	json_decref(g.index);
	file_secret_free(g.auth);
	free(g.base);
	body_free(&b, 0);
	curl_easy_cleanup(g.h);
	return rc;
}
