/*
 * eligible.c: who gets a managed certificate (eligible.h).
 *
 * Everything is decided once, in elig_ctx_new(), so elig_check() is a
 * lookup: the sync and `user list` ask per user, the answer for one user
 * depends on the others (duplicate addresses), and all of it must come out
 * the same whichever order the store lists things in.
 *
 * Duplicate addresses are counted among present users only, whatever
 * their groups: two live directory entries with one address are a
 * directory problem, and which of them is "the" person must not change
 * when someone joins or leaves a group. The first user in (source name,
 * store id) order keeps the address. Store ids only grow, so a newcomer
 * never takes an address from a user who had it before; an absent user
 * holds no address, so a leaver frees it.
 */
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain.h"
#include "eligible.h"
#include "err.h"
#include "mailbox.h"
#include "store-dir.h"
#include "util/array.h"

struct gent {
	int64_t		 id;
	size_t		 rank;		/* position in (source, name) order */
	const struct store_group *g;
};

struct uent {
	const struct store_user *u;
	char		*email;		/* normalised; NULL if none or bad */
	unsigned	 reasons;
	const struct store_group *policy;
};

struct elig_ctx {
	struct gent	*groups;	/* auto-request groups by id */
	size_t		 ngroups;
	const struct store_domain **domains;	/* by name */
	size_t		 ndomains;
	struct uent	*users;		/* by id */
	size_t		 nusers;
	int64_t		 at;
};

static int
cmp_group_name(const void *a, const void *b)
{
	const struct store_group *x = *(const struct store_group *const *)a;
	const struct store_group *y = *(const struct store_group *const *)b;
	int r;

	if ((r = strcmp(x->source, y->source)) != 0)
		return r;
	return strcmp(x->name, y->name);
}

