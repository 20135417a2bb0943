/*
 * api_req_fuzz.c: the /api/v1 request parsers (api-req.h) and the whole
 * handler (api_handle()) on arbitrary requests. The input is split at its
 * first three newlines into method, path, query ("k=v&k2", undecoded) and
 * body; the rest is the body. Every body parser sees the body, the path
 * parser the path, and api_handle() the whole request, authenticated as a
 * viewer of a throwaway data directory (on /dev/shm when there is one, so
 * the audit entries of refused mutations cost no disk syncs). Whatever
 * comes in, the answer must be a JSON object with a status the API uses.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api.h"
#include "api-req.h"
#include "ca.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "keys.h"
#include "store.h"
#include "token.h"
#include "util/file.h"
#include "util/timefmt.h"
#include "web.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QMAX	16

static char	 dir[64];
static struct web *web;
static char	*viewer;

static void
cleanup(void)
{
	struct dirent *de;
	DIR *d;
	char *p;

	web_free(web);
	free(viewer);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if ((p = file_join(dir, de->d_name)) != NULL)
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

/* A data directory with CAs, a certificate and a viewer token. */
static void
setup(void)
{
	struct config *cfg = NULL, *wcfg = NULL;
	struct kek *kek = NULL, *wkek = NULL;
	struct store *st = NULL;
	struct ca *ca = NULL;
	struct ca_issued *iss = NULL;
	struct ca_request r;

	snprintf(dir, sizeof(dir), "%s/mc-apifuzz.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (mkdtemp(dir) == NULL ||
	    config_defaults(&cfg, dir) != 0 ||
	    config_defaults(&wcfg, dir) != 0)
		abort();
	cfg->ca_key = wcfg->ca_key = KEY_ECP384;
	memset(&r, 0, sizeof(r));
	r.email = "alice@example.org";
	r.given_name = "Alice";
	r.surname = "Example";
	r.key = KEY_ECP256;
	if (keys_kek_create(cfg->kek_path) != 0 ||
	    keys_kek_load(&kek, cfg->kek_path) != 0 ||
	    keys_kek_load(&wkek, cfg->kek_path) != 0 ||
	    store_open(&st, cfg) != 0 ||
	    ca_init(st, kek, cfg) != 0 ||
	    ca_load(&ca, st, kek, NULL) != 0 ||
	    ca_issue(&iss, st, ca, kek, cfg, &r, timefmt_now()) != 0 ||
	    token_create(&viewer, st, "fuzz", TOKEN_VIEWER, NULL, 0,
	    timefmt_now(), "fuzz") != 0 ||
	    web_new(&web, dir, wcfg, wkek) != 0) {
		fprintf(stderr, "api_req_fuzz setup: %s\n", err_msg());
		abort();
	}
	ca_issued_free(iss);
	ca_free(ca);
	store_close(st);
	keys_kek_free(kek);
	config_free(cfg);
	atexit(cleanup);
}

/* The next line of [*p, end) as a new string; *p moves past it. */
static char *
line(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl != NULL ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *s;

	if ((s = malloc(n + 1)) == NULL)
		abort();
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += nl != NULL ? n + 1 : n;
	return s;
}

static void
bodies(const unsigned char *b, size_t n)
{
	struct api_body_revoke rv;
	struct api_body_group g;
	struct api_body_domain d;
	struct api_body_seats se;
	struct api_body_token t;
	int syntax;

	(void)api_body_none(b, n, &syntax);
	(void)api_body_revoke_parse(&rv, b, n, &syntax);
	if (api_body_group_parse(&g, b, n, &syntax) == 0) {
		if (g.set == 0)
			abort();
		api_body_group_clear(&g);
	}
	if (api_body_domain_parse(&d, b, n, &syntax) == 0)
		api_body_domain_clear(&d);
	if (api_body_seats_parse(&se, b, n, &syntax) == 0 &&
	    (se.total < -1 || se.total > API_SEATS_MAX))
		abort();
	if (api_body_token_parse(&t, b, n, &syntax) == 0) {
		if (t.groups != NULL && t.role == TOKEN_ADMIN)
			abort();
		api_body_token_clear(&t);
	}
}

static void
check_answer(const struct http_resp *r)
{
	json_t *j;

	if (r->status < 200 || r->status > 503 || r->status == 500 ||
	    r->content_type == NULL)
		abort();
	if (strcmp(r->content_type, "application/json") != 0)
		return;
	if ((j = json_loadb((const char *)r->body, r->body_len, 0,
	    NULL)) == NULL)
		abort();
	if (r->status >= 400 && !json_is_string(json_object_get(
	    json_object_get(j, "error"), "code")))
		abort();
	json_decref(j);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	char *method, *path, *query, *full = NULL, *kv, *save = NULL, *eq;
	char auth[128];
	struct http_kv q[QMAX], h[1];
	struct http_req req;
	struct http_resp resp;
	struct api_path ap;
	struct api_query aq;
	size_t nq = 0;

	if (web == NULL)
		setup();
	method = line(&p, end);
	path = line(&p, end);
	query = line(&p, end);
	bodies((const unsigned char *)p, (size_t)(end - p));
	for (kv = strtok_r(query, "&", &save); kv != NULL && nq < QMAX;
	    kv = strtok_r(NULL, "&", &save)) {
		q[nq].key = kv;
		q[nq].value = NULL;
		if ((eq = strchr(kv, '=')) != NULL) {
			*eq = '\0';
			q[nq].value = eq + 1;
		}
		nq++;
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.query = q;
	req.nquery = nq;
	snprintf(auth, sizeof(auth), "Bearer %s", viewer);
	h[0].key = "Authorization";
	h[0].value = auth;
	req.headers = h;
	req.nheaders = 1;
	req.body = (const unsigned char *)p;
	req.body_len = (size_t)(end - p);
	req.peer = "fuzz";
	if (api_query_parse(&aq, &req, "q group present before", 1) == 0 &&
	    (aq.limit < 1 || aq.limit > API_LIMIT_MAX))
		abort();
	/* Paths are tried as given and below the prefix. */
	if (asprintf(&full, "%s/%s", API_PREFIX, path) < 0)
		abort();
	if (api_path_parse(&ap, full) == 0) {
		if (ap.nseg == 0 || ap.nseg > API_SEGS_MAX)
			abort();
		api_path_clear(&ap);
	}
	req.path = full;
	memset(&resp, 0, sizeof(resp));
	if (api_handle(web, &req, &resp) != 1)
		abort();
	check_answer(&resp);
	http_resp_clear(&resp);
	req.path = path;
	memset(&resp, 0, sizeof(resp));
	if (api_handle(web, &req, &resp) == 1)
		check_answer(&resp);
	http_resp_clear(&resp);
	err_clear();
	free(full);
	free(method);
	free(path);
	free(query);
	return 0;
}
