/*
 * dirsrc-ldap.c: the LDAP directory source (docs/ldap-source.md).
 *
 * One connection per read: ldap_initialize(), LDAPv3, optional StartTLS
 * (RFC 4513 section 3) or ldaps:// with a demanded server certificate,
 * a simple bind (RFC 4513 section 5.1.3) or none, then paged searches
 * (RFC 2696): the users first, then the groups with their `member`
 * values, or, with nested set (Active Directory only), one search of the
 * users per group through LDAP_MATCHING_RULE_IN_CHAIN.
 *
 * Member DNs are matched to the users of this read by a normalised form:
 * ldap_dn_normalize() to LDAPv3 syntax (spacing, escaping), then ASCII
 * lower case, because every naming attribute OpenLDAP and AD use (uid,
 * cn, ou, dc) matches without regard to case. The users are kept in an
 * array with an index sorted by that form; memberships are (user, group)
 * pairs, sorted once at the end so the snapshot is filled in user order.
 *
 * Reading is all or nothing (source.h): any LDAP error, including a size
 * or time limit, fails the whole read.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

#include <ldap.h>
#include <openssl/crypto.h>

#include "directory.h"
#include "dirsrc-ldap.h"
#include "err.h"
#include "util/array.h"
#include "util/file.h"

#define PAIRS_MAX		(16 * 1024 * 1024) /* memberships in all */
#define PAGES_MAX		(1024 * 1024)	/* pages of one search */

/* AD's LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups. */
#define IN_CHAIN_OID		"1.2.840.113556.1.4.1941"

const struct source_opt dirsrc_ldap_opts[] = {
	{ "url", SOURCE_OPT_STRING, 1, 0, 0, NULL,
	    "ldap://HOST[:PORT] or ldaps://HOST[:PORT]" },
	{ "starttls", SOURCE_OPT_BOOL, 0, 0, 0, NULL,
	    "upgrade an ldap:// connection with StartTLS" },
	{ "ca_file", SOURCE_OPT_PATH, 0, 0, 0, NULL,
	    "PEM CA certificates that verify the server (TLS)" },
	{ "bind_dn", SOURCE_OPT_STRING, 0, 0, 0, NULL,
	    "DN for a simple bind; anonymous without it" },
	{ "password_file", SOURCE_OPT_PATH, 0, 0, 0, NULL,
	    "file whose first line is the bind password" },
	{ "user_base", SOURCE_OPT_STRING, 1, 0, 0, NULL,
	    "search base of the users" },
	{ "user_filter", SOURCE_OPT_STRING, 0, 0, 0,
	    "(objectClass=inetOrgPerson); ad: "
	    "(&(objectCategory=person)(objectClass=user))",
	    "filter selecting the users" },
	{ "group_base", SOURCE_OPT_STRING, 0, 0, 0, "the user base",
	    "search base of the groups" },
	{ "group_filter", SOURCE_OPT_STRING, 0, 0, 0,
	    "(objectClass=groupOfNames); ad: (objectClass=group)",
	    "filter selecting the groups" },
	{ "flavor", SOURCE_OPT_STRING, 0, 0, 0, "openldap",
	    "openldap or ad: the defaults of filters and attributes" },
	{ "nested", SOURCE_OPT_BOOL, 0, 0, 0, NULL,
	    "ad: members of nested groups count (matching rule in chain)" },
	{ "page_size", SOURCE_OPT_INT, 0, 1, 5000, "500",
	    "entries per page of a paged search" },
	{ "timeout", SOURCE_OPT_INT, 0, 1, 600, "30",
	    "seconds for connecting and for each operation" },
	{ "attr_id", SOURCE_OPT_STRING, 0, 0, 0, "entryUUID; ad: objectGUID",
	    "attribute holding the user's stable external id" },
	{ "attr_mail", SOURCE_OPT_STRING, 0, 0, 0, "mail",
	    "attribute holding the address" },
	{ "attr_given_name", SOURCE_OPT_STRING, 0, 0, 0, "givenName",
	    "attribute holding the given name" },
	{ "attr_surname", SOURCE_OPT_STRING, 0, 0, 0, "sn",
	    "attribute holding the surname" },
	{ "attr_proxy", SOURCE_OPT_STRING, 0, 0, 0,
	    "none; ad: proxyAddresses",
	    "attribute whose \"SMTP:\" value is the primary address" },
	{ "attr_group_name", SOURCE_OPT_STRING, 0, 0, 0, "cn",
	    "attribute holding a group's name" },
	{ NULL, SOURCE_OPT_STRING, 0, 0, 0, NULL, NULL }
};

