/*
 * jobs.h: the bodies of the daemon's recurring jobs (scheduler.h), one
 * run per call. Each uses the calling thread's store connection
 * (web_store()) and the config in force, never logs, and describes the
 * run in one line, which the scheduler logs and shows in its status.
 */
#ifndef MAILCERT_JOBS_H
#define MAILCERT_JOBS_H

#include <stdatomic.h>
#include <stdint.h>

struct web;

struct job_result {
	char	 msg[200];	/* what the run did, also when it failed (the
				 * scheduler appends the error); "" if
				 * nothing to say */
	int	 quiet;		/* nothing changed: not worth an info line */
};

/*
 * Each job: run once at now (the jobs' clock) and fill *out. Returns 0
 * or the ERR_* of the failure, with its message (err.h). cancel asks a
 * job in flight to stop early; only the sync heeds it.
 */
int	jobs_sync(struct job_result *out, struct web *w,
	    const atomic_int *cancel, int64_t now);
/* crl_refresh(): a CRL for every CA that needs one. */
int	jobs_crl(struct job_result *out, struct web *w,
	    const atomic_int *cancel, int64_t now);
/* ocsp_refresh() on w->ocsp; nothing to do when the process has none. */
int	jobs_ocsp(struct job_result *out, struct web *w,
	    const atomic_int *cancel, int64_t now);
/* domain_verify_due(), then domain.expiring / domain.lapsed alerts. */
int	jobs_domains(struct job_result *out, struct web *w,
	    const atomic_int *cancel, int64_t now);
/* cert.expiring and ca.expiring alerts (scheduler.h), in one
 * transaction. */
int	jobs_expiry(struct job_result *out, struct web *w,
	    const atomic_int *cancel, int64_t now);

#endif
