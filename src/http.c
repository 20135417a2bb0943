/*
 * http.c: the daemon's HTTP server over libmicrohttpd 0.9.75 (http.h).
 *
 * One internal epoll thread per pool worker (MHD_OPTION_THREAD_POOL_SIZE)
 * sharing a listening socket we bind ourselves, so "address in use" comes
 * back with its errno instead of MHD's bare NULL. Requests are answered in
 * the second call of the access handler, never the first: MHD 0.9.75
 * closes the connection after a response queued on the first call, which
 * would cost a TCP handshake per request (../shared/recipes/09). The only
 * first-call answer is 413 for a declared Content-Length over the limit,
 * where closing is what we want.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "err.h"
#include "http.h"
#include "log.h"
#include "util/array.h"

#define CONN_TIMEOUT_S	30	/* idle keep-alive connections close */
#define CONN_LIMIT	1024	/* concurrent connections per server */
#define LISTEN_BACKLOG	512

struct http_server {
	struct MHD_Daemon *mhd;
	int		 fd;		/* listening socket */
	unsigned	 port;		/* bound port */
	http_handler	 handler;
	void		*arg;
	size_t		 max_body;
};

/* One request, from its first handler call to MHD's completion call. */
struct conn {
	unsigned char	*body;		/* accumulated up to max_body */
	size_t		 len;
	size_t		 cap;
	int		 too_big;	/* more than max_body arrived */
	int		 answered;	/* a response is queued already */
};

/* The headers or query arguments of a request, while collecting them. */
struct kvlist {
	struct http_kv	*v;
	size_t		 n;
	size_t		 cap;
	int		 failed;	/* out of memory */
};

int
http_parse_listen(struct sockaddr_storage *out, socklen_t *len,
    const char *s)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)out;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port;
	char *end;
	unsigned long p;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return err_set(ERR_INVALID, "listen address \"%s\": "
			    "expected [IPv6]:PORT", s);
		hl = (size_t)(colon - s - 1);
		port = colon + 2;
		if (hl >= sizeof(host))
			goto badhost;
		memcpy(host, s + 1, hl);
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return err_set(ERR_INVALID, "listen address \"%s\": "
			    "expected HOST:PORT", s);
		hl = (size_t)(colon - s);
		port = colon + 1;
		if (hl >= sizeof(host))
			goto badhost;
		memcpy(host, s, hl);
	}
	host[hl] = '\0';
	errno = 0;
	p = strtoul(port, &end, 10);
	if (*port < '0' || *port > '9' || *end != '\0' || errno != 0 ||
	    p > 65535)
		return err_set(ERR_INVALID, "listen address \"%s\": port "
		    "\"%s\" is not a number in 0..65535", s, port);
	if (s[0] == '[' && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
		return 0;
	}
	if (s[0] != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
		*len = sizeof(*sin);
		return 0;
	}
badhost:
	return err_set(ERR_INVALID, "listen address \"%s\": the host must be "
	    "an IPv4 address or a bracketed IPv6 address (no names)", s);
}

/* ---- responses ---- */

