/*
 * domain.c: mail domain verification by DNS TXT record or by assertion.
 *
 * The token is 128 random bits, so a record cannot be guessed ahead of
 * time; the label "_mailcert" keeps it out of the apex TXT set that SPF
 * and others share (RFC 8552 underscored naming). Only an exact match of
 * the whole record counts, as with the ACME dns-01 challenge (RFC 8555
 * 8.4).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"
#include "dnstxt.h"
#include "domain.h"
#include "err.h"
#include "keys.h"
#include "mailbox.h"
#include "store-dir.h"
#include "store.h"
#include "util/timefmt.h"

#define DAY		86400
/* RFC 1035 2.3.4: 255 octets on the wire are 253 characters of text. */
#define DNS_NAME_MAX	253

static const char *const state_names[] = {
	[DOMAIN_STATE_UNVERIFIED] = "unverified",
	[DOMAIN_STATE_VERIFIED] = "verified",
	[DOMAIN_STATE_EXPIRING] = "expiring",
	[DOMAIN_STATE_LAPSED] = "lapsed",
};

/* Check name and return its lower-case form in *out (caller frees). */
static int
name_norm(char **out, const char *name)
{
	char *p;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = mailbox_domain_check(name)) != 0)
		return rc;
	n = strlen(name);
	if (n + sizeof(DOMAIN_TXT_LABEL) > DNS_NAME_MAX)
		return err_set(ERR_INVALID, "domain \"%s\" is too long for "
		    "its %s. record (%zu octets, at most %zu)", name,
		    DOMAIN_TXT_LABEL, n,
		    (size_t)DNS_NAME_MAX - sizeof(DOMAIN_TXT_LABEL));
	if ((*out = strdup(name)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (p = *out; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	return 0;
}

/* A new unverified record for the normalised name, with its token. */
static int
domain_new(struct store_domain **out, const char *norm)
{
	struct store_domain *d = NULL;
	int rc;

	*out = NULL;
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->name = strdup(norm)) == NULL ||
	    (d->token = malloc(KEYS_ID_LEN)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = keys_new_id(d->token)) != 0)
		goto out;
	*out = d;
	d = NULL;	/* transferred */
out:
	store_domain_free(d);
	return rc;
}

int
domain_add(struct store_domain **out, struct store *st, const char *name)
{
	struct store_domain *d = NULL;
	char *norm = NULL;
	int rc;

	*out = NULL;
	if ((rc = name_norm(&norm, name)) != 0 ||
	    (rc = domain_new(&d, norm)) != 0 ||
	    (rc = store_domain_put(st, d)) != 0)
		goto out;
	*out = d;
	d = NULL;	/* transferred */
out:
	store_domain_free(d);
	free(norm);
	return rc;
}

int
domain_assert(struct store_domain **out, struct store *st, const char *name,
    int64_t now)
{
	struct store_domain *d = NULL;
	char *norm = NULL;
	int rc, fresh = 0;

	*out = NULL;
	if ((rc = name_norm(&norm, name)) != 0)
		return rc;
	if ((rc = store_begin(st)) != 0)
		goto out;
	if ((rc = store_domain_get(&d, st, norm)) == ERR_NOTFOUND) {
		fresh = 1;
		rc = domain_new(&d, norm);
	}
	if (rc != 0)
		goto out;
	d->method = STORE_DOMAIN_ASSERT;
	d->verified_at = now;
	d->valid_until = now + (int64_t)DOMAIN_VALID_DAYS * DAY;
	free(d->last_error);
	d->last_error = NULL;
	if ((rc = fresh ? store_domain_put(st, d) :
	    store_domain_update(st, d)) != 0 ||
	    (rc = store_commit(st)) != 0)
		goto out;
	*out = d;
	d = NULL;	/* transferred */
out:
	if (rc != 0)
		store_rollback(st);
	store_domain_free(d);
	free(norm);
	return rc;
}

/*
 * Look for the exact record of d; 0 if it is there, else ERR_NOTFOUND or
 * ERR_IO with the message. Runs without a transaction: a slow resolver
 * must not hold the store's write lock.
 */
