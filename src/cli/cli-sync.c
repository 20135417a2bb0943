/*
 * cli-sync.c: `mailcert sync`: the plan as a table, confirmation on a
 * terminal (--yes elsewhere), a progress bar for long applies, and the
 * outcome. The work is sync_run()'s (sync.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "store-dir.h"
#include "sync.h"
#include "util/timefmt.h"

#define BAR_WIDTH	40
#define BAR_AFTER_MS	1000	/* applies shorter than this show no bar */

struct sync_cli {
	struct sync_opts o;
	int		 yes;
	int		 verbose;
	int		 json;
	int		 printed;	/* the table is on stdout already */
	int		 asked;		/* confirm ran and said no */
	struct timespec	 t0;		/* start of the apply */
	int		 bar;		/* a bar is on stderr */
};

static int
handle(void *arg, int c, const char *optarg)
{
	struct sync_cli *sc = arg;

	switch (c) {
	case 'S':
		sc->o.source = optarg;
		return 0;
	case 'n':
		sc->o.dry_run = 1;
		return 0;
	case 'y':
		sc->yes = 1;
		return 0;
	case 'M':
		sc->o.allow_mass_removal = 1;
		return 0;
	case 'v':
		sc->verbose = 1;
		return 0;
	case 'a':
		return timefmt_parse(&sc->o.at, optarg);
	default:
		return 0;
	}
}

static void
print_table(const struct sync_cli *sc, const struct sync_report *r)
{
	char at[TIMEFMT_LEN];
	const struct sync_line *l;
	size_t i;
	int k;

	if (r->resumed_run != 0)
		printf("finished run %lld left unfinished: %zu actions\n",
		    (long long)r->resumed_run,
		    r->resumed_done + r->resumed_failed);
	printf("sync at %s: %zu users read from %zu source%s\n",
	    timefmt_utc(at, r->at), r->users_read, r->sources,
	    r->sources == 1 ? "" : "s");
	for (k = 0; k < STORE_ACTION__MAX; k++)
		printf("  %-10s%4zu\n", store_action_kind_name(k),
		    r->counts[k]);
	for (i = 0; sc->verbose && i < r->nlines; i++) {
		l = &r->lines[i];
		printf("  %-8s %s  %s/%s", store_action_kind_name(l->kind),
		    l->email, l->source, l->ext_id);
		if (l->group != NULL)
			printf("  group %s", l->group);
		if (l->old_serials != NULL)
			printf("  old %s", l->old_serials);
		if (l->new_serials != NULL)
			printf("  -> %s", l->new_serials);
		if (l->error != NULL)
			printf("  failed: %s", l->error);
		putchar('\n');
	}
	for (i = 0; i < r->nnotes; i++)
		printf("note: %s\n", r->notes[i]);
}

static size_t
planned(const struct sync_report *r)
{
	size_t k, n = 0;

	for (k = 0; k < STORE_ACTION__MAX; k++)
		n += r->counts[k];
	return n;
}

/* Serials "A,B" as a JSON array; null for none. */
static json_t *
json_serials(const char *list)
{
	json_t *a;
	const char *p = list, *e;

	if (list == NULL)
		return json_null();
	if ((a = json_array()) == NULL)
		return NULL;
	for (;;) {
		e = p + strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, (size_t)(e - p)));
		if (*e == '\0')
			break;
		p = e + 1;
	}
	return a;
}

