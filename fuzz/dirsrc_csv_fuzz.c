/*
 * dirsrc_csv_fuzz.c: dirsrc_csv_parse() on arbitrary bytes, as a CSV
 * directory export an administrator configures as a source. Whatever the
 * parser accepts must be a consistent snapshot (every id found by lookup,
 * memberships mirrored both ways) and must survive being written back as
 * CSV, every field quoted, and read again unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "dirsrc-csv.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static void
put(struct out *o, const char *s, size_t n)
{
	char *np;

	if (o->len + n + 1 > o->cap) {
		o->cap = (o->len + n + 1) * 2;
		if ((np = realloc(o->p, o->cap)) == NULL)
			abort();
		o->p = np;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* s inside a quoted field: RFC 4180 writes a quote in it twice. */
static void
put_escaped(struct out *o, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		put(o, s, 1);
		if (*s == '"')
			put(o, s, 1);
	}
}

static void
put_quoted(struct out *o, const char *s)
{
	put(o, "\"", 1);
	put_escaped(o, s);
	put(o, "\"", 1);
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check(const struct dir_snapshot *s)
{
	const struct dir_user *u;
	const struct dir_group *g;
	size_t i, j, k, total = 0;

	for (i = 0; i < s->nusers; i++) {
		u = &s->users[i];
		if (dir_user_find(s, u->id) != u || *u->id == '\0')
			abort();
		for (j = 0; j < u->ngroups; j++) {
			if (u->groups[j] >= s->ngroups ||
			    (j > 0 && u->groups[j] <= u->groups[j - 1]))
				abort();
			g = &s->groups[u->groups[j]];
			for (k = 0; k < g->nmembers && g->members[k] != i; k++)
				;
			if (k == g->nmembers)
				abort();
		}
		total += u->ngroups;
	}
	for (i = 0; i < s->ngroups; i++) {
		g = &s->groups[i];
		if (dir_group_find(s, g->name) != g || g->nmembers == 0)
			abort();
		for (k = 1; k < g->nmembers; k++)
			if (g->members[k] <= g->members[k - 1])
				abort();
		total -= g->nmembers;
	}
	if (total != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dir_snapshot *s = NULL, *again = NULL;
	struct out o = { NULL, 0, 0 };
	const struct dir_user *u, *v;
	size_t i, j;

	if (dirsrc_csv_parse(&s, data, size, "fuzz") != 0)
		return 0;
	check(s);
	put(&o, "groups,surname,given_name,email,id\r\n", 36);
	for (i = 0; i < s->nusers; i++) {
		u = &s->users[i];
		put(&o, "\"", 1);
		for (j = 0; j < u->ngroups; j++) {
			if (j > 0)
				put(&o, ";", 1);
			put_escaped(&o, s->groups[u->groups[j]].name);
		}
		put(&o, "\",", 2);
		put_quoted(&o, u->surname);
		put(&o, ",", 1);
		put_quoted(&o, u->given_name);
		put(&o, ",", 1);
		put_quoted(&o, u->email);
		put(&o, ",", 1);
		put_quoted(&o, u->id);
		put(&o, "\n", 1);
	}
	if (dirsrc_csv_parse(&again, (unsigned char *)o.p, o.len,
	    "again") != 0 || again->nusers != s->nusers ||
	    again->ngroups != s->ngroups)
		abort();
	for (i = 0; i < s->nusers; i++) {
		u = &s->users[i];
		v = &again->users[i];
		if (!same(u->id, v->id) || !same(u->email, v->email) ||
		    !same(u->given_name, v->given_name) ||
		    !same(u->surname, v->surname) ||
		    u->ngroups != v->ngroups)
			abort();
		for (j = 0; j < u->ngroups; j++)
			if (strcmp(s->groups[u->groups[j]].name,
			    again->groups[v->groups[j]].name) != 0)
				abort();
	}
	dir_snapshot_free(again);
	dir_snapshot_free(s);
	free(o.p);
	return 0;
}
