/*
 * test-http.c: the HTTP layer (http.h) against a real client: a server on
 * an ephemeral loopback port with a test handler, driven by libcurl.
 * Checks answers, the body limit (declared and chunked), decoding of the
 * path and the query, headers both ways, keep-alive, the 500 for a
 * failing handler, and address parsing and binding errors.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdatomic.h>

#include <curl/curl.h>

#include "helpers.h"
#include "http.h"

#define MAX_BODY	1024

struct buf {
	char		*p;
	size_t		 n;
};

struct fixture {
	struct http_server *s;
	char		 base[64];	/* "http://127.0.0.1:PORT" */
	CURL		*curl;
	struct buf	 body;
	struct buf	 hdrs;
};

static atomic_int handled;

/*
 * /echo answers "METHOD PATH|k=v;...|x-test|BODYLEN" with a header of
 * its own; /static a static body; /fail makes the handler fail.
 */
static int
handler(void *arg, const struct http_req *req, struct http_resp *resp)
{
	char out[1024];
	const char *xt;
	size_t i, n;

	(void)arg;
	atomic_fetch_add(&handled, 1);
	if (strcmp(req->path, "/fail") == 0)
		return err_set(ERR_STORE, "the test handler fails");
	if (strcmp(req->path, "/static") == 0) {
		http_resp_static(resp, 200, "text/plain", "static\n", 7);
		return 0;
	}
	n = (size_t)snprintf(out, sizeof(out), "%s %s|", req->method,
	    req->path);
	for (i = 0; i < req->nquery && n < sizeof(out); i++)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s=%s;",
		    req->query[i].key, req->query[i].value);
	xt = http_header(req, "x-TEST");
	if (n < sizeof(out))
		snprintf(out + n, sizeof(out) - n, "|%s|%zu",
		    xt != NULL ? xt : "-", req->body_len);
	if (http_resp_header(resp, "X-Handler", "yes") != 0)
		return ERR_NOMEM;
	return http_resp_copy(resp, 201, "text/plain", out, strlen(out));
}

static size_t
collect(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;
	char *q;

	if ((q = realloc(b->p, b->n + size * n + 1)) == NULL)
		return 0;
	memcpy(q + b->n, p, size * n);
	b->n += size * n;
	q[b->n] = '\0';
	b->p = q;
	return size * n;
}

