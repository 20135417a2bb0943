/*
 * ui.h: the dashboard's static files (ui/ in the source tree), compiled
 * into the binary by scripts/embed-ui.py so the daemon needs no data
 * directory of its own. Served under /ui/ with strong ETags (revalidated
 * on every use: Cache-Control: no-cache) and a Content-Security-Policy
 * that allows only the page's own scripts, styles and API calls.
 */
#ifndef MAILCERT_UI_H
#define MAILCERT_UI_H

#include <stddef.h>

struct http_req;
struct http_resp;

/* One embedded file; the table (generated, sorted by path) is static. */
struct ui_file {
	const char	*path;		/* relative to ui/: "index.html" */
	const char	*content_type;	/* by extension */
	const char	*etag;		/* strong, quoted: "\"3fa0...\"" */
	const unsigned char *data;
	size_t		 len;
};

extern const struct ui_file ui_files[];	/* generated ui-files.c */
extern const size_t ui_nfiles;

/*
 * 1 if req->path is "/", "/ui" or under "/ui/" (resp filled: the file, 304
 * when If-None-Match names its ETag, 404 for an unknown file, 405 for a
 * method other than GET and HEAD, a 302 of "/" and "/ui" to "/ui/"), 0 if
 * the path is not the dashboard's; ERR_NOMEM if resp could not be filled.
 */
int	ui_handle(const struct http_req *req, struct http_resp *resp);

#endif
