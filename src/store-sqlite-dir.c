/*
 * store-sqlite-dir.c: the store-dir.h half of the SQLite backend (schema
 * 4): sources, the directory they deliver and settings, and the table of
 * every store-dir.h operation (runs, actions, events and alerts are in
 * store-sqlite-outbox.c).
 *
 * store_dir_apply() is the hot path of a sync: it reads the source's
 * stored users, groups and memberships once, diffs them against the
 * snapshot in memory, and writes only the rows that differ, so a sync of
 * an unchanged directory is free of writes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "directory.h"
#include "err.h"
#include "store-sqlite-int.h"
#include "util/array.h"
#include "util/timefmt.h"

static int
nomem(void)
{
	return err_set(ERR_NOMEM, "out of memory");
}


/* 1 if a and column text b are the same value, NULL (none) included. */
static int
same(const char *a, const unsigned char *b)
{
	if (a == NULL || b == NULL)
		return a == NULL && b == NULL;
	return strcmp(a, (const char *)b) == 0;
}

/* ---- sources ---- */

static int
source_row(struct store_source **out, sqlite3_stmt *stmt)
{
	struct store_source *src;
	int rc;

	*out = NULL;
	if ((src = calloc(1, sizeof(*src))) == NULL)
		return nomem();
	src->id = sqlite3_column_int64(stmt, 0);
	src->created_at = sqlite3_column_int64(stmt, 4);
	src->last_read_at = sqlite3_column_int64(stmt, 5);
	if ((rc = sq_col_text(&src->name, stmt, 1)) != 0 ||
	    (rc = sq_col_text(&src->type, stmt, 2)) != 0 ||
	    (rc = sq_col_text(&src->params, stmt, 3)) != 0 ||
	    (rc = sq_col_text(&src->last_error, stmt, 6)) != 0) {
		store_source_free(src);
		return rc;
	}
	*out = src;
	return 0;
}

static int
op_source_put(struct store *st, struct store_source *src)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int64_t now = timefmt_now();
	int rc;

	if ((rc = sq_stmt_get(&stmt, s, STMT_SOURCE_PUT)) != 0)
		goto out;
	if (sq_bind_text(stmt, 1, src->name) != 0 ||
	    sq_bind_text(stmt, 2, src->type) != 0 ||
	    sq_bind_text(stmt, 3, src->params) != 0 ||
	    sqlite3_bind_int64(stmt, 4, now) != 0) {
		rc = sq_qerr(s, STMT_SOURCE_PUT);
		goto out;
	}
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		rc = sq_conflict(s) ? err_set(ERR_EXISTS, "a source named "
		    "\"%s\" exists already", src->name) : sq_dberr(s,
		    "cannot store source \"%s\"", src->name);
		goto out;
	}
	src->id = sqlite3_last_insert_rowid(s->db);
	src->created_at = now;
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_source_get(struct store_source **out, struct store *st, const char *name)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_SOURCE_GET, name, 0)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_SOURCE_GET)) == 0)
		rc = source_row(out, stmt);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "no source named \"%s\"", name);
	sq_stmt_done(stmt);
	return rc;
}

static int
op_source_list(struct store_source ***out, size_t *n, struct store *st)
{
	struct sqlstore *s = sq(st);
	struct store_source **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get(&stmt, s, STMT_SOURCE_LIST)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = nomem();
			goto out;
		}
		v = nv;
		if ((rc = source_row(&v[len], stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_SOURCE_LIST);
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_source_list_free(v, len);
	return rc;
}

static int
op_source_set_status(struct store *st, int64_t id, int64_t at,
    const char *error)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_SOURCE_STATUS, NULL, id)) != 0)
		return rc;
	if (sq_bind_time(stmt, 2, at) != 0 ||
	    sq_bind_text(stmt, 3, error) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_SOURCE_STATUS);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_SOURCE_STATUS)) != 0)
		return rc;
	return changed ? 0 : err_set(ERR_NOTFOUND, "no source with id %lld",
	    (long long)id);
}

