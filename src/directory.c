/*
 * directory.c: building and querying a directory snapshot.
 *
 * Groups are interned as users are added, through an open-addressing hash
 * of group names, so a membership costs one lookup and no string copy;
 * the hash is seeded per snapshot so names chosen to collide cannot turn
 * the build quadratic. Members are filled in one pass over the users at
 * the end, and the id index is a sort, so the whole build is O(n log n).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "directory.h"
#include "err.h"
#include "util/array.h"

struct id_ent {
	const char	*id;		/* borrowed from users[idx] */
	size_t		 idx;
};

struct dir_snapshot *
dir_snapshot_new(const char *source)
{
	struct dir_snapshot *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if ((s->source = strdup(source)) == NULL) {
		free(s);
		return NULL;
	}
	/*
	 * Without entropy the hash still works, just predictably; that is
	 * no reason to refuse the directory.
	 */
	if (getentropy(&s->seed, sizeof(s->seed)) != 0)
		s->seed = 0x9e3779b97f4a7c15ULL;
	return s;
}

void
dir_snapshot_free(struct dir_snapshot *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nusers; i++) {
		free(s->users[i].id);
		free(s->users[i].email);
		free(s->users[i].given_name);
		free(s->users[i].surname);
		free(s->users[i].groups);
	}
	for (i = 0; i < s->ngroups; i++) {
		free(s->groups[i].name);
		free(s->groups[i].members);
	}
	free(s->users);
	free(s->groups);
	free(s->by_id);
	free(s->gtab);
	free(s->source);
	free(s);
}

