/*
 * dnstxt.c: TXT lookups with c-ares 1.18, driven by our own poll() loop
 * (that version has no event thread) so the lookup can be bounded by one
 * deadline however the resolvers behave.
 *
 * ares_query() is used, not ares_search(): the name asked for is exactly
 * the one the administrator published, never one with a search domain
 * from resolv.conf appended. RFC 1035 3.3.14 lets a TXT record hold
 * several character-strings of up to 255 octets; RFC 7208 3.3 style
 * joining (no separator) turns each record back into one string.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/nameser.h>
#include <ares.h>

#include "dnstxt.h"
#include "err.h"

/* What the query callback hands back to the loop. */
struct result {
	int		 done;		/* the callback ran */
	int		 status;	/* ARES_* */
	char		**txt;		/* joined records */
	size_t		 n;		/* of txt */
	int		 nomem;		/* joining ran out of memory */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Append the record of len bytes at p as a new string. */
static int
add_record(struct result *r, const unsigned char *p, size_t len)
{
	char **nv, *s;

	if (r->n >= DNSTXT_MAX_RECORDS)
		return 0;
	if ((s = malloc(len + 1)) == NULL)
		return -1;
	memcpy(s, p, len);
	s[len] = '\0';
	if ((nv = realloc(r->txt, (r->n + 1) * sizeof(*nv))) == NULL) {
		free(s);
		return -1;
	}
	r->txt = nv;
	r->txt[r->n++] = s;
	return 0;
}

/*
 * Join the chunks of each record. A record holding a NUL byte is dropped:
 * as a C string it would compare equal to its prefix.
 */
static int
join(struct result *r, const struct ares_txt_ext *t)
{
	unsigned char *buf = NULL, *nb;
	size_t len = 0;
	int bad = 0, rc = 0;

	for (; t != NULL; t = t->next) {
		if (t->record_start && buf != NULL) {
			if (!bad && (rc = add_record(r, buf, len)) != 0)
				goto out;
			len = 0;
			bad = 0;
		}
		/* At most 64 KiB in all: the size of a DNS message. */
		if ((nb = realloc(buf, len + t->length + 1)) == NULL) {
			rc = -1;
			goto out;
		}
		buf = nb;
		if (memchr(t->txt, '\0', t->length) != NULL)
			bad = 1;
		memcpy(buf + len, t->txt, t->length);
		len += t->length;
	}
	if (buf != NULL && !bad)
		rc = add_record(r, buf, len);
out:
	free(buf);
	return rc;
}

static void
on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct result *r = arg;
	struct ares_txt_ext *txt = NULL;

	(void)timeouts;
	r->done = 1;
	r->status = status;
	if (status != ARES_SUCCESS)
		return;
	/* ENODATA here: an answer, but no TXT in it (a CNAME chain's end). */
	if ((r->status = ares_parse_txt_reply_ext(abuf, alen, &txt)) !=
	    ARES_SUCCESS)
		return;
	if (join(r, txt) != 0)
		r->nomem = 1;
	ares_free_data(txt);
}

/*
 * ares_getsock()'s bits, tested unsigned: c-ares 1.18's own
 * ARES_GETSOCK_WRITABLE() shifts a signed 1 into the sign bit for the
 * last socket, which is undefined behaviour.
 */
static int
sock_readable(unsigned int bits, int i)
{
	return (bits & (1u << i)) != 0;
}

static int
sock_writable(unsigned int bits, int i)
{
	return (bits & (1u << (i + ARES_GETSOCK_MAXNUM))) != 0;
}