/* The schema's ON DELETE actions take the directory along and unlink
 * certificates, actions and events. */
static int
op_source_delete(struct store *st, const char *name)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_SOURCE_DELETE, name, 0)) != 0 ||
	    (rc = sq_step_changes(&changed, s, stmt, STMT_SOURCE_DELETE)) != 0)
		return rc;
	return changed ? 0 : err_set(ERR_NOTFOUND, "no source named \"%s\"",
	    name);
}

/* ---- applying a snapshot ---- */

enum { ROW_KEEP, ROW_UPDATE, ROW_ABSENT };

/* A stored user of the source being applied. */
struct urow {
	int64_t		 id;
	size_t		 snap;		/* index in the snapshot; SIZE_MAX:
					 * not in it */
	int		 todo;		/* ROW_* */
	int		 counted;	/* in *changed already */
};

/* A membership as (user id, group id). */
struct pair {
	int64_t		 u;
	int64_t		 g;
};

struct apply {
	struct sqlstore	*s;
	const struct dir_snapshot *snap;
	int64_t		 source_id;
	int64_t		 now;
	int64_t		*gid;		/* stored id of snap->groups[i] */
	int64_t		*uid;		/* stored id of snap->users[i] */
	struct urow	*urows;		/* stored users, by id */
	size_t		 nurows;
	struct pair	*have;		/* stored memberships, sorted */
	size_t		 nhave;
	struct pair	*want;		/* the snapshot's, sorted */
	size_t		 nwant;
	size_t		 changed;
};

static int
pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;

	if (x->u != y->u)
		return x->u < y->u ? -1 : 1;
	if (x->g != y->g)
		return x->g < y->g ? -1 : 1;
	return 0;
}


static int
apply_groups(struct apply *ap)
{
	struct sqlstore *s = ap->s;
	const struct dir_group *g;
	sqlite3_stmt *stmt = NULL;
	int64_t *flip = NULL, *nf;
	size_t i, nflip = 0, cap = 0;
	int rc, step, present;

	/*
	 * Collect first, write after: rows are not changed under a running
	 * SELECT of the same table.
	 */
	if ((rc = sq_stmt_get1(&stmt, s, STMT_APPLY_GROUPS, NULL,
	    ap->source_id)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		g = dir_group_find(ap->snap,
		    (const char *)sqlite3_column_text(stmt, 1));
		present = sqlite3_column_int(stmt, 2);
		if (g != NULL)
			ap->gid[g - ap->snap->groups] =
			    sqlite3_column_int64(stmt, 0);
		if ((g != NULL) == (present != 0))
			continue;
		if ((nf = array_grow(flip, nflip, &cap, sizeof(*flip))) ==
		    NULL) {
			rc = nomem();
			goto out;
		}
		flip = nf;
		/* The sign says which way: negative ids go absent. */
		flip[nflip++] = g != NULL ? sqlite3_column_int64(stmt, 0) :
		    -sqlite3_column_int64(stmt, 0);
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_APPLY_GROUPS);
		goto out;
	}
	sq_stmt_done(stmt);
	stmt = NULL;
	for (i = 0; i < nflip; i++) {
		if ((rc = sq_run_ids(NULL, s, STMT_APPLY_GROUP_PRESENT,
		    flip[i] > 0 ? flip[i] : -flip[i], flip[i] > 0)) != 0)
			goto out;
		ap->changed++;
	}
	for (i = 0; i < ap->snap->ngroups; i++) {
		if (ap->gid[i] != 0)
			continue;
		if ((rc = sq_stmt_get1(&stmt, s, STMT_APPLY_GROUP_ADD, NULL,
		    ap->source_id)) != 0)
			goto out;
		if (sq_bind_text(stmt, 2, ap->snap->groups[i].name) != 0 ||
		    sqlite3_step(stmt) != SQLITE_DONE) {
			rc = sq_dberr(s, "cannot add group \"%s\" of source "
			    "\"%s\"", ap->snap->groups[i].name,
			    ap->snap->source);
			goto out;
		}
		ap->gid[i] = sqlite3_last_insert_rowid(s->db);
		ap->changed++;
		sq_stmt_done(stmt);
		stmt = NULL;
	}
out:
	sq_stmt_done(stmt);
	free(flip);
	return rc;
}

