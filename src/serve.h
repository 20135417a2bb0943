/*
 * serve.h: `mailcert serve`, the daemon. Loads the config and the KEK,
 * starts the HTTP listener(s) and the scheduler, and waits for signals:
 * SIGTERM/SIGINT stop it (exit 0 within seconds), SIGHUP re-reads the
 * config and keeps the old one when the new one does not parse. Logs one
 * line per event on stderr (log.h).
 *
 * Routing: pubweb (public endpoints), then /api/v1 (api.h), then the
 * dashboard (ui.h); the public listener, when configured apart, serves
 * only pubweb.
 */
#ifndef MAILCERT_SERVE_H
#define MAILCERT_SERVE_H

struct serve_opts {
	const char	*dir;		/* data directory */
	const char	*listen;	/* overrides [serve] listen; NULL */
	const char	*public_listen;	/* overrides [serve] public_listen */
	int		 log_json;	/* --log-format json */
};

/* Run until a stop signal. 0 after a clean stop; ERR_* if it could not
 * start (the message says why: config, store, address in use, ...). */
int	serve_run(const struct serve_opts *o);

/*
 * Check the config file path (NULL: DIR/mailcert.conf) as serve would on
 * start or SIGHUP: parse it, and check the listen addresses. ERR_INVALID
 * naming file, line and key.
 */
int	serve_config_check(const char *dir, const char *path);

#endif