struct user {
	char		*id;		/* external id as text */
	char		*email;		/* primary address, or NULL */
	char		*given;		/* NULL if none */
	char		*surname;	/* NULL if none */
	char		*dn;		/* normalised: the lookup key */
};

struct group {
	char		*name;
	char		*dn;		/* as delivered; nested only */
};

struct dnref {
	char		*dn;		/* normalised; borrowed */
	size_t		 user;		/* index into users */
};

struct pair {
	uint32_t	 user;		/* index into users */
	uint32_t	 group;		/* index into groups */
};

/* The parameters with the flavor's defaults applied. */
struct conf {
	const char	*url;
	int		 starttls;
	const char	*ca_file;
	const char	*bind_dn;
	const char	*password_file;
	const char	*user_base;
	const char	*user_filter;
	const char	*group_base;
	const char	*group_filter;
	int		 ad;		/* flavor ad */
	int		 nested;
	int		 page_size;
	int		 timeout;
	const char	*attr_id;
	const char	*attr_mail;
	const char	*attr_given;
	const char	*attr_surname;
	const char	*attr_proxy;	/* NULL: none */
	const char	*attr_group;
};

struct rd {
	const char	*name;		/* the source */
	char		 who[300];	/* "source NAME" for messages */
	struct conf	 c;
	LDAP		*ld;
	struct user	*users;
	size_t		 nusers, ucap;
	struct dnref	*by_dn;		/* the users sorted by dn */
	struct group	*groups;
	size_t		 ngroups, gcap;
	struct pair	*pairs;
	size_t		 npairs, pcap;
};

static const char *
str_param(const json_t *params, const char *key, const char *def)
{
	const json_t *v = json_object_get(params, key);

	return json_is_string(v) ? json_string_value(v) : def;
}

static int
bool_param(const json_t *params, const char *key)
{
	return json_is_true(json_object_get(params, key));
}

static int
int_param(const json_t *params, const char *key, int def)
{
	const json_t *v = json_object_get(params, key);

	return json_is_integer(v) ? (int)json_integer_value(v) : def;
}

static void
conf_load(struct conf *c, const json_t *params)
{
	c->ad = strcmp(str_param(params, "flavor", "openldap"), "ad") == 0;
	c->url = str_param(params, "url", NULL);
	c->starttls = bool_param(params, "starttls");
	c->ca_file = str_param(params, "ca_file", NULL);
	c->bind_dn = str_param(params, "bind_dn", NULL);
	c->password_file = str_param(params, "password_file", NULL);
	c->user_base = str_param(params, "user_base", NULL);
	c->user_filter = str_param(params, "user_filter", c->ad ?
	    "(&(objectCategory=person)(objectClass=user))" :
	    "(objectClass=inetOrgPerson)");
	c->group_base = str_param(params, "group_base", c->user_base);
	c->group_filter = str_param(params, "group_filter", c->ad ?
	    "(objectClass=group)" : "(objectClass=groupOfNames)");
	c->nested = bool_param(params, "nested");
	c->page_size = int_param(params, "page_size", 500);
	c->timeout = int_param(params, "timeout", 30);
	c->attr_id = str_param(params, "attr_id",
	    c->ad ? "objectGUID" : "entryUUID");
	c->attr_mail = str_param(params, "attr_mail", "mail");
	c->attr_given = str_param(params, "attr_given_name", "givenName");
	c->attr_surname = str_param(params, "attr_surname", "sn");
	c->attr_proxy = str_param(params, "attr_proxy",
	    c->ad ? "proxyAddresses" : NULL);
	c->attr_group = str_param(params, "attr_group_name", "cn");
}

/*
 * A search filter must be one parenthesised filter. Parentheses inside
 * values are escaped as \28 and \29 (RFC 4515 section 3), so counting
 * them is exact; the server parses the rest.
 */
static int
check_filter(const char *opt, const char *f)
{
	const char *p;
	int depth = 0;

	if (f == NULL)
		return 0;
	if (f[0] != '(')
		return err_set(ERR_INVALID, "--%s: \"%s\" does not start "
		    "with '('", opt, f);
	for (p = f; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0 && p[1] != '\0')
			return err_set(ERR_INVALID, "--%s: \"%s\" has text "
			    "after the closing ')' at column %zu", opt, f,
			    (size_t)(p - f) + 2);
	}
	if (depth != 0)
		return err_set(ERR_INVALID, "--%s: \"%s\" has unbalanced "
		    "parentheses", opt, f);
	return 0;
}

static int
check_readable(const char *opt, const char *path)
{
	if (path != NULL && access(path, R_OK) != 0)
		return err_set(ERR_INVALID, "--%s: cannot read \"%s\"", opt,
		    path);
	return 0;
}