/* Read the source's users into ap->urows, deciding what each needs. */
static int
read_users(struct apply *ap)
{
	struct sqlstore *s = ap->s;
	const struct dir_user *u;
	struct urow *nv, *r;
	sqlite3_stmt *stmt = NULL;
	size_t cap = 0;
	int rc, step, present;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_APPLY_USERS, NULL,
	    ap->source_id)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(ap->urows, ap->nurows, &cap,
		    sizeof(*nv))) == NULL) {
			rc = nomem();
			goto out;
		}
		ap->urows = nv;
		r = &ap->urows[ap->nurows++];
		memset(r, 0, sizeof(*r));
		r->id = sqlite3_column_int64(stmt, 0);
		r->snap = SIZE_MAX;
		present = sqlite3_column_int(stmt, 5);
		u = dir_user_find(ap->snap,
		    (const char *)sqlite3_column_text(stmt, 1));
		if (u == NULL) {
			r->todo = present ? ROW_ABSENT : ROW_KEEP;
			continue;
		}
		r->snap = (size_t)(u - ap->snap->users);
		ap->uid[r->snap] = r->id;
		if (!present || !same(u->email, sqlite3_column_text(stmt, 2)) ||
		    !same(u->given_name, sqlite3_column_text(stmt, 3)) ||
		    !same(u->surname, sqlite3_column_text(stmt, 4)))
			r->todo = ROW_UPDATE;
	}
	if (step != SQLITE_DONE)
		rc = sq_qerr(s, STMT_APPLY_USERS);
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
write_user(struct apply *ap, enum stmt id, int64_t first,
    const struct dir_user *u)
{
	struct sqlstore *s = ap->s;
	sqlite3_stmt *stmt = NULL;
	int i, rc;

	if ((rc = sq_stmt_get1(&stmt, s, id, NULL, first)) != 0)
		return rc;
	/* The add statement has the external id in front of the rest. */
	i = id == STMT_APPLY_USER_ADD;
	if ((i && sq_bind_text(stmt, 2, u->id) != 0) ||
	    sq_bind_text(stmt, 2 + i, u->email) != 0 ||
	    sq_bind_text(stmt, 3 + i, u->given_name) != 0 ||
	    sq_bind_text(stmt, 4 + i, u->surname) != 0 ||
	    sqlite3_bind_int64(stmt, 5 + i, ap->now) != 0 ||
	    sqlite3_step(stmt) != SQLITE_DONE)
		rc = sq_dberr(s, "cannot store user \"%s\" of source \"%s\"",
		    u->id, ap->snap->source);
	sq_stmt_done(stmt);
	return rc;
}

static int
apply_users(struct apply *ap)
{
	struct urow *r;
	size_t i;
	int rc;

	if ((rc = read_users(ap)) != 0)
		return rc;
	for (i = 0; i < ap->nurows; i++) {
		r = &ap->urows[i];
		if (r->todo == ROW_KEEP)
			continue;
		if (r->todo == ROW_UPDATE)
			rc = write_user(ap, STMT_APPLY_USER_UPDATE, r->id,
			    &ap->snap->users[r->snap]);
		else
			rc = sq_run_ids(NULL, ap->s, STMT_APPLY_USER_ABSENT,
			    r->id, 0);
		if (rc != 0)
			return rc;
		r->counted = 1;
		ap->changed++;
	}
	for (i = 0; i < ap->snap->nusers; i++) {
		if (ap->uid[i] != 0)
			continue;
		if ((rc = write_user(ap, STMT_APPLY_USER_ADD, ap->source_id,
		    &ap->snap->users[i])) != 0)
			return rc;
		ap->uid[i] = sqlite3_last_insert_rowid(ap->s->db);
		ap->changed++;
	}
	return 0;
}

