/*
 * serve.c: `mailcert serve`, the daemon (serve.h). The main thread only
 * starts things and then waits in sigwait(): the stop and reload signals
 * are blocked before any thread exists, so every thread inherits the mask
 * and the signals reach the main thread alone, where acting on them needs
 * no async-signal-safety.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "config.h"
#include "err.h"
#include "http.h"
#include "keys.h"
#include "log.h"
#include "ocsp.h"
#include "pubweb.h"
#include "scheduler.h"
#include "serve.h"
#include "store.h"
#include "ui.h"
#include "util/file.h"
#include "web.h"

/* The whole site: public endpoints, the API, the dashboard. */
static int
route_all(void *arg, const struct http_req *req, struct http_resp *resp)
{
	struct web *w = arg;
	int rc;

	if ((rc = pubweb_handle(w, req, resp)) != 0 ||
	    (rc = api_handle(w, req, resp)) != 0 ||
	    (rc = ui_handle(req, resp)) != 0)
		return rc < 0 ? rc : 0;
	return http_resp_text(resp, 404, "not found");
}

/* The public listener, when split: what certificates point at, only. */
static int
route_public(void *arg, const struct http_req *req, struct http_resp *resp)
{
	int rc;

	if ((rc = pubweb_handle(arg, req, resp)) != 0)
		return rc < 0 ? rc : 0;
	return http_resp_text(resp, 404, "not found");
}

/* The line of the first "key =" in [section] of the file at path; 0 if
 * it cannot be found (the message then names file and key only). */
static size_t
key_line(const char *path, const char *section, const char *key)
{
	unsigned char *text = NULL;
	const char *p, *e, *k;
	size_t len, line = 0, found = 0, kl = strlen(key);
	int in = 0;

	if (file_read(&text, &len, path, CONFIG_MAX_BYTES) != 0) {
		err_clear();
		return 0;
	}
	for (p = (const char *)text; found == 0 && *p != '\0'; p = e) {
		line++;
		if ((e = strchr(p, '\n')) == NULL)
			e = p + strlen(p);
		else
			e++;
		for (k = p; *k == ' ' || *k == '\t'; k++)
			;
		if (*k == '[')
			in = strncmp(k + 1, section, strlen(section)) == 0 &&
			    k[1 + strlen(section)] == ']';
		else if (in && strncmp(k, key, kl) == 0 &&
		    strchr(" \t=", k[kl]) != NULL)
			found = line;
	}
	free(text);
	return found;
}

/* Check cfg's listen addresses; file names where they came from. */
static int
listen_check(const struct config *cfg, const char *file)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	const char *keys[2] = { "listen", "public_listen" };
	const char *vals[2] = { cfg->serve_listen, cfg->serve_public_listen };
	char msg[512];
	size_t i, line;
	int rc;

	for (i = 0; i < 2; i++) {
		if (vals[i] == NULL || (rc = http_parse_listen(&ss, &sl,
		    vals[i])) == 0)
			continue;
		snprintf(msg, sizeof(msg), "%s", err_msg());
		if ((line = key_line(file, "serve", keys[i])) > 0)
			return err_set(rc, "%s:%zu: [serve] %s: %s", file,
			    line, keys[i], msg);
		return err_set(rc, "%s: [serve] %s: %s", file, keys[i], msg);
	}
	return 0;
}

