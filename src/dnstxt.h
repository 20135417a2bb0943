/*
 * dnstxt.h: DNS TXT lookups (RFC 1035 3.3.14) through c-ares, with a hard
 * deadline, for domain verification.
 */
#ifndef MAILCERT_DNSTXT_H
#define MAILCERT_DNSTXT_H

#include <stddef.h>

#define DNSTXT_MAX_RECORDS	64	/* TXT records kept from one answer */

/*
 * Look up the TXT records of name (fully qualified, no search domains
 * applied) at servers (c-ares CSV form, "127.0.0.1:5353,[::1]:53"; NULL
 * for the system's resolv.conf), each try waiting timeout_ms and each
 * server tried tries times; the whole lookup gives up after
 * timeout_ms * tries. A record split into several character-strings is
 * joined into one string.
 *
 * On success *out is an array of *n NUL-terminated strings, the caller's
 * (dnstxt_free()). ERR_NOTFOUND when the name does not exist (NXDOMAIN)
 * or has no TXT record (NODATA), the message saying which; ERR_IO when no
 * server answered in time or the servers failed (SERVFAIL, REFUSED,
 * unreachable); ERR_INTERNAL if c-ares could not be set up.
 */
int	dnstxt_lookup(char ***out, size_t *n, const char *name,
	    const char *servers, int timeout_ms, int tries);

void	dnstxt_free(char **v, size_t n);		/* NULL is a no-op */

#endif
