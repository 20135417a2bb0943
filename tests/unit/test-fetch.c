/*
 * test-fetch.c: fetch_http() against a small HTTP/1.1 server on loopback,
 * run by this test in a thread: a body, an empty body, 404, a body over
 * the ceiling with and without Content-Length, redirects to http:// (kept)
 * and https:// (refused), a server that never answers (timeout), a port
 * nobody listens on, and URLs that are not http://.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "err.h"
#include "fetch.h"

#define BIG	100000		/* bytes of /big and /bignolen */
#define MAX	10000		/* the ceiling the tests fetch with */

struct server {
	int		 fd;		/* listening socket */
	int		 port;
	volatile int	 stop;		/* set by the test to end the thread */
	pthread_t	 thread;
};

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = send(fd, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

/* Answer one request on fd according to its path. */
static void
serve(struct server *s, int fd)
{
	char req[2048], head[256], *body = NULL;
	size_t len = 0;
	ssize_t r;
	int i;

	while (len < sizeof(req) - 1 &&
	    (r = recv(fd, req + len, sizeof(req) - 1 - len, 0)) > 0) {
		len += (size_t)r;
		req[len] = '\0';
		if (strstr(req, "\r\n\r\n") != NULL)
			break;
	}
	req[len] = '\0';
	if (strncmp(req, "GET /ok ", 8) == 0) {
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 5\r\nConnection: close\r\n\r\nhello");
		send_all(fd, head, strlen(head));
	} else if (strncmp(req, "GET /empty ", 11) == 0) {
		snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		send_all(fd, head, strlen(head));
	} else if (strncmp(req, "GET /big ", 9) == 0 ||
	    strncmp(req, "GET /bignolen ", 14) == 0) {
		if (req[8] == ' ')
			snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
			    "Content-Length: %d\r\nConnection: close\r\n\r\n",
			    BIG);
		else
			snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\n"
			    "Connection: close\r\n\r\n");
		send_all(fd, head, strlen(head));
		if ((body = malloc(BIG)) != NULL) {
			memset(body, 'x', BIG);
			send_all(fd, body, BIG);
			free(body);
		}
	} else if (strncmp(req, "GET /redir ", 11) == 0) {
		snprintf(head, sizeof(head), "HTTP/1.1 302 Found\r\n"
		    "Location: http://127.0.0.1:%d/ok\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", s->port);
		send_all(fd, head, strlen(head));
	} else if (strncmp(req, "GET /redirhttps ", 16) == 0) {
		snprintf(head, sizeof(head), "HTTP/1.1 302 Found\r\n"
		    "Location: https://127.0.0.1:%d/ok\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n", s->port);
		send_all(fd, head, strlen(head));
	} else if (strncmp(req, "GET /silent ", 12) == 0) {
		/* Say nothing for longer than the client waits. */
		for (i = 0; i < 30 && !s->stop; i++)
			usleep(100000);
	} else {
		snprintf(head, sizeof(head), "HTTP/1.1 404 Not Found\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n");
		send_all(fd, head, strlen(head));
	}
	close(fd);
}

static void *
server_main(void *arg)
{
	struct server *s = arg;
	struct pollfd p;
	int fd;

	while (!s->stop) {
		p.fd = s->fd;
		p.events = POLLIN;
		if (poll(&p, 1, 100) <= 0)
			continue;
		if ((fd = accept(s->fd, NULL, NULL)) >= 0)
			serve(s, fd);
	}
	return NULL;
}

/* A socket bound to a free loopback port (listening if listen_too). */
static int
loopback_socket(int *port, int listen_too)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	int fd;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (listen_too)
		assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

static int
setup(void **state)
{
	struct server *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->fd = loopback_socket(&s->port, 1);
	if (pthread_create(&s->thread, NULL, server_main, s) != 0)
		return -1;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct server *s = *state;

	s->stop = 1;
	pthread_join(s->thread, NULL);
	close(s->fd);
	free(s);
	return 0;
}