static int
read_members(struct apply *ap)
{
	struct sqlstore *s = ap->s;
	struct pair *nv;
	sqlite3_stmt *stmt = NULL;
	size_t cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_APPLY_MEMBERS, NULL,
	    ap->source_id)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(ap->have, ap->nhave, &cap,
		    sizeof(*nv))) == NULL) {
			rc = nomem();
			goto out;
		}
		ap->have = nv;
		ap->have[ap->nhave].u = sqlite3_column_int64(stmt, 0);
		ap->have[ap->nhave].g = sqlite3_column_int64(stmt, 1);
		ap->nhave++;
	}
	if (step != SQLITE_DONE)
		rc = sq_qerr(s, STMT_APPLY_MEMBERS);
out:
	sq_stmt_done(stmt);
	return rc;
}

/* Count user id as changed, once; users added were counted already. */
static void
count_user(struct apply *ap, int64_t id)
{
	size_t lo = 0, hi = ap->nurows, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (ap->urows[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < ap->nurows && ap->urows[lo].id == id &&
	    !ap->urows[lo].counted) {
		ap->urows[lo].counted = 1;
		ap->changed++;
	}
}

static int
apply_members(struct apply *ap)
{
	const struct dir_snapshot *snap = ap->snap;
	size_t i, j, n = 0, h, w;
	int rc, c;

	if ((rc = read_members(ap)) != 0)
		return rc;
	for (i = 0; i < snap->nusers; i++)
		n += snap->users[i].ngroups;
	if (n > 0 && (ap->want = calloc(n, sizeof(*ap->want))) == NULL)
		return nomem();
	for (i = 0; i < snap->nusers; i++) {
		for (j = 0; j < snap->users[i].ngroups; j++) {
			ap->want[ap->nwant].u = ap->uid[i];
			ap->want[ap->nwant].g =
			    ap->gid[snap->users[i].groups[j]];
			ap->nwant++;
		}
	}
	array_sort(ap->want, ap->nwant, sizeof(*ap->want), pair_cmp);
	/* The query returns them in this order already; keep it certain. */
	array_sort(ap->have, ap->nhave, sizeof(*ap->have), pair_cmp);
	h = w = 0;
	while (h < ap->nhave || w < ap->nwant) {
		if (h == ap->nhave)
			c = 1;
		else if (w == ap->nwant)
			c = -1;
		else
			c = pair_cmp(&ap->have[h], &ap->want[w]);
		if (c == 0) {
			h++;
			w++;
			continue;
		}
		if (c < 0) {
			rc = sq_run_ids(NULL, ap->s, STMT_APPLY_MEMBER_DELETE,
			    ap->have[h].u, ap->have[h].g);
			count_user(ap, ap->have[h++].u);
		} else {
			rc = sq_run_ids(NULL, ap->s, STMT_APPLY_MEMBER_ADD,
			    ap->want[w].u, ap->want[w].g);
			count_user(ap, ap->want[w++].u);
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
op_dir_apply(struct store *st, int64_t source_id,
    const struct dir_snapshot *snap, int64_t now, size_t *changed)
{
	struct sqlstore *s = sq(st);
	struct apply ap;
	sqlite3_stmt *stmt = NULL;
	int rc;

	memset(&ap, 0, sizeof(ap));
	ap.s = s;
	ap.snap = snap;
	ap.source_id = source_id;
	ap.now = now;
	/* Thousands of single-row writes cost one commit only inside one. */
	if (sqlite3_get_autocommit(s->db)) {
		rc = err_set(ERR_INTERNAL, "the directory of source \"%s\" "
		    "must be stored inside a transaction", snap->source);
		goto out;
	}
	if ((rc = sq_stmt_get1(&stmt, s, STMT_SOURCE_GET_ID, NULL,
	    source_id)) != 0 ||
	    (rc = sq_stmt_row(s, stmt, STMT_SOURCE_GET_ID)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = err_set(ERR_NOTFOUND, "no source with id %lld "
			    "(for \"%s\")", (long long)source_id,
			    snap->source);
		goto out;
	}
	if ((ap.gid = calloc(snap->ngroups + 1, sizeof(*ap.gid))) == NULL ||
	    (ap.uid = calloc(snap->nusers + 1, sizeof(*ap.uid))) == NULL) {
		rc = nomem();
		goto out;
	}
	if ((rc = apply_groups(&ap)) != 0 ||
	    (rc = apply_users(&ap)) != 0 ||
	    (rc = apply_members(&ap)) != 0)
		goto out;
	*changed = ap.changed;
out:
	sq_stmt_done(stmt);
	free(ap.gid);
	free(ap.uid);
	free(ap.urows);
	free(ap.have);
	free(ap.want);
	return rc;
}

/* ---- users and groups ---- */

static int
user_row(struct store_user **out, sqlite3_stmt *stmt)
{
	struct store_user *u;
	int rc;

	*out = NULL;
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return nomem();
	u->id = sqlite3_column_int64(stmt, 0);
	u->source_id = sqlite3_column_int64(stmt, 1);
	u->present = sqlite3_column_int(stmt, 7);
	u->first_seen = sqlite3_column_int64(stmt, 8);
	u->last_seen = sqlite3_column_int64(stmt, 9);
	if ((rc = sq_col_text(&u->source, stmt, 2)) != 0 ||
	    (rc = sq_col_text(&u->ext_id, stmt, 3)) != 0 ||
	    (rc = sq_col_text(&u->email, stmt, 4)) != 0 ||
	    (rc = sq_col_text(&u->given_name, stmt, 5)) != 0 ||
	    (rc = sq_col_text(&u->surname, stmt, 6)) != 0) {
		store_user_free(u);
		return rc;
	}
	*out = u;
	return 0;
}

static int
add_group_id(struct store_user *u, size_t *cap, int64_t gid)
{
	int64_t *nv;

	if ((nv = array_grow(u->group_ids, u->ngroups, cap,
	    sizeof(*nv))) == NULL)
		return nomem();
	u->group_ids = nv;
	u->group_ids[u->ngroups++] = gid;
	return 0;
}

/*
 * Both queries are ordered by user id, so each membership row belongs to
 * the user the merge has reached.
 */
static int
user_groups_merge(struct sqlstore *s, struct store_user **v, size_t len,
    const struct store_user_filter *f)
{
	sqlite3_stmt *stmt = NULL;
	size_t i = 0, cap = 0;
	int64_t uid;
	int rc, step;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_USER_LIST_GROUPS, NULL,
	    f->source_id)) != 0)
		goto out;
	if (sqlite3_bind_int(stmt, 2, f->present) != SQLITE_OK) {
		rc = sq_qerr(s, STMT_USER_LIST_GROUPS);
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		uid = sqlite3_column_int64(stmt, 0);
		while (i < len && v[i]->id < uid) {
			i++;
			cap = 0;
		}
		if (i == len)
			break;
		if (v[i]->id == uid && (rc = add_group_id(v[i], &cap,
		    sqlite3_column_int64(stmt, 1))) != 0)
			goto out;
	}
	if (step != SQLITE_DONE && step != SQLITE_ROW)
		rc = sq_qerr(s, STMT_USER_LIST_GROUPS);
out:
	sq_stmt_done(stmt);
	return rc;
}

static int
op_user_list(struct store_user ***out, size_t *n, struct store *st,
    const struct store_user_filter *f)
{
	struct sqlstore *s = sq(st);
	struct store_user **v = NULL, **nv;
	sqlite3_stmt *stmt = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_USER_LIST, NULL,
	    f->source_id)) != 0)
		goto out;
	if (sqlite3_bind_int(stmt, 2, f->present) != SQLITE_OK) {
		rc = sq_qerr(s, STMT_USER_LIST);
		goto out;
	}
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = nomem();
			goto out;
		}
		v = nv;
		if ((rc = user_row(&v[len], stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_USER_LIST);
		goto out;
	}
	sq_stmt_done(stmt);
	stmt = NULL;
	if ((rc = user_groups_merge(s, v, len, f)) != 0)
		goto out;
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_user_list_free(v, len);
	return rc;
}

