/*
 * fetch.h: downloading small public objects (CRLs today; AIA issuer
 * certificates and the like later) over plain HTTP with libcurl, with a
 * ceiling on the body size and on the time it may take.
 */
#ifndef MAILCERT_FETCH_H
#define MAILCERT_FETCH_H

#include <stddef.h>

#define FETCH_MAX_REDIRECTS	5	/* http:// to http:// only */

/*
 * GET url into a new buffer: *out (NUL-terminated, *outlen excludes the
 * NUL) is the caller's (free()). Only http:// URLs are fetched (the S/MIME
 * profile puts CRLs and CA certificates there, BR 7.1.2.3); redirects are
 * followed only to other http:// URLs. A body larger than max bytes is
 * abandoned as soon as that is known. The whole transfer may take
 * timeout_s seconds. ERR_INVALID for a URL that is not http:// or a body
 * over max; ERR_IO naming the URL for a failed transfer or a status other
 * than 2xx. Safe to call from several threads.
 */
int	fetch_http(unsigned char **out, size_t *outlen, const char *url,
	    size_t max, long timeout_s);

#endif
