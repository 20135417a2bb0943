/*
 * issue.h: issuing many certificates at once. Worker threads sign
 * (ca_prepare) while the calling thread records finished certificates in
 * group commits, so every certificate is durably stored before it is
 * reported, and the store never becomes the bottleneck of signing.
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

struct issue_result {
	char	*serial;	/* uppercase hex, NULL if this one failed */
	int	 rc;		/* 0 or the ERR_* of this request */
	char	*error;		/* message when rc != 0 */
};

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
