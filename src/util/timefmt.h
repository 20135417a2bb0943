/*
 * util/timefmt.h: UTC timestamps as RFC 3339 text ("2026-11-23T10:00:00Z").
 */
#ifndef MAILCERT_UTIL_TIMEFMT_H
#define MAILCERT_UTIL_TIMEFMT_H

#include <stdint.h>

#include <openssl/types.h>

#define TIMEFMT_LEN	21	/* "YYYY-MM-DDTHH:MM:SSZ" plus NUL */

/* Write t (seconds since the epoch, UTC) into buf. Returns buf. */
char	*timefmt_utc(char buf[TIMEFMT_LEN], int64_t t);

/*
 * Parse "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ" into *out.
 * ERR_INVALID naming the text if it is neither.
 */
int	 timefmt_parse(int64_t *out, const char *s);

/* An ASN.1 time as seconds since the epoch (0 if it does not decode). */
int64_t	 timefmt_asn1(const ASN1_TIME *t);

/* Seconds since the epoch; honours MAILCERT_NOW (RFC 3339) for tests. */
int64_t	 timefmt_now(void);

#endif