static char *
url(const struct server *s, const char *path)
{
	static char buf[128];

	snprintf(buf, sizeof(buf), "http://127.0.0.1:%d%s", s->port, path);
	return buf;
}

/* fetch path; must fail with rc and a message containing sub. */
static void
fetch_bad(const struct server *s, const char *path, long timeout, int rc,
    const char *sub)
{
	unsigned char *body = (unsigned char *)"x";
	size_t len = 1;

	err_clear();
	assert_int_equal(fetch_http(&body, &len, url(s, path), MAX, timeout),
	    rc);
	assert_null(body);
	assert_int_equal(len, 0);
	if (strstr(err_msg(), sub) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), sub);
	if (strstr(err_msg(), "127.0.0.1") == NULL)
		fail_msg("message \"%s\" does not name the URL", err_msg());
}

static void
test_fetch__body(void **state)
{
	struct server *s = *state;
	unsigned char *body;
	size_t len;

	assert_int_equal(fetch_http(&body, &len, url(s, "/ok"), MAX, 5), 0);
	assert_int_equal(len, 5);
	assert_string_equal((char *)body, "hello");
	free(body);

	assert_int_equal(fetch_http(&body, &len, url(s, "/empty"), MAX, 5), 0);
	assert_int_equal(len, 0);
	assert_string_equal((char *)body, "");
	free(body);

	/* Exactly at the ceiling is fine. */
	assert_int_equal(fetch_http(&body, &len, url(s, "/ok"), 5, 5), 0);
	free(body);
}

static void
test_fetch__status(void **state)
{
	fetch_bad(*state, "/nosuch", 5, ERR_IO, "HTTP status 404");
}

static void
test_fetch__ceiling(void **state)
{
	fetch_bad(*state, "/big", 5, ERR_INVALID, "larger than 10000 bytes");
	fetch_bad(*state, "/bignolen", 5, ERR_INVALID,
	    "larger than 10000 bytes");
}

static void
test_fetch__redirects(void **state)
{
	struct server *s = *state;
	unsigned char *body;
	size_t len;

	assert_int_equal(fetch_http(&body, &len, url(s, "/redir"), MAX, 5), 0);
	assert_string_equal((char *)body, "hello");
	free(body);
	fetch_bad(s, "/redirhttps", 5, ERR_IO, "not http://");
}

static void
test_fetch__timeout(void **state)
{
	fetch_bad(*state, "/silent", 1, ERR_IO, "within 1 seconds");
}

static void
test_fetch__refused(void **state)
{
	unsigned char *body;
	size_t len;
	char u[64];
	int fd, port;

	(void)state;
	/* Bound but not listening: connections are refused at once. */
	fd = loopback_socket(&port, 0);
	snprintf(u, sizeof(u), "http://127.0.0.1:%d/crl", port);
	err_clear();
	assert_int_equal(fetch_http(&body, &len, u, MAX, 5), ERR_IO);
	assert_non_null(strstr(err_msg(), u));
	close(fd);
}

static void
test_fetch__only_http(void **state)
{
	static const char *const bad[] = {
		"https://pki.example.test/crl", "ftp://pki.example.test/crl",
		"file:///etc/passwd", "ldap://ldap.example.test/cn=crl",
		"pki.example.test/crl",
	};
	unsigned char *body;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err_clear();
		assert_int_equal(fetch_http(&body, &len, bad[i], MAX, 5),
		    ERR_INVALID);
		assert_null(body);
		assert_non_null(strstr(err_msg(), bad[i]));
		assert_non_null(strstr(err_msg(), "only http://"));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fetch__body),
		cmocka_unit_test(test_fetch__status),
		cmocka_unit_test(test_fetch__ceiling),
		cmocka_unit_test(test_fetch__redirects),
		cmocka_unit_test(test_fetch__timeout),
		cmocka_unit_test(test_fetch__refused),
		cmocka_unit_test(test_fetch__only_http),
	};

	/* Loopback must not go through a proxy from the environment. */
	setenv("no_proxy", "127.0.0.1", 1);
	return cmocka_run_group_tests(tests, setup, teardown);
}
