/*
 * sync.h: directory-driven enrolment. A sync reads the sources, updates
 * the stored directory, re-verifies domains that are due, and plans:
 *
 *   issue    an eligible user (eligible.h) with no valid managed
 *            certificate, while the seat quota allows: a group whose new
 *            users exceed the free seats gets none this run, and raises
 *            seats.exceeded once per situation
 *   renew    a managed certificate that expires within renew_days: a new
 *            key and certificate; the old one stays valid (and its
 *            encryption key in escrow) until it expires
 *   reissue  the user's address changed: new certificate, the old one
 *            revoked as superseded
 *   revoke   the user left every auto-request group or the directory
 *            (ELIG_LEFT) and on_removal is revoke: cessationOfOperation
 *
 * A user who stays but is no longer eligible for another reason (the
 * domain lapsed, the name went missing) keeps the certificates they have;
 * they are simply not renewed. Certificates issued by hand (no user link)
 * are never touched. The plan
 * is stored as one run of actions in the transaction that updates the
 * directory; each action is then applied in a transaction together with
 * its certificates, its state and its outbox events (store-dir.h). A run
 * that was cut short (a crash, SIGKILL) is finished by the next sync
 * before it plans anew, so nothing is done twice and nothing is lost.
 * Every write of a sync uses its clock (sync_opts.at): not_before,
 * revocation and event times, so a sync at a given --at is reproducible.
 *
 * A sync with nothing to do writes nothing but the sources' last read
 * time (store_source_set_status()): no run, no action, no event.
 *
 * Guards: a source that cannot be read completely is skipped and its
 * stored users stay as they were (sync.failed is raised); a source that
 * delivers no users, or revocations above max_removal_percent of the
 * managed users, stop the sync before anything is written unless
 * allow_mass_removal is set.
 */
#ifndef MAILCERT_SYNC_H
#define MAILCERT_SYNC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "store-dir.h"

struct config;
struct kek;
struct store;
struct sync_report;

struct sync_opts {
	const char	*source;	/* only this source; NULL: all */
	int		 dry_run;	/* plan, print, write nothing */
	int		 allow_mass_removal;
	int64_t		 at;		/* the clock; 0: now */
	int		 threads;	/* signing workers; 0: one per core */
	/*
	 * Called with the plan before anything is applied (not for dry runs
	 * or a resumed run); return 0 to apply, nonzero to stop without
	 * writing. NULL: apply.
	 */
	int		(*confirm)(void *arg, const struct sync_report *r);
	/* Called as actions finish; NULL: none. */
	void		(*progress)(void *arg, size_t done, size_t total);
	void		*arg;		/* for confirm and progress */
	/*
	 * When it becomes nonzero the sync stops between actions and returns
	 * ERR_IO saying so; the run stays unfinished and the next sync
	 * finishes it. NULL: never.
	 */
	const atomic_int *cancel;
};

/* One planned action as shown to the administrator. */
struct sync_line {
	enum store_action_kind kind;
	char		*email;
	char		*source;	/* the user's source */
	char		*ext_id;
	char		*group;		/* policy group; NULL for revoke */
	char		*old_serials;	/* NULL for issue */
	char		*new_serials;	/* after apply; NULL if not done */
	char		*error;		/* after apply, if the action failed */
};

struct sync_report {
	int64_t		 run_id;	/* 0 for a dry run or an empty plan */
	int64_t		 at;
	int64_t		 resumed_run;	/* a cut-short run finished first */
	size_t		 resumed_done;	/* its actions applied now */
	size_t		 resumed_failed; /* its actions that failed now */
	int		 declined;	/* confirm said no: nothing written */
	size_t		 counts[STORE_ACTION__MAX]; /* planned per kind */
	size_t		 done, failed;	/* applied outcome */
	struct sync_line *lines;	/* the plan, in order */
	size_t		 nlines;
	char		**notes;	/* seats, skipped sources, domains:
					 * one line each, for the admin */
	size_t		 nnotes;
	size_t		 sources;	/* sources read or tried */
	size_t		 users_read;	/* users delivered by the sources */
	size_t		 sources_failed;
	/* wall time of the phases, milliseconds */
	int64_t		 read_ms, plan_ms, apply_ms;
};

/*
 * Run one sync. Returns 0 when every source was read and every action
 * done, or the confirm callback declined (r->declined); ERR_IO when some
 * source failed or some action failed (the rest was applied; the report
 * says what); ERR_NOTFOUND when o->source names no source; ERR_GUARD
 * (err.h) when a guard stopped it, naming why and the option that
 * overrides it; other codes for store or CA failures. *out (always set
 * on return, even on error, unless out of memory) is the caller's
 * (sync_report_free()).
 */
int	sync_run(struct sync_report **out, struct store *st,
	    const struct config *cfg, const struct kek *kek,
	    const struct sync_opts *o);

void	sync_report_free(struct sync_report *r);

#define SYNC_SEATS_UNLIMITED	SIZE_MAX

/*
 * The seat quota at at: *total is the quota (SYNC_SEATS_UNLIMITED when
 * none is set) and *used the users holding at least one valid, unexpired
 * managed certificate. Free seats are total - used (never below zero: a
 * quota lowered under the use frees nothing until seats are given back).
 */
int	sync_seats(size_t *total, size_t *used, struct store *st, int64_t at);

#endif