static int
op_user_get(struct store_user **out, struct store *st, int64_t id)
{
	struct sqlstore *s = sq(st);
	struct store_user *u = NULL;
	sqlite3_stmt *stmt = NULL;
	size_t cap = 0;
	int rc, step;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_USER_GET, NULL, id)) != 0)
		goto out;
	if ((rc = sq_stmt_row(s, stmt, STMT_USER_GET)) != 0) {
		if (rc == ERR_NOTFOUND)
			rc = err_set(ERR_NOTFOUND, "no user with id %lld",
			    (long long)id);
		goto out;
	}
	if ((rc = user_row(&u, stmt)) != 0)
		goto out;
	sq_stmt_done(stmt);
	if ((rc = sq_stmt_get1(&stmt, s, STMT_USER_GROUPS, NULL, id)) != 0)
		goto out;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW)
		if ((rc = add_group_id(u, &cap,
		    sqlite3_column_int64(stmt, 0))) != 0)
			goto out;
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, STMT_USER_GROUPS);
		goto out;
	}
	*out = u;
	u = NULL;	/* transferred */
out:
	sq_stmt_done(stmt);
	store_user_free(u);
	return rc;
}

static int
group_row(struct store_group **out, sqlite3_stmt *stmt)
{
	struct store_group *g;
	int rc;

	*out = NULL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return nomem();
	g->id = sqlite3_column_int64(stmt, 0);
	g->source_id = sqlite3_column_int64(stmt, 1);
	g->present = sqlite3_column_int(stmt, 4);
	g->nmembers = (size_t)sqlite3_column_int64(stmt, 5);
	g->auto_request = sqlite3_column_int(stmt, 6);
	g->days = sqlite3_column_int(stmt, 8);
	if ((rc = sq_col_text(&g->source, stmt, 2)) != 0 ||
	    (rc = sq_col_text(&g->name, stmt, 3)) != 0 ||
	    (rc = sq_col_text(&g->key, stmt, 7)) != 0 ||
	    (rc = sq_col_text(&g->profile, stmt, 9)) != 0 ||
	    (rc = sq_col_text(&g->usage, stmt, 10)) != 0) {
		store_group_free(g);
		return rc;
	}
	*out = g;
	return 0;
}

