/*
 * util/timefmt.c: UTC timestamps as RFC 3339 text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>

#include "err.h"
#include "util/timefmt.h"

char *
timefmt_utc(char buf[TIMEFMT_LEN], int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, TIMEFMT_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, TIMEFMT_LEN, "invalid-time");
	return buf;
}

int
timefmt_parse(int64_t *out, const char *s)
{
	struct tm tm;
	char back[TIMEFMT_LEN];
	const char *end;
	int64_t t;

	memset(&tm, 0, sizeof(tm));
	*out = 0;
	if ((end = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		goto bad;
	if (*end == 'T') {
		if ((end = strptime(end + 1, "%H:%M:%S", &tm)) == NULL ||
		    strcmp(end, "Z") != 0)
			goto bad;
	} else if (*end != '\0')
		goto bad;
	t = (int64_t)timegm(&tm);
	/*
	 * strptime() and timegm() quietly roll "02-30" into March and take
	 * "2026-3-1": only text that formats back to itself is a date.
	 */
	timefmt_utc(back, t);
	if (strcmp(back, s) != 0 && (strlen(s) != 10 ||
	    strncmp(back, s, 10) != 0 || strcmp(back + 10, "T00:00:00Z") != 0))
		goto bad;
	*out = t;
	return 0;
bad:
	return err_set(ERR_INVALID, "\"%s\" is not a date (YYYY-MM-DD or "
	    "YYYY-MM-DDTHH:MM:SSZ)", s);
}

int64_t
timefmt_now(void)
{
	const char *fake = getenv("MAILCERT_NOW");
	int64_t t;

	if (fake != NULL && *fake != '\0' && timefmt_parse(&t, fake) == 0)
		return t;
	return (int64_t)time(NULL);
}

int64_t
timefmt_asn1(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}
