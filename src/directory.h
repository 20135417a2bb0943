/*
 * directory.h: the in-memory snapshot of a user directory, as every source
 * (CSV now, LDAP and Microsoft Graph later) delivers it to the sync: users
 * with their external id, address, names and groups, and the groups with
 * their members.
 *
 * A source builds a snapshot with dir_snapshot_new(), one
 * dir_snapshot_add_user() per user followed by that user's
 * dir_snapshot_add_member() calls, and dir_snapshot_finish(); only a
 * finished snapshot is handed on. A source that cannot read everything
 * frees its half-built snapshot and returns nothing, so a partial read can
 * never look like people leaving.
 *
 * Invariants of a finished snapshot:
 * - External ids are non-empty and unique, compared byte for byte: they are
 *   opaque keys (entryUUID, objectGUID, a Graph id, a CSV id) and any
 *   folding belongs in the source that knows their syntax.
 * - Group names are non-empty and unique, compared byte for byte, so
 *   "Staff" and "staff" are two groups. Case-insensitive matching would
 *   need Unicode case folding to be right for names like "Ärzte", and
 *   would silently merge groups a directory keeps apart; LDAP and Graph
 *   deliver each group's own spelling once, and a CSV that spells one
 *   group two ways shows both in `group list`, where it is easy to see.
 * - users[i].groups and groups[j].members mirror each other exactly, both
 *   ascending and without repeats.
 * - Empty values are stored as NULL: a user without an address or names is
 *   kept, because eligibility is decided later and with every reason.
 *
 * Building costs O(n log n) for n users and memberships; the ceilings below
 * bound what an untrusted or broken source can make us allocate.
 */
#ifndef MAILCERT_DIRECTORY_H
#define MAILCERT_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#define DIR_USERS_MAX		1000000	/* users in one snapshot */
#define DIR_GROUPS_MAX		200000	/* distinct groups in one snapshot */
#define DIR_USER_GROUPS_MAX	1024	/* groups one user is in */
#define DIR_ID_MAX		256	/* octets of an external id */
#define DIR_VALUE_MAX		1024	/* octets of an address or a name */
#define DIR_GROUP_NAME_MAX	256	/* octets of a group name */

struct dir_user {
	char		*id;		/* external id: unique, never NULL */
	char		*email;		/* as delivered; NULL if none */
	char		*given_name;	/* NULL if none */
	char		*surname;	/* NULL if none */
	size_t		*groups;	/* indexes into groups[], ascending */
	size_t		 ngroups;
	size_t		 origin;	/* CSV line, entry number; 0 if none */
	size_t		 gcap;		/* private: room in groups */
};

struct dir_group {
	char		*name;		/* unique, byte for byte */
	size_t		*members;	/* indexes into users[], ascending */
	size_t		 nmembers;
	size_t		 mark;		/* private: last user added + 1 */
};

struct dir_snapshot {
	char		*source;	/* the source's name, for messages */
	struct dir_user	*users;		/* in the order delivered */
	size_t		 nusers;
	struct dir_group *groups;	/* in order of first appearance */
	size_t		 ngroups;
	/* private to directory.c */
	size_t		 ucap;		/* room in users */
	size_t		 gcap;		/* room in groups */
	size_t		*by_id;		/* user indexes sorted by id */
	size_t		*gtab;		/* hash of group index + 1; 0 free */
	size_t		 gtabsize;	/* slots, a power of two */
	uint64_t	 seed;		/* hash seed, random per snapshot */
	int		 finished;	/* dir_snapshot_finish() succeeded */
};

/*
 * An empty snapshot for the source called source (copied). NULL only when
 * out of memory. The caller owns it: dir_snapshot_free().
 */
struct dir_snapshot *dir_snapshot_new(const char *source);

/* Release s and everything in it. NULL is a no-op. */
void	dir_snapshot_free(struct dir_snapshot *s);

/*
 * Append a user; the strings are copied, and NULL or "" means none for
 * email, given_name and surname. origin is the source's position of the
 * user for messages. ERR_INVALID (message without position) for an empty
 * or too long id, a too long value, or too many users; ERR_NOMEM.
 * Uniqueness of ids is checked by dir_snapshot_finish().
 */
int	dir_snapshot_add_user(struct dir_snapshot *s, const char *id,
	    const char *email, const char *given_name, const char *surname,
	    size_t origin);

/*
 * Put the last added user in group (copied; created on first use). A group
 * given twice for the same user counts once. ERR_INVALID (message without
 * position) for an empty or too long name, too many groups for the user or
 * in all; ERR_NOMEM.
 */
int	dir_snapshot_add_member(struct dir_snapshot *s, const char *group);

/*
 * Sort and cross-link: fill groups[].members and the id index. If two
 * users share an id, ERR_EXISTS, and dup_out[0] < dup_out[1] are their
 * user indexes (the pair whose second user came first), so the source can
 * name both places; s must then only be freed. ERR_NOMEM.
 */
int	dir_snapshot_finish(struct dir_snapshot *s, size_t dup_out[2]);

/* The user with external id id in a finished s, or NULL. Borrowed. */
const struct dir_user *dir_user_find(const struct dir_snapshot *s,
	    const char *id);

/* The group called name (exact bytes) in s, or NULL. Borrowed. */
const struct dir_group *dir_group_find(const struct dir_snapshot *s,
	    const char *name);

#endif