int
dirsrc_ldap_check(const json_t *params)
{
	LDAPURLDesc *lud = NULL;
	const char *flavor = str_param(params, "flavor", "openldap");
	struct conf c;
	int rc;

	conf_load(&c, params);
	if (strcmp(flavor, "openldap") != 0 && strcmp(flavor, "ad") != 0)
		return err_set(ERR_INVALID, "--flavor: \"%s\" is neither "
		    "openldap nor ad", flavor);
	if (c.url == NULL)
		return err_set(ERR_INVALID, "--url: missing");
	/* libldap knows ldapi:// and more; we connect over TCP only. */
	if (strncasecmp(c.url, "ldap://", 7) != 0 &&
	    strncasecmp(c.url, "ldaps://", 8) != 0)
		return err_set(ERR_INVALID, "--url: \"%s\": the scheme must be "
		    "ldap:// or ldaps://", c.url);
	if (ldap_url_parse(c.url, &lud) != LDAP_URL_SUCCESS)
		return err_set(ERR_INVALID, "--url: \"%s\" is not an LDAP URL",
		    c.url);
	if (lud->lud_host == NULL || lud->lud_host[0] == '\0')
		rc = err_set(ERR_INVALID, "--url: \"%s\" names no host",
		    c.url);
	else if (lud->lud_port < 0 || lud->lud_port > 65535)
		rc = err_set(ERR_INVALID, "--url: \"%s\": port %d is out of "
		    "range", c.url, lud->lud_port);
	else if ((lud->lud_dn != NULL && lud->lud_dn[0] != '\0') ||
	    lud->lud_attrs != NULL || lud->lud_filter != NULL ||
	    lud->lud_exts != NULL)
		rc = err_set(ERR_INVALID, "--url: \"%s\": give only scheme, "
		    "host and port; bases and filters have their own "
		    "options", c.url);
	else if (c.starttls && strcasecmp(lud->lud_scheme, "ldaps") == 0)
		rc = err_set(ERR_INVALID, "--starttls: \"%s\" is ldaps:// "
		    "already", c.url);
	else
		rc = 0;
	ldap_free_urldesc(lud);
	if (rc != 0)
		return rc;
	if (c.nested && !c.ad)
		return err_set(ERR_INVALID, "--nested: only with --flavor ad "
		    "(OpenLDAP has no matching rule for nested groups)");
	if (c.bind_dn != NULL && c.password_file == NULL)
		return err_set(ERR_INVALID, "--password-file: required with "
		    "--bind-dn");
	if (c.bind_dn == NULL && c.password_file != NULL)
		return err_set(ERR_INVALID, "--bind-dn: required with "
		    "--password-file");
	if (c.user_base == NULL)
		return err_set(ERR_INVALID, "--user-base: missing");
	if ((rc = check_filter("user-filter", c.user_filter)) != 0 ||
	    (rc = check_filter("group-filter", c.group_filter)) != 0 ||
	    (rc = check_readable("password-file", c.password_file)) != 0 ||
	    (rc = check_readable("ca-file", c.ca_file)) != 0)
		return rc;
	return 0;
}

/*
 * Record an LDAP failure as "source NAME: URL: WHAT failed: TEXT (CODE)",
 * with the server's diagnostic message when it sent a useful one.
 */