static int
lookup(const struct store_domain *d, const struct config *cfg)
{
	char qname[DNS_NAME_MAX + 2], want[sizeof(DOMAIN_TXT_PREFIX) +
	    KEYS_ID_LEN];
	char **txt = NULL;
	size_t n = 0, i;
	int rc;

	snprintf(qname, sizeof(qname), "%s.%s", DOMAIN_TXT_LABEL, d->name);
	snprintf(want, sizeof(want), "%s%s", DOMAIN_TXT_PREFIX, d->token);
	if ((rc = dnstxt_lookup(&txt, &n, qname, cfg->dns_servers,
	    cfg->dns_timeout_ms, cfg->dns_tries)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (strcmp(txt[i], want) == 0)
			goto out;
	rc = err_set(ERR_NOTFOUND, "%s has %zu TXT record%s but none is "
	    "\"%s\"", qname, n, n == 1 ? "" : "s", want);
out:
	dnstxt_free(txt, n);
	return rc;
}

int
domain_verify(struct store *st, const struct config *cfg, const char *name,
    int64_t now)
{
	struct store_domain *d = NULL;
	char why[512];
	int rc, found, txn = 0;

	if ((rc = store_domain_get(&d, st, name)) != 0)
		return rc;
	if ((found = lookup(d, cfg)) != 0 && !err_is_user(found)) {
		rc = found;
		goto out;
	}
	snprintf(why, sizeof(why), "%s", err_msg());
	store_domain_free(d);
	d = NULL;
	/* Read again under the lock: an assertion may have come meanwhile. */
	if ((rc = store_begin(st)) != 0)
		goto out;
	txn = 1;
	if ((rc = store_domain_get(&d, st, name)) != 0)
		goto out;
	d->last_check_at = now;
	free(d->last_error);
	d->last_error = NULL;
	if (found == 0) {
		d->method = STORE_DOMAIN_DNS;
		d->verified_at = now;
		d->valid_until = now + (int64_t)DOMAIN_VALID_DAYS * DAY;
	} else if ((d->last_error = strdup(why)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_domain_update(st, d)) != 0 ||
	    (rc = store_commit(st)) != 0)
		goto out;
	txn = 0;
	if (found != 0)
		rc = err_set(found, "%s", why);
out:
	if (txn)
		store_rollback(st);
	store_domain_free(d);
	return rc;
}

int
domain_verify_due(size_t *checked, size_t *failed, struct store *st,
    const struct config *cfg, int64_t now)
{
	struct store_domain **v = NULL;
	size_t n = 0, i;
	int rc;

	*checked = 0;
	*failed = 0;
	if ((rc = store_domain_list(&v, &n, st)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (v[i]->method != STORE_DOMAIN_DNS ||
		    v[i]->valid_until - now >= (int64_t)DOMAIN_RENEW_DAYS * DAY)
			continue;
		(*checked)++;
		if ((rc = domain_verify(st, cfg, v[i]->name, now)) == 0)
			continue;
		if (!err_is_user(rc))
			goto out;
		(*failed)++;
	}
	rc = 0;
out:
	store_domain_list_free(v, n);
	return rc;
}

enum domain_state
domain_state(const struct store_domain *d, int64_t now)
{
	if (d->method == STORE_DOMAIN_NONE || d->valid_until == 0)
		return DOMAIN_STATE_UNVERIFIED;
	if (now >= d->valid_until)
		return DOMAIN_STATE_LAPSED;
	if (d->valid_until - now < (int64_t)DOMAIN_RENEW_DAYS * DAY)
		return DOMAIN_STATE_EXPIRING;
	return DOMAIN_STATE_VERIFIED;
}

int
domain_days_left(const struct store_domain *d, int64_t now)
{
	if (d->valid_until == 0 || now >= d->valid_until)
		return 0;
	return (int)((d->valid_until - now) / DAY);
}

const char *
domain_state_name(enum domain_state s)
{
	return (size_t)s < DOMAIN_STATE__MAX ? state_names[s] : "unknown";
}

int
domain_record(char **out, const struct store_domain *d)
{
	*out = NULL;
	if (asprintf(out, "%s.%s. TXT \"%s%s\"", DOMAIN_TXT_LABEL, d->name,
	    DOMAIN_TXT_PREFIX, d->token) == -1) {
		*out = NULL;
		return err_set(ERR_NOMEM, "out of memory");
	}
	return 0;
}

int
domain_alert(const char **kind, int *raised, struct store *st,
    const struct store_domain *d, int64_t now)
{
	struct store_event e;
	enum domain_state ds;
	char key[512], until[TIMEFMT_LEN], *data = NULL;
	json_t *obj = NULL;
	int rc;

	*kind = NULL;
	*raised = 0;
	ds = domain_state(d, now);
	if (ds == DOMAIN_STATE_EXPIRING)
		*kind = EVENT_DOMAIN_EXPIRING;
	else if (ds == DOMAIN_STATE_LAPSED && d->verified_at != 0)
		*kind = EVENT_DOMAIN_LAPSED;
	else
		return 0;
	timefmt_utc(until, d->valid_until);
	/* The end of the verification in the key: one alert per period. */
	snprintf(key, sizeof(key), "%s:%s:%s", *kind, d->name, until);
	if ((rc = store_alert_raise(st, key, now, raised)) != 0 || !*raised)
		return rc;
	if ((obj = json_pack("{s:s, s:i}", "valid_until", until, "days_left",
	    domain_days_left(d, now))) == NULL ||
	    (data = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&e, 0, sizeof(e));
	e.kind = (char *)*kind;
	e.created_at = now;
	e.domain = d->name;
	e.data = data;
	rc = store_event_put(st, &e);
out:
	free(data);
	json_decref(obj);
	return rc;
}