int
serve_config_check(const char *dir, const char *path)
{
	struct config *cfg = NULL;
	unsigned char *text = NULL;
	char *def = NULL;
	size_t len;
	int rc;

	if (path == NULL) {
		if ((rc = config_load(&cfg, dir)) != 0)
			goto out;
		if ((def = file_join(dir, CONFIG_FILE)) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		path = def;
	} else if ((rc = file_read(&text, &len, path,
	    CONFIG_MAX_BYTES)) != 0 ||
	    (rc = config_parse(&cfg, (const char *)text, len, path,
	    dir)) != 0)
		goto out;
	rc = listen_check(cfg, path);
out:
	config_free(cfg);
	free(text);
	free(def);
	return rc;
}

/* Replace *dst by a copy of src (NULL stays NULL). */
static int
set_str(char **dst, const char *src)
{
	char *s = NULL;

	if (src != NULL && (s = strdup(src)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	free(*dst);
	*dst = s;
	return 0;
}

/* The config of o->dir with the command line's overrides, checked. */
static int
load(struct config **out, const struct serve_opts *o)
{
	struct config *cfg = NULL;
	struct sockaddr_storage ss;
	socklen_t sl;
	char *path = NULL;
	int rc;

	*out = NULL;
	if ((rc = config_load(&cfg, o->dir)) != 0)
		goto out;
	if ((path = file_join(o->dir, CONFIG_FILE)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((o->listen != NULL &&
	    (rc = set_str(&cfg->serve_listen, o->listen)) != 0) ||
	    (o->public_listen != NULL &&
	    (rc = set_str(&cfg->serve_public_listen, o->public_listen)) != 0))
		goto out;
	if (o->listen != NULL &&
	    (rc = http_parse_listen(&ss, &sl, o->listen)) != 0)
		goto out;
	if (o->public_listen != NULL &&
	    (rc = http_parse_listen(&ss, &sl, o->public_listen)) != 0)
		goto out;
	if ((rc = listen_check(cfg, path)) != 0)
		goto out;
	*out = cfg;
	cfg = NULL;	/* transferred */
out:
	config_free(cfg);
	free(path);
	return rc;
}

static int
streq(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/*
 * What SIGHUP cannot change in a running daemon is kept as it is in the
 * new config, with a warning: the store connections, the KEK and the
 * sockets stay those of the start.
 */
static int
keep_fixed(struct config *nc, const struct config *cur)
{
	struct {
		const char	*name;
		char		**nv;
		const char	*cv;
	} f[] = {
		{ "[store] backend", &nc->store_backend, cur->store_backend },
		{ "[store] path", &nc->store_path, cur->store_path },
		{ "the key-encryption key path", &nc->kek_path, cur->kek_path },
		{ "[serve] listen", &nc->serve_listen, cur->serve_listen },
		{ "[serve] public_listen", &nc->serve_public_listen,
		    cur->serve_public_listen },
	};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (streq(*f[i].nv, f[i].cv))
			continue;
		log_warn("%s changed to \"%s\": needs a restart, keeping "
		    "\"%s\" until then", f[i].name, *f[i].nv != NULL ?
		    *f[i].nv : "", f[i].cv != NULL ? f[i].cv : "");
		if ((rc = set_str(f[i].nv, f[i].cv)) != 0)
			return rc;
	}
	if (nc->serve_threads != cur->serve_threads) {
		log_warn("[serve] threads changed to %d: needs a restart, "
		    "keeping %d until then", nc->serve_threads,
		    cur->serve_threads);
		nc->serve_threads = cur->serve_threads;
	}
	return 0;
}

static void
reload(struct web *w, const struct serve_opts *o)
{
	struct config *nc = NULL;
	int rc;

	if ((rc = load(&nc, o)) != 0) {
		log_error_r(rc, "configuration not reloaded, keeping the one "
		    "in force");
		return;
	}
	if ((rc = keep_fixed(nc, web_config(w))) != 0) {
		config_free(nc);
		log_error_r(rc, "configuration not reloaded");
		return;
	}
	/* web_set_config() takes nc over, also when it fails. */
	if ((rc = web_set_config(w, nc)) != 0) {
		log_error_r(rc, "configuration not reloaded");
		return;
	}
	log_info("configuration reloaded");
}

/* listen with the port actually bound (for ":0"). */
static void
shown_addr(char *buf, size_t len, const char *listen, unsigned port)
{
	const char *colon = strrchr(listen, ':');

	snprintf(buf, len, "%.*s:%u", (int)(colon - listen), listen, port);
}

static int
start_http(struct http_server **out, struct web *w, const char *listen,
    http_handler h)
{
	struct http_opts ho;

	memset(&ho, 0, sizeof(ho));
	ho.listen = listen;
	ho.threads = (unsigned)web_config(w)->serve_threads;
	ho.max_body = API_MAX_BODY;
	ho.handler = h;
	ho.arg = w;
	return http_start(out, &ho);
}

int
serve_run(const struct serve_opts *o)
{
	struct config *cfg = NULL;
	struct kek *kek = NULL;
	struct web *w = NULL;
	struct store *st;
	struct http_server *hs = NULL, *ps = NULL;
	const struct config *cur;
	char addr[128];
	sigset_t set;
	int rc, sig, stop_ms = 0;

	log_set_format(o->log_json ? LOG_JSON : LOG_TEXT);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if ((rc = load(&cfg, o)) != 0)
		goto out;
	if (!file_exists(cfg->kek_path)) {
		rc = err_set(ERR_UNINIT, "\"%s\" has no key-encryption key "
		    "\"%s\"", o->dir, cfg->kek_path);
		goto out;
	}
	if ((rc = keys_kek_load(&kek, cfg->kek_path)) != 0)
		goto out;
	rc = web_new(&w, o->dir, cfg, kek);
	cfg = NULL;	/* transferred, also on failure */
	kek = NULL;
	if (rc != 0)
		goto out;
	/* Open (and migrate) the store now: a daemon that cannot reach it
	 * should not start. */
	if ((rc = web_store(&st, w)) != 0 ||
	    (rc = ocsp_cache_new(&w->ocsp)) != 0 ||
	    (rc = sched_start(&w->sched, w)) != 0)
		goto out;
	cur = web_config(w);
	stop_ms = cur->serve_stop_seconds * 1000;
	if ((rc = start_http(&hs, w, cur->serve_listen, route_all)) != 0)
		goto out;
	shown_addr(addr, sizeof(addr), cur->serve_listen, http_port(hs));
	log_info("mailcert %s listening on http://%s (pid %d)",
	    MAILCERT_VERSION, addr, (int)getpid());
	log_info("dashboard: http://%s/ui/", addr);
	if (cur->serve_public_listen != NULL) {
		if ((rc = start_http(&ps, w, cur->serve_public_listen,
		    route_public)) != 0)
			goto out;
		shown_addr(addr, sizeof(addr), cur->serve_public_listen,
		    http_port(ps));
		log_info("public endpoints on http://%s", addr);
	}

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload(w, o);
			continue;
		}
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
	rc = 0;
out:
	/* Listeners first, so no handler runs while the rest goes. */
	http_stop(ps);
	http_stop(hs);
	if (w != NULL && sched_stop(w->sched, stop_ms > 0 ? stop_ms :
	    1000) != 0) {
		/* A job is still running and uses w: leave w to the exit.
		 * What it committed is whole; the next start finishes it. */
		log_warn_r(ERR_INTERNAL, "stopping anyway");
		w = NULL;
	}
	if (w != NULL) {
		w->sched = NULL;
		ocsp_cache_free(w->ocsp);
		w->ocsp = NULL;
	}
	web_free(w);
	config_free(cfg);
	keys_kek_free(kek);
	if (rc == 0)
		log_info("stopped");
	return rc;
}
