/*
 * main.c: the `mailcert` command line. Global options, then a command
 * looked up in a static table (one file per command group), and the exit
 * status: 0 success, 1 the user's error, 2 an internal failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli.h"
#include "err.h"

#define DEFAULT_DIR	"/var/lib/mailcert"

static const struct cli_cmd commands[] = {
	{ NULL, "init", cmd_init,
	    "--org NAME --base-url http://HOST[:PORT] [--country CC] "
	    "[--ca-key rsa-4096|ec-p384]",
	    "Create the data directory with a root and an issuing CA." },
	{ "ca", "list", cmd_ca_list, "[--json]", "List the CAs." },
	{ "ca", "show", cmd_ca_show, "NAME [--pem] [--json]",
	    "Show one CA certificate." },
	{ "ca", "status", cmd_ca_status, "[--json]",
	    "Show each CA's lifetime and how long it signs full-length." },
	{ "ca", "rollover", cmd_ca_rollover,
	    "begin [--new-root] | status [--json] | reissue [--batch N] | "
	    "finish",
	    "Replace the issuing CA (and root) step by step." },
	{ "cert", "issue", cmd_cert_issue,
	    "--email ADDR --given-name G --surname S "
	    "[--key rsa-2048|rsa-3072|rsa-4096|ec-p256|ec-p384] [--days N] "
	    "[--profile strict|multipurpose] [--csr FILE] [--usage both|dual]",
	    "Issue a mailbox certificate; prints its serial (dual: a signing "
	    "and an encryption certificate, two serials)." },
	{ "cert", "list", cmd_cert_list,
	    "[--email ADDR] [--status valid|revoked|expired] [--json]",
	    "List certificates." },
	{ "cert", "show", cmd_cert_show, "SERIAL [--pem] [--json]",
	    "Show one certificate." },
	{ "cert", "revoke", cmd_cert_revoke,
	    "SERIAL --reason keyCompromise|affiliationChanged|superseded|"
	    "cessationOfOperation|privilegeWithdrawn",
	    "Revoke a certificate (publish with `mailcert crl generate`)." },
	{ "crl", "generate", cmd_crl_generate, "",
	    "Sign fresh CRLs for every CA." },
	{ "export", "chain", cmd_export_chain,
	    "--format pem|der|p7b|sst [--ca NAME] [-o FILE] | "
	    "--format cer-dir [--ca NAME] -o DIR",
	    "Write the CA certificates (der: one, the root unless --ca; "
	    "sst: for Exchange Online; cer-dir: one .cer each)." },
	{ "export", "cert", cmd_export_cert, "SERIAL --format pem|der [-o FILE]",
	    "Write one certificate." },
	{ "export", "crl", cmd_export_crl,
	    "[--ca NAME] --format pem|der [-o FILE]",
	    "Write the latest CRL of a CA (default: the issuing CA)." },
	{ "export", "p12", cmd_export_p12,
	    "SERIAL | --email ADDR [--purpose signing|encryption] [--history] "
	    "[--password-file F] [--legacy] [-o FILE] "
	    "[--format intune-csv [--upn UPN]]",
	    "Write certificate, key and chain as PKCS#12 (--history: every "
	    "encryption key of the address)." },
	{ NULL, "inspect", cmd_inspect, "FILE [--password-file F] [--json]",
	    "Print the certificates in a PEM, DER, PKCS#7, PKCS#12 or SST "
	    "file." },
	{ "audit", "trust", cmd_audit_trust,
	    "FILE [--at DATE] [--warn-days N] [--issued-by-us] "
	    "[--password-file F] [--json]",
	    "Audit a trust bundle, one line per finding." },
	{ NULL, "check", cmd_check,
	    "CERTFILE --address ADDR [--trust BUNDLE] [--crl FILE|--fetch-crl] "
	    "[--usage sign|encrypt] [--at DATE] [--json]",
	    "Would mail clients accept a certificate for an address?" },
	{ "domain", "add", cmd_domain_add, "DOMAIN [--assert]",
	    "Add a mail domain; prints the DNS TXT record that verifies it "
	    "(--assert: verified for a year without DNS)." },
	{ "domain", "verify", cmd_domain_verify, "[DOMAIN]",
	    "Look up the TXT record of one or every domain." },
	{ "domain", "list", cmd_domain_list, "[--json]",
	    "List the domains, their state and days left." },
	{ "source", "add", cmd_source_add,
	    "ldap|graph|csv NAME OPTIONS (`source add TYPE --help` lists them)",
	    "Add a directory source; nothing is read until `source test` or "
	    "`sync`." },
	{ "source", "list", cmd_source_list, "[--json]",
	    "List the sources, their parameters and last read." },
	{ "source", "test", cmd_source_test, "NAME",
	    "Read a source completely: counts and three sample users; "
	    "changes nothing." },
	{ "source", "remove", cmd_source_remove, "NAME [--force]",
	    "Remove a source with its users and groups." },
	{ "group", "list", cmd_group_list, "[--json]",
	    "List the groups the sources deliver, with members and policy." },
	{ "group", "set", cmd_group_set,
	    "GROUP [--source NAME] [--auto-request on|off] "
	    "[--key rsa-2048|rsa-3072|rsa-4096|ec-p256|ec-p384] [--days N] "
	    "[--profile strict|multipurpose] [--usage both|dual]",
	    "Set a group's auto-request policy." },
	{ "user", "list", cmd_user_list, "[--ineligible] [--source NAME] [--json]",
	    "List directory users; --ineligible: those without a certificate "
	    "and every reason." },
	{ NULL, "seats", cmd_seats, "[set N|unlimited] [--json]",
	    "Show the seat quota (used/free) or set it." },
	{ NULL, "sync", cmd_sync,
	    "[--source NAME] [--dry-run] [--yes] [--allow-mass-removal] "
	    "[--verbose] [--at DATE] [--json]",
	    "Read the sources and issue, renew, reissue and revoke per the "
	    "groups' policy." },
	{ "events", "list", cmd_events_list,
	    "[--kind KIND] [--state pending|claimed|done|failed] [--limit N] "
	    "[--json]",
	    "List the outbox events." },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *f)
{
	char name[32];
	size_t i;

	fprintf(f, "usage: mailcert [--dir DIR] [--json] COMMAND [ARGS]\n\n"
	    "DIR defaults to $MAILCERT_DIR, else %s.\n\nCommands:\n",
	    DEFAULT_DIR);
	for (i = 0; i < NCOMMANDS; i++) {
		snprintf(name, sizeof(name), "%s%s%s", commands[i].group ?
		    commands[i].group : "", commands[i].group ? " " : "",
		    commands[i].name);
		fprintf(f, "  %-16s %s\n", name, commands[i].help);
	}
	fprintf(f, "\n`mailcert COMMAND --help` describes each command.\n");
}

/* Find the command named by argv; *used is how many words it took. */
static const struct cli_cmd *
lookup(int argc, char **argv, int *used)
{
	size_t i;
	int group_known = 0;

	for (i = 0; i < NCOMMANDS; i++) {
		if (commands[i].group == NULL &&
		    strcmp(argv[0], commands[i].name) == 0) {
			*used = 1;
			return &commands[i];
		}
		if (commands[i].group == NULL ||
		    strcmp(argv[0], commands[i].group) != 0)
			continue;
		group_known = 1;
		if (argc > 1 && strcmp(argv[1], commands[i].name) == 0) {
			*used = 2;
			return &commands[i];
		}
	}
	if (group_known && argc > 1 && strcmp(argv[1], "--help") != 0 &&
	    strcmp(argv[1], "-h") != 0)
		err_set(ERR_INVALID, "unknown command \"%s %s\" (see mailcert "
		    "--help)", argv[0], argv[1]);
	else if (group_known) {
		fprintf(stdout, "mailcert %s commands:\n", argv[0]);
		for (i = 0; i < NCOMMANDS; i++)
			if (commands[i].group != NULL &&
			    strcmp(commands[i].group, argv[0]) == 0)
				fprintf(stdout, "  %s %s %s\n    %s\n",
				    argv[0], commands[i].name,
				    commands[i].usage, commands[i].help);
		*used = argc > 1 ? -2 : -1;
	} else
		err_set(ERR_INVALID, "unknown command \"%s\" (see mailcert "
		    "--help)", argv[0]);
	return NULL;
}

