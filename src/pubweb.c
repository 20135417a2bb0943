/*
 * pubweb.c: the daemon's public endpoints (pubweb.h): the URLs written
 * into certificates (AIA caIssuers and OCSP, CRL distribution points, RFC
 * 5280 4.2.2.1 and 4.2.1.13; OCSP over HTTP per RFC 6960 appendix A), the
 * key directory, and health and metrics for operators.
 *
 * NAME in a URL is checked against [A-Za-z0-9._-]{1,64} (and may not start
 * with '.') before anything is looked up, and is only ever a key into the
 * store: no URL reaches the filesystem. libmicrohttpd hands us the path
 * URL-decoded, so "%2e%2e" and "%2F" arrive as ".." and "/" and fail here.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "domain.h"
#include "err.h"
#include "http.h"
#include "mailbox.h"
#include "ocsp.h"
#include "pubweb.h"
#include "scheduler.h"
#include "store-dir.h"
#include "store-web.h"
#include "store.h"
#include "sync.h"
#include "util/timefmt.h"
#include "web.h"

#define NAME_MAX_LEN	64
#define CA_MAX_AGE	86400	/* a CA certificate never changes */
/* A revocation re-signs the CRL at the scheduler's next run: caches come
 * back for it within the hour even when nextUpdate is days away. */
#define CRL_MAX_AGE	3600
#define KEYS_MAX_AGE	60
#define CA_NAMES_TTL	10	/* seconds the OCSP CA-name list is trusted */

#define T_TEXT		"text/plain; charset=utf-8"
#define T_JSON		"application/json"
#define T_CERT		"application/pkix-cert"
#define T_CRL		"application/pkix-crl"
#define T_OCSP_REQ	"application/ocsp-request"
#define T_OCSP_RESP	"application/ocsp-response"
#define T_METRICS	"text/plain; version=0.0.4; charset=utf-8"

enum { M_GET = 1, M_POST = 2 };	/* M_GET allows HEAD too */

struct route {
	const char	*path;		/* exact path, or prefix ending '/' */
	unsigned	 methods;
	int		(*fn)(struct web *, const struct http_req *,
			    struct http_resp *, const char *rest);
};

/*
 * The CA names OCSP answers for, so that the hot path asks the store only
 * every CA_NAMES_TTL seconds; a CA made by a rollover is known after that.
 */
static struct {
	pthread_mutex_t	 lock;
	const struct web *w;		/* whose names these are */
	char		**names;
	size_t		 n;
	struct timespec	 loaded;	/* CLOCK_MONOTONIC */
} ca_names = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* ---- helpers ---- */

/* 1 if s[0..n) is a NAME we look up. */
static int
name_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > NAME_MAX_LEN || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
not_found(struct http_resp *resp)
{
	return http_resp_text(resp, 404, "not found");
}

static int
json_error(struct http_resp *resp, int status, const char *code,
    const char *msg)
{
	json_t *j;
	char *s;

	j = json_pack("{s:{s:s,s:s}}", "error", "code", code, "message", msg);
	if (j == NULL || (s = json_dumps(j, JSON_COMPACT)) == NULL) {
		json_decref(j);
		return err_set(ERR_NOMEM, "out of memory");
	}
	json_decref(j);
	http_resp_take(resp, status, T_JSON, (unsigned char *)s, strlen(s));
	return 0;
}

