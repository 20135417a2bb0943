/*
 * scheduler.c: the daemon's recurring jobs (scheduler.h), one thread per
 * job so none delays another, and so a job can never overlap itself.
 *
 * A job thread sleeps on its condition variable until the job is due, is
 * triggered, or the scheduler stops. Due times are kept on the monotonic
 * clock, so a wall-clock step neither skips nor repeats runs; the sleep
 * is capped at a minute so an interval changed by SIGHUP applies within
 * one. The jobs themselves (jobs.h) see the jobs' clock, which tests may
 * replace (sched_set_clock()).
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "err.h"
#include "jobs.h"
#include "log.h"
#include "scheduler.h"
#include "store-dir.h"
#include "util/timefmt.h"
#include "web.h"

#define RECHECK_MS	60000	/* longest sleep: config changes apply */

struct job_def {
	const char	*name;
	int		(*run)(struct job_result *, struct web *,
			    const atomic_int *, int64_t);
	int		 period;	/* seconds; 0: [serve] sync_interval */
};

static const struct job_def defs[SCHED__MAX] = {
	[SCHED_SYNC] =		{ "sync", jobs_sync, 0 },
	[SCHED_CRL] =		{ "crl", jobs_crl, 60 },
	[SCHED_OCSP] =		{ "ocsp", jobs_ocsp, 60 },
	[SCHED_DOMAINS] =	{ "domains", jobs_domains, 3600 },
	[SCHED_EXPIRY] =	{ "expiry", jobs_expiry, 3600 },
};

struct job {
	struct scheduler *s;
	enum sched_job	 id;
	pthread_t	 tid;
	int		 started;	/* tid is a thread to join */
	pthread_mutex_t	 mu;		/* guards what follows */
	pthread_cond_t	 cv;		/* a trigger or the stop */
	int		 queued;
	int		 running;
	int		 ran;		/* finished a run since the start */
	int64_t		 base_ms;	/* monotonic: the last end, or start */
	struct sched_status st;		/* last run; flags and next_due are
					 * filled in by sched_status() */
};

struct scheduler {
	struct web	*w;
	atomic_int	 stop;		/* set once by sched_stop() */
	int64_t		 started_at;	/* wall clock */
	struct job	 jobs[SCHED__MAX];
};

/* The jobs' clock; replaced only before sched_start() (scheduler.h). */
static int64_t	(*jobs_now)(void) = timefmt_now;

void
sched_set_clock(int64_t (*now)(void))
{
	jobs_now = now != NULL ? now : timefmt_now;
}

int
sched_job_parse(const char *s)
{
	int j;

	for (j = 0; j < SCHED__MAX; j++)
		if (strcmp(s, defs[j].name) == 0)
			return j;
	return -1;
}

const char *
sched_job_name(enum sched_job j)
{
	return (unsigned)j < SCHED__MAX ? defs[j].name : "unknown";
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct timespec
mono_at(int64_t ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	return ts;
}

/* Seconds between runs of j under cfg; 0: only when triggered. */
static int64_t
interval(enum sched_job j, const struct config *cfg)
{
	if (defs[j].period != 0)
		return defs[j].period;
	return (int64_t)cfg->serve_sync_interval * 60;
}

/* With j->mu held: when j is due (monotonic ms), or -1 for never. */
static int64_t
due_ms(const struct job *j)
{
	int64_t iv;

	/* Every first run is due at once, but the sync's waits its turn. */
	if (!j->ran && j->id != SCHED_SYNC)
		return j->base_ms;
	if ((iv = interval(j->id, web_config(j->s->w))) == 0)
		return -1;
	return j->base_ms + iv * 1000;
}

/* Log the outcome of a run: failures once until they change, so a job
 * failing every minute does not flood the log. */
static void
report(const struct job *j, int rc, const char *msg, int quiet,
    int64_t ms)
{
	const char *name = defs[j->id].name;

	if (rc != 0 && (j->st.last_rc != rc ||
	    strcmp(j->st.last_msg, msg) != 0))
		log_write(LOG_WARN, name, "%s (%lld ms)", msg, (long long)ms);
	else if (rc == 0 && !quiet)
		log_write(LOG_INFO, name, "%s (%lld ms)", msg, (long long)ms);
	else
		log_write(LOG_DEBUG, name, "%s (%lld ms)", msg, (long long)ms);
}

/* One run of j; called with j->mu held, which it drops meanwhile. */
static void
run_job(struct job *j)
{
	struct job_result res;
	char msg[sizeof(j->st.last_msg)];
	int64_t t0, start, end, ms;
	int rc;

	j->queued = 0;
	j->running = 1;
	start = j->st.last_start = timefmt_now();
	pthread_mutex_unlock(&j->mu);

	t0 = mono_ms();
	err_clear();
	memset(&res, 0, sizeof(res));
	rc = defs[j->id].run(&res, j->s->w, &j->s->stop, jobs_now());
	ms = mono_ms() - t0;
	end = timefmt_now();
	if (rc == 0)
		snprintf(msg, sizeof(msg), "%s", res.msg);
	else
		snprintf(msg, sizeof(msg), "%s%s%s", res.msg,
		    res.msg[0] != '\0' ? ": " : "",
		    *err_msg() != '\0' ? err_msg() : err_str(rc));

	pthread_mutex_lock(&j->mu);
	report(j, rc, msg, res.quiet, ms);
	j->running = 0;
	j->ran = 1;
	j->base_ms = mono_ms();
	j->st.last_start = start;
	j->st.last_end = end;
	j->st.last_rc = rc;
	snprintf(j->st.last_msg, sizeof(j->st.last_msg), "%s", msg);
	j->st.last_duration_ms = ms;
	if (rc == 0)
		j->st.last_success = end;
}

static void *
job_main(void *arg)
{
	struct job *j = arg;
	struct timespec until;
	int64_t now, due;

	pthread_mutex_lock(&j->mu);
	while (!atomic_load(&j->s->stop)) {
		now = mono_ms();
		due = due_ms(j);
		if (j->queued || (due >= 0 && due <= now)) {
			run_job(j);
			continue;
		}
		until = mono_at(due >= 0 && due - now < RECHECK_MS ? due :
		    now + RECHECK_MS);
		pthread_cond_timedwait(&j->cv, &j->mu, &until);
	}
	pthread_mutex_unlock(&j->mu);
	return NULL;
}

static void
job_destroy(struct job *j)
{
	pthread_cond_destroy(&j->cv);
	pthread_mutex_destroy(&j->mu);
}

int
sched_start(struct scheduler **out, struct web *w)
{
	struct scheduler *s;
	pthread_condattr_t ca;
	sigset_t all, old;
	struct job *j;
	int i, rc = 0;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	s->w = w;
	atomic_init(&s->stop, 0);
	s->started_at = timefmt_now();
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	for (i = 0; i < SCHED__MAX; i++) {
		j = &s->jobs[i];
		j->s = s;
		j->id = (enum sched_job)i;
		j->base_ms = mono_ms();
		pthread_mutex_init(&j->mu, NULL);
		pthread_cond_init(&j->cv, &ca);
	}
	pthread_condattr_destroy(&ca);
	/* Signals are the main thread's business (serve.h). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < SCHED__MAX; i++) {
		j = &s->jobs[i];
		if (pthread_create(&j->tid, NULL, job_main, j) != 0) {
			rc = err_set(ERR_INTERNAL, "cannot start the thread of "
			    "job \"%s\"", defs[i].name);
			break;
		}
		j->started = 1;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		/* The threads just started are idle: they stop at once. */
		sched_stop(s, RECHECK_MS);
		return rc;
	}
	*out = s;
	return 0;
}