int
http_resp_header(struct http_resp *r, const char *key, const char *value)
{
	size_t kl = strlen(key), vl = strlen(value);
	char *m;

	if (r->nheaders == HTTP_MAX_HEADERS)
		return err_set(ERR_INTERNAL, "more than %d response headers",
		    HTTP_MAX_HEADERS);
	if ((m = malloc(kl + vl + 2)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(m, key, kl + 1);
	memcpy(m + kl + 1, value, vl + 1);
	r->header_mem[r->nheaders] = m;
	r->headers[r->nheaders].key = m;
	r->headers[r->nheaders].value = m + kl + 1;
	r->nheaders++;
	return 0;
}

static void
resp_body_clear(struct http_resp *r)
{
	if (r->body_owned)
		free(r->body);
	r->body = NULL;
	r->body_len = 0;
	r->body_owned = 0;
}

void
http_resp_take(struct http_resp *r, int status, const char *type,
    unsigned char *body, size_t len)
{
	resp_body_clear(r);
	r->status = status;
	r->content_type = type;
	r->body = body;
	r->body_len = len;
	r->body_owned = 1;
}

int
http_resp_copy(struct http_resp *r, int status, const char *type,
    const void *data, size_t len)
{
	unsigned char *b;

	/* malloc(0) may be NULL; one byte keeps "no memory" unambiguous. */
	if ((b = malloc(len > 0 ? len : 1)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (len > 0)
		memcpy(b, data, len);
	http_resp_take(r, status, type, b, len);
	return 0;
}

void
http_resp_static(struct http_resp *r, int status, const char *type,
    const void *data, size_t len)
{
	resp_body_clear(r);
	r->status = status;
	r->content_type = type;
	r->body = (unsigned char *)(uintptr_t)data;
	r->body_len = len;
}

int
http_resp_text(struct http_resp *r, int status, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return err_set(ERR_NOMEM, "out of memory");
	/* vasprintf left room for the NUL; it becomes the newline. */
	s[n] = '\n';
	http_resp_take(r, status, "text/plain; charset=utf-8",
	    (unsigned char *)s, (size_t)n + 1);
	return 0;
}

void
http_resp_clear(struct http_resp *r)
{
	size_t i;

	resp_body_clear(r);
	for (i = 0; i < r->nheaders; i++)
		free(r->header_mem[i]);
	memset(r, 0, sizeof(*r));
}

/* ---- lookups ---- */

const char *
http_query(const struct http_req *r, const char *key)
{
	size_t i;

	for (i = 0; i < r->nquery; i++)
		if (strcmp(r->query[i].key, key) == 0)
			return r->query[i].value;
	return NULL;
}

const char *
http_header(const struct http_req *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].key, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* ---- the MHD side ---- */

static enum MHD_Result
collect(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct kvlist *l = cls;
	struct http_kv *v;

	(void)kind;
	if ((v = array_grow(l->v, l->n, &l->cap, sizeof(*v))) == NULL) {
		l->failed = 1;
		return MHD_NO;
	}
	l->v = v;
	v[l->n].key = key;
	/* "?flag" has no value: an empty one reads the same to handlers. */
	v[l->n].value = value != NULL ? value : "";
	l->n++;
	return MHD_YES;
}

static void
peer_name(char *buf, size_t len, struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;
	const struct sockaddr *sa;

	snprintf(buf, len, "?");
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || (sa = ci->client_addr) == NULL)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr,
		    buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
		    (socklen_t)len);
}

/* Queue r on c; r is cleared whatever happens. */
static enum MHD_Result
send_resp(struct MHD_Connection *c, struct http_resp *r)
{
	struct MHD_Response *m;
	enum MHD_Result ret;
	size_t i;
	int ok;

	if (r->body_owned && r->body != NULL) {
		m = MHD_create_response_from_buffer(r->body_len, r->body,
		    MHD_RESPMEM_MUST_FREE);
		if (m != NULL)
			r->body_owned = 0;	/* transferred */
	} else
		m = MHD_create_response_from_buffer(r->body_len,
		    r->body != NULL ? r->body : (unsigned char *)"",
		    MHD_RESPMEM_PERSISTENT);
	if (m == NULL) {
		http_resp_clear(r);
		return MHD_NO;
	}
	ok = 1;
	for (i = 0; i < r->nheaders; i++)
		if (strcasecmp(r->headers[i].key, "X-Content-Type-Options") ==
		    0)
			break;
	if (i == r->nheaders)
		ok = MHD_add_response_header(m, "X-Content-Type-Options",
		    "nosniff") == MHD_YES;
	if (ok && r->content_type != NULL)
		ok = MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE,
		    r->content_type) == MHD_YES;
	for (i = 0; ok && i < r->nheaders; i++)
		ok = MHD_add_response_header(m, r->headers[i].key,
		    r->headers[i].value) == MHD_YES;
	if (!ok) {
		/* MHD refuses only malformed names or values: our bug. */
		log_error("refusing a response with a malformed header");
		MHD_destroy_response(m);
		http_resp_clear(r);
		m = MHD_create_response_from_buffer(0, (void *)"",
		    MHD_RESPMEM_PERSISTENT);
		if (m == NULL)
			return MHD_NO;
		ret = MHD_queue_response(c, MHD_HTTP_INTERNAL_SERVER_ERROR, m);
		MHD_destroy_response(m);
		return ret;
	}
	ret = MHD_queue_response(c, (unsigned)r->status, m);
	MHD_destroy_response(m);
	http_resp_clear(r);
	return ret;
}

/* 1 if the Content-Length value v says more than max. */
static int
declared_too_big(const char *v, size_t max)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (end == v || errno == ERANGE)
		return errno == ERANGE;
	return n > max;
}

static enum MHD_Result
too_big(struct MHD_Connection *c, struct http_server *s)
{
	struct http_resp r;
	char buf[128];
	int n;

	/* In the API's error shape (docs/api.md), as the API's own 413. */
	memset(&r, 0, sizeof(r));
	if ((n = snprintf(buf, sizeof(buf), "{\"error\":{\"code\":"
	    "\"too_large\",\"message\":\"request body larger than %zu "
	    "bytes\"}}", s->max_body)) < 0 || (size_t)n >= sizeof(buf) ||
	    http_resp_copy(&r, MHD_HTTP_CONTENT_TOO_LARGE, "application/json",
	    buf, (size_t)n) != 0)
		return MHD_NO;
	return send_resp(c, &r);
}