/* RFC 9110 5.6.7 IMF-fixdate. */
static void
http_date(char buf[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, 32, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* A strong ETag: the first 128 bits of the SHA-256 of the body, quoted. */
static int
etag_of(char out[35], const unsigned char *der, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	size_t i;

	if (!EVP_Digest(der, len, md, NULL, EVP_sha256(), NULL))
		return err_ossl(ERR_CRYPTO, "cannot hash a response");
	out[0] = '"';
	for (i = 0; i < 16; i++) {
		out[1 + 2 * i] = hex[md[i] >> 4];
		out[2 + 2 * i] = hex[md[i] & 15];
	}
	out[33] = '"';
	out[34] = '\0';
	return 0;
}

/*
 * Answer with DER (copied) as type, with validators and caching headers;
 * 304 when If-None-Match names the ETag (weak comparison, RFC 9110
 * 13.1.2, so W/"x" matches too).
 */
static int
answer_der(struct http_resp *resp, const struct http_req *req,
    const char *type, const unsigned char *der, size_t len,
    int64_t modified, int64_t max_age)
{
	char etag[35], date[32], cc[64];
	const char *inm;
	int rc;

	if ((rc = etag_of(etag, der, len)) != 0)
		return rc;
	http_date(date, modified);
	snprintf(cc, sizeof(cc), "public, max-age=%lld",
	    (long long)(max_age > 0 ? max_age : 0));
	if ((rc = http_resp_header(resp, "ETag", etag)) != 0 ||
	    (rc = http_resp_header(resp, "Last-Modified", date)) != 0 ||
	    (rc = http_resp_header(resp, "Cache-Control", cc)) != 0)
		return rc;
	inm = http_header(req, "If-None-Match");
	if (inm != NULL && (strcmp(inm, "*") == 0 ||
	    strstr(inm, etag) != NULL)) {
		http_resp_static(resp, 304, NULL, NULL, 0);
		return 0;
	}
	return http_resp_copy(resp, 200, type, der, len);
}

/* The CA called name[0..n) from the calling thread's store; NULL and 0
 * when there is none, *out otherwise. */
static int
ca_lookup(struct store_ca **out, struct web *w, const char *name, size_t n)
{
	struct store *st;
	char buf[NAME_MAX_LEN + 1];
	int rc;

	*out = NULL;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if ((rc = web_store(&st, w)) != 0)
		return rc;
	rc = store_ca_get(out, st, buf);
	return rc == ERR_NOTFOUND ? 0 : rc;
}

/* ---- /ca/NAME.crt and /crl/NAME.crl ---- */

/* NAME out of rest ("NAME.ext"); 0 if rest is not that shape. */
static size_t
name_before(const char *rest, const char *ext)
{
	size_t n = strlen(rest), el = strlen(ext);

	if (n <= el || strcmp(rest + n - el, ext) != 0 ||
	    !name_ok(rest, n - el))
		return 0;
	return n - el;
}

static int
get_ca(struct web *w, const struct http_req *req, struct http_resp *resp,
    const char *rest)
{
	struct store_ca *ca = NULL;
	size_t n;
	int rc;

	if ((n = name_before(rest, ".crt")) == 0)
		return not_found(resp);
	if ((rc = ca_lookup(&ca, w, rest, n)) != 0)
		return rc;
	if (ca == NULL)
		return not_found(resp);
	rc = answer_der(resp, req, T_CERT, ca->der, ca->der_len,
	    ca->created_at, CA_MAX_AGE);
	store_ca_free(ca);
	return rc;
}

static int
get_crl(struct web *w, const struct http_req *req, struct http_resp *resp,
    const char *rest)
{
	struct store_ca *ca = NULL;
	struct store_crl *crl = NULL;
	struct store *st;
	int64_t age;
	size_t n;
	int rc;

	if ((n = name_before(rest, ".crl")) == 0)
		return not_found(resp);
	if ((rc = ca_lookup(&ca, w, rest, n)) != 0)
		return rc;
	if (ca == NULL)
		return not_found(resp);
	if ((rc = web_store(&st, w)) != 0)
		goto out;
	if ((rc = store_crl_latest(&crl, st, ca->id)) == ERR_NOTFOUND) {
		rc = http_resp_text(resp, 404, "no CRL for \"%s\" yet",
		    ca->name);
		goto out;
	}
	if (rc != 0)
		goto out;
	/* Never cached past nextUpdate: a client must fetch the next one. */
	age = crl->next_update - timefmt_now();
	if (age > CRL_MAX_AGE)
		age = CRL_MAX_AGE;
	rc = answer_der(resp, req, T_CRL, crl->der, crl->der_len,
	    crl->this_update, age);
out:
	store_crl_free(crl);
	store_ca_free(ca);
	return rc;
}

/* ---- /ocsp/NAME ---- */

static void
names_clear(void)
{
	size_t i;

	for (i = 0; i < ca_names.n; i++)
		free(ca_names.names[i]);
	free(ca_names.names);
	ca_names.names = NULL;
	ca_names.n = 0;
}

static int
names_load(struct web *w)
{
	struct store_ca **v = NULL;
	struct store *st;
	size_t i, n = 0;
	int rc;

	if ((rc = web_store(&st, w)) != 0 ||
	    (rc = store_ca_list(&v, &n, st)) != 0)
		return rc;
	names_clear();
	if ((ca_names.names = calloc(n > 0 ? n : 1, sizeof(char *))) == NULL) {
		store_ca_list_free(v, n);
		return err_set(ERR_NOMEM, "out of memory");
	}
	/* The names move over from the records. */
	for (i = 0; i < n; i++) {
		ca_names.names[i] = v[i]->name;
		v[i]->name = NULL;
	}
	ca_names.n = n;
	ca_names.w = w;
	clock_gettime(CLOCK_MONOTONIC, &ca_names.loaded);
	store_ca_list_free(v, n);
	return 0;
}

/* *known = 1 if a CA is called name[0..n). */
static int
ca_known(int *known, struct web *w, const char *name, size_t n)
{
	struct timespec now;
	size_t i;
	int rc = 0;

	*known = 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&ca_names.lock);
	if (ca_names.w != w || ca_names.names == NULL ||
	    now.tv_sec - ca_names.loaded.tv_sec >= CA_NAMES_TTL)
		rc = names_load(w);
	for (i = 0; rc == 0 && i < ca_names.n; i++)
		if (strlen(ca_names.names[i]) == n &&
		    memcmp(ca_names.names[i], name, n) == 0)
			*known = 1;
	pthread_mutex_unlock(&ca_names.lock);
	return rc;
}

static int
ocsp(struct web *w, const struct http_req *req, struct http_resp *resp,
    const char *rest)
{
	const char *slash = strchr(rest, '/'), *ct;
	char name[NAME_MAX_LEN + 1], cc[96];
	unsigned char *der = NULL, *out = NULL;
	const unsigned char *q;
	size_t n = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	size_t der_len = 0, qlen, out_len;
	int known, max_age, rc;

	if (!name_ok(rest, n))
		return not_found(resp);
	if ((rc = ca_known(&known, w, rest, n)) != 0)
		return rc;
	if (!known)
		return not_found(resp);
	memcpy(name, rest, n);
	name[n] = '\0';
	if (strcmp(req->method, "POST") == 0) {
		if (slash != NULL && slash[1] != '\0')
			return not_found(resp);
		ct = http_header(req, "Content-Type");
		if (ct != NULL && strncmp(ct, T_OCSP_REQ,
		    strlen(T_OCSP_REQ)) != 0)
			return http_resp_text(resp, 415, "an OCSP request is "
			    "sent as %s", T_OCSP_REQ);
		q = req->body;
		qlen = req->body_len;
	} else {
		if (slash == NULL) {
			if ((rc = http_resp_header(resp, "Allow", "POST")) != 0)
				return rc;
			return http_resp_text(resp, 405, "GET needs the "
			    "request in the path: /ocsp/%s/BASE64", name);
		}
		/* What does not decode gets malformedRequest, as RFC 6960
		 * 2.3 asks, rather than an HTTP error. */
		rc = ocsp_get_decode(&der, &der_len, slash + 1);
		if (rc != 0 && rc != ERR_INVALID)
			return rc;
		q = der;
		qlen = der_len;
	}
	if (w->ocsp == NULL) {
		rc = http_resp_text(resp, 503, "the OCSP responder is not "
		    "running");
		goto out;
	}
	if ((rc = ocsp_answer(&out, &out_len, &max_age, w->ocsp, name, q,
	    qlen, timefmt_now())) != 0)
		goto out;
	if (max_age > 0)
		snprintf(cc, sizeof(cc), "public, max-age=%d, no-transform, "
		    "must-revalidate", max_age);
	else
		snprintf(cc, sizeof(cc), "no-cache");
	if ((rc = http_resp_header(resp, "Cache-Control", cc)) != 0)
		goto out;
	http_resp_take(resp, 200, T_OCSP_RESP, out, out_len);
	out = NULL;	/* transferred */
out:
	free(out);
	free(der);
	return rc;
}

/* ---- /keys/v1/lookup ---- */

/* DER as a PEM CERTIFICATE block. New string, NULL on no memory. */
static char *
pem_cert(const unsigned char *der, size_t len)
{
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	size_t lines = (len + 47) / 48, off, chunk;
	char *s, *p;

	if ((s = malloc(sizeof(head) + sizeof(tail) + lines * 65 + 1)) ==
	    NULL)
		return NULL;
	memcpy(s, head, sizeof(head) - 1);
	p = s + sizeof(head) - 1;
	for (off = 0; off < len; off += chunk) {
		chunk = len - off < 48 ? len - off : 48;
		p += EVP_EncodeBlock((unsigned char *)p, der + off, (int)chunk);
		*p++ = '\n';
	}
	memcpy(p, tail, sizeof(tail));
	return s;
}

/* Newest first: the one to hand out when only one is asked for. */
static int
by_newest(const void *a, const void *b)
{
	const struct store_cert *x = *(struct store_cert *const *)a;
	const struct store_cert *y = *(struct store_cert *const *)b;

	if (x->not_before != y->not_before)
		return x->not_before > y->not_before ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

static int
keys_json(struct http_resp *resp, const char *email,
    struct store_cert **v, size_t n)
{
	char nb[TIMEFMT_LEN], na[TIMEFMT_LEN], *pem, *s = NULL;
	json_t *root, *arr, *o;
	size_t i;
	int rc = 0;

	root = json_pack("{s:s,s:[]}", "email", email, "certificates");
	if (root == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	arr = json_object_get(root, "certificates");
	for (i = 0; i < n; i++) {
		if ((pem = pem_cert(v[i]->der, v[i]->der_len)) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}",
		    "serial", v[i]->serial,
		    "usage", v[i]->usage != NULL ? v[i]->usage : "both",
		    "not_before", timefmt_utc(nb, v[i]->not_before),
		    "not_after", timefmt_utc(na, v[i]->not_after),
		    "ca", v[i]->ca_name != NULL ? v[i]->ca_name : "",
		    "pem", pem);
		free(pem);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if ((s = json_dumps(root, JSON_COMPACT)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	http_resp_take(resp, 200, T_JSON, (unsigned char *)s, strlen(s));
out:
	json_decref(root);
	return rc;
}

static int
keys_lookup(struct web *w, const struct http_req *req,
    struct http_resp *resp, const char *rest)
{
	struct store_cert_filter f;
	struct store_cert **v = NULL;
	struct store *st;
	const char *email, *accept;
	char *norm = NULL, msg[512], cc[32];
	int64_t now = timefmt_now();
	size_t i, j, n = 0;
	int rc;

	(void)rest;
	if ((email = http_query(req, "email")) == NULL || *email == '\0')
		return json_error(resp, 400, "bad_request", "the email "
		    "parameter is required");
	if ((rc = mailbox_normalize(&norm, email)) == ERR_INVALID) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return json_error(resp, 400, "bad_request", msg);
	}
	if (rc != 0)
		return rc;
	memset(&f, 0, sizeof(f));
	f.email = norm;
	f.state = CERT_STATE_VALID;
	f.expired = 0;
	f.now = now;
	if ((rc = web_store(&st, w)) != 0 ||
	    (rc = store_cert_list(&v, &n, st, &f)) != 0)
		goto out;
	/* Not yet valid is not current either. */
	for (i = j = 0; i < n; i++) {
		if (v[i]->not_before <= now)
			v[j++] = v[i];
		else
			store_cert_free(v[i]);
	}
	n = j;
	if (n == 0) {
		snprintf(msg, sizeof(msg), "no current certificate for "
		    "\"%s\"", norm);
		rc = json_error(resp, 404, "not_found", msg);
		goto out;
	}
	qsort(v, n, sizeof(*v), by_newest);
	snprintf(cc, sizeof(cc), "public, max-age=%d", KEYS_MAX_AGE);
	if ((rc = http_resp_header(resp, "Vary", "Accept")) != 0 ||
	    (rc = http_resp_header(resp, "Cache-Control", cc)) != 0)
		goto out;
	accept = http_header(req, "Accept");
	if (accept != NULL && strstr(accept, T_CERT) != NULL)
		rc = http_resp_copy(resp, 200, T_CERT, v[0]->der,
		    v[0]->der_len);
	else
		rc = keys_json(resp, norm, v, n);
out:
	store_cert_list_free(v, n);
	free(norm);
	return rc;
}

/* ---- /healthz ---- */

static int
healthz(struct web *w, const struct http_req *req, struct http_resp *resp,
    const char *rest)
{
	struct store *st;
	int v, rc;

	(void)req;
	(void)rest;
	if ((rc = http_resp_header(resp, "Cache-Control", "no-store")) != 0)
		return rc;
	if ((rc = web_store(&st, w)) != 0 ||
	    (rc = store_schema_version(&v, st)) != 0)
		return http_resp_text(resp, 503, "store unavailable: %s",
		    err_msg());
	return http_resp_text(resp, 200, "ok");
}

/* ---- /metrics ---- */

static void
metric_head(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

/* A label value with \, " and newlines escaped (exposition format). */
static void
label_value(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static int
metrics_cas(FILE *f, struct store *st, int64_t now)
{
	struct store_ca **v = NULL;
	size_t i, n = 0;
	int rc;

	if ((rc = store_ca_list(&v, &n, st)) != 0)
		return rc;
	metric_head(f, "mailcert_ca_expiry_days",
	    "Days until the CA certificate expires.");
	for (i = 0; i < n; i++) {
		if (v[i]->not_after <= now)
			continue;
		fputs("mailcert_ca_expiry_days{ca=\"", f);
		label_value(f, v[i]->name);
		fprintf(f, "\"} %.2f\n", (double)(v[i]->not_after - now) /
		    86400.0);
	}
	store_ca_list_free(v, n);
	return 0;
}

static int
metrics_domains(FILE *f, struct store *st, int64_t now)
{
	struct store_domain **v = NULL;
	size_t i, n = 0, counts[3] = { 0, 0, 0 };
	int rc;

	if ((rc = store_domain_list(&v, &n, st)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		switch (domain_state(v[i], now)) {
		case DOMAIN_STATE_VERIFIED:
		case DOMAIN_STATE_EXPIRING:
			counts[0]++;
			break;
		case DOMAIN_STATE_LAPSED:
			counts[2]++;
			break;
		default:
			counts[1]++;
		}
	}
	store_domain_list_free(v, n);
	metric_head(f, "mailcert_domains", "Mail domains by state.");
	fprintf(f, "mailcert_domains{state=\"verified\"} %zu\n"
	    "mailcert_domains{state=\"pending\"} %zu\n"
	    "mailcert_domains{state=\"lapsed\"} %zu\n", counts[0], counts[1],
	    counts[2]);
	return 0;
}

static int
metrics_sync(FILE *f, struct web *w, struct store *st)
{
	double duration = -1;
	int64_t success, ms;
	int rc;

	if ((rc = sched_sync_last(&success, &ms, w->sched, st)) != 0)
		return rc;
	if (ms >= 0)
		duration = (double)ms / 1000.0;
	/* A sync that never ran has no value rather than a made-up one. */
	if (duration >= 0) {
		metric_head(f, "mailcert_sync_last_duration_seconds",
		    "How long the last directory sync took.");
		fprintf(f, "mailcert_sync_last_duration_seconds %.3f\n",
		    duration);
	}
	if (success != 0) {
		metric_head(f, "mailcert_sync_last_success_timestamp_seconds",
		    "When the last successful directory sync ended.");
		fprintf(f, "mailcert_sync_last_success_timestamp_seconds "
		    "%lld\n", (long long)success);
	}
	return 0;
}

static int
metrics_write(FILE *f, struct web *w, struct store *st, int64_t now)
{
	static const char *const cert_states[3] = { "valid", "revoked",
	    "expired" };
	struct store_stats stats;
	size_t i, total, used;
	int rc;

	if ((rc = store_stats_get(&stats, st, now)) != 0)
		return rc;
	metric_head(f, "mailcert_certificates", "Certificates by state.");
	for (i = 0; i < 3; i++)
		fprintf(f, "mailcert_certificates{state=\"%s\"} %zu\n",
		    cert_states[i], stats.certs[i]);
	if ((rc = metrics_cas(f, st, now)) != 0)
		return rc;
	if ((rc = sync_seats(&total, &used, st, now)) != 0)
		return rc;
	metric_head(f, "mailcert_seats_used",
	    "Directory users holding a current managed certificate.");
	fprintf(f, "mailcert_seats_used %zu\n", used);
	if (total != SYNC_SEATS_UNLIMITED) {
		metric_head(f, "mailcert_seats_total", "The seat quota.");
		fprintf(f, "mailcert_seats_total %zu\n", total);
		metric_head(f, "mailcert_seats_free", "Seats left.");
		fprintf(f, "mailcert_seats_free %zu\n",
		    total > used ? total - used : 0);
	}
	if ((rc = metrics_domains(f, st, now)) != 0)
		return rc;
	metric_head(f, "mailcert_outbox_events", "Outbox events by state.");
	for (i = 0; i < STORE_EVENT_STATE__MAX; i++)
		fprintf(f, "mailcert_outbox_events{state=\"%s\"} %zu\n",
		    store_event_state_name(i), stats.events[i]);
	if ((rc = metrics_sync(f, w, st)) != 0)
		return rc;
	metric_head(f, "mailcert_start_time_seconds",
	    "When the daemon started.");
	fprintf(f, "mailcert_start_time_seconds %lld\n",
	    (long long)w->started_at);
	return 0;
}

static int
metrics(struct web *w, const struct http_req *req, struct http_resp *resp,
    const char *rest)
{
	struct store *st;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int rc;

	(void)req;
	(void)rest;
	if ((rc = web_store(&st, w)) != 0)
		return rc;
	if ((f = open_memstream(&buf, &len)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	rc = metrics_write(f, w, st, timefmt_now());
	if ((ferror(f) | fclose(f)) != 0 && rc == 0)
		rc = err_set(ERR_NOMEM, "out of memory");
	if (rc != 0) {
		free(buf);
		return rc;
	}
	if ((rc = http_resp_header(resp, "Cache-Control", "no-store")) != 0) {
		free(buf);
		return rc;
	}
	http_resp_take(resp, 200, T_METRICS, (unsigned char *)buf, len);
	return 0;
}

/* ---- routing ---- */

static const struct route routes[] = {
	{ "/ca/", M_GET, get_ca },
	{ "/crl/", M_GET, get_crl },
	{ "/ocsp/", M_GET | M_POST, ocsp },
	{ "/keys/v1/lookup", M_GET, keys_lookup },
	{ "/healthz", M_GET, healthz },
	{ "/metrics", M_GET, metrics },
};
#define NROUTES	(sizeof(routes) / sizeof(routes[0]))

int
pubweb_handle(struct web *w, const struct http_req *req,
    struct http_resp *resp)
{
	const struct route *r = NULL;
	size_t i, pl;
	unsigned m;
	int rc;

	for (i = 0; i < NROUTES && r == NULL; i++) {
		pl = strlen(routes[i].path);
		if (routes[i].path[pl - 1] == '/' ?
		    strncmp(req->path, routes[i].path, pl) == 0 :
		    strcmp(req->path, routes[i].path) == 0)
			r = &routes[i];
	}
	if (r == NULL)
		return 0;
	m = strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0 ? M_GET :
	    strcmp(req->method, "POST") == 0 ? M_POST : 0;
	if ((m & r->methods) == 0) {
		rc = http_resp_header(resp, "Allow", r->methods & M_POST ?
		    "GET, HEAD, POST" : "GET, HEAD");
		if (rc == 0)
			rc = http_resp_text(resp, 405, "method not allowed");
		return rc != 0 ? rc : 1;
	}
	pl = strlen(r->path);
	rc = r->fn(w, req, resp, req->path + (r->path[pl - 1] == '/' ? pl :
	    0));
	return rc != 0 ? rc : 1;
}
