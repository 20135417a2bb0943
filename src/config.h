/*
 * config.h: mailcert.conf, an INI file in the data directory, parsed once
 * into an immutable struct config that is passed around explicitly.
 *
 *   [ca]      org, country, base_url, key
 *   [issue]   key, days, profile
 *   [crl]     subscriber_days, ca_days
 *   [store]   backend (sqlite), path (relative to the data directory)
 *   [dns]     servers (host:port, ...), timeout_ms, tries: the resolvers
 *             domain verification asks; none means the system's
 *   [sync]    renew_days, on_removal (revoke|keep), max_removal_percent:
 *             the renewal window and what happens to the certificates of
 *             users who leave (sync.h)
 *   [serve]   listen, public_listen, threads, sync_interval (minutes, 0:
 *             only on demand), stop_seconds: the daemon (serve.h)
 *   [ocsp]    validity_hours, responder_days: the responder (ocsp.h)
 *
 * Unknown sections or keys, and values out of range, are errors naming the
 * file, line and key: a typo must never fall back to a default silently.
 */
#ifndef MAILCERT_CONFIG_H
#define MAILCERT_CONFIG_H

#include <stddef.h>

#include "keys.h"
#include "profile.h"

/* What a sync does with the certificates of a user who left. */
enum config_removal {
	CONFIG_REMOVAL_REVOKE,	/* revoke them (cessationOfOperation) */
	CONFIG_REMOVAL_KEEP,	/* leave them to expire */
	CONFIG_REMOVAL__MAX
};

struct config {
	char		*dir;		/* data directory (absolute or as given) */
	char		*org;		/* CA subject O */
	char		*country;	/* CA subject C, two letters */
	char		*base_url;	/* http://host[:port], no trailing / */
	enum key_type	 ca_key;	/* key type for new CA keys */
	enum key_type	 issue_key;	/* default leaf key type */
	int		 issue_days;	/* default leaf validity */
	enum cert_profile issue_profile; /* default leaf profile */
	int		 crl_subscriber_days; /* issuing CA CRL nextUpdate */
	int		 crl_ca_days;	/* root CA CRL nextUpdate */
	char		*store_backend;	/* "sqlite" */
	char		*store_path;	/* database path, resolved against dir */
	char		*kek_path;	/* key-encryption key, resolved */
	char		*dns_servers;	/* "127.0.0.1:5353,[::1]:53" in
					 * c-ares CSV form; NULL: system */
	int		 dns_timeout_ms; /* per try, 100..30000 */
	int		 dns_tries;	/* 1..5 */
	int		 sync_renew_days; /* renew with this many days left,
					 * 1..365 */
	enum config_removal sync_on_removal; /* for users who leave */
	int		 sync_max_removal_percent; /* guard, 0..100 */
	char		*serve_listen;	/* API, dashboard (and public unless
					 * split): "127.0.0.1:8080" */
	char		*serve_public_listen; /* public endpoints only; NULL:
					 * served on serve_listen */
	int		 serve_threads;	/* HTTP worker pool, 1..64 */
	int		 serve_sync_interval; /* minutes; 0: on demand only */
	int		 serve_stop_seconds; /* SIGTERM deadline, 1..300 */
	int		 ocsp_validity_hours; /* response lifetime, 8..240 */
	int		 ocsp_responder_days; /* responder certificate, 7..365 */
};

#define CONFIG_MAX_BYTES	(64 * 1024)
#define CONFIG_FILE		"mailcert.conf"
#define CONFIG_KEK_FILE		"kek.bin"

/*
 * Parse INI text (need not be NUL-terminated) into a new config; name is
 * used in messages. dir is copied into cfg->dir and paths are resolved
 * against it. *out is the caller's (config_free()).
 */
int	config_parse(struct config **out, const char *text, size_t len,
	    const char *name, const char *dir);

/*
 * Load DIR/mailcert.conf. ERR_UNINIT, naming dir and `mailcert init`, if the
 * file is not there. *out is the caller's.
 */
int	config_load(struct config **out, const char *dir);

/*
 * Render cfg as INI text that config_parse() reads back to the same values.
 * *out is the caller's (free()).
 */
int	config_format(char **out, const struct config *cfg);

/* A config with the built-in defaults for dir; caller frees. */
int	config_defaults(struct config **out, const char *dir);

void	config_free(struct config *cfg);	/* NULL is a no-op */

#endif