int
sched_trigger(struct scheduler *s, enum sched_job j)
{
	struct job *jb;
	int rc = 0;

	if ((unsigned)j >= SCHED__MAX)
		return err_set(ERR_INVALID, "no job %d", (int)j);
	if (atomic_load(&s->stop))
		return err_set(ERR_EXISTS, "the scheduler is stopping");
	jb = &s->jobs[j];
	pthread_mutex_lock(&jb->mu);
	if (jb->queued || jb->running)
		rc = err_set(ERR_EXISTS, "job \"%s\" is %s already",
		    defs[j].name, jb->running ? "running" : "queued");
	else {
		jb->queued = 1;
		pthread_cond_signal(&jb->cv);
	}
	pthread_mutex_unlock(&jb->mu);
	return rc;
}

void
sched_status(struct sched_status *out, struct scheduler *s,
    enum sched_job j)
{
	struct job *jb;
	int64_t iv;

	memset(out, 0, sizeof(*out));
	if ((unsigned)j >= SCHED__MAX)
		return;
	jb = &s->jobs[j];
	pthread_mutex_lock(&jb->mu);
	*out = jb->st;
	out->running = jb->running;
	out->queued = jb->queued;
	iv = interval(j, web_config(s->w));
	if (!jb->ran && j != SCHED_SYNC)
		out->next_due = s->started_at;
	else if (iv != 0)
		out->next_due = (jb->ran ? jb->st.last_end : s->started_at) +
		    iv;
	pthread_mutex_unlock(&jb->mu);
}

int
sched_sync_last(int64_t *success, int64_t *duration_ms,
    struct scheduler *s, struct store *st)
{
	struct sched_status ss;
	struct store_run *run = NULL;
	int rc;

	*success = 0;
	*duration_ms = -1;
	if (s != NULL) {
		sched_status(&ss, s, SCHED_SYNC);
		if (ss.last_success != 0) {
			*success = ss.last_success;
			*duration_ms = ss.last_duration_ms;
			return 0;
		}
	}
	if ((rc = store_run_latest(&run, st)) == ERR_NOTFOUND)
		return 0;
	if (rc != 0)
		return rc;
	if (run->state == STORE_RUN_DONE) {
		*success = run->finished_at;
		*duration_ms = (run->finished_at - run->started_at) * 1000;
	}
	store_run_free(run);
	return 0;
}

int
sched_stop(struct scheduler *s, int deadline_ms)
{
	struct timespec dl;
	int i, rc = 0;

	if (s == NULL)
		return 0;
	atomic_store(&s->stop, 1);
	for (i = 0; i < SCHED__MAX; i++) {
		pthread_mutex_lock(&s->jobs[i].mu);
		pthread_cond_broadcast(&s->jobs[i].cv);
		pthread_mutex_unlock(&s->jobs[i].mu);
	}
	/* pthread_timedjoin_np() takes a deadline on the realtime clock. */
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += deadline_ms / 1000;
	dl.tv_nsec += (long)(deadline_ms % 1000) * 1000000;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	for (i = 0; i < SCHED__MAX; i++) {
		if (!s->jobs[i].started ||
		    pthread_timedjoin_np(s->jobs[i].tid, NULL, &dl) == 0)
			continue;
		rc = err_set(ERR_INTERNAL, "job \"%s\" did not stop within %d "
		    "ms", defs[i].name, deadline_ms);
	}
	/* A thread still running uses s: leak it, the process exits. */
	if (rc != 0)
		return rc;
	for (i = 0; i < SCHED__MAX; i++)
		job_destroy(&s->jobs[i]);
	free(s);
	return 0;
}