static enum MHD_Result
dispatch(struct http_server *s, struct MHD_Connection *c, struct conn *cn,
    const char *url, const char *method)
{
	struct kvlist hdrs, query;
	struct http_req req;
	struct http_resp resp;
	char peer[INET6_ADDRSTRLEN];
	enum MHD_Result ret = MHD_NO;
	int rc;

	memset(&hdrs, 0, sizeof(hdrs));
	memset(&query, 0, sizeof(query));
	memset(&req, 0, sizeof(req));
	memset(&resp, 0, sizeof(resp));
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect, &hdrs);
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect, &query);
	if (hdrs.failed || query.failed)
		goto out;
	peer_name(peer, sizeof(peer), c);
	req.method = method;
	req.path = url;
	req.query = query.v;
	req.nquery = query.n;
	req.headers = hdrs.v;
	req.nheaders = hdrs.n;
	req.body = cn->body;
	req.body_len = cn->len;
	req.peer = peer;
	err_clear();
	if ((rc = s->handler(s->arg, &req, &resp)) < 0) {
		log_error_r(rc, "%s \"%s\"", method, url);
		http_resp_clear(&resp);
		if (http_resp_text(&resp, MHD_HTTP_INTERNAL_SERVER_ERROR,
		    "internal error") != 0)
			goto out;
	}
	log_debug("%s \"%s %s\" %d %zu", peer, method, url, resp.status,
	    resp.body_len);
	ret = send_resp(c, &resp);
out:
	free(hdrs.v);
	free(query.v);
	return ret;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_cls)
{
	struct http_server *s = cls;
	struct conn *cn = *req_cls;
	const char *cl;
	unsigned char *b;

	(void)version;
	if (cn == NULL) {
		if ((cn = calloc(1, sizeof(*cn))) == NULL)
			return MHD_NO;
		*req_cls = cn;
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && declared_too_big(cl, s->max_body)) {
			cn->answered = 1;
			return too_big(c, s);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!cn->answered && !cn->too_big) {
			if (*upload_size > s->max_body - cn->len) {
				/* Read on and drop the rest, answer at the
				 * end: MHD cannot answer mid-body. */
				cn->too_big = 1;
				free(cn->body);
				cn->body = NULL;
				cn->len = cn->cap = 0;
			} else {
				if (cn->len + *upload_size > cn->cap) {
					cn->cap = cn->len + *upload_size;
					if (cn->cap < 4096)
						cn->cap = 4096;
					if (cn->cap > s->max_body)
						cn->cap = s->max_body;
					if ((b = realloc(cn->body, cn->cap)) ==
					    NULL)
						return MHD_NO;
					cn->body = b;
				}
				memcpy(cn->body + cn->len, upload,
				    *upload_size);
				cn->len += *upload_size;
			}
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (cn->answered)
		return MHD_YES;
	cn->answered = 1;
	if (cn->too_big)
		return too_big(c, s);
	return dispatch(s, c, cn, url, method);
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * MHD's %XX decoding of the path and query, except that "%00" stays as
 * it is: a NUL would cut the C string short, and "/sources/hr%00x" would
 * then name "hr".
 */
static size_t
unescape(void *cls, struct MHD_Connection *c, char *str)
{
	char *w = str, *r = str;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else
			*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - str);
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *req_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cn == NULL)
		return;
	free(cn->body);
	free(cn);
	*req_cls = NULL;
}

static void
on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* Mostly clients that went away: not worth an operator's time. */
	log_debug("libmicrohttpd: %s", msg);
}

static int
bind_listen(struct http_server *s, const char *listen_addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, rc, e;

	if ((rc = http_parse_listen(&ss, &len, listen_addr)) != 0)
		return rc;
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0);
	if (s->fd == -1)
		return err_set(ERR_IO, "cannot listen on %s: %s", listen_addr,
		    strerror(errno));
	/* Restarting must not wait for old connections in TIME_WAIT;
	 * SO_REUSEADDR still refuses a second listener on the port. */
	setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(s->fd, LISTEN_BACKLOG) == -1) {
		e = errno;
		return err_set(ERR_IO, "cannot listen on %s: %s%s",
		    listen_addr, strerror(e), e == EADDRINUSE ? " (is "
		    "another server, or mailcert serve, running there?)" : "");
	}
	len = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == -1)
		return err_set(ERR_IO, "cannot listen on %s: %s", listen_addr,
		    strerror(errno));
	s->port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int
http_start(struct http_server **out, const struct http_opts *o)
{
	struct http_server *s = NULL;
	sigset_t block, old;
	unsigned threads = o->threads > 0 ? o->threads : 2;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	s->fd = -1;
	s->handler = o->handler;
	s->arg = o->arg;
	s->max_body = o->max_body;
	if ((rc = bind_listen(s, o->listen)) != 0)
		goto fail;
	/* MHD's threads inherit the mask: stop signals go to sigwait(). */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, s,
	    MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)s->fd,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_TIMEOUT_S,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_LIMIT,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
	    MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (s->mhd == NULL) {
		rc = err_set(ERR_IO, "cannot start the HTTP server on %s",
		    o->listen);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->fd != -1)
		close(s->fd);
	free(s);
	return rc;
}

unsigned
http_port(const struct http_server *s)
{
	return s->port;
}

void
http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->mhd);
	/* Given with MHD_OPTION_LISTEN_SOCKET, so MHD closed it. */
	free(s);
}
