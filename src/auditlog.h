/*
 * auditlog.h: the tamper-evident audit log. Every mutating API request and
 * every mutating CLI command appends one entry (actor, action, target,
 * time, result) that carries the SHA-256 of the previous entry, so editing
 * or removing any entry breaks the chain, and the head kept beside it
 * catches removing the newest ones.
 *
 * The hash of an entry is SHA-256 over, in order, each as a 4-byte
 * big-endian length and the bytes: prev_hash (64 hex digits), id and at
 * (decimal), actor, action, target, result. docs/audit.md says the same,
 * for anyone who verifies the log with other tools.
 */
#ifndef MAILCERT_AUDITLOG_H
#define MAILCERT_AUDITLOG_H

#include <stddef.h>
#include <stdint.h>

struct store;
struct store_audit;

/* Append one entry at now (store_audit_append()). result NULL means "ok". */
int	auditlog_append(struct store *st, int64_t now, const char *actor,
	    const char *action, const char *target, const char *result);

/* The entry hash of e as hex into out (auditlog's encoding). */
void	auditlog_hash(char out[65], const struct store_audit *e);

struct auditlog_report {
	size_t		 entries;	/* entries checked */
	int64_t		 bad_id;	/* first entry that fails; 0: none */
	char		*problem;	/* what is wrong; NULL when intact
					 * (the caller's, free()) */
};

/*
 * Check the whole chain: ids without gaps from 1, each prev_hash the hash
 * of the entry before, each hash recomputed, and the head in settings.
 * Returns 0 after checking (r says whether it is intact), or an error if
 * the store could not be read.
 */
int	auditlog_verify(struct auditlog_report *r, struct store *st);

#endif
