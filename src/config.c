/*
 * config.c: mailcert.conf, the INI file of a data directory.
 *
 * The grammar is deliberately small: whole-line comments starting with "#"
 * or ";", "[section]" lines, and "key = value" lines. A value is taken
 * verbatim (trimmed) unless it starts with a double quote; then it runs to
 * the closing quote, with \" and \\ as the only escapes. There are no
 * inline comments, so an unquoted "#" belongs to the value; config_format()
 * quotes every value that could read back as something else.
 *
 * Every value is checked here, once, so the rest of mailcert can trust a
 * struct config: CA keys follow the mailcert CA profile, and base_url is a
 * bare http:// origin because the S/MIME BR require plain http for the CRL
 * and AIA URLs built from it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <openssl/asn1.h>
#include <openssl/err.h>

#include "config.h"
#include "err.h"
#include "keys.h"
#include "profile.h"
#include "util/file.h"

#define DEF_ORG			"mailcert"
#define DEF_COUNTRY		"DE"
#define DEF_BASE_URL		"http://127.0.0.1:8080"
#define DEF_STORE_BACKEND	"sqlite"
#define DEF_STORE_PATH		"mailcert.db"
#define DEF_CRL_SUBSCRIBER_DAYS	7
#define DEF_CRL_CA_DAYS		360
#define DEF_DNS_TIMEOUT_MS	3000
#define DEF_DNS_TRIES		2
#define DEF_SYNC_RENEW_DAYS	14
#define DEF_SYNC_MAX_REMOVAL	10	/* percent of the managed users */
#define DNS_SERVERS_MAX		16	/* entries in [dns] servers */
#define DEF_SERVE_LISTEN	"127.0.0.1:8080"
#define DEF_SERVE_THREADS	2
#define DEF_SERVE_SYNC_INTERVAL	60	/* minutes */
#define DEF_SERVE_STOP_SECONDS	10
/* Within the profile's 8 h .. 10 days; re-signed at half, so 2 days. */
#define DEF_OCSP_VALIDITY_HOURS	96
#define DEF_OCSP_RESPONDER_DAYS	30

#define ORG_MAX_CHARS		64	/* X.520 ub-organization-name */

enum field {
	F_ORG,
	F_COUNTRY,
	F_BASE_URL,
	F_CA_KEY,
	F_ISSUE_KEY,
	F_ISSUE_DAYS,
	F_ISSUE_PROFILE,
	F_CRL_SUBSCRIBER_DAYS,
	F_CRL_CA_DAYS,
	F_STORE_BACKEND,
	F_STORE_PATH,
	F_DNS_SERVERS,
	F_DNS_TIMEOUT_MS,
	F_DNS_TRIES,
	F_SYNC_RENEW_DAYS,
	F_SYNC_ON_REMOVAL,
	F_SYNC_MAX_REMOVAL,
	F_SERVE_LISTEN,
	F_SERVE_PUBLIC_LISTEN,
	F_SERVE_THREADS,
	F_SERVE_SYNC_INTERVAL,
	F_SERVE_STOP_SECONDS,
	F_OCSP_VALIDITY_HOURS,
	F_OCSP_RESPONDER_DAYS,
	F__MAX
};

static const struct {
	const char	*section;	/* without brackets */
	const char	*key;
} fields[F__MAX] = {
	[F_ORG] =		{ "ca", "org" },
	[F_COUNTRY] =		{ "ca", "country" },
	[F_BASE_URL] =		{ "ca", "base_url" },
	[F_CA_KEY] =		{ "ca", "key" },
	[F_ISSUE_KEY] =		{ "issue", "key" },
	[F_ISSUE_DAYS] =	{ "issue", "days" },
	[F_ISSUE_PROFILE] =	{ "issue", "profile" },
	[F_CRL_SUBSCRIBER_DAYS] = { "crl", "subscriber_days" },
	[F_CRL_CA_DAYS] =	{ "crl", "ca_days" },
	[F_STORE_BACKEND] =	{ "store", "backend" },
	[F_STORE_PATH] =	{ "store", "path" },
	[F_DNS_SERVERS] =	{ "dns", "servers" },
	[F_DNS_TIMEOUT_MS] =	{ "dns", "timeout_ms" },
	[F_DNS_TRIES] =		{ "dns", "tries" },
	[F_SYNC_RENEW_DAYS] =	{ "sync", "renew_days" },
	[F_SYNC_ON_REMOVAL] =	{ "sync", "on_removal" },
	[F_SYNC_MAX_REMOVAL] =	{ "sync", "max_removal_percent" },
	[F_SERVE_LISTEN] =	{ "serve", "listen" },
	[F_SERVE_PUBLIC_LISTEN] = { "serve", "public_listen" },
	[F_SERVE_THREADS] =	{ "serve", "threads" },
	[F_SERVE_SYNC_INTERVAL] = { "serve", "sync_interval" },
	[F_SERVE_STOP_SECONDS] = { "serve", "stop_seconds" },
	[F_OCSP_VALIDITY_HOURS] = { "ocsp", "validity_hours" },
	[F_OCSP_RESPONDER_DAYS] = { "ocsp", "responder_days" },
};

