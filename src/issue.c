/*
 * issue.c: many certificates at once. Workers sign in parallel; the
 * calling thread records finished items in item order, a group of
 * whatever is ready per transaction, and frees each one as soon as it is
 * stored so memory stays flat however many are issued.
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
	struct ca_issued *iss[ISSUE_ITEM_MAX]; /* signed, not yet stored */
	size_t		 niss;
	int		 rc;		/* signing or recording result */
	char		*error;		/* its message, when rc != 0 */
	int		 done;		/* set under pool.mu */
};

struct pool {
	pthread_mutex_t	 mu;
	pthread_cond_t	 ready;		/* a job became done */
	size_t		 next;		/* next job to hand out */
	size_t		 n;
	struct job	*jobs;
	const struct issue_item *items;
	const struct ca	*ca;
	const struct kek *kek;
	const struct config *cfg;
	int64_t		 now;
};

static void
job_clear(struct job *j)
{
	size_t k;

	for (k = 0; k < j->niss; k++) {
		ca_issued_free(j->iss[k]);
		j->iss[k] = NULL;
	}
	j->niss = 0;
}

/* Sign every certificate of item i into j; all or none. */
static void
sign_item(struct job *j, const struct pool *p, size_t i)
{
	const struct issue_item *it = &p->items[i];
	size_t k;
	int rc = 0;

	err_clear();
	for (k = 0; k < it->nreqs && k < ISSUE_ITEM_MAX; k++) {
		if ((rc = ca_prepare(&j->iss[k], p->ca, p->kek, p->cfg,
		    &it->reqs[k], p->now)) != 0)
			break;
		j->niss = k + 1;
	}
	if (rc == 0 && it->nreqs > ISSUE_ITEM_MAX)
		rc = err_set(ERR_INTERNAL, "an item of %zu certificates is "
		    "more than %d", it->nreqs, ISSUE_ITEM_MAX);
	if (rc != 0) {
		job_clear(j);
		j->error = strdup(err_msg());
	}
	j->rc = rc;
}

static void *
worker(void *arg)
{
	struct pool *p = arg;
	struct job j;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			break;
		memset(&j, 0, sizeof(j));
		sign_item(&j, p, i);
		pthread_mutex_lock(&p->mu);
		j.done = 1;
		p->jobs[i] = j;
		pthread_cond_signal(&p->ready);
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* Fail job j with the current message, dropping what it signed. */
static void
job_fail(struct job *j, int rc)
{
	job_clear(j);
	j->rc = rc;
	free(j->error);
	j->error = strdup(err_msg());
}

/*
 * Record jobs [from, to) and the sink's writes in one transaction. An
 * item whose writes fail (its key row may be in already) fails alone: the
 * transaction is rolled back and redone with it failed, so a key is never
 * stored without its certificate nor a certificate without its item's
 * other writes.
 */
static int
commit_range(struct pool *p, struct store *st, const struct issue_sink *sk,
    size_t from, size_t to)
{
	struct job *j;
	size_t i, k;
	int rc;

retry:
	if ((rc = store_begin(st)) != 0)
		return rc;
	for (i = from; i < to; i++) {
		j = &p->jobs[i];
		if (j->rc != 0) {
			if ((rc = sk->record(sk->arg, st, i, NULL, 0, j->rc,
			    j->error != NULL ? j->error : err_str(j->rc))) != 0)
				goto fail;
			continue;
		}
		for (k = 0; k < j->niss; k++) {
			if ((rc = ca_record(st, p->ca,
			    &p->items[i].reqs[k], j->iss[k])) != 0)
				break;
		}
		if (rc == 0)
			rc = sk->record(sk->arg, st, i, j->iss, j->niss, 0,
			    NULL);
		if (rc != 0) {
			store_rollback(st);
			job_fail(j, rc);
			goto retry;
		}
	}
	if ((rc = store_commit(st)) != 0)
		goto fail;
	for (i = from; i < to; i++) {
		job_clear(&p->jobs[i]);
		free(p->jobs[i].error);
		p->jobs[i].error = NULL;
	}
	if (sk->committed != NULL)
		sk->committed(sk->arg, to, p->n);
	return 0;
fail:
	store_rollback(st);
	return rc;
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
issue_run(struct store *st, const struct ca *ca, const struct kek *kek,
    const struct config *cfg, const struct issue_item *items, size_t n,
    int threads, int64_t now, const struct issue_sink *sink)
{
	pthread_t *tids = NULL;
	struct pool p;
	size_t done = 0, ready, i;
	int started = 0, t, rc = 0;

	memset(&p, 0, sizeof(p));
	if (threads <= 0 && (threads = (int)sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		threads = 1;
	if ((size_t)threads > n)
		threads = n > 0 ? (int)n : 1;
	if ((p.jobs = calloc(n > 0 ? n : 1, sizeof(*p.jobs))) == NULL ||
	    (tids = calloc((size_t)threads, sizeof(*tids))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.ready, NULL);
	p.n = n;
	p.items = items;
	p.ca = ca;
	p.kek = kek;
	p.cfg = cfg;
	p.now = now;
	for (t = 0; n > 0 && t < threads; t++) {
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
		if ((rc = commit_range(&p, st, sink, done, ready)) != 0)
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
out:
	for (i = 0; p.jobs != NULL && i < n; i++) {
		job_clear(&p.jobs[i]);
		free(p.jobs[i].error);
	}
	free(p.jobs);
	free(tids);
	return rc;
}

/* issue_many()'s sink: the result of each request, as last recorded. */
static int
many_record(void *arg, struct store *st, size_t i,
    struct ca_issued *const *iss, size_t n, int rc, const char *error)
{
	struct issue_result *r = &((struct issue_result *)arg)[i];

	(void)st;
	(void)n;
	free(r->serial);
	free(r->error);
	r->serial = NULL;
	r->error = NULL;
	r->rc = rc;
	if (rc != 0)
		r->error = strdup(error);
	else if ((r->serial = strdup(iss[0]->serial)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

int
issue_many(struct issue_result **out, struct store *st, const struct ca *ca,
    const struct kek *kek, const struct config *cfg,
    const struct ca_request *reqs, size_t n, int threads, int64_t now)
{
	struct issue_result *res = NULL;
	struct issue_item *items = NULL;
	struct issue_sink sink;
	size_t i;
	int rc;

	*out = NULL;
	if ((res = calloc(n > 0 ? n : 1, sizeof(*res))) == NULL ||
	    (items = calloc(n > 0 ? n : 1, sizeof(*items))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		items[i].reqs = &reqs[i];
		items[i].nreqs = 1;
	}
	memset(&sink, 0, sizeof(sink));
	sink.record = many_record;
	sink.arg = res;
	if ((rc = issue_run(st, ca, kek, cfg, items, n, threads, now,
	    &sink)) != 0)
		goto out;
	*out = res;
	res = NULL; /* transferred */
out:
	free(items);
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