/* NULL for NULL or "", else a copy in *out; ERR_NOMEM. */
static int
dup_value(char **out, const char *v)
{
	*out = NULL;
	if (v == NULL || *v == '\0')
		return 0;
	if ((*out = strdup(v)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

int
dir_snapshot_add_user(struct dir_snapshot *s, const char *id,
    const char *email, const char *given_name, const char *surname,
    size_t origin)
{
	struct dir_user u, *nu;
	const char *what = NULL;
	int rc;

	assert(!s->finished);
	memset(&u, 0, sizeof(u));
	if (id == NULL || *id == '\0')
		return err_set(ERR_INVALID, "empty id");
	if (strlen(id) > DIR_ID_MAX)
		return err_set(ERR_INVALID, "id longer than %d bytes",
		    DIR_ID_MAX);
	if (email != NULL && strlen(email) > DIR_VALUE_MAX)
		what = "email";
	else if (given_name != NULL && strlen(given_name) > DIR_VALUE_MAX)
		what = "given name";
	else if (surname != NULL && strlen(surname) > DIR_VALUE_MAX)
		what = "surname";
	if (what != NULL)
		return err_set(ERR_INVALID, "%s longer than %d bytes", what,
		    DIR_VALUE_MAX);
	if (s->nusers >= DIR_USERS_MAX)
		return err_set(ERR_INVALID, "more than %d users",
		    DIR_USERS_MAX);
	if ((nu = array_grow(s->users, s->nusers, &s->ucap,
	    sizeof(*s->users))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	s->users = nu;
	u.origin = origin;
	if ((u.id = strdup(id)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = dup_value(&u.email, email)) != 0 ||
	    (rc = dup_value(&u.given_name, given_name)) != 0 ||
	    (rc = dup_value(&u.surname, surname)) != 0)
		goto out;
	s->users[s->nusers++] = u;
	memset(&u, 0, sizeof(u));	/* transferred */
 out:
	free(u.id);
	free(u.email);
	free(u.given_name);
	free(u.surname);
	return rc;
}

/* Seeded FNV-1a, finished with the splitmix64 mixer so the low bits that
 * pick a slot depend on every input byte. */
static uint64_t
hash_name(uint64_t seed, const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* The slot holding name, or the free slot where it would go. */
static size_t
gtab_slot(const struct dir_snapshot *s, const char *name)
{
	size_t mask = s->gtabsize - 1, i;

	i = (size_t)hash_name(s->seed, name) & mask;
	while (s->gtab[i] != 0 &&
	    strcmp(s->groups[s->gtab[i] - 1].name, name) != 0)
		i = (i + 1) & mask;
	return i;
}

/* Make room so the table stays at most half full after one more group. */
static int
gtab_grow(struct dir_snapshot *s)
{
	size_t *old = s->gtab, oldsize = s->gtabsize, nsize, i;

	if (s->gtabsize != 0 && (s->ngroups + 1) * 2 <= s->gtabsize)
		return 0;
	nsize = oldsize != 0 ? oldsize * 2 : 64;
	if ((s->gtab = calloc(nsize, sizeof(*s->gtab))) == NULL) {
		s->gtab = old;
		return err_set(ERR_NOMEM, "out of memory");
	}
	s->gtabsize = nsize;
	for (i = 0; i < oldsize; i++)
		if (old[i] != 0)
			s->gtab[gtab_slot(s, s->groups[old[i] - 1].name)] =
			    old[i];
	free(old);
	return 0;
}

int
dir_snapshot_add_member(struct dir_snapshot *s, const char *group)
{
	struct dir_user *u;
	struct dir_group *ng;
	size_t slot, gi, *nv;

	assert(!s->finished && s->nusers > 0);
	u = &s->users[s->nusers - 1];
	if (group == NULL || *group == '\0')
		return err_set(ERR_INVALID, "empty group name");
	if (strlen(group) > DIR_GROUP_NAME_MAX)
		return err_set(ERR_INVALID, "group name longer than %d bytes",
		    DIR_GROUP_NAME_MAX);
	if (gtab_grow(s) != 0)
		return ERR_NOMEM;
	slot = gtab_slot(s, group);
	if (s->gtab[slot] == 0) {
		if (s->ngroups >= DIR_GROUPS_MAX)
			return err_set(ERR_INVALID, "more than %d groups",
			    DIR_GROUPS_MAX);
		if ((ng = array_grow(s->groups, s->ngroups, &s->gcap,
		    sizeof(*s->groups))) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		s->groups = ng;
		memset(&s->groups[s->ngroups], 0, sizeof(*s->groups));
		if ((s->groups[s->ngroups].name = strdup(group)) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		s->gtab[slot] = ++s->ngroups;
	}
	gi = s->gtab[slot] - 1;
	/* The mark says this user is in the group already. */
	if (s->groups[gi].mark == s->nusers)
		return 0;
	if (u->ngroups >= DIR_USER_GROUPS_MAX)
		return err_set(ERR_INVALID, "more than %d groups for one user",
		    DIR_USER_GROUPS_MAX);
	if ((nv = array_grow(u->groups, u->ngroups, &u->gcap,
	    sizeof(*u->groups))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	u->groups = nv;
	u->groups[u->ngroups++] = gi;
	s->groups[gi].mark = s->nusers;
	s->groups[gi].nmembers++;
	return 0;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_id_ent(const void *a, const void *b)
{
	const struct id_ent *x = a, *y = b;
	int c;

	if ((c = strcmp(x->id, y->id)) != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int
dir_snapshot_finish(struct dir_snapshot *s, size_t dup_out[2])
{
	struct id_ent *ents = NULL;
	size_t i, j, gi, *by_id = NULL;
	int rc = 0;

	assert(!s->finished);
	dup_out[0] = dup_out[1] = 0;
	if (s->nusers > 0 &&
	    (ents = calloc(s->nusers, sizeof(*ents))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s->nusers; i++) {
		ents[i].id = s->users[i].id;
		ents[i].idx = i;
	}
	if (s->nusers > 0)
		array_sort(ents, s->nusers, sizeof(*ents), cmp_id_ent);
	/*
	 * Equal ids sit side by side, in delivery order; report the pair
	 * whose second user comes first, as a reader of the file meets it.
	 */
	for (i = 1; i < s->nusers; i++) {
		if (strcmp(ents[i - 1].id, ents[i].id) != 0)
			continue;
		if (rc == 0 || ents[i].idx < dup_out[1]) {
			dup_out[0] = ents[i - 1].idx;
			dup_out[1] = ents[i].idx;
		}
		rc = err_set(ERR_EXISTS, "duplicate id \"%s\"",
		    s->users[dup_out[1]].id);
	}
	if (rc != 0)
		goto out;
	if (s->nusers > 0 &&
	    (by_id = calloc(s->nusers, sizeof(*by_id))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < s->nusers; i++)
		by_id[i] = ents[i].idx;

	for (gi = 0; gi < s->ngroups; gi++) {
		if ((s->groups[gi].members = calloc(s->groups[gi].nmembers,
		    sizeof(size_t))) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		s->groups[gi].mark = 0;	/* now the fill count */
	}
	/* Users in ascending order make every member list ascending. */
	for (i = 0; i < s->nusers; i++) {
		for (j = 0; j < s->users[i].ngroups; j++) {
			gi = s->users[i].groups[j];
			s->groups[gi].members[s->groups[gi].mark++] = i;
		}
		if (s->users[i].ngroups > 1)
			array_sort(s->users[i].groups, s->users[i].ngroups,
			    sizeof(size_t), cmp_size);
	}
	s->by_id = by_id;
	by_id = NULL;	/* transferred */
	s->finished = 1;
 out:
	free(ents);
	free(by_id);
	return rc;
}

const struct dir_user *
dir_user_find(const struct dir_snapshot *s, const char *id)
{
	size_t lo = 0, hi = s->nusers, mid;
	int c;

	assert(s->finished);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(id, s->users[s->by_id[mid]].id);
		if (c == 0)
			return &s->users[s->by_id[mid]];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct dir_group *
dir_group_find(const struct dir_snapshot *s, const char *name)
{
	size_t slot;

	if (s->gtabsize == 0)
		return NULL;
	slot = gtab_slot(s, name);
	return s->gtab[slot] != 0 ? &s->groups[s->gtab[slot] - 1] : NULL;
}