static int
cmp_gent(const void *a, const void *b)
{
	const struct gent *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int
cmp_domain(const void *a, const void *b)
{
	const struct store_domain *x = *(const struct store_domain *const *)a;
	const struct store_domain *y = *(const struct store_domain *const *)b;

	return strcmp(x->name, y->name);
}

static int
cmp_domain_key(const void *key, const void *elem)
{
	return strcmp(key, (*(const struct store_domain *const *)elem)->name);
}

static int
cmp_uent(const void *a, const void *b)
{
	const struct uent *x = a, *y = b;

	return (x->u->id > y->u->id) - (x->u->id < y->u->id);
}

/* Holders of an address first by address, then in keeping order. */
static int
cmp_holder(const void *a, const void *b)
{
	const struct uent *x = *(const struct uent *const *)a;
	const struct uent *y = *(const struct uent *const *)b;
	int r;

	if ((r = strcmp(x->email, y->email)) != 0)
		return r;
	if ((r = strcmp(x->u->source, y->u->source)) != 0)
		return r;
	return (x->u->id > y->u->id) - (x->u->id < y->u->id);
}

static const struct gent *
find_group(const struct elig_ctx *c, int64_t id)
{
	struct gent key;

	if (c->ngroups == 0)
		return NULL;
	key.id = id;
	return bsearch(&key, c->groups, c->ngroups, sizeof(*c->groups),
	    cmp_gent);
}

static int
empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* Every reason but a duplicate address, and the policy group. */
static int
judge(struct elig_ctx *c, struct uent *e)
{
	const struct store_user *u = e->u;
	const struct store_domain *const *d;
	const struct gent *g, *best = NULL;
	size_t i;
	int rc;

	if (!u->present)
		e->reasons |= ELIG_ABSENT;
	for (i = 0; i < u->ngroups; i++)
		if ((g = find_group(c, u->group_ids[i])) != NULL &&
		    (best == NULL || g->rank < best->rank))
			best = g;
	if (best != NULL)
		e->policy = best->g;
	else
		e->reasons |= ELIG_NO_GROUP;
	if (empty(u->given_name))
		e->reasons |= ELIG_NO_GIVEN_NAME;
	if (empty(u->surname))
		e->reasons |= ELIG_NO_SURNAME;
	if (empty(u->email)) {
		e->reasons |= ELIG_NO_EMAIL;
		return 0;
	}
	if ((rc = mailbox_normalize(&e->email, u->email)) == ERR_INVALID) {
		e->reasons |= ELIG_BAD_EMAIL;
		return 0;
	} else if (rc != 0)
		return rc;
	d = c->ndomains == 0 ? NULL : bsearch(mailbox_domain(e->email),
	    c->domains, c->ndomains, sizeof(*c->domains), cmp_domain_key);
	if (d == NULL) {
		e->reasons |= ELIG_DOMAIN_UNKNOWN;
		return 0;
	}
	switch (domain_state(*d, c->at)) {
	case DOMAIN_STATE_UNVERIFIED:
		e->reasons |= ELIG_DOMAIN_UNVERIFIED;
		break;
	case DOMAIN_STATE_LAPSED:
		e->reasons |= ELIG_DOMAIN_LAPSED;
		break;
	default:
		/* Expiring is still verified: the sync re-verifies it. */
		break;
	}
	return 0;
}

/* Mark every present holder of an address but the first a duplicate. */
static int
mark_duplicates(struct elig_ctx *c)
{
	struct uent **v;
	size_t i, n = 0;

	if (c->nusers == 0)
		return 0;
	if ((v = calloc(c->nusers, sizeof(*v))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < c->nusers; i++)
		if (c->users[i].u->present && c->users[i].email != NULL)
			v[n++] = &c->users[i];
	array_sort(v, n, sizeof(*v), cmp_holder);
	for (i = 1; i < n; i++)
		if (strcmp(v[i]->email, v[i - 1]->email) == 0)
			v[i]->reasons |= ELIG_DUPLICATE_EMAIL;
	free(v);
	return 0;
}

int
elig_ctx_new(struct elig_ctx **out, struct store_group *const *groups,
    size_t ngroups, struct store_domain *const *domains, size_t ndomains,
    struct store_user *const *users, size_t nusers, int64_t at)
{
	struct elig_ctx *c = NULL;
	const struct store_group **byname = NULL;
	size_t i, n = 0;
	int rc = ERR_NOMEM;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (ngroups > 0 && ((byname = calloc(ngroups,
	    sizeof(*byname))) == NULL ||
	    (c->groups = calloc(ngroups, sizeof(*c->groups))) == NULL)) ||
	    (ndomains > 0 && (c->domains = calloc(ndomains,
	    sizeof(*c->domains))) == NULL) ||
	    (nusers > 0 && (c->users = calloc(nusers,
	    sizeof(*c->users))) == NULL)) {
		err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	c->at = at;
	for (i = 0; i < ngroups; i++)
		if (groups[i]->auto_request)
			byname[n++] = groups[i];
	array_sort(byname, n, sizeof(*byname), cmp_group_name);
	for (i = 0; i < n; i++) {
		c->groups[i].id = byname[i]->id;
		c->groups[i].rank = i;
		c->groups[i].g = byname[i];
	}
	array_sort(c->groups, n, sizeof(*c->groups), cmp_gent);
	c->ngroups = n;
	for (i = 0; i < ndomains; i++)
		c->domains[i] = domains[i];
	c->ndomains = ndomains;
	array_sort(c->domains, ndomains, sizeof(*c->domains), cmp_domain);
	for (i = 0; i < nusers; i++)
		c->users[i].u = users[i];
	c->nusers = nusers;
	array_sort(c->users, nusers, sizeof(*c->users), cmp_uent);
	for (i = 0; i < c->nusers; i++)
		if ((rc = judge(c, &c->users[i])) != 0)
			goto out;
	if ((rc = mark_duplicates(c)) != 0)
		goto out;
	*out = c;
	c = NULL;	/* transferred */
out:
	free(byname);
	elig_ctx_free(c);
	return rc;
}

void
elig_ctx_free(struct elig_ctx *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nusers; i++)
		free(c->users[i].email);
	free(c->users);
	free(c->groups);
	free(c->domains);
	free(c);
}

unsigned
elig_check(const struct elig_ctx *c, const struct store_user *u,
    const char **email, const struct store_group **policy)
{
	const struct uent *e;
	struct uent key;

	/* u must be one of the context's users. */
	assert(c->nusers > 0);
	key.u = u;
	e = bsearch(&key, c->users, c->nusers, sizeof(*c->users), cmp_uent);
	assert(e != NULL);
	if (email != NULL)
		*email = e->email;
	if (policy != NULL)
		*policy = e->policy;
	return e->reasons;
}

/* Append one reason to f if it applies. */
static void __attribute__((format(printf, 4, 5)))
add(FILE *f, const char **sep, unsigned applies, const char *fmt, ...)
{
	va_list ap;

	if (!applies)
		return;
	fputs(*sep, f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	*sep = "; ";
}

int
elig_reasons_format(char **out, unsigned reasons, const struct store_user *u)
{
	char *norm = NULL, *buf = NULL, why[512];
	const char *dom = "?", *sep = "";
	size_t len = 0;
	FILE *f;

	*out = NULL;
	why[0] = '\0';
	/* The same call that judged the address says what is wrong with it. */
	if (!empty(u->email) && mailbox_normalize(&norm, u->email) == 0)
		dom = mailbox_domain(norm);
	else if (!empty(u->email))
		snprintf(why, sizeof(why), "%s", err_msg());
	if ((f = open_memstream(&buf, &len)) == NULL) {
		free(norm);
		return err_set(ERR_NOMEM, "out of memory");
	}
	add(f, &sep, reasons & ELIG_ABSENT, "no longer in the directory");
	add(f, &sep, reasons & ELIG_NO_GROUP, "in no auto-request group");
	add(f, &sep, reasons & ELIG_NO_EMAIL, "no e-mail address");
	add(f, &sep, reasons & ELIG_BAD_EMAIL, "unusable address: %s", why);
	add(f, &sep, reasons & ELIG_NO_GIVEN_NAME, "no given name");
	add(f, &sep, reasons & ELIG_NO_SURNAME, "no surname");
	add(f, &sep, reasons & ELIG_DOMAIN_UNKNOWN, "domain %s was never "
	    "added", dom);
	add(f, &sep, reasons & ELIG_DOMAIN_UNVERIFIED, "domain %s is not "
	    "verified", dom);
	add(f, &sep, reasons & ELIG_DOMAIN_LAPSED, "the verification of "
	    "domain %s lapsed", dom);
	add(f, &sep, reasons & ELIG_DUPLICATE_EMAIL, "address %s belongs to "
	    "an earlier user", norm != NULL ? norm : u->email);
	free(norm);
	if (fclose(f) != 0) {
		free(buf);
		return err_set(ERR_NOMEM, "out of memory");
	}
	*out = buf;
	return 0;
}
