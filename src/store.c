/*
 * store.c: the backend-independent half of the store. It picks the backend
 * named in the config, checks and normalises what callers pass (serials,
 * RFC 5280 5.3.1 CRLReason values, list filters) once for every backend,
 * and releases the records the backends return.
 */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "store-int.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct store_ops *const backends[] = {
	&store_sqlite_ops,
};

static const char *const ca_roles[] = {
	[STORE_CA_ROOT] = "root",
	[STORE_CA_ISSUING] = "issuing",
};

static const char *const ca_states[] = {
	[STORE_CA_ACTIVE] = "active",
	[STORE_CA_RETIRED] = "retired",
};

static const char *const cert_states[] = {
	[CERT_STATE_VALID] = "valid",
	[CERT_STATE_REVOKED] = "revoked",
};

static const char *const domain_methods[] = {
	[STORE_DOMAIN_NONE] = "none",
	[STORE_DOMAIN_DNS] = "dns",
	[STORE_DOMAIN_ASSERT] = "assert",
};

static const struct {
	int		 reason;
	const char	*name;
} reasons[] = {
	{ REVOKE_KEY_COMPROMISE,		"keyCompromise" },
	{ REVOKE_AFFILIATION_CHANGED,		"affiliationChanged" },
	{ REVOKE_SUPERSEDED,			"superseded" },
	{ REVOKE_CESSATION_OF_OPERATION,	"cessationOfOperation" },
	{ REVOKE_PRIVILEGE_WITHDRAWN,		"privilegeWithdrawn" },
};

/* Append name to the ", "-separated list in buf; *len is its length. */
static void
list_add(char *buf, size_t size, size_t *len, const char *name)
{
	int n;

	if (*len >= size)
		return;
	n = snprintf(buf + *len, size - *len, "%s%s", *len ? ", " : "", name);
	if (n > 0)
		*len += (size_t)n;
}

/*
 * Copy serial s as uppercase into out. Callers paste serials from
 * openssl(1), browsers and our own JSON in either case; the store keeps one
 * spelling so that a serial can be unique in the database.
 */
static int
serial_norm(char out[STORE_SERIAL_MAX + 1], const char *s)
{
	size_t i, len;

	assert(s != NULL);
	out[0] = '\0';
	len = strlen(s);
	if (len == 0)
		return err_set(ERR_INVALID, "empty certificate serial");
	if (len > STORE_SERIAL_MAX)
		return err_set(ERR_INVALID, "serial \"%.*s...\" is longer than "
		    "%d hex digits", STORE_SERIAL_MAX, s, STORE_SERIAL_MAX);
	for (i = 0; i < len; i++) {
		/* isxdigit() is the same in every locale; a-f upcase alike. */
		if (!isxdigit((unsigned char)s[i])) {
			out[0] = '\0';
			return err_set(ERR_INVALID, "serial \"%s\" is not "
			    "hexadecimal", s);
		}
		out[i] = (char)toupper((unsigned char)s[i]);
	}
	out[len] = '\0';
	return 0;
}

static int
reason_check(int reason)
{
	size_t i;

	for (i = 0; i < nitems(reasons); i++)
		if (reasons[i].reason == reason)
			return 0;
	return err_set(ERR_INVALID, "revocation reason %d is not one mailcert "
	    "uses", reason);
}

int
store_open(struct store **out, const struct config *cfg)
{
	char known[128];
	size_t i, len = 0;

	*out = NULL;
	if (cfg->store_backend == NULL)
		return err_set(ERR_INVALID, "no store backend is configured");
	for (i = 0; i < nitems(backends); i++)
		if (strcmp(backends[i]->name, cfg->store_backend) == 0)
			return backends[i]->open(out, cfg);
	known[0] = '\0';
	for (i = 0; i < nitems(backends); i++)
		list_add(known, sizeof(known), &len, backends[i]->name);
	return err_set(ERR_INVALID, "unknown store backend \"%s\" (known: %s)",
	    cfg->store_backend, known);
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st);
}

int
store_begin(struct store *st)
{
	return st->ops->begin(st);
}

