/*
 * web.h: what the daemon's request handlers and jobs share (serve.c owns
 * it): the data directory, the current config, the key-encryption key,
 * the OCSP response cache and the scheduler, and one store connection per
 * thread (a struct store serves one thread at a time, store.h).
 *
 * SIGHUP replaces the config; configs read before stay valid until the
 * daemon exits, so a handler may keep using the pointer it got. [store]
 * changes need a restart (the daemon says so in the log).
 */
#ifndef MAILCERT_WEB_H
#define MAILCERT_WEB_H

#include <stdint.h>

struct config;
struct kek;
struct ocsp_cache;
struct scheduler;
struct store;
struct web_priv;

struct web {
	char		*dir;		/* data directory */
	struct kek	*kek;
	struct ocsp_cache *ocsp;	/* set by serve; NULL in tests */
	struct scheduler *sched;	/* set by serve; NULL in tests */
	int64_t		 started_at;
	struct web_priv	*priv;		/* configs and store connections */
};

/*
 * A context for dir with cfg and kek, both taken over (freed by
 * web_free(), also on failure). *out is the caller's.
 */
int	web_new(struct web **out, const char *dir, struct config *cfg,
	    struct kek *kek);
/* Free w, its configs and the calling thread's store; NULL is a no-op.
 * Call when no other thread uses w any more. */
void	web_free(struct web *w);

/* The config in force now. Never NULL. */
const struct config *web_config(struct web *w);
/* Make cfg (taken over) the config in force; the old one stays valid
 * until web_free(). */
int	web_set_config(struct web *w, struct config *cfg);

/*
 * The calling thread's store connection, opened on first use and closed
 * when the thread ends. ERR_STORE with a message if it cannot be opened.
 * Never hold it across threads.
 */
int	web_store(struct store **out, struct web *w);

#endif
