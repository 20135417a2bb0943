/*
 * cli-crl.c: `mailcert crl generate`.
 */
#include <stdio.h>

#include "cli.h"
#include "crl.h"
#include "err.h"
#include "store.h"
#include "util/timefmt.h"

static int
no_options(void *arg, int c, const char *optarg)
{
	(void)arg;
	(void)c;
	(void)optarg;
	return 0;
}

int
cmd_crl_generate(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, { NULL, 0, NULL, 0 },
	};
	struct store_ca **cas = NULL;
	struct store_crl *crl;
	char next[TIMEFMT_LEN], **rest;
	size_t n = 0, i;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    no_options, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = crl_generate(ctx->st, ctx->kek, ctx->cfg,
	    timefmt_now())) != 0 ||
	    (rc = store_ca_list(&cas, &n, ctx->st)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (cas[i]->state == STORE_CA_RETIRED ||
		    store_crl_latest(&crl, ctx->st, cas[i]->id) != 0)
			continue;
		printf("%-12s CRL number %lld, next update %s\n", cas[i]->name,
		    (long long)crl->number, timefmt_utc(next,
		    crl->next_update));
		store_crl_free(crl);
	}
	store_ca_list_free(cas, n);
	return 0;
}
