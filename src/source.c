/*
 * source.c: the registry of directory source types (source.h): their
 * names, option tables, the generic check of stored parameters against a
 * table, and reading a configured source through its type's reader.
 *
 * The tables of LDAP and Graph live with their readers (dirsrc-ldap.c,
 * dirsrc-graph.c); the CSV reader takes a path and nothing else, so its
 * one-entry table is here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "dirsrc-csv.h"
#include "dirsrc-graph.h"
#include "dirsrc-ldap.h"
#include "err.h"
#include "source.h"
#include "store-dir.h"

static const struct source_opt csv_opts[] = {
	{ "path", SOURCE_OPT_PATH, 1, 0, 0, NULL,
	    "the CSV file (docs/csv-source.md); it may be created later" },
	{ NULL, 0, 0, 0, 0, NULL, NULL },
};

static const char *const type_names[SOURCE__MAX] = {
	[SOURCE_LDAP] = "ldap",
	[SOURCE_GRAPH] = "graph",
	[SOURCE_CSV] = "csv",
};

/* Room for "--" and a key as messages show it. */
#define OPTNAME_MAX	80

int
source_type_parse(const char *s)
{
	int t;

	for (t = 0; t < SOURCE__MAX; t++)
		if (strcmp(s, type_names[t]) == 0)
			return t;
	return -1;
}

const char *
source_type_name(enum source_type t)
{
	if ((unsigned)t >= SOURCE__MAX)
		return "unknown";
	return type_names[t];
}

const struct source_opt *
source_opts(enum source_type t)
{
	switch (t) {
	case SOURCE_LDAP:
		return dirsrc_ldap_opts;
	case SOURCE_GRAPH:
		return dirsrc_graph_opts;
	case SOURCE_CSV:
		return csv_opts;
	default:
		return NULL;
	}
}

