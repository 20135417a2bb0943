/*
 * fetch.c: HTTP GET (RFC 9110) with libcurl for small public objects.
 *
 * The objects come from URLs inside certificates, so the URL is not ours
 * to trust: plain http:// only, redirects kept to http://, no content
 * decoding (a small compressed body cannot blow up past the ceiling), a
 * ceiling on the body and a deadline for the whole transfer.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "err.h"
#include "fetch.h"

struct body {
	unsigned char	*buf;		/* NUL-terminated once done */
	size_t		 len;		/* bytes received */
	size_t		 cap;		/* bytes allocated */
	size_t		 max;		/* ceiling on len */
	int		 too_big;	/* stopped at the ceiling */
	int		 nomem;		/* stopped for lack of memory */
};

static pthread_once_t	 global_once = PTHREAD_ONCE_INIT;
static CURLcode		 global_rc = CURLE_FAILED_INIT;

static void
global_init(void)
{
	global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* libcurl's write callback: anything but n as the result aborts. */
static size_t
body_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct body *b = arg;
	size_t n = size * nmemb, cap;
	unsigned char *p;

	if (n > b->max - b->len) {
		b->too_big = 1;
		return 0;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap * 2 > b->len + n + 1 ? b->cap * 2 : b->len + n + 1;
		/* Never more than the ceiling allows (max + 1 can wrap). */
		if (b->max < SIZE_MAX && cap > b->max + 1)
			cap = b->max + 1;
		if ((p = realloc(b->buf, cap)) == NULL) {
			b->nomem = 1;
			return 0;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, data, n);
	b->len += n;
	return n;
}

/* Set every option; 0 or the first failing CURLcode. */
static CURLcode
setup(CURL *h, const char *url, struct body *b, long timeout_s,
    char *errbuf)
{
	CURLcode c;

	if ((c = curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf)) !=
	    CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_URL, url)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http")) !=
	    CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http")) !=
	    CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_MAXREDIRS,
	    (long)FETCH_MAX_REDIRECTS)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout_s)) != CURLE_OK ||
	    /* Signals for timeouts are not thread-safe. */
	    (c = curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    /* Refuses early when the server announces the length. */
	    (b->max <= INT64_MAX && (c = curl_easy_setopt(h,
	    CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)b->max)) != CURLE_OK) ||
	    (c = curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write)) !=
	    CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_WRITEDATA, b)) != CURLE_OK ||
	    (c = curl_easy_setopt(h, CURLOPT_USERAGENT,
	    "mailcert/" MAILCERT_VERSION)) != CURLE_OK)
		return c;
	return CURLE_OK;
}

int
fetch_http(unsigned char **out, size_t *outlen, const char *url, size_t max,
    long timeout_s)
{
	struct body b;
	char errbuf[CURL_ERROR_SIZE];
	CURL *h = NULL;
	CURLcode c;
	long status = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	memset(&b, 0, sizeof(b));
	b.max = max;
	errbuf[0] = '\0';
	if (strncasecmp(url, "http://", 7) != 0)
		return err_set(ERR_INVALID, "\"%s\": only http:// URLs are "
		    "fetched", url);
	if (pthread_once(&global_once, global_init) != 0 ||
	    global_rc != CURLE_OK)
		return err_set(ERR_INTERNAL, "libcurl does not initialise");
	if ((h = curl_easy_init()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((c = setup(h, url, &b, timeout_s, errbuf)) != CURLE_OK) {
		rc = err_set(ERR_INTERNAL, "libcurl refuses an option: %s",
		    curl_easy_strerror(c));
		goto out;
	}
	c = curl_easy_perform(h);
	if (b.nomem) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (b.too_big || c == CURLE_FILESIZE_EXCEEDED) {
		rc = err_set(ERR_INVALID, "\"%s\": the response is larger than "
		    "%zu bytes", url, max);
		goto out;
	}
	if (c == CURLE_OPERATION_TIMEDOUT) {
		rc = err_set(ERR_IO, "\"%s\": no complete response within %ld "
		    "seconds", url, timeout_s);
		goto out;
	}
	if (c == CURLE_UNSUPPORTED_PROTOCOL) {
		/* The URL itself is http://, so a redirect left it. */
		rc = err_set(ERR_IO, "\"%s\": redirected to a URL that is not "
		    "http://", url);
		goto out;
	}
	if (c != CURLE_OK) {
		rc = err_set(ERR_IO, "\"%s\": %s", url, errbuf[0] != '\0' ?
		    errbuf : curl_easy_strerror(c));
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status) !=
	    CURLE_OK || status < 200 || status > 299) {
		rc = err_set(ERR_IO, "\"%s\": HTTP status %ld", url, status);
		goto out;
	}
	/* An empty body never reached body_write(). */
	if (b.buf == NULL && (b.buf = malloc(1)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	b.buf[b.len] = '\0';
	*out = b.buf;
	*outlen = b.len;
	b.buf = NULL; /* transferred */
	rc = 0;
out:
	free(b.buf);
	curl_easy_cleanup(h);
	return rc;
}
