/*
 * cli-ca.c: `mailcert ca list|show`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli.h"
#include "err.h"
#include "keys.h"
#include "store.h"
#include "util/timefmt.h"
#include "util/x509text.h"

static int
handle_pem(void *arg, int c, const char *optarg)
{
	(void)optarg;
	if (c == 'P')
		*(int *)arg = 1;
	return 0;
}

static X509 *
ca_cert(const struct store_ca *ca)
{
	const unsigned char *p = ca->der;

	return d2i_X509(NULL, &p, (long)ca->der_len);
}

static json_t *
ca_json(const struct store_ca *ca, X509 *x)
{
	char *subj = x509text_name(X509_get_subject_name(x));
	enum key_type kt;
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:o, s:o, s:s}",
	    "name", ca->name,
	    "role", ca->role == STORE_CA_ROOT ? "root" : "issuing",
	    "state", ca->state == STORE_CA_ACTIVE ? "active" : "retired",
	    "serial", ca->serial,
	    "subject", subj,
	    "not_before", cli_json_time(ca->not_before),
	    "not_after", cli_json_time(ca->not_after),
	    "key", keys_type_of(&kt, X509_get0_pubkey(x)) == 0 ?
	    keys_type_name(kt) : "unknown");
	free(subj);
	return o;
}

int
cmd_ca_list(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON, { NULL, 0, NULL, 0 },
	};
	struct store_ca **cas = NULL;
	json_t *arr = NULL;
	X509 *x;
	char nb[TIMEFMT_LEN], *subj;
	size_t n = 0, i;
	char **rest;
	int nrest, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_pem, NULL, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 0, "")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_ca_list(&cas, &n, ctx->st)) != 0)
		return rc;
	if (ctx->json && (arr = json_array()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (!ctx->json)
		printf("%-12s %-8s %-8s %-20s %s\n", "NAME", "ROLE", "STATE",
		    "NOT_AFTER", "SUBJECT");
	for (i = 0; i < n; i++) {
		if ((x = ca_cert(cas[i])) == NULL) {
			rc = err_set(ERR_STORE, "stored certificate of CA "
			    "\"%s\" does not decode", cas[i]->name);
			goto out;
		}
		if (ctx->json)
			json_array_append_new(arr, ca_json(cas[i], x));
		else {
			subj = x509text_name(X509_get_subject_name(x));
			printf("%-12s %-8s %-8s %-20s %s\n", cas[i]->name,
			    cas[i]->role == STORE_CA_ROOT ? "root" : "issuing",
			    cas[i]->state == STORE_CA_ACTIVE ? "active" :
			    "retired", timefmt_utc(nb, cas[i]->not_after),
			    subj ? subj : "");
			free(subj);
		}
		X509_free(x);
	}
	if (ctx->json) {
		rc = cli_print_json(arr);
		arr = NULL;
	}
out:
	json_decref(arr);
	store_ca_list_free(cas, n);
	return rc;
}

int
cmd_ca_show(struct cli_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_OPT_HELP, CLI_OPT_JSON,
		{ "pem", no_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	struct store_ca *ca = NULL;
	X509 *x = NULL;
	char **rest;
	int nrest, pem = 0, rc;

	if ((rc = cli_getopt(ctx, cli_current, argc, argv, "", opts,
	    handle_pem, &pem, &rest, &nrest)) != 0 ||
	    (rc = cli_operands(nrest, 1, "the CA name")) != 0 ||
	    (rc = cli_open(ctx)) != 0 ||
	    (rc = store_ca_get(&ca, ctx->st, rest[0])) != 0)
		return rc;
	if ((x = ca_cert(ca)) == NULL) {
		rc = err_set(ERR_STORE, "stored certificate of CA \"%s\" does "
		    "not decode", ca->name);
		goto out;
	}
	if (ctx->json)
		rc = cli_print_json(ca_json(ca, x));
	else if (pem)
		PEM_write_X509(stdout, x);
	else {
		printf("name:  %s\nrole:  %s\nstate: %s\n", ca->name,
		    ca->role == STORE_CA_ROOT ? "root" : "issuing",
		    ca->state == STORE_CA_ACTIVE ? "active" : "retired");
		X509_print_ex_fp(stdout, x, XN_FLAG_ONELINE &
		    ~ASN1_STRFLGS_ESC_MSB, 0);
	}
out:
	X509_free(x);
	store_ca_free(ca);
	return rc;
}
