/*
 * issue.h: issuing many certificates at once. Worker threads sign
 * (ca_prepare) while the calling thread records finished certificates in
 * group commits, so every certificate is durably stored before it is
 * reported, and the store never becomes the bottleneck of signing.
 *
 * issue_run() is the pipeline itself, for callers whose unit of work is an
 * item of zero or more certificates that must be stored together with
 * writes of their own (a sync action: its certificates, revocations,
 * state and events); issue_many() is one certificate per item.
 */
#ifndef MAILCERT_ISSUE_H
#define MAILCERT_ISSUE_H

#include <stddef.h>
#include <stdint.h>

struct ca;
struct ca_request;
struct config;
struct kek;
struct store;

#define ISSUE_BATCH_MAX	256	/* certificates per group commit */
#define ISSUE_GATHER_MS	20	/* longest wait for a group to fill */
#define ISSUE_ITEM_MAX	2	/* certificates per item: a dual pair */

/* One unit of work: its certificates are signed by one worker. */
struct issue_item {
	const struct ca_request *reqs;	/* borrowed; 0..ISSUE_ITEM_MAX */
	size_t		 nreqs;
};

struct issue_sink {
	/*
	 * Called by the recording thread inside the group-commit transaction
	 * for item i, in item order: with rc 0 after its n certificates
	 * (borrowed, in request order) were recorded, or with the item's
	 * failure rc and its message (nothing of it recorded). Returns 0, or
	 * an ERR_* with a message: the transaction is then rolled back and
	 * redone with item i failed with that message, so record may be
	 * called more than once for an item but only the last call is
	 * committed. A failure of the call for a failed item ends the run.
	 */
	int	(*record)(void *arg, struct store *st, size_t i,
		    struct ca_issued *const *iss, size_t n, int rc,
		    const char *error);
	/* After each commit: items done so far of total. May be NULL. */
	void	(*committed)(void *arg, size_t done, size_t total);
	void	*arg;
};

struct issue_result {
	char	*serial;	/* uppercase hex, NULL if this one failed */
	int	 rc;		/* 0 or the ERR_* of this request */
	char	*error;		/* message when rc != 0 */
};

/*
 * Sign the n items with threads workers (0: one per online core) at now
 * and record each item's certificates (ca_record()) and sink->record()'s
 * writes in one transaction, many items per commit. Returns 0 when every
 * item was handled (failed items were reported to sink->record), or the
 * failure that stopped the run (a commit failed): items committed before
 * it stay committed.
 */
int	issue_run(struct store *st, const struct ca *ca, const struct kek *kek,
	    const struct config *cfg, const struct issue_item *items, size_t n,
	    int threads, int64_t now, const struct issue_sink *sink);

/*
 * Issue n requests with threads workers (0: one per online core).
 * *out is an array of n results in request order (issue_results_free()).
 * Returns 0 when every request was handled (inspect each result's rc),
 * negative if the run itself failed (the store failed to commit).
 */
int	issue_many(struct issue_result **out, struct store *st,
	    const struct ca *ca, const struct kek *kek,
	    const struct config *cfg, const struct ca_request *reqs, size_t n,
	    int threads, int64_t now);

void	issue_results_free(struct issue_result *v, size_t n);

#endif