static int
setup(void **state)
{
	struct fixture *fx;
	struct http_opts o;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	memset(&o, 0, sizeof(o));
	o.listen = "127.0.0.1:0";
	o.threads = 2;
	o.max_body = MAX_BODY;
	o.handler = handler;
	if (http_start(&fx->s, &o) != 0) {
		fprintf(stderr, "http_start: %s\n", err_msg());
		return -1;
	}
	snprintf(fx->base, sizeof(fx->base), "http://127.0.0.1:%u",
	    http_port(fx->s));
	if ((fx->curl = curl_easy_init()) == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	curl_easy_cleanup(fx->curl);
	http_stop(fx->s);
	free(fx->body.p);
	free(fx->hdrs.p);
	free(fx);
	return 0;
}

/* One request on the fixture's handle; returns the status. body may be
 * NULL; chunked sends it without Content-Length. */
static long
request(struct fixture *fx, const char *method, const char *path,
    const char *body, size_t body_len, int chunked, const char *hdr)
{
	struct curl_slist *h = NULL;
	char url[256];
	long status = 0;

	free(fx->body.p);
	free(fx->hdrs.p);
	memset(&fx->body, 0, sizeof(fx->body));
	memset(&fx->hdrs, 0, sizeof(fx->hdrs));
	snprintf(url, sizeof(url), "%s%s", fx->base, path);
	curl_easy_reset(fx->curl);
	curl_easy_setopt(fx->curl, CURLOPT_URL, url);
	curl_easy_setopt(fx->curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(fx->curl, CURLOPT_WRITEDATA, &fx->body);
	curl_easy_setopt(fx->curl, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(fx->curl, CURLOPT_HEADERDATA, &fx->hdrs);
	curl_easy_setopt(fx->curl, CURLOPT_TIMEOUT, 10L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(fx->curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(fx->curl, CURLOPT_CUSTOMREQUEST, method);
	if (body != NULL) {
		curl_easy_setopt(fx->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(fx->curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)body_len);
		if (chunked)
			h = curl_slist_append(h, "Transfer-Encoding: chunked");
	}
	if (hdr != NULL)
		h = curl_slist_append(h, hdr);
	curl_easy_setopt(fx->curl, CURLOPT_HTTPHEADER, h);
	assert_int_equal(curl_easy_perform(fx->curl), CURLE_OK);
	curl_easy_getinfo(fx->curl, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	return status;
}

static int
has_header(const struct fixture *fx, const char *line)
{
	return fx->hdrs.p != NULL && strcasestr(fx->hdrs.p, line) != NULL;
}

static void
test_http__answer_and_headers(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(request(fx, "GET", "/echo", NULL, 0, 0,
	    "X-Test: hello"), 201);
	assert_string_equal(fx->body.p, "GET /echo||hello|0");
	assert_true(has_header(fx, "X-Handler: yes\r\n"));
	assert_true(has_header(fx, "Content-Type: text/plain\r\n"));
	assert_true(has_header(fx, "X-Content-Type-Options: nosniff\r\n"));

	assert_int_equal(request(fx, "GET", "/static", NULL, 0, 0, NULL),
	    200);
	assert_string_equal(fx->body.p, "static\n");
	/* HEAD: the headers of GET, no body. */
	assert_int_equal(request(fx, "HEAD", "/static", NULL, 0, 0, NULL),
	    200);
	assert_null(fx->body.p);
	assert_true(has_header(fx, "Content-Length: 7\r\n"));
}

static void
test_http__decoding(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(request(fx, "GET", "/a%2Fb/%2e%2e?x=1&e=a%2Bb%40"
	    "c.d&sp=a%20b&flag", NULL, 0, 0, NULL), 201);
	assert_string_equal(fx->body.p,
	    "GET /a/b/..|x=1;e=a+b@c.d;sp=a b;flag=;|-|0");
}

static void
test_http__body(void **state)
{
	struct fixture *fx = *state;
	char big[MAX_BODY * 4];
	int before;

	memset(big, 'x', sizeof(big));
	assert_int_equal(request(fx, "POST", "/echo", big, MAX_BODY, 0, NULL),
	    201);
	assert_string_equal(fx->body.p, "POST /echo||-|1024");
	assert_int_equal(request(fx, "PUT", "/echo", big, 10, 1, NULL), 201);
	assert_string_equal(fx->body.p, "PUT /echo||-|10");

	before = atomic_load(&handled);
	/* Declared too big: refused before the body is read. */
	assert_int_equal(request(fx, "POST", "/echo", big, MAX_BODY + 1, 0,
	    NULL), 413);
	assert_non_null(strstr(fx->body.p, "larger than 1024"));
	/* Chunked, so nothing declared: counted as it arrives. */
	assert_int_equal(request(fx, "POST", "/echo", big, sizeof(big), 1,
	    NULL), 413);
	assert_int_equal(request(fx, "PATCH", "/echo", big, sizeof(big), 0,
	    NULL), 413);
	assert_int_equal(atomic_load(&handled), before);
	/* The server is fine afterwards. */
	assert_int_equal(request(fx, "GET", "/static", NULL, 0, 0, NULL),
	    200);
}

static void
test_http__keepalive(void **state)
{
	struct fixture *fx = *state;
	long conns = -1, port1 = 0, port2 = 0;

	assert_int_equal(request(fx, "GET", "/echo", NULL, 0, 0, NULL), 201);
	curl_easy_getinfo(fx->curl, CURLINFO_LOCAL_PORT, &port1);
	curl_easy_getinfo(fx->curl, CURLINFO_NUM_CONNECTS, &conns);
	assert_int_equal(conns, 1);
	assert_int_equal(request(fx, "POST", "/echo", "abc", 3, 0, NULL), 201);
	curl_easy_getinfo(fx->curl, CURLINFO_LOCAL_PORT, &port2);
	curl_easy_getinfo(fx->curl, CURLINFO_NUM_CONNECTS, &conns);
	/* No new connection for the second request: the first was kept. */
	assert_int_equal(conns, 0);
	assert_int_equal(port1, port2);
	assert_false(has_header(fx, "Connection: close"));
}

static void
test_http__handler_fails(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(request(fx, "GET", "/fail", NULL, 0, 0, NULL), 500);
	assert_string_equal(fx->body.p, "internal error\n");
	assert_null(strstr(fx->body.p, "test handler"));
}

static void
test_http__parse_listen(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)state;
	ok(http_parse_listen(&ss, &len, "127.0.0.1:8080"));
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 8080);
	ok(http_parse_listen(&ss, &len, "[::1]:443"));
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	ok(http_parse_listen(&ss, &len, "0.0.0.0:0"));
	want_msg(http_parse_listen(&ss, &len, "localhost:80"), ERR_INVALID,
	    "\"localhost:80\"");
	want_msg(http_parse_listen(&ss, &len, "127.0.0.1"), ERR_INVALID,
	    "HOST:PORT");
	want_msg(http_parse_listen(&ss, &len, "127.0.0.1:65536"),
	    ERR_INVALID, "port");
	want_msg(http_parse_listen(&ss, &len, "127.0.0.1:-1"), ERR_INVALID,
	    "port");
	want_msg(http_parse_listen(&ss, &len, "127.0.0.1:"), ERR_INVALID,
	    "port");
	want(http_parse_listen(&ss, &len, "::1:80"), ERR_INVALID);
	want(http_parse_listen(&ss, &len, "[127.0.0.1]:80"), ERR_INVALID);
	want(http_parse_listen(&ss, &len, "[::1]80"), ERR_INVALID);
}

static void
test_http__address_in_use(void **state)
{
	struct fixture *fx = *state;
	struct http_server *s2 = NULL;
	struct http_opts o;
	char addr[32];

	snprintf(addr, sizeof(addr), "127.0.0.1:%u", http_port(fx->s));
	memset(&o, 0, sizeof(o));
	o.listen = addr;
	o.handler = handler;
	o.max_body = MAX_BODY;
	want_msg(http_start(&s2, &o), ERR_IO, "Address already in use");
	assert_null(s2);
	o.listen = "192.0.2.1:80";	/* TEST-NET: not ours */
	want_msg(http_start(&s2, &o), ERR_IO, "192.0.2.1:80");
	/* The first one still answers. */
	assert_int_equal(request(fx, "GET", "/static", NULL, 0, 0, NULL),
	    200);
}

static void
test_http__resp_helpers(void **state)
{
	struct http_resp r;
	int i;

	(void)state;
	memset(&r, 0, sizeof(r));
	ok(http_resp_text(&r, 404, "no %s", "thing"));
	assert_int_equal(r.status, 404);
	assert_int_equal(r.body_len, 9);
	assert_memory_equal(r.body, "no thing\n", 9);
	assert_true(r.body_owned);
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		ok(http_resp_header(&r, "X-N", "v"));
	want(http_resp_header(&r, "X-N", "v"), ERR_INTERNAL);
	http_resp_static(&r, 200, "text/plain", "s", 1);
	assert_false(r.body_owned);
	http_resp_clear(&r);
	assert_int_equal(r.nheaders, 0);
	assert_null(r.body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_http__answer_and_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http__decoding, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http__body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http__keepalive, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_http__handler_fails,
		    setup, teardown),
		cmocka_unit_test(test_http__parse_listen),
		cmocka_unit_test_setup_teardown(test_http__address_in_use,
		    setup, teardown),
		cmocka_unit_test(test_http__resp_helpers),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