int
store_commit(struct store *st)
{
	return st->ops->commit(st);
}

void
store_rollback(struct store *st)
{
	st->ops->rollback(st);
}

int
store_schema_version(int *out, struct store *st)
{
	*out = 0;
	return st->ops->schema_version(out, st);
}

int
store_key_put(struct store *st, const struct store_key *k)
{
	return st->ops->key_put(st, k);
}

int
store_key_get(struct store_key **out, struct store *st, const char *id)
{
	assert(id != NULL);
	*out = NULL;
	return st->ops->key_get(out, st, id);
}

int
store_ca_put(struct store *st, struct store_ca *ca)
{
	struct store_ca tmp;
	char serial[STORE_SERIAL_MAX + 1];
	int rc;

	if ((size_t)ca->role >= nitems(ca_roles))
		return err_set(ERR_INVALID, "CA \"%s\" has unknown role %d",
		    ca->name ? ca->name : "", (int)ca->role);
	if ((size_t)ca->state >= nitems(ca_states))
		return err_set(ERR_INVALID, "CA \"%s\" has unknown state %d",
		    ca->name ? ca->name : "", (int)ca->state);
	if ((rc = serial_norm(serial, ca->serial)) != 0)
		return rc;
	/* A shallow copy, so the caller's record is not rewritten. */
	tmp = *ca;
	tmp.serial = serial;
	if ((rc = st->ops->ca_put(st, &tmp)) != 0)
		return rc;
	ca->id = tmp.id;
	ca->created_at = tmp.created_at;
	return 0;
}

int
store_ca_get(struct store_ca **out, struct store *st, const char *name)
{
	assert(name != NULL);
	*out = NULL;
	return st->ops->ca_get(out, st, name);
}

int
store_ca_get_id(struct store_ca **out, struct store *st, int64_t id)
{
	*out = NULL;
	return st->ops->ca_get_id(out, st, id);
}

int
store_ca_current(struct store_ca **out, struct store *st)
{
	*out = NULL;
	return st->ops->ca_current(out, st);
}

int
store_ca_list(struct store_ca ***out, size_t *n, struct store *st)
{
	*out = NULL;
	*n = 0;
	return st->ops->ca_list(out, n, st);
}

int
store_cert_put(struct store *st, struct store_cert *c)
{
	struct store_cert tmp;
	char serial[STORE_SERIAL_MAX + 1];
	int rc;

	if ((rc = serial_norm(serial, c->serial)) != 0)
		return rc;
	if (c->state == CERT_STATE_REVOKED) {
		if ((rc = reason_check(c->reason)) != 0)
			return rc;
	} else if ((size_t)c->state >= nitems(cert_states))
		return err_set(ERR_INVALID, "certificate %s has unknown state "
		    "%d", serial, (int)c->state);
	if (c->usage != NULL && strcmp(c->usage, "both") != 0 &&
	    strcmp(c->usage, "sign") != 0 && strcmp(c->usage, "encrypt") != 0)
		return err_set(ERR_INVALID, "certificate %s has unknown usage "
		    "\"%s\"", serial, c->usage);
	if (c->user_id < 0)
		return err_set(ERR_INVALID, "certificate %s has negative user "
		    "id %lld", serial, (long long)c->user_id);
	tmp = *c;
	tmp.serial = serial;
	if ((rc = st->ops->cert_put(st, &tmp)) != 0)
		return rc;
	c->id = tmp.id;
	c->created_at = tmp.created_at;
	return 0;
}

int
store_cert_get(struct store_cert **out, struct store *st, const char *serial)
{
	char norm[STORE_SERIAL_MAX + 1];
	int rc;

	*out = NULL;
	if ((rc = serial_norm(norm, serial)) != 0)
		return rc;
	return st->ops->cert_get(out, st, norm);
}

