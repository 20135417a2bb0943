/*
 * err.h: the project-wide error codes, and the one-line message that explains
 * the last failure to whoever has to show it.
 *
 * Functions that can fail return 0 or a negative ERR_*, and record a message
 * with err_set() at the point where they know what went wrong. The message is
 * per thread, so worker threads never overwrite each other's.
 */
#ifndef MAILCERT_ERR_H
#define MAILCERT_ERR_H

enum {
	ERR_OK = 0,
	ERR_INTERNAL = -1,	/* a failure that is a bug or an environment fault */
	ERR_NOMEM = -2,		/* allocation failed */
	ERR_INVALID = -3,	/* the user's input is wrong */
	ERR_NOTFOUND = -4,	/* the named thing does not exist */
	ERR_EXISTS = -5,	/* the thing exists already / state forbids it */
	ERR_IO = -6,		/* a file could not be read or written */
	ERR_CRYPTO = -7,	/* OpenSSL failed where it should not */
	ERR_STORE = -8,		/* the database failed */
	ERR_PROFILE = -9,	/* a to-be-signed certificate breaks the profile */
	ERR_UNINIT = -10,	/* the data directory is not initialised */
	ERR_GUARD = -11,	/* a safety guard stopped the operation */
};

/* Short constant text for rc, e.g. "invalid input". Never NULL. */
const char	*err_str(int rc);

/*
 * Record a message for the current thread and return rc, so a failure reads
 * `return err_set(ERR_INVALID, "...")`. The message replaces the previous one.
 */
int		 err_set(int rc, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/*
 * As err_set(), then append the reason from OpenSSL's error queue (the
 * innermost entry), and drain the queue so stale entries never leak into
 * later messages.
 */
int		 err_ossl(int rc, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));

/* The current thread's last message; "" if none. Borrowed. */
const char	*err_msg(void);

/* Forget the current thread's message. */
void		 err_clear(void);

/* 1 if rc is the user's fault (exit status 1), 0 if internal (exit 2). */
int		 err_is_user(int rc);

#endif