/* Run the channel until the query is answered or deadline passes. */
static int
wait_answer(ares_channel ch, struct result *r, int64_t deadline)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	struct timeval max, tv, *tvp;
	int64_t left, wait;
	unsigned int bits;
	int i, nfd, ready;

	while (!r->done) {
		if ((left = deadline - now_ms()) <= 0)
			return -1;
		bits = (unsigned int)ares_getsock(ch, socks,
		    ARES_GETSOCK_MAXNUM);
		nfd = 0;
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			if (!sock_readable(bits, i) && !sock_writable(bits, i))
				continue;
			pfd[nfd].fd = socks[i];
			pfd[nfd].events = (sock_readable(bits, i) ? POLLIN : 0) |
			    (sock_writable(bits, i) ? POLLOUT : 0);
			pfd[nfd].revents = 0;
			nfd++;
		}
		max.tv_sec = left / 1000;
		max.tv_usec = (left % 1000) * 1000;
		tvp = ares_timeout(ch, &max, &tv);
		/* Round up, or a sub-millisecond wait would spin. */
		wait = (int64_t)tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000;
		if ((ready = poll(pfd, (nfds_t)nfd, (int)wait)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (ready == 0) {
			/* Let c-ares retry or fail the queries that timed out. */
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < nfd; i++)
			ares_process_fd(ch, (pfd[i].revents &
			    (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd :
			    ARES_SOCKET_BAD, (pfd[i].revents & POLLOUT) ?
			    pfd[i].fd : ARES_SOCKET_BAD);
	}
	return 0;
}

/* The message for a failed query; rc by whose fault it is. */
static int
query_err(const struct result *r, const char *name, const char *who,
    int total_ms)
{
	switch (r->status) {
	case ARES_ENOTFOUND:
		return err_set(ERR_NOTFOUND, "%s does not exist (NXDOMAIN "
		    "from %s)", name, who);
	case ARES_ENODATA:
		return err_set(ERR_NOTFOUND, "%s exists but has no TXT record "
		    "(NODATA from %s)", name, who);
	case ARES_ETIMEOUT:
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return err_set(ERR_IO, "no answer from DNS servers (%s) "
		    "within %d ms for TXT %s", who, total_ms, name);
	case ARES_ECONNREFUSED:
		/* c-ares 1.18 also ends with this when every server said
		 * SERVFAIL or REFUSED, so the message cannot tell which. */
		return err_set(ERR_IO, "DNS servers (%s) refused or failed the "
		    "TXT query for %s (port closed, SERVFAIL or REFUSED)", who,
		    name);
	case ARES_ESERVFAIL:
		return err_set(ERR_IO, "DNS servers (%s) failed to resolve "
		    "TXT %s (SERVFAIL)", who, name);
	case ARES_EREFUSED:
		return err_set(ERR_IO, "DNS servers (%s) refused the query "
		    "for TXT %s (REFUSED)", who, name);
	case ARES_EBADNAME:
		return err_set(ERR_INVALID, "\"%s\" is not a name DNS can "
		    "look up", name);
	default:
		return err_set(ERR_IO, "TXT lookup of %s at %s failed: %s",
		    name, who, ares_strerror(r->status));
	}
}

int
dnstxt_lookup(char ***out, size_t *n, const char *name, const char *servers,
    int timeout_ms, int tries)
{
	struct ares_options opts;
	struct result r;
	ares_channel ch = NULL;
	const char *who = servers != NULL ? servers : "system resolvers";
	int lib = 0, total_ms, rc;

	*out = NULL;
	*n = 0;
	memset(&r, 0, sizeof(r));
	total_ms = timeout_ms * tries;
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		rc = err_set(ERR_INTERNAL, "cannot initialise c-ares: %s",
		    ares_strerror(rc));
		goto out;
	}
	lib = 1;
	memset(&opts, 0, sizeof(opts));
	opts.timeout = timeout_ms;
	opts.tries = tries;
	if ((rc = ares_init_options(&ch, &opts, ARES_OPT_TIMEOUTMS |
	    ARES_OPT_TRIES)) != ARES_SUCCESS) {
		ch = NULL;
		rc = err_set(ERR_INTERNAL, "cannot set up the DNS resolver: "
		    "%s", ares_strerror(rc));
		goto out;
	}
	if (servers != NULL &&
	    (rc = ares_set_servers_ports_csv(ch, servers)) != ARES_SUCCESS) {
		rc = err_set(ERR_INVALID, "DNS servers \"%s\" are not usable: "
		    "%s", servers, ares_strerror(rc));
		goto out;
	}
	ares_query(ch, name, ns_c_in, ns_t_txt, on_answer, &r);
	if (wait_answer(ch, &r, now_ms() + total_ms) != 0) {
		/* Runs the callback with ARES_ECANCELLED. */
		ares_cancel(ch);
		r.status = ARES_ETIMEOUT;
	}
	if (r.nomem) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (r.status != ARES_SUCCESS) {
		rc = query_err(&r, name, who, total_ms);
		goto out;
	}
	*out = r.txt;
	*n = r.n;
	r.txt = NULL;	/* transferred */
	r.n = 0;
	rc = 0;
out:
	dnstxt_free(r.txt, r.n);
	if (ch != NULL)
		ares_destroy(ch);
	if (lib)
		ares_library_cleanup();
	return rc;
}

void
dnstxt_free(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
