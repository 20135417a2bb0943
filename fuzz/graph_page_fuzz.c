/*
 * graph_page_fuzz.c: dirsrc_graph_parse_page() on arbitrary bytes, as a
 * page of /transitiveMembers/microsoft.graph.user that a Graph endpoint
 * (or anything posing as one) sends. Whatever the parser accepts must keep
 * the snapshot's rules (GUID ids in one case, no empty values, values
 * within the ceilings) and must survive being written back as a page and
 * parsed again unchanged.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "directory.h"
#include "dirsrc-graph.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_value(const char *s)
{
	if (s != NULL && (*s == '\0' || strlen(s) > DIR_VALUE_MAX))
		abort();
}

static void
check(const struct dirsrc_graph_page *pg)
{
	const struct dirsrc_graph_user *u;
	size_t i, j;

	for (i = 0; i < pg->nusers; i++) {
		u = &pg->users[i];
		if (u->id == NULL || strlen(u->id) != 36)
			abort();
		for (j = 0; j < 36; j++)
			if (u->id[j] >= 'A' && u->id[j] <= 'Z')
				abort();
		check_value(u->email);
		check_value(u->given_name);
		check_value(u->surname);
	}
	if (pg->next != NULL && *pg->next == '\0')
		abort();
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* pg as Graph would send it, with the address in "mail". */
static char *
write_page(const struct dirsrc_graph_page *pg, size_t *len)
{
	json_t *root, *value, *u;
	const struct dirsrc_graph_user *p;
	char *s;
	size_t i;

	if ((root = json_object()) == NULL || (value = json_array()) == NULL ||
	    json_object_set_new(root, "value", value) != 0)
		abort();
	for (i = 0; i < pg->nusers; i++) {
		p = &pg->users[i];
		if ((u = json_pack("{s:s, s:s?, s:s?, s:s?, s:s}", "id", p->id,
		    "mail", p->email, "givenName", p->given_name, "surname",
		    p->surname, "userPrincipalName", "upn@example.org")) ==
		    NULL || json_array_append_new(value, u) != 0)
			abort();
	}
	if (pg->next != NULL && json_object_set_new(root, "@odata.nextLink",
	    json_string(pg->next)) != 0)
		abort();
	if ((s = json_dumps(root, JSON_COMPACT)) == NULL)
		abort();
	json_decref(root);
	*len = strlen(s);
	return s;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dirsrc_graph_page *pg = NULL, *again = NULL;
	char *text;
	size_t i, len;

	if (dirsrc_graph_parse_page(&pg, (const char *)data, size) != 0)
		return 0;
	check(pg);
	text = write_page(pg, &len);
	if (dirsrc_graph_parse_page(&again, text, len) != 0 ||
	    again->nusers != pg->nusers || !same(again->next, pg->next))
		abort();
	for (i = 0; i < pg->nusers; i++)
		if (!same(pg->users[i].id, again->users[i].id) ||
		    !same(pg->users[i].email, again->users[i].email) ||
		    !same(pg->users[i].given_name,
		    again->users[i].given_name) ||
		    !same(pg->users[i].surname, again->users[i].surname))
			abort();
	free(text);
	dirsrc_graph_page_free(again);
	dirsrc_graph_page_free(pg);
	return 0;
}
