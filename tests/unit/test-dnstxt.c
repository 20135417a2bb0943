/*
 * test-dnstxt.c: TXT lookups against a tiny DNS responder on loopback in a
 * thread of this test, which answers each query as the test's mode says:
 * records (one split into several character-strings), NXDOMAIN, NODATA,
 * SERVFAIL, or silence. Real-server behaviour is covered by the dnsmasq
 * integration test (tests/integration/domain.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "dnstxt.h"
#include "err.h"

#define want(expr, rc) do {						\
	int rc_ = (expr);						\
	if (rc_ != (rc))						\
		fail_msg("%s = %d (%s), want %d", #expr, rc_,		\
		    err_msg(), (rc));					\
} while (0)
#define ok(expr)	want(expr, 0)

enum mode {
	MODE_TXT,		/* two records, the first in two chunks */
	MODE_NUL,		/* a record holding a NUL byte, and a good one */
	MODE_NXDOMAIN,
	MODE_NODATA,
	MODE_SERVFAIL,
	MODE_SILENT,
};

struct responder {
	int		 fd;		/* UDP socket on 127.0.0.1 */
	int		 port;
	volatile int	 stop;
	enum mode	 mode;
	int		 queries;	/* received */
	pthread_t	 thread;
};

/* A TXT RR of n character-strings; lens NULL means strlen() each. */
static size_t
put_rr_txt(unsigned char *p, const char *const *chunks, const size_t *lens,
    size_t n)
{
	size_t o = 0, rdlen = 0, i, len;

	for (i = 0; i < n; i++)
		rdlen += 1 + (lens ? lens[i] : strlen(chunks[i]));
	/* Name: pointer to the question's name at offset 12. */
	p[o++] = 0xc0;
	p[o++] = 12;
	p[o++] = 0;
	p[o++] = 16;	/* TXT */
	p[o++] = 0;
	p[o++] = 1;	/* IN */
	memcpy(p + o, "\0\0\0\x3c", 4);	/* TTL 60 */
	o += 4;
	p[o++] = (unsigned char)(rdlen >> 8);
	p[o++] = (unsigned char)rdlen;
	for (i = 0; i < n; i++) {
		len = lens ? lens[i] : strlen(chunks[i]);
		p[o++] = (unsigned char)len;
		memcpy(p + o, chunks[i], len);
		o += len;
	}
	return o;
}

static size_t
answer(struct responder *r, unsigned char *out, const unsigned char *q,
    size_t qlen)
{
	static const char *const rec1[] = { "mailcert-verify=", "0123abcd" };
	static const char *const rec2[] = { "v=spf1 -all" };
	static const char *const nul[] = { "mailcert-verify=ok\0x" };
	static const size_t nul_len[] = { 20 };
	size_t o = 12;
	unsigned char rcode = 0, an = 0;

	/* Skip the question name, then type and class. */
	while (o < qlen && q[o] != 0)
		o += q[o] + 1;
	o += 5;
	if (o > qlen)
		return 0;
	memcpy(out, q, o);
	switch (r->mode) {
	case MODE_TXT:
		o += put_rr_txt(out + o, rec1, NULL, 2);
		o += put_rr_txt(out + o, rec2, NULL, 1);
		an = 2;
		break;
	case MODE_NUL:
		o += put_rr_txt(out + o, nul, nul_len, 1);
		o += put_rr_txt(out + o, rec2, NULL, 1);
		an = 2;
		break;
	case MODE_NXDOMAIN:
		rcode = 3;
		break;
	case MODE_SERVFAIL:
		rcode = 2;
		break;
	default:
		break;
	}
	out[2] = 0x84 | (q[2] & 0x01);	/* QR, AA, RD copied */
	out[3] = 0x80 | rcode;		/* RA */
	out[6] = 0;
	out[7] = an;
	memset(out + 8, 0, 4);		/* no authority, no additional */
	return o;
}

static void *
serve(void *arg)
{
	struct responder *r = arg;
	unsigned char q[512], a[1024];
	struct sockaddr_storage from;
	socklen_t flen;
	struct pollfd pfd;
	ssize_t len;
	size_t alen;

	pfd.fd = r->fd;
	pfd.events = POLLIN;
	while (!r->stop) {
		if (poll(&pfd, 1, 50) <= 0)
			continue;
		flen = sizeof(from);
		if ((len = recvfrom(r->fd, q, sizeof(q), 0,
		    (struct sockaddr *)&from, &flen)) < 12)
			continue;
		r->queries++;
		if (r->mode == MODE_SILENT)
			continue;
		if ((alen = answer(r, a, q, (size_t)len)) > 0)
			sendto(r->fd, a, alen, 0, (struct sockaddr *)&from,
			    flen);
	}
	return NULL;
}