/* key as the command line spells it: "user_base" -> "--user-base". */
static const char *
optname(char buf[OPTNAME_MAX], const char *key)
{
	size_t i;

	snprintf(buf, OPTNAME_MAX, "--%s", key);
	for (i = 2; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = '-';
	return buf;
}

static const struct source_opt *
find_opt(const struct source_opt *tab, const char *key)
{
	for (; tab->key != NULL; tab++)
		if (strcmp(tab->key, key) == 0)
			return tab;
	return NULL;
}

/* One value against its table entry. */
static int
check_value(const struct source_opt *o, const json_t *v)
{
	char name[OPTNAME_MAX];
	const json_t *e;
	json_int_t n;
	size_t i;

	optname(name, o->key);
	switch (o->type) {
	case SOURCE_OPT_STRING:
	case SOURCE_OPT_PATH:
		if (!json_is_string(v))
			return err_set(ERR_INVALID, "%s: must be a string",
			    name);
		if (json_string_length(v) == 0)
			return err_set(ERR_INVALID, "%s: must not be empty",
			    name);
		if (strlen(json_string_value(v)) != json_string_length(v))
			return err_set(ERR_INVALID, "%s: holds a NUL byte",
			    name);
		return 0;
	case SOURCE_OPT_INT:
		if (!json_is_integer(v))
			return err_set(ERR_INVALID, "%s: must be a whole "
			    "number", name);
		n = json_integer_value(v);
		if (n < o->min || n > o->max)
			return err_set(ERR_INVALID, "%s: %lld is outside "
			    "%ld..%ld", name, (long long)n, o->min, o->max);
		return 0;
	case SOURCE_OPT_BOOL:
		/* An unset flag is absent, so the reader's default holds. */
		if (!json_is_true(v))
			return err_set(ERR_INVALID, "%s: a flag is stored as "
			    "true when given, and not at all otherwise", name);
		return 0;
	case SOURCE_OPT_LIST:
		if (!json_is_array(v) || json_array_size(v) == 0)
			return err_set(ERR_INVALID, "%s: must be a non-empty "
			    "list", name);
		json_array_foreach(v, i, e) {
			if (!json_is_string(e) || json_string_length(e) == 0 ||
			    strlen(json_string_value(e)) !=
			    json_string_length(e))
				return err_set(ERR_INVALID, "%s: entry %zu is "
				    "not a non-empty text", name, i + 1);
		}
		return 0;
	}
	return err_set(ERR_INTERNAL, "%s: unknown option type %d", name,
	    (int)o->type);
}

int
source_params_check(enum source_type t, const json_t *params)
{
	const struct source_opt *tab, *o;
	const char *key;
	char name[OPTNAME_MAX];
	json_t *v;
	int rc;

	if ((tab = source_opts(t)) == NULL)
		return err_set(ERR_INVALID, "unknown source type %d", (int)t);
	if (!json_is_object(params))
		return err_set(ERR_INVALID, "%s source parameters are not a "
		    "JSON object", source_type_name(t));
	/* json_object_foreach wants a non-const object; it only reads. */
	json_object_foreach((json_t *)params, key, v) {
		if ((o = find_opt(tab, key)) == NULL)
			return err_set(ERR_INVALID, "%s: unknown option for "
			    "a%s %s source (see `mailcert source add %s "
			    "--help`)", optname(name, key),
			    t == SOURCE_LDAP ? "n" : "", source_type_name(t),
			    source_type_name(t));
		if ((rc = check_value(o, v)) != 0)
			return rc;
	}
	for (o = tab; o->key != NULL; o++)
		if (o->required && json_object_get(params, o->key) == NULL)
			return err_set(ERR_INVALID, "%s: missing; a%s %s "
			    "source needs it", optname(name, o->key),
			    t == SOURCE_LDAP ? "n" : "", source_type_name(t));
	switch (t) {
	case SOURCE_LDAP:
		return dirsrc_ldap_check(params);
	case SOURCE_GRAPH:
		return dirsrc_graph_check(params);
	default:
		/* A CSV file may be created after the source is added. */
		return 0;
	}
}

/*
 * Make the current message start with "source NAME: " unless it names the
 * source already; returns rc.
 */
static int
name_source(int rc, const char *name)
{
	char prefix[STORE_NAME_MAX + 16], msg[1024];

	snprintf(prefix, sizeof(prefix), "source %s: ", name);
	if (strncmp(err_msg(), prefix, strlen(prefix)) == 0)
		return rc;
	snprintf(msg, sizeof(msg), "%s", *err_msg() ? err_msg() :
	    err_str(rc));
	return err_set(rc, "%s%s", prefix, msg);
}

static int
read_csv(struct dir_snapshot **out, const json_t *params, const char *name)
{
	struct dir_snapshot *snap = NULL;
	char *s;
	int rc;

	*out = NULL;
	if ((rc = dirsrc_csv_read(&snap, json_string_value(json_object_get(
	    params, "path")))) != 0)
		return rc;
	/* The reader names the snapshot after its file; we after the source. */
	if ((s = strdup(name)) == NULL) {
		dir_snapshot_free(snap);
		return err_set(ERR_NOMEM, "out of memory");
	}
	free(snap->source);
	snap->source = s;
	*out = snap;
	return 0;
}

int
source_read(struct dir_snapshot **out, const struct store_source *src,
    const struct config *cfg)
{
	json_t *params = NULL;
	json_error_t jerr;
	int t, rc;

	(void)cfg;	/* the readers need nothing from it yet */
	*out = NULL;
	if ((t = source_type_parse(src->type)) < 0)
		return err_set(ERR_INVALID, "source %s: unknown type \"%s\"",
		    src->name, src->type);
	if ((params = json_loads(src->params, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL)
		return err_set(ERR_INVALID, "source %s: stored parameters are "
		    "not JSON: %s", src->name, jerr.text);
	if ((rc = source_params_check(t, params)) != 0)
		goto out;
	switch (t) {
	case SOURCE_LDAP:
		rc = dirsrc_ldap_read(out, params, src->name);
		break;
	case SOURCE_GRAPH:
		rc = dirsrc_graph_read(out, params, src->name);
		break;
	default:
		rc = read_csv(out, params, src->name);
		break;
	}
out:
	json_decref(params);
	if (rc != 0)
		return name_source(rc, src->name);
	return 0;
}
