/*
 * source.h: the directory sources an administrator configures (`mailcert
 * source add`). A source is a type and parameters; the parameters are a
 * flat JSON object stored in the store (store-dir.h), built from command
 * line options through each type's option table, so the CLI, the store
 * and the readers agree on one list of names. Secrets are never
 * parameters: a source names the file that holds its password or client
 * secret, read at each use.
 *
 * Reading a source is all or nothing (directory.h): on any failure *out
 * stays NULL and the message names the source and what failed (the LDAP
 * error, the Graph page, the CSV line).
 */
#ifndef MAILCERT_SOURCE_H
#define MAILCERT_SOURCE_H

#include <stddef.h>

#include <jansson.h>

struct config;
struct dir_snapshot;
struct store_source;

enum source_type {
	SOURCE_LDAP,
	SOURCE_GRAPH,
	SOURCE_CSV,
	SOURCE__MAX
};

enum source_opt_type {
	SOURCE_OPT_STRING,
	SOURCE_OPT_PATH,	/* a file; made absolute when added */
	SOURCE_OPT_INT,		/* within [min, max] */
	SOURCE_OPT_BOOL,	/* a flag without a value */
	SOURCE_OPT_LIST,	/* ','-separated, stored as a JSON array */
};

/*
 * One parameter: "--NAME" on the command line with '-' for '_' (key
 * "user_base" is --user-base). Absent optional parameters are not stored;
 * readers apply def themselves, so a later release may change a default
 * for sources that never set it.
 */
struct source_opt {
	const char	*key;
	enum source_opt_type type;
	int		 required;
	long		 min, max;	/* SOURCE_OPT_INT */
	const char	*def;		/* shown in help; NULL: none */
	const char	*help;
};

/* "ldap" -> SOURCE_LDAP; -1 for an unknown name. */
int	source_type_parse(const char *s);
const char *source_type_name(enum source_type t);	/* static */

/* The option table of type t, ended by an entry with key NULL. */
const struct source_opt *source_opts(enum source_type t);

/*
 * Check params (a JSON object) against type t's table and the type's own
 * rules (a URL's scheme, a readable secret file): every key known and of
 * its type, every required key there. ERR_INVALID naming the option
 * ("--user-base: ...") and what is wrong.
 */
int	source_params_check(enum source_type t, const json_t *params);

/*
 * Read src completely into a finished snapshot named after src->name.
 * ERR_INVALID for bad parameters or malformed data, ERR_IO for
 * connection, authentication or server failures, each naming src->name.
 * *out is the caller's (dir_snapshot_free()).
 */
int	source_read(struct dir_snapshot **out, const struct store_source *src,
	    const struct config *cfg);

#endif