static int
setup(void **state)
{
	struct responder *r;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(r->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(r->fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	r->port = ntohs(sin.sin_port);
	if (pthread_create(&r->thread, NULL, serve, r) != 0)
		return -1;
	*state = r;
	return 0;
}

static int
teardown(void **state)
{
	struct responder *r = *state;

	r->stop = 1;
	pthread_join(r->thread, NULL);
	close(r->fd);
	free(r);
	return 0;
}

static const char *
server(const struct responder *r)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "127.0.0.1:%d", r->port);
	return buf;
}

static void
test_dnstxt__records_joined(void **state)
{
	struct responder *r = *state;
	char **v = NULL;
	size_t n = 0;

	r->mode = MODE_TXT;
	ok(dnstxt_lookup(&v, &n, "_mailcert.example.org", server(r), 1000,
	    1));
	assert_int_equal(n, 2);
	assert_string_equal(v[0], "mailcert-verify=0123abcd");
	assert_string_equal(v[1], "v=spf1 -all");
	dnstxt_free(v, n);
	dnstxt_free(NULL, 0);
}

static void
test_dnstxt__nul_dropped(void **state)
{
	struct responder *r = *state;
	char **v = NULL;
	size_t n = 0;

	r->mode = MODE_NUL;
	ok(dnstxt_lookup(&v, &n, "_mailcert.example.org", server(r), 1000,
	    1));
	assert_int_equal(n, 1);
	assert_string_equal(v[0], "v=spf1 -all");
	dnstxt_free(v, n);
}

static void
test_dnstxt__nxdomain_nodata(void **state)
{
	struct responder *r = *state;
	char **v = (char **)&v;
	size_t n = 7;

	r->mode = MODE_NXDOMAIN;
	want(dnstxt_lookup(&v, &n, "_mailcert.example.org", server(r), 1000,
	    1), ERR_NOTFOUND);
	assert_null(v);
	assert_int_equal(n, 0);
	assert_non_null(strstr(err_msg(), "_mailcert.example.org does not "
	    "exist (NXDOMAIN"));
	r->mode = MODE_NODATA;
	want(dnstxt_lookup(&v, &n, "_mailcert.example.org", server(r), 1000,
	    1), ERR_NOTFOUND);
	assert_non_null(strstr(err_msg(), "exists but has no TXT record "
	    "(NODATA"));
}

static void
test_dnstxt__servfail(void **state)
{
	struct responder *r = *state;
	char **v = NULL;
	size_t n = 0;

	r->mode = MODE_SERVFAIL;
	want(dnstxt_lookup(&v, &n, "_mailcert.example.org", server(r), 1000,
	    1), ERR_IO);
	assert_non_null(strstr(err_msg(), "refused or failed"));
}

static void
test_dnstxt__silent_deadline(void **state)
{
	struct responder *r = *state;
	struct timespec t0, t1;
	char **v = NULL;
	size_t n = 0;
	long ms;

	r->mode = MODE_SILENT;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	want(dnstxt_lookup(&v, &n, "_mailcert.example.org", server(r), 200,
	    2), ERR_IO);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 +
	    (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_non_null(strstr(err_msg(), "no answer from DNS servers"));
	assert_non_null(strstr(err_msg(), "within 400 ms"));
	/* The deadline is timeout x tries, however c-ares backs off. */
	assert_true(ms >= 150 && ms < 1500);
	assert_true(r->queries >= 1);
}

static void
test_dnstxt__bad_servers(void **state)
{
	char **v = NULL;
	size_t n = 0;

	(void)state;
	want(dnstxt_lookup(&v, &n, "_mailcert.example.org", "not-an-ip:53",
	    200, 1), ERR_INVALID);
	assert_non_null(strstr(err_msg(), "not-an-ip:53"));
}

/* A port nobody listens on: refused at once, not a timeout. */
static void
test_dnstxt__closed_port(void **state)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char **v = NULL, srv[32];
	size_t n = 0;
	int fd;

	(void)state;
	/* A port that was free a moment ago stays free for this test. */
	assert_int_not_equal(fd = socket(AF_INET, SOCK_DGRAM, 0), -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	snprintf(srv, sizeof(srv), "127.0.0.1:%d", ntohs(sin.sin_port));
	want(dnstxt_lookup(&v, &n, "_mailcert.example.org", srv, 3000, 2),
	    ERR_IO);
	assert_non_null(strstr(err_msg(), srv));
}

int
main(void)
{
#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dnstxt__records_joined),
		T(test_dnstxt__nul_dropped),
		T(test_dnstxt__nxdomain_nodata),
		T(test_dnstxt__servfail),
		T(test_dnstxt__silent_deadline),
		cmocka_unit_test(test_dnstxt__closed_port),
		cmocka_unit_test(test_dnstxt__bad_servers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