/* Every row of a bound group query; *n may be 0. */
static int
group_rows(struct store_group ***out, size_t *n, struct sqlstore *s,
    sqlite3_stmt *stmt, enum stmt id)
{
	struct store_group **v = NULL, **nv;
	size_t len = 0, cap = 0;
	int rc = 0, step;

	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((nv = array_grow(v, len, &cap, sizeof(*v))) == NULL) {
			rc = nomem();
			goto out;
		}
		v = nv;
		if ((rc = group_row(&v[len], stmt)) != 0)
			goto out;
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = sq_qerr(s, id);
		goto out;
	}
	*out = v;
	*n = len;
	v = NULL;	/* transferred */
out:
	store_group_list_free(v, len);
	return rc;
}

static int
op_group_list(struct store_group ***out, size_t *n, struct store *st)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get(&stmt, s, STMT_GROUP_LIST)) == 0)
		rc = group_rows(out, n, s, stmt, STMT_GROUP_LIST);
	sq_stmt_done(stmt);
	return rc;
}

static int
op_group_get(struct store_group **out, struct store *st, const char *source,
    const char *name)
{
	struct sqlstore *s = sq(st);
	struct store_group **v = NULL;
	sqlite3_stmt *stmt = NULL;
	enum stmt id = source != NULL ? STMT_GROUP_GET : STMT_GROUP_GET_ANY;
	size_t n = 0;
	int rc;

	if ((rc = sq_stmt_get(&stmt, s, id)) != 0)
		goto out;
	if (source != NULL ? (sq_bind_text(stmt, 1, source) != 0 ||
	    sq_bind_text(stmt, 2, name) != 0) :
	    sq_bind_text(stmt, 1, name) != 0) {
		rc = sq_qerr(s, id);
		goto out;
	}
	if ((rc = group_rows(&v, &n, s, stmt, id)) != 0)
		goto out;
	if (n == 0)
		rc = source != NULL ? err_set(ERR_NOTFOUND, "source \"%s\" has "
		    "no group \"%s\"", source, name) : err_set(ERR_NOTFOUND,
		    "no source has a group \"%s\"", name);
	else if (n > 1)
		rc = err_set(ERR_EXISTS, "sources \"%s\" and \"%s\" both have "
		    "a group \"%s\"; name the source", v[0]->source,
		    v[1]->source, name);
	else {
		*out = v[0];
		v[0] = NULL;	/* transferred */
	}
out:
	sq_stmt_done(stmt);
	store_group_list_free(v, n);
	return rc;
}