static const char *const removals[CONFIG_REMOVAL__MAX] = {
	[CONFIG_REMOVAL_REVOKE] = "revoke",
	[CONFIG_REMOVAL_KEEP] = "keep",
};

static const char *const sections[] = { "ca", "issue", "crl", "store",
    "dns", "sync", "serve", "ocsp" };

struct parser {
	const char	*name;		/* file name for messages */
	const char	*dir;		/* data directory, for paths */
	size_t		 line;		/* current line, from 1 */
	const char	*section;	/* current section; NULL before one */
	size_t		 seen[F__MAX];	/* line that set a field, 0 if none */
};

/* "NAME:LINE: ..." for a problem with the line as a whole. */
static int __attribute__((format(printf, 2, 3)))
line_err(const struct parser *ps, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return err_set(ERR_INVALID, "%s:%zu: %s", ps->name, ps->line, buf);
}

/* "NAME:LINE: [section] key: ..." for a problem with one value. */
static int __attribute__((format(printf, 3, 4)))
field_err(const struct parser *ps, enum field f, const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return err_set(ERR_INVALID, "%s:%zu: [%s] %s: %s", ps->name, ps->line,
	    fields[f].section, fields[f].key, buf);
}

/* Join a relative path onto dir; an absolute path stands as it is. */
static char *
resolve(const char *dir, const char *path)
{
	size_t dlen = strlen(dir);
	char *p;

	if (path[0] == '/' || dlen == 0)
		return strdup(path);
	if (dir[dlen - 1] != '/')
		return file_join(dir, path);
	if ((p = malloc(dlen + strlen(path) + 1)) == NULL)
		return NULL;
	snprintf(p, dlen + strlen(path) + 1, "%s%s", dir, path);
	return p;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_blank((*s)[0])) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_blank((*s)[*n - 1]))
		(*n)--;
}

static int
span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* A whole number in lo..hi, without sign, spaces or leading "+". */
static int
parse_days(int *out, const struct parser *ps, enum field f, const char *v,
    int lo, int hi)
{
	long n;
	size_t len = strlen(v);

	if (len == 0 || strspn(v, "0123456789") != len)
		return field_err(ps, f, "\"%s\" is not a whole number", v);
	errno = 0;
	n = strtol(v, NULL, 10);
	if (errno == ERANGE || n < lo || n > hi)
		return field_err(ps, f, "%s is out of range (%d..%d)", v, lo,
		    hi);
	*out = (int)n;
	return 0;
}

/*
 * A bare origin "http://host[:port]" with at most one trailing "/", which
 * is dropped: URLs are built by appending "/path" to it.
 */
