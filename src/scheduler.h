/*
 * scheduler.h: the daemon's recurring jobs. Each job has its own thread
 * and store connection, so a long sync never delays OCSP or CRLs, and a
 * job never runs twice at once. Intervals come from [serve] of the config
 * in force (web.h) and are re-read after each run, so SIGHUP applies them.
 *
 *   sync     every sync_interval minutes (0: only when triggered)
 *   crl      re-sign a CA's CRL when half of its nextUpdate window has
 *            passed or a certificate was revoked since (subscriber CRLs
 *            therefore never go 7 days without a new one)
 *   ocsp     ocsp_refresh(): responders and pre-produced responses
 *   domains  re-verify domains under 30 days from lapsing, raise
 *            domain.expiring / domain.lapsed once per period
 *   expiry   cert.expiring events at 30, 7 and 1 days for certificates
 *            that will expire without renewal, ca.expiring at 90, 30 and
 *            7 days, each once per certificate and threshold (alerts)
 */
#ifndef MAILCERT_SCHEDULER_H
#define MAILCERT_SCHEDULER_H

#include <stdint.h>

struct store;
struct web;
struct scheduler;

enum sched_job {
	SCHED_SYNC,
	SCHED_CRL,
	SCHED_OCSP,
	SCHED_DOMAINS,
	SCHED_EXPIRY,
	SCHED__MAX
};

struct sched_status {
	int		 running;	/* in flight now */
	int		 queued;	/* triggered, not yet started */
	int64_t		 last_start;	/* 0: never ran */
	int64_t		 last_end;
	int		 last_rc;	/* 0 or ERR_* of the last run */
	char		 last_msg[256];	/* one line about the last run */
	int64_t		 last_success;	/* end of the last run with rc 0 */
	int64_t		 last_duration_ms;
	int64_t		 next_due;	/* 0: only when triggered */
};

#define EVENT_CERT_EXPIRING	"cert.expiring"
#define EVENT_CA_EXPIRING	"ca.expiring"

/* "sync" ... -> job; -1 if unknown. */
int	sched_job_parse(const char *s);
const char *sched_job_name(enum sched_job j);	/* static */

/* Start every job's thread; the first runs are due at once (sync after
 * its interval). *out is the caller's (sched_stop()). */
int	sched_start(struct scheduler **out, struct web *w);
/* Run j as soon as possible; ERR_EXISTS if it is queued or running. */
int	sched_trigger(struct scheduler *s, enum sched_job j);
void	sched_status(struct sched_status *out, struct scheduler *s,
	    enum sched_job j);
/*
 * The last successful sync for the overview and /metrics: the scheduler's
 * when it has run one, else the newest finished run in the store (a sync
 * from the CLI, or before the daemon started). s may be NULL. Both are 0
 * (and *duration_ms -1) when none is known.
 */
int	sched_sync_last(int64_t *success, int64_t *duration_ms,
	    struct scheduler *s, struct store *st);
/*
 * Ask every job to stop: a sync in flight stops between actions (each is
 * committed whole, the next sync finishes the run), other jobs finish.
 * Waits at most deadline_ms for the threads, then returns anyway (the
 * caller exits; nothing committed is lost). Returns 0 and frees s when
 * all threads ended (NULL is a no-op); ERR_INTERNAL naming the job when
 * one is still running: s is then left allocated, and the caller must
 * not free what jobs use (the web context, its OCSP cache) either.
 */
int	sched_stop(struct scheduler *s, int deadline_ms);

/*
 * For tests: the clock the jobs see (seconds since the epoch), so expiry
 * and CRL cadence can be checked at any moment; NULL restores the real
 * one. Call before sched_start(), never while jobs run.
 */
void	sched_set_clock(int64_t (*now)(void));

#endif
