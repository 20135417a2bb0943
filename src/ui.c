/*
 * ui.c: serving the embedded dashboard (ui.h). Every answer, errors
 * included, carries the Content-Security-Policy and anti-framing headers,
 * so a page can never run a script or be framed from elsewhere. Files are
 * revalidated on every use (no-cache + strong ETag, RFC 9111 5.2.2.4,
 * RFC 9110 13.1.2), so a new binary's dashboard is picked up at once.
 */
#include <string.h>

#include "err.h"
#include "http.h"
#include "ui.h"

#define UI_PREFIX	"/ui/"
#define UI_CSP		"default-src 'self'; img-src 'self' data:; " \
			"style-src 'self'; script-src 'self'; " \
			"connect-src 'self'; frame-ancestors 'none'"

static const struct ui_file *
find(const char *path)
{
	size_t	 i;

	for (i = 0; i < ui_nfiles; i++)
		if (strcmp(ui_files[i].path, path) == 0)
			return &ui_files[i];
	return NULL;
}

/*
 * 1 if the If-None-Match list names etag. The comparison is weak (RFC 9110
 * 13.1.2), so "W/" is dropped; "*" matches any current file.
 */
static int
etag_matches(const char *inm, const char *etag)
{
	size_t	 elen = strlen(etag), n;
	const char *p = inm, *e;

	for (;;) {
		p += strspn(p, " \t,");
		if (*p == '\0')
			return 0;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*')
			return 1;
		if (*p == '"') {
			if ((e = strchr(p + 1, '"')) == NULL)
				return 0;
			n = (size_t)(e - p) + 1;
		} else
			n = strcspn(p, " \t,");
		if (n == elen && memcmp(p, etag, n) == 0)
			return 1;
		p += n;
	}
}

/* The headers every answer carries. */
static int
base_headers(struct http_resp *resp)
{
	int	 rc;

	if ((rc = http_resp_header(resp, "Content-Security-Policy",
	    UI_CSP)) < 0 ||
	    (rc = http_resp_header(resp, "X-Frame-Options", "DENY")) < 0 ||
	    (rc = http_resp_header(resp, "X-Content-Type-Options",
	    "nosniff")) < 0 ||
	    (rc = http_resp_header(resp, "Referrer-Policy",
	    "no-referrer")) < 0)
		return rc;
	return 0;
}

int
ui_handle(const struct http_req *req, struct http_resp *resp)
{
	const struct ui_file *f;
	const char	*name, *inm;
	int		 rc;

	if (strcmp(req->path, "/") != 0 && strcmp(req->path, "/ui") != 0 &&
	    strncmp(req->path, UI_PREFIX, strlen(UI_PREFIX)) != 0)
		return 0;
	if ((rc = base_headers(resp)) < 0)
		return rc;
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		if ((rc = http_resp_header(resp, "Allow", "GET, HEAD")) < 0 ||
		    (rc = http_resp_text(resp, 405,
		    "method %s not allowed here", req->method)) < 0)
			return rc;
		return 1;
	}
	if (strncmp(req->path, UI_PREFIX, strlen(UI_PREFIX)) != 0) {
		if ((rc = http_resp_header(resp, "Location", UI_PREFIX)) < 0 ||
		    (rc = http_resp_text(resp, 302, "see %s",
		    UI_PREFIX)) < 0)
			return rc;
		return 1;
	}
	name = req->path + strlen(UI_PREFIX);
	if (*name == '\0')
		name = "index.html";
	if ((f = find(name)) == NULL) {
		if ((rc = http_resp_text(resp, 404, "no such file")) < 0)
			return rc;
		return 1;
	}
	if ((rc = http_resp_header(resp, "ETag", f->etag)) < 0 ||
	    (rc = http_resp_header(resp, "Cache-Control", "no-cache")) < 0)
		return rc;
	inm = http_header(req, "If-None-Match");
	if (inm != NULL && etag_matches(inm, f->etag)) {
		http_resp_static(resp, 304, NULL, NULL, 0);
		return 1;
	}
	http_resp_static(resp, 200, f->content_type, f->data, f->len);
	return 1;
}
