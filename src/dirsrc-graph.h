/*
 * dirsrc-graph.h: the Microsoft Graph source (Entra ID,
 * docs/graph-source.md): an OAuth2 client-credentials token from the
 * login endpoint, then for each configured group its display name and its
 * users through /groups/{id}/transitiveMembers/microsoft.graph.user,
 * following @odata.nextLink, honouring 429/503 Retry-After with bounded
 * retries. Both endpoint bases are parameters (national clouds, tests).
 * The primary address is the "SMTP:" entry of proxyAddresses, else mail.
 */
#ifndef MAILCERT_DIRSRC_GRAPH_H
#define MAILCERT_DIRSRC_GRAPH_H

#include <stddef.h>

#include <jansson.h>

#include "source.h"

struct dir_snapshot;

#define DIRSRC_GRAPH_PAGE_MAX	(64 * 1024 * 1024)	/* octets a response */
#define DIRSRC_GRAPH_PAGES_MAX	20000	/* member pages of one group */

/* The parameters (source.h), ended by an entry with key NULL. */
extern const struct source_opt dirsrc_graph_opts[];

/*
 * Rules beyond the table: https:// URLs (http:// only to 127.0.0.1, ::1
 * or localhost), a tenant that fits in a URL path, group ids that are
 * GUIDs, a readable secret file with a secret on its first line.
 * ERR_INVALID naming the option.
 */
int	dirsrc_graph_check(const json_t *params);

/*
 * Read every configured group and its users (source.h: all or nothing).
 * name names the source in the snapshot and in messages, which also name
 * the group and page that failed. ERR_INVALID for bad parameters,
 * duplicate group names or malformed pages; ERR_IO for transport, token
 * and HTTP failures. *out is the caller's (dir_snapshot_free()).
 */
int	dirsrc_graph_read(struct dir_snapshot **out, const json_t *params,
	    const char *name);

/* Exposed for the fuzzer (fuzz/graph_page_fuzz.c) and tests. */

struct dirsrc_graph_user {
	char		*id;		/* the Graph object id, never NULL */
	char		*email;		/* primary address; NULL if none */
	char		*given_name;	/* NULL if none */
	char		*surname;	/* NULL if none */
};

struct dirsrc_graph_page {
	struct dirsrc_graph_user *users;	/* in the order delivered */
	size_t		 nusers;
	char		*next;		/* @odata.nextLink; NULL on the last */
};

/*
 * Parse one response of /transitiveMembers/microsoft.graph.user: a JSON
 * object whose "value" array holds users with a non-empty string "id", a
 * string "userPrincipalName" (Graph leaves it null when the app may not
 * read users), and strings or nulls for the rest, within the ceilings of
 * directory.h. ERR_INVALID naming the entry ("entry 3 (id ...): ...");
 * ERR_NOMEM. *out is the caller's (dirsrc_graph_page_free()).
 */
int	dirsrc_graph_parse_page(struct dirsrc_graph_page **out,
	    const char *data, size_t len);

/* Release p and everything in it. NULL is a no-op. */
void	dirsrc_graph_page_free(struct dirsrc_graph_page *p);

#endif