static int
op_group_set_policy(struct store *st, const struct store_group *g)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int changed = 0, rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_GROUP_POLICY, NULL, g->id)) != 0)
		return rc;
	if (sqlite3_bind_int(stmt, 2, g->auto_request) != 0 ||
	    sq_bind_text(stmt, 3, g->key) != 0 ||
	    (g->days != 0 && sqlite3_bind_int(stmt, 4, g->days) != 0) ||
	    sq_bind_text(stmt, 5, g->profile) != 0 ||
	    sq_bind_text(stmt, 6, g->usage) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, STMT_GROUP_POLICY);
	}
	if ((rc = sq_step_changes(&changed, s, stmt, STMT_GROUP_POLICY)) != 0)
		return rc;
	return changed ? 0 : err_set(ERR_NOTFOUND, "no group with id %lld",
	    (long long)g->id);
}

/* ---- settings ---- */

static int
op_setting_get(char **out, struct store *st, const char *key)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	int rc;

	if ((rc = sq_stmt_get1(&stmt, s, STMT_SETTING_GET, key, 0)) == 0 &&
	    (rc = sq_stmt_row(s, stmt, STMT_SETTING_GET)) == 0)
		rc = sq_col_text(out, stmt, 0);
	else if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "setting \"%s\" is not set", key);
	sq_stmt_done(stmt);
	return rc;
}

static int
op_setting_set(struct store *st, const char *key, const char *value)
{
	struct sqlstore *s = sq(st);
	sqlite3_stmt *stmt = NULL;
	enum stmt id = value != NULL ? STMT_SETTING_SET : STMT_SETTING_DELETE;
	int changed, rc;

	if ((rc = sq_stmt_get1(&stmt, s, id, key, 0)) != 0)
		return rc;
	if (value != NULL && sq_bind_text(stmt, 2, value) != 0) {
		sq_stmt_done(stmt);
		return sq_qerr(s, id);
	}
	return sq_step_changes(&changed, s, stmt, id);
}

const struct store_dir_ops store_sqlite_dir_ops = {
	.source_put = op_source_put,
	.source_get = op_source_get,
	.source_list = op_source_list,
	.source_set_status = op_source_set_status,
	.source_delete = op_source_delete,
	.dir_apply = op_dir_apply,
	.user_list = op_user_list,
	.user_get = op_user_get,
	.group_list = op_group_list,
	.group_get = op_group_get,
	.group_set_policy = op_group_set_policy,
	.setting_get = op_setting_get,
	.setting_set = op_setting_set,
	.run_put = sq_run_put,
	.run_unfinished = sq_run_unfinished,
	.run_latest = sq_run_latest,
	.run_finish = sq_run_finish,
	.action_put = sq_action_put,
	.action_list = sq_action_list,
	.action_finish = sq_action_finish,
	.event_put = sq_event_put,
	.event_list = sq_event_list,
	.event_claim = sq_event_claim,
	.event_complete = sq_event_complete,
	.event_retry = sq_event_retry,
	.alert_raise = sq_alert_raise,
	.alert_clear = sq_alert_clear,
};