static int
finish(int rc)
{
	if (rc == 0 || rc == CLI_HELP)
		return 0;
	fprintf(stderr, "mailcert: %s\n", *err_msg() ? err_msg() :
	    err_str(rc));
	return err_is_user(rc) ? 1 : 2;
}

int
main(int argc, char **argv)
{
	struct cli_ctx ctx;
	const struct cli_cmd *cmd;
	int i, used = 0, rc;

	memset(&ctx, 0, sizeof(ctx));
	if ((ctx.dir = getenv("MAILCERT_DIR")) == NULL || *ctx.dir == '\0')
		ctx.dir = DEFAULT_DIR;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx.json = 1;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			ctx.dir = argv[++i];
		else if (strncmp(argv[i], "--dir=", 6) == 0)
			ctx.dir = argv[i] + 6;
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("mailcert %s (%s)\n", MAILCERT_VERSION,
			    OpenSSL_version(OPENSSL_VERSION));
			return 0;
		} else
			return finish(err_set(ERR_INVALID, "unknown option "
			    "\"%s\" (see mailcert --help)", argv[i]));
	}
	if (i == argc) {
		usage(stderr);
		return 1;
	}
	if ((cmd = lookup(argc - i, argv + i, &used)) == NULL)
		return used < 0 ? (used == -1 ? 1 : 0) :
		    finish(ERR_INVALID);
	cli_current = cmd;
	/* argv[0] of the command is its own name, as getopt expects. */
	rc = cmd->run(&ctx, argc - i - used + 1, argv + i + used - 1);
	cli_close(&ctx);
	return finish(rc);
}