int
store_cert_list(struct store_cert ***out, size_t *n, struct store *st,
    const struct store_cert_filter *f)
{
	*out = NULL;
	*n = 0;
	if (f->state != -1 && (f->state < 0 || f->state >= CERT_STATE__MAX))
		return err_set(ERR_INVALID, "certificate state filter %d is "
		    "not -1 or a state", f->state);
	if (f->expired < -1 || f->expired > 1)
		return err_set(ERR_INVALID, "expiry filter %d is not -1, 0 "
		    "or 1", f->expired);
	if (f->ca_id < 0)
		return err_set(ERR_INVALID, "CA id filter %lld is negative",
		    (long long)f->ca_id);
	if (f->managed < 0 || f->managed > 2)
		return err_set(ERR_INVALID, "managed filter %d is not 0, 1 or "
		    "2", f->managed);
	if (f->user_id < 0)
		return err_set(ERR_INVALID, "user id filter %lld is negative",
		    (long long)f->user_id);
	return st->ops->cert_list(out, n, st, f);
}

int
store_cert_supersede(struct store *st, const char *serial, const char *by)
{
	char norm[STORE_SERIAL_MAX + 1], bynorm[STORE_SERIAL_MAX + 1];
	int rc;

	if ((rc = serial_norm(norm, serial)) != 0 ||
	    (rc = serial_norm(bynorm, by)) != 0)
		return rc;
	return st->ops->cert_supersede(st, norm, bynorm);
}

int
store_cert_release_key(struct store *st, const char *serial,
    const char *key_id, int64_t at)
{
	char norm[STORE_SERIAL_MAX + 1];
	int rc;

	if ((rc = serial_norm(norm, serial)) != 0)
		return rc;
	if (key_id == NULL || *key_id == '\0')
		return err_set(ERR_INVALID, "certificate %s: no key to release",
		    norm);
	return st->ops->cert_release_key(st, norm, key_id, at);
}

int
store_ca_set_state(struct store *st, const char *name,
    enum store_ca_state state)
{
	if ((size_t)state >= nitems(ca_states))
		return err_set(ERR_INVALID, "CA \"%s\": unknown state %d",
		    name, (int)state);
	return st->ops->ca_set_state(st, name, state);
}

int
store_cert_revoke(struct store *st, const char *serial, int reason,
    int64_t at)
{
	char norm[STORE_SERIAL_MAX + 1];
	int rc;

	if ((rc = serial_norm(norm, serial)) != 0)
		return rc;
	if ((rc = reason_check(reason)) != 0)
		return rc;
	return st->ops->cert_revoke(st, norm, reason, at);
}

int
store_crl_put(struct store *st, const struct store_crl *crl)
{
	if (crl->number <= 0)
		return err_set(ERR_INVALID, "CRL number %lld is not positive",
		    (long long)crl->number);
	return st->ops->crl_put(st, crl);
}

int
store_crl_last_number(int64_t *out, struct store *st, int64_t ca_id)
{
	*out = 0;
	return st->ops->crl_last_number(out, st, ca_id);
}

int
store_crl_latest(struct store_crl **out, struct store *st, int64_t ca_id)
{
	*out = NULL;
	return st->ops->crl_latest(out, st, ca_id);
}

/*
 * A domain name must reach the backend in one spelling so that it can be
 * the primary key; domain.c checks the syntax, this only the case.
 */