static int
check_url(char **out, const struct parser *ps, const char *v)
{
	const char *host, *end, *port = NULL, *hend;
	size_t len = strlen(v), plen;
	long pn;

	*out = NULL;
	if (strncmp(v, "http://", 7) != 0) {
		if (strncasecmp(v, "https://", 8) == 0)
			return field_err(ps, F_BASE_URL, "\"%s\" must use "
			    "http://: the S/MIME BR require plain http for "
			    "CRL and AIA URLs", v);
		return field_err(ps, F_BASE_URL, "\"%s\" must start with "
		    "http://", v);
	}
	if (len > 7 && v[len - 1] == '/')
		len--;
	host = v + 7;
	end = v + len;
	if (host == end)
		return field_err(ps, F_BASE_URL, "\"%s\" has no host", v);
	if (memchr(host, '@', (size_t)(end - host)) != NULL)
		return field_err(ps, F_BASE_URL, "\"%s\" must not hold user "
		    "information", v);
	if (memchr(host, '?', (size_t)(end - host)) != NULL ||
	    memchr(host, '#', (size_t)(end - host)) != NULL)
		return field_err(ps, F_BASE_URL, "\"%s\" must not have a "
		    "query or fragment", v);
	if (memchr(host, '/', (size_t)(end - host)) != NULL)
		return field_err(ps, F_BASE_URL, "\"%s\" must not have a path: "
		    "give only http://host[:port]", v);
	if (host[0] == '[') {
		hend = memchr(host, ']', (size_t)(end - host));
		if (hend == NULL || hend == host + 1 ||
		    strspn(host + 1, "0123456789abcdefABCDEF:.") !=
		    (size_t)(hend - host - 1))
			return field_err(ps, F_BASE_URL, "\"%s\" has a "
			    "malformed IPv6 host", v);
		hend++;
		if (hend != end && hend[0] != ':')
			return field_err(ps, F_BASE_URL, "\"%s\" has text "
			    "after the IPv6 host", v);
	} else {
		hend = memchr(host, ':', (size_t)(end - host));
		if (hend == NULL)
			hend = end;
		if (hend == host || strspn(host, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
		    (size_t)(hend - host))
			return field_err(ps, F_BASE_URL, "\"%s\" has an empty "
			    "or malformed host (letters, digits, \"-\" and "
			    "\".\", or [IPv6])", v);
	}
	if (hend != end) {
		port = hend + 1;
		plen = (size_t)(end - port);
		if (plen == 0 || plen > 5 ||
		    strspn(port, "0123456789") < plen ||
		    (pn = strtol(port, NULL, 10)) < 1 || pn > 65535)
			return field_err(ps, F_BASE_URL, "\"%s\" has a bad "
			    "port (1..65535)", v);
	}
	if ((*out = strndup(v, len)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

static int
check_org(const struct parser *ps, const char *v)
{
	unsigned long e;

	if (v[0] == '\0')
		return field_err(ps, F_ORG, "must not be empty");
	/* OpenSSL's own UTF-8 rules decide, as they will for the CA name. */
	if (ASN1_mbstring_ncopy(NULL, (const unsigned char *)v, -1,
	    MBSTRING_UTF8, B_ASN1_UTF8STRING, 1, ORG_MAX_CHARS) < 0) {
		e = ERR_peek_last_error();
		ERR_clear_error();
		if (ERR_GET_REASON(e) == ASN1_R_STRING_TOO_LONG)
			return field_err(ps, F_ORG, "\"%s\" is longer than %d "
			    "characters (X.520 ub-organization-name)", v,
			    ORG_MAX_CHARS);
		return field_err(ps, F_ORG, "\"%s\" is not valid UTF-8", v);
	}
	return 0;
}

/*
 * One [dns] servers entry, s[0..n): an IPv4 address or a bracketed IPv6
 * address, each with an optional ":port". Only addresses: c-ares takes no
 * host names here, and a resolver found through DNS would be circular.
 */
static int
check_server(const struct parser *ps, const char *s, size_t n)
{
	char host[INET6_ADDRSTRLEN + 1], port[8];
	unsigned char addr[sizeof(struct in6_addr)];
	const char *hend, *p;
	size_t hlen, plen;
	long pn;
	int af = AF_INET;

	if (n == 0)
		return field_err(ps, F_DNS_SERVERS, "empty entry in the list");
	if (s[0] == '[') {
		af = AF_INET6;
		if ((hend = memchr(s, ']', n)) == NULL)
			return field_err(ps, F_DNS_SERVERS, "\"%.*s\" has no "
			    "closing \"]\"", (int)n, s);
		hlen = (size_t)(hend - s - 1);
		p = hend + 1;
		if (hlen >= sizeof(host))
			goto bad_addr;
		memcpy(host, s + 1, hlen);
	} else {
		if ((hend = memchr(s, ':', n)) == NULL)
			hend = s + n;
		hlen = (size_t)(hend - s);
		p = hend;
		if (hlen >= sizeof(host))
			goto bad_addr;
		memcpy(host, s, hlen);
	}
	host[hlen] = '\0';
	if (inet_pton(af, host, addr) != 1)
		goto bad_addr;
	if (p == s + n)
		return 0;
	plen = (size_t)(s + n - p) - 1;
	if (p[0] != ':' || plen == 0 || plen >= sizeof(port) ||
	    strspn(p + 1, "0123456789") < plen)
		return field_err(ps, F_DNS_SERVERS, "\"%.*s\" has a bad port "
		    "(expected ADDRESS[:PORT], 1..65535)", (int)n, s);
	memcpy(port, p + 1, plen);
	port[plen] = '\0';
	pn = strtol(port, NULL, 10);
	if (pn < 1 || pn > 65535)
		return field_err(ps, F_DNS_SERVERS, "\"%.*s\" has a bad port "
		    "(expected ADDRESS[:PORT], 1..65535)", (int)n, s);
	return 0;
bad_addr:
	return field_err(ps, F_DNS_SERVERS, "\"%.*s\" is not an IP address "
	    "with an optional port (IPv4 as 192.0.2.1:53, IPv6 as "
	    "[2001:db8::1]:53)", (int)n, s);
}

/* A comma-separated list of check_server() entries, spaces allowed. */
static int
check_servers(char **out, const struct parser *ps, const char *v)
{
	const char *p = v, *end, *e;
	size_t n, count = 0;
	char *norm = NULL, *o;
	int rc;

	*out = NULL;
	/* Room for v without its blanks: the form c-ares parses. */
	if ((norm = malloc(strlen(v) + 1)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	o = norm;
	for (;;) {
		end = strchr(p, ',');
		e = end != NULL ? end : p + strlen(p);
		n = (size_t)(e - p);
		trim(&p, &n);
		if ((rc = check_server(ps, p, n)) != 0)
			goto out;
		if (++count > DNS_SERVERS_MAX) {
			rc = field_err(ps, F_DNS_SERVERS, "more than %d "
			    "servers", DNS_SERVERS_MAX);
			goto out;
		}
		if (o != norm)
			*o++ = ',';
		memcpy(o, p, n);
		o += n;
		if (end == NULL)
			break;
		p = end + 1;
	}
	*o = '\0';
	*out = norm;
	norm = NULL; /* transferred */
	rc = 0;
out:
	free(norm);
	return rc;
}

/* Wrap the message another module recorded with our file and line. */
static int
rewrap(const struct parser *ps, enum field f, int rc)
{
	char inner[512];

	snprintf(inner, sizeof(inner), "%s", err_msg());
	field_err(ps, f, "%s", inner);
	return rc;
}

static int
replace(char **slot, char *v)
{
	if (v == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	free(*slot);
	*slot = v;
	return 0;
}

static int
set_field(struct config *cfg, const struct parser *ps, enum field f,
    const char *v)
{
	enum key_type kt;
	char *url = NULL, *list = NULL;
	int rc;

	switch (f) {
	case F_ORG:
		if ((rc = check_org(ps, v)) != 0)
			return rc;
		return replace(&cfg->org, strdup(v));
	case F_COUNTRY:
		if (strlen(v) != 2 || v[0] < 'A' || v[0] > 'Z' ||
		    v[1] < 'A' || v[1] > 'Z')
			return field_err(ps, f, "\"%s\" must be two upper-case "
			    "letters (ISO 3166-1 alpha-2)", v);
		return replace(&cfg->country, strdup(v));
	case F_BASE_URL:
		if ((rc = check_url(&url, ps, v)) != 0)
			return rc;
		return replace(&cfg->base_url, url);
	case F_CA_KEY:
		if ((rc = keys_type_parse(&kt, v)) != 0)
			return rewrap(ps, f, rc);
		if (kt != KEY_RSA4096 && kt != KEY_ECP384)
			return field_err(ps, f, "\"%s\" is not allowed: the "
			    "mailcert CA profile takes only %s or %s CA keys",
			    v, keys_type_name(KEY_RSA4096),
			    keys_type_name(KEY_ECP384));
		cfg->ca_key = kt;
		return 0;
	case F_ISSUE_KEY:
		if ((rc = keys_type_parse(&cfg->issue_key, v)) != 0)
			return rewrap(ps, f, rc);
		return 0;
	case F_ISSUE_DAYS:
		return parse_days(&cfg->issue_days, ps, f, v, 1,
		    PROFILE_MAX_DAYS);
	case F_ISSUE_PROFILE:
		if ((rc = profile_parse(&cfg->issue_profile, v)) != 0)
			return rewrap(ps, f, rc);
		return 0;
	case F_CRL_SUBSCRIBER_DAYS:
		return parse_days(&cfg->crl_subscriber_days, ps, f, v, 1, 10);
	case F_CRL_CA_DAYS:
		return parse_days(&cfg->crl_ca_days, ps, f, v, 1, 365);
	case F_STORE_BACKEND:
		if (strcmp(v, DEF_STORE_BACKEND) != 0)
			return field_err(ps, f, "\"%s\" is not supported (only "
			    "\"%s\")", v, DEF_STORE_BACKEND);
		return replace(&cfg->store_backend, strdup(v));
	case F_STORE_PATH:
		if (v[0] == '\0')
			return field_err(ps, f, "must not be empty");
		return replace(&cfg->store_path, resolve(ps->dir, v));
	case F_DNS_SERVERS:
		if (v[0] == '\0')
			return field_err(ps, f, "must not be empty (leave the "
			    "key out to use the system's resolvers)");
		if ((rc = check_servers(&list, ps, v)) != 0)
			return rc;
		return replace(&cfg->dns_servers, list);
	case F_DNS_TIMEOUT_MS:
		return parse_days(&cfg->dns_timeout_ms, ps, f, v, 100, 30000);
	case F_DNS_TRIES:
		return parse_days(&cfg->dns_tries, ps, f, v, 1, 5);
	case F_SYNC_RENEW_DAYS:
		return parse_days(&cfg->sync_renew_days, ps, f, v, 1, 365);
	case F_SYNC_ON_REMOVAL:
		if (strcmp(v, removals[CONFIG_REMOVAL_REVOKE]) == 0)
			cfg->sync_on_removal = CONFIG_REMOVAL_REVOKE;
		else if (strcmp(v, removals[CONFIG_REMOVAL_KEEP]) == 0)
			cfg->sync_on_removal = CONFIG_REMOVAL_KEEP;
		else
			return field_err(ps, f, "\"%s\" is neither \"revoke\" "
			    "nor \"keep\"", v);
		return 0;
	case F_SYNC_MAX_REMOVAL:
		return parse_days(&cfg->sync_max_removal_percent, ps, f, v, 0,
		    100);
	case F_SERVE_LISTEN:
	case F_SERVE_PUBLIC_LISTEN:
		/* The address form is checked by serve (http.h), which
		 * owns it; here only that there is one. */
		if (v[0] == '\0' || strchr(v, ':') == NULL)
			return field_err(ps, f, "\"%s\" is not HOST:PORT", v);
		return replace(f == F_SERVE_LISTEN ? &cfg->serve_listen :
		    &cfg->serve_public_listen, strdup(v));
	case F_SERVE_THREADS:
		return parse_days(&cfg->serve_threads, ps, f, v, 1, 64);
	case F_SERVE_SYNC_INTERVAL:
		return parse_days(&cfg->serve_sync_interval, ps, f, v, 0,
		    7 * 24 * 60);
	case F_SERVE_STOP_SECONDS:
		return parse_days(&cfg->serve_stop_seconds, ps, f, v, 1, 300);
	case F_OCSP_VALIDITY_HOURS:
		return parse_days(&cfg->ocsp_validity_hours, ps, f, v, 8, 240);
	case F_OCSP_RESPONDER_DAYS:
		return parse_days(&cfg->ocsp_responder_days, ps, f, v, 7, 365);
	default:
		abort();	/* every field has a case above */
	}
}

/* Undo the quoting of s[0..n), which starts with a quote, into *out. */
static int
unquote(char **out, const struct parser *ps, enum field f, const char *s,
    size_t n)
{
	char *v = NULL;
	size_t i, o = 0;
	int rc;

	*out = NULL;
	if ((v = malloc(n)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 1; i < n && s[i] != '"'; i++) {
		if (s[i] != '\\') {
			v[o++] = s[i];
			continue;
		}
		if (i + 1 >= n || (s[i + 1] != '"' && s[i + 1] != '\\')) {
			rc = field_err(ps, f, "unknown escape in quoted value "
			    "(only \\\" and \\\\)");
			goto out;
		}
		v[o++] = s[++i];
	}
	if (i >= n) {
		rc = field_err(ps, f, "quoted value has no closing quote");
		goto out;
	}
	if (i + 1 != n) {
		rc = field_err(ps, f, "unexpected text after the closing "
		    "quote");
		goto out;
	}
	v[o] = '\0';
	*out = v;
	v = NULL; /* transferred */
	rc = 0;
out:
	free(v);
	return rc;
}

static int
parse_section(struct parser *ps, const char *s, size_t n)
{
	size_t i;

	if (s[n - 1] != ']')
		return line_err(ps, "malformed section header (expected "
		    "\"[name]\")");
	s++;
	n -= 2;
	trim(&s, &n);
	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		if (span_is(s, n, sections[i])) {
			ps->section = sections[i];
			return 0;
		}
	}
	return line_err(ps, "unknown section \"[%.*s]\" (expected [ca], "
	    "[issue], [crl], [store], [dns] or [sync])", (int)n, s);
}

static int
parse_line(struct config *cfg, struct parser *ps, const char *s, size_t n)
{
	const char *eq, *key, *val;
	char valid[128], *v = NULL;
	size_t i, klen, vlen;
	int f, rc;

	if (n > 0 && s[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++) {
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    s[i] == 0x7f)
			return line_err(ps, "control character 0x%02x",
			    (unsigned char)s[i]);
	}
	trim(&s, &n);
	if (n == 0 || s[0] == '#' || s[0] == ';')
		return 0;
	if (s[0] == '[')
		return parse_section(ps, s, n);
	if ((eq = memchr(s, '=', n)) == NULL)
		return line_err(ps, "expected \"key = value\", \"[section]\" "
		    "or a comment");
	key = s;
	klen = (size_t)(eq - s);
	trim(&key, &klen);
	val = eq + 1;
	vlen = n - (size_t)(val - s);
	trim(&val, &vlen);
	if (klen == 0)
		return line_err(ps, "no key before \"=\"");
	if (ps->section == NULL)
		return line_err(ps, "key \"%.*s\" comes before any [section]",
		    (int)klen, key);
	valid[0] = '\0';
	for (f = 0; f < F__MAX; f++) {
		if (strcmp(fields[f].section, ps->section) != 0)
			continue;
		if (span_is(key, klen, fields[f].key))
			break;
		snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid),
		    "%s%s", valid[0] ? ", " : "", fields[f].key);
	}
	if (f == F__MAX)
		return line_err(ps, "unknown key \"%.*s\" in [%s] (expected "
		    "one of: %s)", (int)klen, key, ps->section, valid);
	if (ps->seen[f] != 0)
		return line_err(ps, "duplicate key \"%s\" in [%s] (first set "
		    "on line %zu)", fields[f].key, ps->section, ps->seen[f]);
	ps->seen[f] = ps->line;
	if (vlen > 0 && val[0] == '"')
		rc = unquote(&v, ps, f, val, vlen);
	else if ((v = strndup(val, vlen)) == NULL)
		rc = err_set(ERR_NOMEM, "out of memory");
	else
		rc = 0;
	if (rc == 0)
		rc = set_field(cfg, ps, f, v);
	free(v);
	return rc;
}

int
config_parse(struct config **out, const char *text, size_t len,
    const char *name, const char *dir)
{
	struct config *cfg = NULL;
	struct parser ps;
	const char *p, *end, *nl;
	int rc;

	*out = NULL;
	if (len > CONFIG_MAX_BYTES)
		return err_set(ERR_INVALID, "\"%s\" is larger than %d bytes",
		    name, CONFIG_MAX_BYTES);
	if ((rc = config_defaults(&cfg, dir)) != 0)
		return rc;
	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.dir = dir;
	p = text;
	end = text + len;
	/* Editors on some systems start UTF-8 files with a byte-order mark. */
	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		ps.line++;
		if ((rc = parse_line(cfg, &ps, p,
		    (size_t)((nl ? nl : end) - p))) != 0)
			goto out;
		p = nl ? nl + 1 : end;
	}
	*out = cfg;
	cfg = NULL; /* transferred */
	rc = 0;
out:
	config_free(cfg);
	return rc;
}

int
config_load(struct config **out, const char *dir)
{
	unsigned char *text = NULL;
	char *path = NULL;
	size_t len;
	struct stat sb;
	int rc;

	*out = NULL;
	if ((path = file_join(dir, CONFIG_FILE)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (stat(path, &sb) == -1 && (errno == ENOENT || errno == ENOTDIR)) {
		rc = err_set(ERR_UNINIT, "\"%s\" is not an initialised "
		    "mailcert directory (no %s); run mailcert init", dir,
		    CONFIG_FILE);
		goto out;
	}
	if ((rc = file_read(&text, &len, path, CONFIG_MAX_BYTES)) != 0)
		goto out;
	rc = config_parse(out, (const char *)text, len, path, dir);
out:
	free(text);
	free(path);
	return rc;
}

/*
 * Write "key = value", quoting the value unless it reads back as itself
 * and has nothing a reader could take for syntax.
 */
static int
emit(FILE *fp, const char *key, const char *v)
{
	size_t i, n = strlen(v);
	int quote;

	quote = n == 0 || is_blank(v[0]) || is_blank(v[n - 1]) ||
	    strpbrk(v, "\"\\#;=[]") != NULL;
	for (i = 0; i < n; i++) {
		if ((unsigned char)v[i] >= 0x80)
			quote = 1;
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') ||
		    v[i] == 0x7f)
			return err_set(ERR_INVALID, "value of %s holds control "
			    "character 0x%02x, which %s cannot hold", key,
			    (unsigned char)v[i], CONFIG_FILE);
	}
	if (!quote) {
		fprintf(fp, "%s = %s\n", key, v);
		return 0;
	}
	fprintf(fp, "%s = \"", key);
	for (i = 0; i < n; i++) {
		if (v[i] == '"' || v[i] == '\\')
			fputc('\\', fp);
		fputc(v[i], fp);
	}
	fputs("\"\n", fp);
	return 0;
}

/* store_path as config_parse() would have been given it. */
static const char *
store_path_rel(const struct config *cfg)
{
	size_t dlen = strlen(cfg->dir);
	const char *rel;
	char *back;
	int same;

	if (dlen == 0 || strncmp(cfg->store_path, cfg->dir, dlen) != 0)
		return cfg->store_path;
	rel = cfg->store_path + dlen;
	if (cfg->dir[dlen - 1] != '/') {
		if (rel[0] != '/')
			return cfg->store_path;
		rel++;
	}
	if (rel[0] == '\0' || rel[0] == '/')
		return cfg->store_path;
	if ((back = resolve(cfg->dir, rel)) == NULL)
		return cfg->store_path;
	same = strcmp(back, cfg->store_path) == 0;
	free(back);
	return same ? rel : cfg->store_path;
}

int
config_format(char **out, const struct config *cfg)
{
	FILE *fp = NULL;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((fp = open_memstream(&buf, &len)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	fputs("# mailcert data directory configuration\n\n[ca]\n", fp);
	if ((rc = emit(fp, "org", cfg->org)) != 0 ||
	    (rc = emit(fp, "country", cfg->country)) != 0 ||
	    (rc = emit(fp, "base_url", cfg->base_url)) != 0)
		goto out;
	fprintf(fp, "key = %s\n\n[issue]\nkey = %s\ndays = %d\n"
	    "profile = %s\n\n[crl]\nsubscriber_days = %d\nca_days = %d\n\n"
	    "[store]\n", keys_type_name(cfg->ca_key),
	    keys_type_name(cfg->issue_key), cfg->issue_days,
	    profile_name(cfg->issue_profile), cfg->crl_subscriber_days,
	    cfg->crl_ca_days);
	if ((rc = emit(fp, "backend", cfg->store_backend)) != 0 ||
	    (rc = emit(fp, "path", store_path_rel(cfg))) != 0)
		goto out;
	fputs("\n[dns]\n", fp);
	if (cfg->dns_servers != NULL &&
	    (rc = emit(fp, "servers", cfg->dns_servers)) != 0)
		goto out;
	fprintf(fp, "timeout_ms = %d\ntries = %d\n\n[sync]\nrenew_days = %d\n"
	    "on_removal = %s\nmax_removal_percent = %d\n",
	    cfg->dns_timeout_ms, cfg->dns_tries, cfg->sync_renew_days,
	    removals[cfg->sync_on_removal], cfg->sync_max_removal_percent);
	fputs("\n[serve]\n", fp);
	if ((rc = emit(fp, "listen", cfg->serve_listen)) != 0 ||
	    (cfg->serve_public_listen != NULL &&
	    (rc = emit(fp, "public_listen", cfg->serve_public_listen)) != 0))
		goto out;
	fprintf(fp, "threads = %d\nsync_interval = %d\nstop_seconds = %d\n"
	    "\n[ocsp]\nvalidity_hours = %d\nresponder_days = %d\n",
	    cfg->serve_threads, cfg->serve_sync_interval,
	    cfg->serve_stop_seconds, cfg->ocsp_validity_hours,
	    cfg->ocsp_responder_days);
	if (ferror(fp)) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = fclose(fp);
	fp = NULL;
	if (rc != 0) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	*out = buf;
	buf = NULL; /* transferred */
out:
	if (fp != NULL)
		fclose(fp);
	free(buf);
	return rc;
}

int
config_defaults(struct config **out, const char *dir)
{
	struct config *cfg = NULL;
	int rc;

	*out = NULL;
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if ((cfg->dir = strdup(dir)) == NULL ||
	    (cfg->org = strdup(DEF_ORG)) == NULL ||
	    (cfg->country = strdup(DEF_COUNTRY)) == NULL ||
	    (cfg->base_url = strdup(DEF_BASE_URL)) == NULL ||
	    (cfg->store_backend = strdup(DEF_STORE_BACKEND)) == NULL ||
	    (cfg->store_path = resolve(dir, DEF_STORE_PATH)) == NULL ||
	    (cfg->kek_path = resolve(dir, CONFIG_KEK_FILE)) == NULL ||
	    (cfg->serve_listen = strdup(DEF_SERVE_LISTEN)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	cfg->ca_key = KEY_RSA4096;
	cfg->issue_key = KEY_RSA3072;
	cfg->issue_days = PROFILE_DEFAULT_DAYS;
	cfg->issue_profile = PROFILE_STRICT;
	cfg->crl_subscriber_days = DEF_CRL_SUBSCRIBER_DAYS;
	cfg->crl_ca_days = DEF_CRL_CA_DAYS;
	cfg->dns_timeout_ms = DEF_DNS_TIMEOUT_MS;
	cfg->dns_tries = DEF_DNS_TRIES;
	cfg->sync_renew_days = DEF_SYNC_RENEW_DAYS;
	cfg->sync_on_removal = CONFIG_REMOVAL_REVOKE;
	cfg->sync_max_removal_percent = DEF_SYNC_MAX_REMOVAL;
	cfg->serve_threads = DEF_SERVE_THREADS;
	cfg->serve_sync_interval = DEF_SERVE_SYNC_INTERVAL;
	cfg->serve_stop_seconds = DEF_SERVE_STOP_SECONDS;
	cfg->ocsp_validity_hours = DEF_OCSP_VALIDITY_HOURS;
	cfg->ocsp_responder_days = DEF_OCSP_RESPONDER_DAYS;
	*out = cfg;
	cfg = NULL; /* transferred */
	rc = 0;
out:
	config_free(cfg);
	return rc;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->dir);
	free(cfg->org);
	free(cfg->country);
	free(cfg->base_url);
	free(cfg->store_backend);
	free(cfg->store_path);
	free(cfg->kek_path);
	free(cfg->dns_servers);
	free(cfg->serve_listen);
	free(cfg->serve_public_listen);
	free(cfg);
}
