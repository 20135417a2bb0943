/*
 * issue.c: many certificates at once. Workers sign in parallel; the
 * calling thread records finished certificates in request order, a group
 * of whatever is ready per transaction, and frees each one as soon as it
 * is stored so memory stays flat however many are issued.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ca.h"
#include "err.h"
#include "issue.h"
#include "store.h"

struct job {
	struct ca_issued *iss;		/* signed, not yet stored */
	int		 rc;		/* ca_prepare() result */
	char		*error;		/* its message, when rc != 0 */
	int		 done;		/* set under pool.mu */
};

struct pool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 ready;		/* a job became done */
	size_t		 next;		/* next job to hand out */
	size_t		 n;
	struct job	*jobs;
	const struct ca_request *reqs;
	const struct ca	*ca;
	const struct kek *kek;
	const struct config *cfg;
	int64_t		 now;
};

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct ca_issued *iss;
	size_t i;
	int rc;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			break;
		err_clear();
		rc = ca_prepare(&iss, p->ca, p->kek, p->cfg, &p->reqs[i],
		    p->now);
		pthread_mutex_lock(&p->mu);
		p->jobs[i].iss = iss;
		p->jobs[i].rc = rc;
		if (rc != 0)
			p->jobs[i].error = strdup(err_msg());
		p->jobs[i].done = 1;
		pthread_cond_signal(&p->ready);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/*
 * Record jobs [from, to) in one transaction and fill their results. A
 * certificate whose row cannot be written (its key row may be in already)
 * fails alone: the transaction is rolled back and retried without it, so
 * a key is never stored without its certificate.
 */
static int
commit_range(struct issue_result *res, struct pool *p, struct store *st,
    size_t from, size_t to)
{
	size_t i;
	int rc;

retry:
	if ((rc = store_begin(st)) != 0)
		return rc;
	for (i = from; i < to; i++) {
		if (p->jobs[i].rc != 0)
			continue;
		if ((rc = ca_record(st, p->ca, &p->reqs[i],
		    p->jobs[i].iss)) != 0) {
			store_rollback(st);
			p->jobs[i].rc = rc;
			p->jobs[i].error = strdup(err_msg());
			goto retry;
		}
	}
	if ((rc = store_commit(st)) != 0) {
		store_rollback(st);
		return rc;
	}
	for (i = from; i < to; i++) {
		res[i].rc = p->jobs[i].rc;
		res[i].error = p->jobs[i].error;
		p->jobs[i].error = NULL;
		if (res[i].rc == 0) {
			res[i].serial = p->jobs[i].iss->serial;
			p->jobs[i].iss->serial = NULL;
		}
		ca_issued_free(p->jobs[i].iss);
		p->jobs[i].iss = NULL;
	}
	return 0;
}

/* The end of the run of finished jobs from done, at most a batch. */
static size_t
ready_end(const struct pool *p, size_t done)
{
	size_t i;

	for (i = done; i < p->n && i - done < ISSUE_BATCH_MAX &&
	    p->jobs[i].done; i++)
		;
	return i;
}

/*
 * With pool.mu held and job done finished: wait up to ISSUE_GATHER_MS for
 * more to finish, since every commit costs an fsync and committing one
 * certificate at a time steals the signing workers' CPU.
 */
static size_t
gather(struct pool *p, size_t done)
{
	struct timespec deadline;
	size_t end, want;

	want = p->n - done < ISSUE_BATCH_MAX ? p->n - done : ISSUE_BATCH_MAX;
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += ISSUE_GATHER_MS * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while ((end = ready_end(p, done)) - done < want &&
	    pthread_cond_timedwait(&p->ready, &p->mu, &deadline) == 0)
		;
	return end;
}

int
issue_many(struct issue_result **out, struct store *st, const struct ca *ca,
    const struct kek *kek, const struct config *cfg,
    const struct ca_request *reqs, size_t n, int threads, int64_t now)
{
	struct issue_result *res = NULL;
	pthread_t *tids = NULL;
	struct pool p;
	size_t done = 0, ready, i;
	int started = 0, t, rc = 0;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	if (threads <= 0 && (threads = (int)sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		threads = 1;
	if ((size_t)threads > n)
		threads = n > 0 ? (int)n : 1;
	if ((res = calloc(n > 0 ? n : 1, sizeof(*res))) == NULL ||
	    (p.jobs = calloc(n > 0 ? n : 1, sizeof(*p.jobs))) == NULL ||
	    (tids = calloc((size_t)threads, sizeof(*tids))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.ready, NULL);
	p.n = n;
	p.reqs = reqs;
	p.ca = ca;
	p.kek = kek;
	p.cfg = cfg;
	p.now = now;
	for (t = 0; t < threads; t++) {
		if (pthread_create(&tids[t], NULL, worker, &p) != 0)
			break;
		started++;
	}
	if (started == 0 && n > 0) {
		rc = err_set(ERR_INTERNAL, "cannot start worker threads");
		goto join;
	}
	while (done < n) {
		pthread_mutex_lock(&p.mu);
		while (!p.jobs[done].done)
			pthread_cond_wait(&p.ready, &p.mu);
		ready = gather(&p, done);
		pthread_mutex_unlock(&p.mu);
		if ((rc = commit_range(res, &p, st, done, ready)) != 0)
			break;
		done = ready;
	}
	if (rc != 0) {
		/* Stop handing out work; what was signed is dropped unstored. */
		pthread_mutex_lock(&p.mu);
		p.next = n;
		pthread_mutex_unlock(&p.mu);
	}
join:
	for (t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&p.mu);
	pthread_cond_destroy(&p.ready);
	if (rc == 0) {
		*out = res;
		res = NULL; /* transferred */
	}
out:
	for (i = 0; p.jobs != NULL && i < n; i++) {
		ca_issued_free(p.jobs[i].iss);
		free(p.jobs[i].error);
	}
	free(p.jobs);
	free(tids);
	issue_results_free(res, n);
	return rc;
}

void
issue_results_free(struct issue_result *v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(v[i].serial);
		free(v[i].error);
	}
	free(v);
}