static int
domain_check(const struct store_domain *d)
{
	const char *p;

	if (d->name == NULL || d->name[0] == '\0')
		return err_set(ERR_INVALID, "domain has no name");
	for (p = d->name; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			return err_set(ERR_INVALID, "domain \"%s\" is not in "
			    "lower case", d->name);
	if ((size_t)d->method >= nitems(domain_methods))
		return err_set(ERR_INVALID, "domain \"%s\" has unknown "
		    "verification method %d", d->name, (int)d->method);
	if ((d->method == STORE_DOMAIN_NONE) != (d->verified_at == 0) ||
	    (d->verified_at == 0) != (d->valid_until == 0))
		return err_set(ERR_INVALID, "domain \"%s\": method, "
		    "verified_at and valid_until must be set together",
		    d->name);
	return 0;
}

int
store_domain_put(struct store *st, struct store_domain *d)
{
	int rc;

	if ((rc = domain_check(d)) != 0)
		return rc;
	if (d->token == NULL || d->token[0] == '\0')
		return err_set(ERR_INVALID, "domain \"%s\" has no token",
		    d->name);
	return st->ops->domain_put(st, d);
}

int
store_domain_get(struct store_domain **out, struct store *st,
    const char *name)
{
	char *lower = NULL, *p;
	int rc;

	*out = NULL;
	assert(name != NULL);
	if ((lower = strdup(name)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (p = lower; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = st->ops->domain_get(out, st, lower);
	free(lower);
	return rc;
}

int
store_domain_list(struct store_domain ***out, size_t *n, struct store *st)
{
	*out = NULL;
	*n = 0;
	return st->ops->domain_list(out, n, st);
}

int
store_domain_update(struct store *st, const struct store_domain *d)
{
	int rc;

	if ((rc = domain_check(d)) != 0)
		return rc;
	return st->ops->domain_update(st, d);
}

void
store_key_free(struct store_key *k)
{
	if (k == NULL)
		return;
	free(k->id);
	free(k->alg);
	free(k->sealed);
	free(k);
}

void
store_ca_free(struct store_ca *ca)
{
	if (ca == NULL)
		return;
	free(ca->name);
	free(ca->serial);
	free(ca->key_id);
	free(ca->der);
	free(ca);
}

void
store_ca_list_free(struct store_ca **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_ca_free(v[i]);
	free(v);
}

void
store_cert_free(struct store_cert *c)
{
	if (c == NULL)
		return;
	free(c->serial);
	free(c->ca_name);
	free(c->email);
	free(c->given_name);
	free(c->surname);
	free(c->profile);
	free(c->key_alg);
	free(c->key_id);
	free(c->der);
	free(c->usage);
	free(c->superseded_by);
	free(c);
}

void
store_cert_list_free(struct store_cert **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_cert_free(v[i]);
	free(v);
}

void
store_crl_free(struct store_crl *crl)
{
	if (crl == NULL)
		return;
	free(crl->der);
	free(crl);
}

void
store_domain_free(struct store_domain *d)
{
	if (d == NULL)
		return;
	free(d->name);
	free(d->token);
	free(d->last_error);
	free(d);
}

void
store_domain_list_free(struct store_domain **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		store_domain_free(v[i]);
	free(v);
}

/* Index of s in names, or -1. */
static int
name_find(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
store_cert_state_name(enum cert_state s)
{
	return (size_t)s < nitems(cert_states) ? cert_states[s] : "unknown";
}

int
store_cert_state_parse(const char *s)
{
	return name_find(cert_states, nitems(cert_states), s);
}

const char *
store_domain_method_name(enum store_domain_method m)
{
	return (size_t)m < nitems(domain_methods) ? domain_methods[m] :
	    "unknown";
}

int
store_domain_method_parse(const char *s)
{
	return name_find(domain_methods, nitems(domain_methods), s);
}

const char *
store_ca_role_name(enum store_ca_role r)
{
	return (size_t)r < nitems(ca_roles) ? ca_roles[r] : "unknown";
}

int
store_ca_role_parse(const char *s)
{
	return name_find(ca_roles, nitems(ca_roles), s);
}

const char *
store_ca_state_name(enum store_ca_state s)
{
	return (size_t)s < nitems(ca_states) ? ca_states[s] : "unknown";
}

int
store_ca_state_parse(const char *s)
{
	return name_find(ca_states, nitems(ca_states), s);
}

int
store_reason_parse(int *out, const char *s)
{
	char known[160];
	size_t i, len = 0;

	*out = 0;
	for (i = 0; i < nitems(reasons); i++) {
		if (strcmp(reasons[i].name, s) == 0) {
			*out = reasons[i].reason;
			return 0;
		}
	}
	known[0] = '\0';
	for (i = 0; i < nitems(reasons); i++)
		list_add(known, sizeof(known), &len, reasons[i].name);
	return err_set(ERR_INVALID, "unknown revocation reason \"%s\" "
	    "(valid: %s)", s, known);
}

const char *
store_reason_name(int reason)
{
	size_t i;

	for (i = 0; i < nitems(reasons); i++)
		if (reasons[i].reason == reason)
			return reasons[i].name;
	return "unspecified";
}
