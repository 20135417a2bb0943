/*
 * http.h: the daemon's HTTP server, a thin layer over libmicrohttpd: one
 * internal epoll thread with a small worker pool, keep-alive (the
 * two-phase answer, ../shared/recipes/09), loopback or any address, a
 * request body limit (413 before the handler runs), and requests handed
 * to one handler as plain data that does not mention MHD, so routers and
 * their parsers can be unit-tested and fuzzed without a socket.
 *
 * Ownership: a struct http_req and everything it points to belong to the
 * server and live for the handler call. The handler fills a struct
 * http_resp; body memory it allocated (body_owned) is freed by the server
 * after sending, static bodies are never freed.
 */
#ifndef MAILCERT_HTTP_H
#define MAILCERT_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#define HTTP_MAX_HEADERS	8	/* extra response headers */

struct http_kv {
	const char	*key;
	const char	*value;
};

struct http_req {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* URL-decoded path, no query, e.g.
					 * "/api/v1/users/7" */
	const struct http_kv *query;	/* decoded query arguments, in order */
	size_t		 nquery;
	const struct http_kv *headers;	/* request headers, names as sent */
	size_t		 nheaders;
	const unsigned char *body;	/* NULL when there is none */
	size_t		 body_len;
	const char	*peer;		/* "127.0.0.1", for logs */
};

struct http_resp {
	int		 status;	/* 200, 404, ... */
	const char	*content_type;	/* static text; NULL: none */
	unsigned char	*body;		/* NULL: empty */
	size_t		 body_len;
	int		 body_owned;	/* 1: malloc'd, freed by the server */
	struct http_kv	 headers[HTTP_MAX_HEADERS]; /* key/value copied by
					 * http_resp_header() */
	char		*header_mem[HTTP_MAX_HEADERS];
	size_t		 nheaders;
};

/* The handler: fill resp; the return value is ignored unless negative, in
 * which case the server answers 500 and logs err_msg(). Called on MHD
 * worker threads, concurrently. */
typedef int (*http_handler)(void *arg, const struct http_req *req,
    struct http_resp *resp);

struct http_opts {
	const char	*listen;	/* "127.0.0.1:8080", "[::1]:8080",
					 * "0.0.0.0:8080" */
	unsigned	 threads;	/* worker pool size; 0: 2 */
	size_t		 max_body;	/* larger bodies get 413 */
	http_handler	 handler;
	void		*arg;
};

struct http_server;

/*
 * Parse "host:port" / "[v6]:port" into a socket address. ERR_INVALID naming
 * s. Used by `config check` as well as http_start().
 */
int	http_parse_listen(struct sockaddr_storage *out, socklen_t *len,
	    const char *s);

/*
 * Start serving; *out is the caller's (http_stop()). ERR_IO naming the
 * address and the reason when it cannot be bound (in use, not local).
 * SIGTERM, SIGINT and SIGHUP are blocked in the server's threads, so a
 * caller that takes them with sigwait() gets them; the caller's own mask
 * is left as it was.
 */
int	http_start(struct http_server **out, const struct http_opts *o);
/* The port s listens on (useful after binding port 0). */
unsigned	http_port(const struct http_server *s);
/* Stop accepting, finish requests in flight, free. NULL is a no-op. */
void	http_stop(struct http_server *s);

/* Lookups in a request; NULL when absent. Header names ignore case. */
const char *http_query(const struct http_req *r, const char *key);
const char *http_header(const struct http_req *r, const char *name);

/* Response helpers. They return 0 or ERR_NOMEM. */
int	http_resp_header(struct http_resp *r, const char *key,
	    const char *value);
/* Take over body (malloc'd) as the response. */
void	http_resp_take(struct http_resp *r, int status, const char *type,
	    unsigned char *body, size_t len);
/* Copy data as the response body. */
int	http_resp_copy(struct http_resp *r, int status, const char *type,
	    const void *data, size_t len);
/* A body that outlives the server (static data); never freed. */
void	http_resp_static(struct http_resp *r, int status, const char *type,
	    const void *data, size_t len);
/* A plain-text body: the formatted message and a newline. */
int	http_resp_text(struct http_resp *r, int status, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Release what the response owns (the server calls it; tests too). */
void	http_resp_clear(struct http_resp *r);

#endif