static int
ldap_fail(const struct rd *r, int lrc, const char *what)
{
	const char *hint = "";
	char *diag = NULL;
	int rc, tls;

	if (r->ld != NULL)
		ldap_get_option(r->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
	/* libldap with GnuTLS says only this of a refused certificate. */
	if (diag != NULL && (diag[0] == '\0' ||
	    strcmp(diag, "(unknown error code)") == 0)) {
		ldap_memfree(diag);
		diag = NULL;
	}
	tls = r->c.starttls || strncasecmp(r->c.url, "ldaps:", 6) == 0;
	if (tls && (lrc == LDAP_SERVER_DOWN || lrc == LDAP_CONNECT_ERROR))
		hint = "; over TLS this may also mean that the server's "
		    "certificate is not from a CA in --ca-file or names "
		    "another host";
	rc = err_set(ERR_IO, "%s: %s: %s failed: %s (%d)%s%s%s", r->who,
	    r->c.url, what, ldap_err2string(lrc), lrc,
	    diag != NULL ? ": " : "", diag != NULL ? diag : "", hint);
	ldap_memfree(diag);
	return rc;
}

static int
nomem(void)
{
	return err_set(ERR_NOMEM, "out of memory");
}

/* The bind password: file_read_secret() naming the source. */
static int
read_password(struct rd *r, char **out)
{
	char msg[512];
	int rc;

	if ((rc = file_read_secret(out, r->c.password_file)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return err_set(rc, "%s: password file %s", r->who, msg);
	}
	return 0;
}

/* TLS settings for ldaps:// and StartTLS: the CA file, a demanded and
 * verified server certificate. */
static int
setup_tls(struct rd *r)
{
	int v, lrc;

	v = LDAP_OPT_X_TLS_DEMAND;
	if ((r->c.ca_file != NULL && (lrc = ldap_set_option(r->ld,
	    LDAP_OPT_X_TLS_CACERTFILE, r->c.ca_file)) != LDAP_OPT_SUCCESS) ||
	    (lrc = ldap_set_option(r->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &v)) !=
	    LDAP_OPT_SUCCESS)
		return ldap_fail(r, lrc, "setting TLS options");
	/* Per-handle TLS options take effect in a new context only. */
	v = 0;
	if ((lrc = ldap_set_option(r->ld, LDAP_OPT_X_TLS_NEWCTX, &v)) !=
	    LDAP_OPT_SUCCESS)
		return ldap_fail(r, lrc, r->c.ca_file != NULL ?
		    "loading the CA file" : "setting up TLS");
	return 0;
}

static int
connect_bind(struct rd *r)
{
	struct timeval tv = { .tv_sec = r->c.timeout };
	struct berval cred = { 0, NULL };
	char *pw = NULL;
	char what[600];
	int v, lrc, rc;

	if ((lrc = ldap_initialize(&r->ld, r->c.url)) != LDAP_SUCCESS)
		return ldap_fail(r, lrc, "initialising");
	v = LDAP_VERSION3;
	if ((lrc = ldap_set_option(r->ld, LDAP_OPT_PROTOCOL_VERSION, &v)) !=
	    LDAP_OPT_SUCCESS ||
	    (lrc = ldap_set_option(r->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv)) !=
	    LDAP_OPT_SUCCESS ||
	    (lrc = ldap_set_option(r->ld, LDAP_OPT_TIMEOUT, &tv)) !=
	    LDAP_OPT_SUCCESS ||
	    /* A referral would resend our password to another server. */
	    (lrc = ldap_set_option(r->ld, LDAP_OPT_REFERRALS,
	    LDAP_OPT_OFF)) != LDAP_OPT_SUCCESS)
		return ldap_fail(r, lrc, "setting options");
	if ((r->c.starttls || strncasecmp(r->c.url, "ldaps:", 6) == 0) &&
	    (rc = setup_tls(r)) != 0)
		return rc;
	if (r->c.starttls &&
	    (lrc = ldap_start_tls_s(r->ld, NULL, NULL)) != LDAP_SUCCESS)
		return ldap_fail(r, lrc, "StartTLS");
	if (r->c.bind_dn == NULL) {
		/* Bind anonymously anyway, so an unreachable server fails
		 * here and not in the middle of the first search. */
		if ((lrc = ldap_sasl_bind_s(r->ld, "", LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL)) != LDAP_SUCCESS)
			return ldap_fail(r, lrc, "anonymous bind");
		return 0;
	}
	if ((rc = read_password(r, &pw)) != 0)
		return rc;
	cred.bv_val = pw;
	cred.bv_len = strlen(pw);
	lrc = ldap_sasl_bind_s(r->ld, r->c.bind_dn, LDAP_SASL_SIMPLE, &cred,
	    NULL, NULL, NULL);
	file_secret_free(pw);
	if (lrc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "bind as %s", r->c.bind_dn);
		return ldap_fail(r, lrc, what);
	}
	return 0;
}

/* DN in the form we compare: LDAPv3 syntax, ASCII lower case. */
static char *
dn_norm(const char *dn)
{
	char *n = NULL, *p, *s;

	if (ldap_dn_normalize(dn, LDAP_DN_FORMAT_LDAP, &n,
	    LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || n == NULL)
		return NULL;
	if ((s = strdup(n)) != NULL)
		for (p = s; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
	ldap_memfree(n);
	return s;
}

/* A copy of a value as a C string; NULL with a message if it has NULs. */
static int
bv_str(char **out, const struct rd *r, const struct berval *bv,
    const char *dn, const char *attr)
{
	*out = NULL;
	if (memchr(bv->bv_val, '\0', bv->bv_len) != NULL)
		return err_set(ERR_INVALID, "%s: %s: %s holds a NUL byte",
		    r->who, dn, attr);
	if ((*out = strndup(bv->bv_val, bv->bv_len)) == NULL)
		return nomem();
	return 0;
}

/*
 * objectGUID as Windows writes it: the first three fields are stored
 * little-endian (MS-DTYP 2.3.4.2), so bytes 00 11 22 33 ... read as
 * 33221100-5544-7766-8899-aabbccddeeff.
 */
static int
guid_str(char **out, const struct rd *r, const struct berval *bv,
    const char *dn)
{
	static const int order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11,
	    12, 13, 14, 15 };
	const unsigned char *b = (const unsigned char *)bv->bv_val;
	char *s, *p;
	int i;

	*out = NULL;
	if (bv->bv_len != 16)
		return err_set(ERR_INVALID, "%s: %s: %s is %lu bytes, not "
		    "the 16 of a GUID", r->who, dn, r->c.attr_id,
		    (unsigned long)bv->bv_len);
	if ((s = malloc(37)) == NULL)
		return nomem();
	for (i = 0, p = s; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*p++ = '-';
		snprintf(p, 3, "%02x", b[order[i]]);
		p += 2;
	}
	*out = s;
	return 0;
}

/* The first value of attr in e as a string; NULL if absent. */
static int
first_value(char **out, struct rd *r, LDAPMessage *e, const char *dn,
    const char *attr)
{
	struct berval **vals;
	int rc = 0;

	*out = NULL;
	if ((vals = ldap_get_values_len(r->ld, e, attr)) == NULL)
		return 0;
	if (vals[0] != NULL && vals[0]->bv_len > 0)
		rc = bv_str(out, r, vals[0], dn, attr);
	ldap_value_free_len(vals);
	return rc;
}

/* The primary address from attr_proxy: the value after "SMTP:", if any. */
static int
proxy_primary(char **out, struct rd *r, LDAPMessage *e, const char *dn)
{
	struct berval **vals, pv;
	size_t i;
	int rc = 0;

	*out = NULL;
	if ((vals = ldap_get_values_len(r->ld, e, r->c.attr_proxy)) == NULL)
		return 0;
	/* Upper case marks the primary; "smtp:" ones are secondary. */
	for (i = 0; vals[i] != NULL; i++) {
		if (vals[i]->bv_len > 5 &&
		    memcmp(vals[i]->bv_val, "SMTP:", 5) == 0) {
			pv.bv_val = vals[i]->bv_val + 5;
			pv.bv_len = vals[i]->bv_len - 5;
			rc = bv_str(out, r, &pv, dn, r->c.attr_proxy);
			break;
		}
	}
	ldap_value_free_len(vals);
	return rc;
}

static void
user_clear(struct user *u)
{
	free(u->id);
	free(u->email);
	free(u->given);
	free(u->surname);
	free(u->dn);
	memset(u, 0, sizeof(*u));
}

static int
add_user(struct rd *r, LDAPMessage *e, const char *dn)
{
	struct user u = { 0 };
	struct berval **vals = NULL;
	struct user *nu;
	char *proxy = NULL;
	int rc;

	if (r->nusers >= DIR_USERS_MAX) {
		rc = err_set(ERR_INVALID, "%s: more than %d users under %s",
		    r->who, DIR_USERS_MAX, r->c.user_base);
		goto out;
	}
	if ((vals = ldap_get_values_len(r->ld, e, r->c.attr_id)) == NULL ||
	    vals[0] == NULL || vals[0]->bv_len == 0) {
		rc = err_set(ERR_INVALID, "%s: %s has no %s (the id attribute)",
		    r->who, dn, r->c.attr_id);
		goto out;
	}
	if (strcasecmp(r->c.attr_id, "objectGUID") == 0)
		rc = guid_str(&u.id, r, vals[0], dn);
	else
		rc = bv_str(&u.id, r, vals[0], dn, r->c.attr_id);
	if (rc != 0)
		goto out;
	if (r->c.attr_proxy != NULL &&
	    (rc = proxy_primary(&proxy, r, e, dn)) != 0)
		goto out;
	if (proxy != NULL) {
		u.email = proxy;
		proxy = NULL;	/* transferred */
	} else if ((rc = first_value(&u.email, r, e, dn,
	    r->c.attr_mail)) != 0)
		goto out;
	if ((rc = first_value(&u.given, r, e, dn, r->c.attr_given)) != 0 ||
	    (rc = first_value(&u.surname, r, e, dn, r->c.attr_surname)) != 0)
		goto out;
	if ((u.dn = dn_norm(dn)) == NULL) {
		rc = err_set(ERR_INVALID, "%s: the server sent the malformed "
		    "DN \"%s\"", r->who, dn);
		goto out;
	}
	if ((nu = array_grow(r->users, r->nusers, &r->ucap,
	    sizeof(*r->users))) == NULL) {
		rc = nomem();
		goto out;
	}
	r->users = nu;
	r->users[r->nusers++] = u;
	memset(&u, 0, sizeof(u));	/* transferred */
	rc = 0;
 out:
	if (vals != NULL)
		ldap_value_free_len(vals);
	free(proxy);
	user_clear(&u);
	return rc;
}

static int
cmp_dnref(const void *a, const void *b)
{
	return strcmp(((const struct dnref *)a)->dn,
	    ((const struct dnref *)b)->dn);
}

static int
index_users(struct rd *r)
{
	size_t i;

	if (r->nusers == 0)
		return 0;
	if ((r->by_dn = calloc(r->nusers, sizeof(*r->by_dn))) == NULL)
		return nomem();
	for (i = 0; i < r->nusers; i++) {
		r->by_dn[i].dn = r->users[i].dn;
		r->by_dn[i].user = i;
	}
	array_sort(r->by_dn, r->nusers, sizeof(*r->by_dn), cmp_dnref);
	return 0;
}

/* The index of the user with DN dn (any form), or -1 if not read. */
static long
find_user(const struct rd *r, const char *dn)
{
	struct dnref key, *hit;

	if (r->nusers == 0 || (key.dn = dn_norm(dn)) == NULL)
		return -1;
	hit = bsearch(&key, r->by_dn, r->nusers, sizeof(*r->by_dn),
	    cmp_dnref);
	free(key.dn);
	return hit != NULL ? (long)hit->user : -1;
}

static int
add_pair(struct rd *r, size_t user, size_t group)
{
	struct pair *np;

	if (r->npairs >= PAIRS_MAX)
		return err_set(ERR_INVALID, "%s: more than %d group "
		    "memberships", r->who, PAIRS_MAX);
	if ((np = array_grow(r->pairs, r->npairs, &r->pcap,
	    sizeof(*r->pairs))) == NULL)
		return nomem();
	r->pairs = np;
	r->pairs[r->npairs].user = (uint32_t)user;
	r->pairs[r->npairs].group = (uint32_t)group;
	r->npairs++;
	return 0;
}

/*
 * A group entry: its name, and unless nested, its members that are users
 * of this read. Other members (groups, users outside the user base or
 * filter) are not people we manage and are passed over.
 */
static int
add_group(struct rd *r, LDAPMessage *e, const char *dn)
{
	struct group g = { 0 }, *ng;
	struct berval **vals = NULL;
	BerElement *ber = NULL;
	char *a, *m = NULL;
	long u;
	size_t i;
	int rc;

	if (r->ngroups >= DIR_GROUPS_MAX) {
		rc = err_set(ERR_INVALID, "%s: more than %d groups under %s",
		    r->who, DIR_GROUPS_MAX, r->c.group_base);
		goto out;
	}
	if ((rc = first_value(&g.name, r, e, dn, r->c.attr_group)) != 0)
		goto out;
	if (g.name == NULL) {
		rc = err_set(ERR_INVALID, "%s: group %s has no %s (the group "
		    "name attribute)", r->who, dn, r->c.attr_group);
		goto out;
	}
	if (r->c.nested) {
		if ((g.dn = strdup(dn)) == NULL) {
			rc = nomem();
			goto out;
		}
	} else {
		/* AD hands out large attributes in ranges (member;range=
		 * 0-1499); reading only the first range would drop people. */
		for (a = ldap_first_attribute(r->ld, e, &ber); a != NULL;
		    a = ldap_next_attribute(r->ld, e, ber)) {
			if (strncasecmp(a, "member;range=", 13) == 0) {
				rc = err_set(ERR_IO, "%s: %s: group %s has "
				    "more members than the server returns at "
				    "once (%s); use --nested, which reads "
				    "membership from the users", r->who,
				    r->c.url, dn, a);
				ldap_memfree(a);
				goto out;
			}
			ldap_memfree(a);
		}
		vals = ldap_get_values_len(r->ld, e, "member");
		for (i = 0; vals != NULL && vals[i] != NULL; i++) {
			if ((rc = bv_str(&m, r, vals[i], dn, "member")) != 0)
				goto out;
			u = find_user(r, m);
			free(m);
			m = NULL;
			if (u >= 0 && (rc = add_pair(r, (size_t)u,
			    r->ngroups)) != 0)
				goto out;
		}
	}
	if ((ng = array_grow(r->groups, r->ngroups, &r->gcap,
	    sizeof(*r->groups))) == NULL) {
		rc = nomem();
		goto out;
	}
	r->groups = ng;
	r->groups[r->ngroups++] = g;
	memset(&g, 0, sizeof(g));	/* transferred */
	rc = 0;
 out:
	if (ber != NULL)
		ber_free(ber, 0);
	if (vals != NULL)
		ldap_value_free_len(vals);
	free(g.name);
	free(g.dn);
	return rc;
}

enum kind {
	KIND_USERS,
	KIND_GROUPS,
	KIND_NESTED,
};

static int
each_entry(struct rd *r, enum kind kind, LDAPMessage *e, size_t arg)
{
	char *dn;
	long u;
	int rc;

	if ((dn = ldap_get_dn(r->ld, e)) == NULL)
		return ldap_fail(r, LDAP_DECODING_ERROR, "reading a DN");
	switch (kind) {
	case KIND_USERS:
		rc = add_user(r, e, dn);
		break;
	case KIND_GROUPS:
		rc = add_group(r, e, dn);
		break;
	default:
		/* A user in group arg, directly or through nesting. */
		u = find_user(r, dn);
		rc = u < 0 ? 0 : add_pair(r, (size_t)u, arg);
		break;
	}
	ldap_memfree(dn);
	return rc;
}

/*
 * A paged search (RFC 2696) under base for filter, each entry handed to
 * each_entry(kind, arg), until the server's cookie is empty. The control
 * is critical, so a server without paging refuses instead of stopping at
 * its size limit. what names the search in messages.
 */
static int
search_paged(struct rd *r, const char *what, const char *base,
    const char *filter, char **attrs, enum kind kind, size_t arg)
{
	struct timeval tv = { .tv_sec = r->c.timeout };
	struct berval cookie = { 0, NULL };
	LDAPControl *pctrl = NULL, *ctrls[2] = { NULL, NULL }, *rc_ctrl;
	LDAPControl **sctrls = NULL;
	LDAPMessage *res = NULL, *e;
	ber_int_t count;
	char msg[700];
	size_t page;
	int lrc, err, rc = 0;

	for (page = 1; ; page++) {
		if (page > PAGES_MAX) {
			rc = err_set(ERR_IO, "%s: %s: %s: more than %d pages",
			    r->who, r->c.url, what, PAGES_MAX);
			goto out;
		}
		if ((lrc = ldap_create_page_control(r->ld, r->c.page_size,
		    cookie.bv_val != NULL ? &cookie : NULL, 1, &pctrl)) !=
		    LDAP_SUCCESS) {
			rc = ldap_fail(r, lrc, "creating the paging control");
			goto out;
		}
		ctrls[0] = pctrl;
		lrc = ldap_search_ext_s(r->ld, base, LDAP_SCOPE_SUBTREE,
		    filter, attrs, 0, ctrls, NULL, &tv, LDAP_NO_LIMIT, &res);
		ldap_control_free(pctrl);
		pctrl = NULL;
		if (lrc == LDAP_SUCCESS)
			lrc = ldap_parse_result(r->ld, res, &err, NULL, NULL,
			    NULL, &sctrls, 0);
		if (lrc == LDAP_SUCCESS)
			lrc = err;
		if (lrc != LDAP_SUCCESS) {
			snprintf(msg, sizeof(msg), "%s, page %zu,", what,
			    page);
			rc = ldap_fail(r, lrc, msg);
			goto out;
		}
		for (e = ldap_first_entry(r->ld, res); e != NULL;
		    e = ldap_next_entry(r->ld, e))
			if ((rc = each_entry(r, kind, e, arg)) != 0)
				goto out;
		ldap_msgfree(res);
		res = NULL;
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		if ((rc_ctrl = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS,
		    sctrls, NULL)) == NULL)
			break;
		if ((lrc = ldap_parse_pageresponse_control(r->ld, rc_ctrl,
		    &count, &cookie)) != LDAP_SUCCESS) {
			snprintf(msg, sizeof(msg), "%s, page %zu, reading the "
			    "paging control", what, page);
			rc = ldap_fail(r, lrc, msg);
			goto out;
		}
		ldap_controls_free(sctrls);
		sctrls = NULL;
		if (cookie.bv_len == 0)
			break;
	}
 out:
	ldap_control_free(pctrl);
	ldap_controls_free(sctrls);
	ldap_msgfree(res);
	ber_memfree(cookie.bv_val);
	return rc;
}

static int
read_all(struct rd *r)
{
	char *uattrs[6], *gattrs[3], *nattrs[] = { LDAP_NO_ATTRS, NULL };
	char what[700], *esc = NULL, *filter = NULL;
	struct berval bv, ebv;
	size_t i, n = 0, len;
	int rc;

	uattrs[n++] = (char *)r->c.attr_id;
	uattrs[n++] = (char *)r->c.attr_mail;
	uattrs[n++] = (char *)r->c.attr_given;
	uattrs[n++] = (char *)r->c.attr_surname;
	if (r->c.attr_proxy != NULL)
		uattrs[n++] = (char *)r->c.attr_proxy;
	uattrs[n] = NULL;
	gattrs[0] = (char *)r->c.attr_group;
	gattrs[1] = r->c.nested ? NULL : "member";
	gattrs[2] = NULL;

	snprintf(what, sizeof(what), "search of users under %s",
	    r->c.user_base);
	if ((rc = search_paged(r, what, r->c.user_base, r->c.user_filter,
	    uattrs, KIND_USERS, 0)) != 0 || (rc = index_users(r)) != 0)
		return rc;
	snprintf(what, sizeof(what), "search of groups under %s",
	    r->c.group_base);
	if ((rc = search_paged(r, what, r->c.group_base, r->c.group_filter,
	    gattrs, KIND_GROUPS, 0)) != 0)
		return rc;
	if (!r->c.nested)
		return 0;
	for (i = 0; i < r->ngroups; i++) {
		bv.bv_val = r->groups[i].dn;
		bv.bv_len = strlen(bv.bv_val);
		if (ldap_bv2escaped_filter_value(&bv, &ebv) != 0) {
			rc = nomem();
			goto out;
		}
		esc = ebv.bv_val;
		len = strlen(r->c.user_filter) + strlen(esc) + 64;
		if ((filter = malloc(len)) == NULL) {
			rc = nomem();
			goto out;
		}
		snprintf(filter, len, "(&%s(memberOf:" IN_CHAIN_OID ":=%s))",
		    r->c.user_filter, esc);
		snprintf(what, sizeof(what), "search of the members of %s",
		    r->groups[i].dn);
		if ((rc = search_paged(r, what, r->c.user_base, filter,
		    nattrs, KIND_NESTED, i)) != 0)
			goto out;
		ber_memfree(esc);
		esc = NULL;
		free(filter);
		filter = NULL;
	}
 out:
	ber_memfree(esc);
	free(filter);
	return rc;
}

static int
cmp_pair(const void *a, const void *b)
{
	const struct pair *p = a, *q = b;

	if (p->user != q->user)
		return p->user < q->user ? -1 : 1;
	if (p->group != q->group)
		return p->group < q->group ? -1 : 1;
	return 0;
}

/* Hand users and memberships to a new snapshot, in user order. */
static int
fill(struct dir_snapshot **out, struct rd *r)
{
	struct dir_snapshot *snap = NULL;
	struct user *u;
	char msg[512];
	size_t i, k = 0, dup[2];
	int rc;

	*out = NULL;
	if ((snap = dir_snapshot_new(r->name)) == NULL)
		return nomem();
	array_sort(r->pairs, r->npairs, sizeof(*r->pairs), cmp_pair);
	for (i = 0; i < r->nusers; i++) {
		u = &r->users[i];
		if ((rc = dir_snapshot_add_user(snap, u->id, u->email,
		    u->given, u->surname, i + 1)) != 0)
			goto bad;
		for (; k < r->npairs && r->pairs[k].user == i; k++)
			if ((rc = dir_snapshot_add_member(snap,
			    r->groups[r->pairs[k].group].name)) != 0)
				goto bad;
	}
	if ((rc = dir_snapshot_finish(snap, dup)) != 0) {
		if (rc == ERR_EXISTS)
			rc = err_set(ERR_INVALID, "%s: %s and %s have the same "
			    "id \"%s\" (%s)", r->who, r->users[dup[0]].dn,
			    r->users[dup[1]].dn, r->users[dup[0]].id,
			    r->c.attr_id);
		goto out;
	}
	*out = snap;
	snap = NULL;	/* transferred */
	rc = 0;
	goto out;
 bad:
	snprintf(msg, sizeof(msg), "%s", err_msg());
	rc = err_set(rc, "%s: %s: %s", r->who, r->users[i].dn, msg);
 out:
	dir_snapshot_free(snap);
	return rc;
}

int
dirsrc_ldap_read(struct dir_snapshot **out, const json_t *params,
    const char *name)
{
	struct rd r;
	char msg[512];
	size_t i;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	r.name = name;
	snprintf(r.who, sizeof(r.who), "source %s", name);
	if ((rc = dirsrc_ldap_check(params)) != 0) {
		snprintf(msg, sizeof(msg), "%s", err_msg());
		return err_set(rc, "%s: %s", r.who, msg);
	}
	conf_load(&r.c, params);
	if ((rc = connect_bind(&r)) != 0 || (rc = read_all(&r)) != 0)
		goto out;
	/* Nothing more to ask the server; free it before building. */
	ldap_unbind_ext_s(r.ld, NULL, NULL);
	r.ld = NULL;
	rc = fill(out, &r);
 out:
	if (r.ld != NULL)
		ldap_unbind_ext_s(r.ld, NULL, NULL);
	for (i = 0; i < r.nusers; i++)
		user_clear(&r.users[i]);
	free(r.users);
	free(r.by_dn);
	for (i = 0; i < r.ngroups; i++) {
		free(r.groups[i].name);
		free(r.groups[i].dn);
	}
	free(r.groups);
	free(r.pairs);
	return rc;
}