static json_t *
json_opt(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static int
print_json(const struct sync_report *r)
{
	json_t *root, *counts, *notes, *acts;
	const struct sync_line *l;
	size_t i;
	int k;

	counts = json_object();
	for (k = 0; k < STORE_ACTION__MAX; k++)
		json_object_set_new(counts, store_action_kind_name(k),
		    json_integer((json_int_t)r->counts[k]));
	notes = json_array();
	for (i = 0; i < r->nnotes; i++)
		json_array_append_new(notes, json_string(r->notes[i]));
	acts = json_array();
	for (i = 0; i < r->nlines; i++) {
		l = &r->lines[i];
		json_array_append_new(acts, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:o, s:o, s:o, s:o}",
		    "kind", store_action_kind_name(l->kind),
		    "email", l->email, "source", l->source,
		    "ext_id", l->ext_id, "group", json_opt(l->group),
		    "old_serials", json_serials(l->old_serials),
		    "new_serials", json_serials(l->new_serials),
		    "error", json_opt(l->error)));
	}
	root = json_pack("{s:I, s:o, s:o, s:I, s:I, s:o, s:I, s:I, s:o, "
	    "s:o, s:I, s:I, s:I, s:I, s:I, s:b}",
	    "run_id", (json_int_t)r->run_id, "at", cli_json_time(r->at),
	    "resumed_run", r->resumed_run != 0 ?
	    json_integer((json_int_t)r->resumed_run) : json_null(),
	    "resumed_done", (json_int_t)r->resumed_done,
	    "resumed_failed", (json_int_t)r->resumed_failed,
	    "counts", counts, "done", (json_int_t)r->done,
	    "failed", (json_int_t)r->failed, "notes", notes, "actions", acts,
	    "users_read", (json_int_t)r->users_read,
	    "sources_failed", (json_int_t)r->sources_failed,
	    "read_ms", (json_int_t)r->read_ms,
	    "plan_ms", (json_int_t)r->plan_ms,
	    "apply_ms", (json_int_t)r->apply_ms,
	    "declined", r->declined);
	return cli_print_json(root);
}

/*
 * Before anything is written: on a terminal ask; elsewhere only --yes
 * applies (sync_opts.confirm is not set then), so show the plan and
 * decline.
 */
static int
confirm(void *arg, const struct sync_report *r)
{
	struct sync_cli *sc = arg;
	char answer[16];

	if (!sc->json)
		print_table(sc, r);
	sc->printed = 1;
	if (sc->json || !isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		sc->asked = 1;
		return 1;
	}
	printf("apply %zu actions? [y/N] ", planned(r));
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL ||
	    (strcasecmp(answer, "y\n") != 0 &&
	    strcasecmp(answer, "yes\n") != 0))
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &sc->t0);
	return 0;
}

static void
progress(void *arg, size_t done, size_t total)
{
	struct sync_cli *sc = arg;
	struct timespec now;
	int64_t ms;
	size_t fill;

	if (total == 0 || !isatty(STDERR_FILENO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (int64_t)(now.tv_sec - sc->t0.tv_sec) * 1000 +
	    (now.tv_nsec - sc->t0.tv_nsec) / 1000000;
	if (!sc->bar && ms < BAR_AFTER_MS)
		return;
	sc->bar = 1;
	fill = done * BAR_WIDTH / total;
	fprintf(stderr, "\r[%.*s%*s] %zu/%zu", (int)fill,
	    "########################################",
	    (int)(BAR_WIDTH - fill), "", done, total);
	if (done == total) {
		fputc('\n', stderr);
		sc->bar = 0;
	}
	fflush(stderr);
}

int
cmd_sync(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "source", required_argument, NULL, 'S' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "allow-mass-removal", no_argument, NULL, 'M' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "at", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_report *r = NULL;
	struct sync_cli sc;
	char **rest;
	int nrest, rc, prc;

	memset(&sc, 0, sizeof(sc));
	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts, handle,
	    &sc, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0)
		return rc;
	sc.json = ctx->json;
	sc.o.arg = &sc;
	sc.o.progress = progress;
	if (!sc.yes)
		sc.o.confirm = confirm;
	clock_gettime(CLOCK_MONOTONIC, &sc.t0);
	rc = sync_run(&r, ctx->st, ctx->cfg, ctx->kek, &sc.o);
	if (r == NULL)
		return rc;
	if (sc.bar)
		fputc('\n', stderr);
	if (sc.json) {
		if ((prc = print_json(r)) != 0 && rc == 0)
			rc = prc;
	} else {
		if (!sc.printed)
			print_table(&sc, r);
		if (sc.o.dry_run)
			printf("dry run: nothing was changed\n");
		else if (r->declined && !sc.asked)
			printf("nothing was changed\n");
		else if (r->run_id != 0)
			printf("applied run %lld: %zu done, %zu failed\n",
			    (long long)r->run_id, r->done, r->failed);
		else if (rc == 0 || rc == ERR_IO)
			printf("nothing to do\n");
	}
	fflush(stdout);
	if (rc == 0 && sc.asked)
		rc = err_set(ERR_GUARD, "sync: %zu actions planned; pass --yes "
		    "to apply them", planned(r));
	sync_report_free(r);
	return rc;
}
