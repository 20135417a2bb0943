/*
 * main.c: the `mailcert` command line. Global options, then a command
 * looked up in a static table (one file per command group), the audit
 * entry of a command that mutates (docs/audit.md), and the exit status:
 * 0 success, 1 the user's error, 2 an internal failure.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "auditlog.h"
#include "cli.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

#define DEFAULT_DIR	"/var/lib/mailcert"
#define TARGET_MAX	1024	/* octets of an audit target we write */

static const struct cli_cmd commands[] = {
	{ NULL, "init", cmd_init,
	    "--org NAME --base-url http://HOST[:PORT] [--country CC] "
	    "[--ca-key rsa-4096|ec-p384]",
	    "Create the data directory with a root and an issuing CA.",
	    CLI_MUTATES },
	{ "ca", "list", cmd_ca_list, "[--json]", "List the CAs.", 0 },
	{ "ca", "show", cmd_ca_show, "NAME [--pem] [--json]",
	    "Show one CA certificate.", 0 },
	{ "ca", "status", cmd_ca_status, "[--json]",
	    "Show each CA's lifetime and how long it signs full-length.", 0 },
	{ "ca", "rollover", cmd_ca_rollover,
	    "begin [--new-root] | status [--json] | reissue [--batch N] | "
	    "finish",
	    "Replace the issuing CA (and root) step by step.",
	    CLI_MUTATES },
	{ "cert", "issue", cmd_cert_issue,
	    "--email ADDR --given-name G --surname S "
	    "[--key rsa-2048|rsa-3072|rsa-4096|ec-p256|ec-p384] [--days N] "
	    "[--profile strict|multipurpose] [--csr FILE] [--usage both|dual]",
	    "Issue a mailbox certificate; prints its serial (dual: a signing "
	    "and an encryption certificate, two serials).",
	    CLI_MUTATES },
	{ "cert", "list", cmd_cert_list,
	    "[--email ADDR] [--status valid|revoked|expired] [--json]",
	    "List certificates.", 0 },
	{ "cert", "show", cmd_cert_show, "SERIAL [--pem] [--json]",
	    "Show one certificate.", 0 },
	{ "cert", "revoke", cmd_cert_revoke,
	    "SERIAL --reason keyCompromise|affiliationChanged|superseded|"
	    "cessationOfOperation|privilegeWithdrawn",
	    "Revoke a certificate (publish with `mailcert crl generate`).",
	    CLI_MUTATES },
	{ "crl", "generate", cmd_crl_generate, "",
	    "Sign fresh CRLs for every CA.",
	    CLI_MUTATES },
	{ "export", "chain", cmd_export_chain,
	    "--format pem|der|p7b|sst [--ca NAME] [-o FILE] | "
	    "--format cer-dir [--ca NAME] -o DIR",
	    "Write the CA certificates (der: one, the root unless --ca; "
	    "sst: for Exchange Online; cer-dir: one .cer each).", 0 },
	{ "export", "cert", cmd_export_cert, "SERIAL --format pem|der [-o FILE]",
	    "Write one certificate.", 0 },
	{ "export", "crl", cmd_export_crl,
	    "[--ca NAME] --format pem|der [-o FILE]",
	    "Write the latest CRL of a CA (default: the issuing CA).", 0 },
	{ "export", "p12", cmd_export_p12,
	    "SERIAL | --email ADDR [--purpose signing|encryption] [--history] "
	    "[--password-file F] [--legacy] [-o FILE] "
	    "[--format intune-csv [--upn UPN]]",
	    "Write certificate, key and chain as PKCS#12 (--history: every "
	    "encryption key of the address).",
	    CLI_MUTATES },
	{ NULL, "inspect", cmd_inspect, "FILE [--password-file F] [--json]",
	    "Print the certificates in a PEM, DER, PKCS#7, PKCS#12 or SST "
	    "file.", 0 },
	{ "audit", "trust", cmd_audit_trust,
	    "FILE [--at DATE] [--warn-days N] [--issued-by-us] "
	    "[--password-file F] [--json]",
	    "Audit a trust bundle, one line per finding.", 0 },
	{ NULL, "check", cmd_check,
	    "CERTFILE --address ADDR [--trust BUNDLE] [--crl FILE|--fetch-crl] "
	    "[--usage sign|encrypt] [--at DATE] [--json]",
	    "Would mail clients accept a certificate for an address?", 0 },
	{ "domain", "add", cmd_domain_add, "DOMAIN [--assert]",
	    "Add a mail domain; prints the DNS TXT record that verifies it "
	    "(--assert: verified for a year without DNS).",
	    CLI_MUTATES },
	{ "domain", "verify", cmd_domain_verify, "[DOMAIN]",
	    "Look up the TXT record of one or every domain.",
	    CLI_MUTATES },
	{ "domain", "list", cmd_domain_list, "[--json]",
	    "List the domains, their state and days left.", 0 },
	{ "source", "add", cmd_source_add,
	    "ldap|graph|csv NAME OPTIONS (`source add TYPE --help` lists them)",
	    "Add a directory source; nothing is read until `source test` or "
	    "`sync`.",
	    CLI_MUTATES },
	{ "source", "list", cmd_source_list, "[--json]",
	    "List the sources, their parameters and last read.", 0 },
	{ "source", "test", cmd_source_test, "NAME",
	    "Read a source completely: counts and three sample users; "
	    "changes nothing.", 0 },
	{ "source", "remove", cmd_source_remove, "NAME [--force]",
	    "Remove a source with its users and groups.",
	    CLI_MUTATES },
	{ "group", "list", cmd_group_list, "[--json]",
	    "List the groups the sources deliver, with members and policy.", 0 },
	{ "group", "set", cmd_group_set,
	    "GROUP [--source NAME] [--auto-request on|off] "
	    "[--key rsa-2048|rsa-3072|rsa-4096|ec-p256|ec-p384] [--days N] "
	    "[--profile strict|multipurpose] [--usage both|dual]",
	    "Set a group's auto-request policy.",
	    CLI_MUTATES },
	{ "user", "list", cmd_user_list, "[--ineligible] [--source NAME] [--json]",
	    "List directory users; --ineligible: those without a certificate "
	    "and every reason.", 0 },
	{ NULL, "seats", cmd_seats, "[set N|unlimited] [--json]",
	    "Show the seat quota (used/free) or set it.",
	    CLI_MUTATES | CLI_IF_SET },
	{ NULL, "sync", cmd_sync,
	    "[--source NAME] [--dry-run] [--yes] [--allow-mass-removal] "
	    "[--verbose] [--at DATE] [--json]",
	    "Read the sources and issue, renew, reissue and revoke per the "
	    "groups' policy.",
	    CLI_MUTATES | CLI_UNLESS_DRY },
	{ NULL, "serve", cmd_serve,
	    "[--listen HOST:PORT] [--public-listen HOST:PORT] "
	    "[--log-format text|json]",
	    "Run the daemon: HTTP API, dashboard, CRL/OCSP/key directory "
	    "and the scheduler.", 0 },
	{ "config", "check", cmd_config_check, "[--file FILE]",
	    "Check a configuration as the daemon would, without starting.", 0 },
	{ "token", "create", cmd_token_create,
	    "--name NAME --role admin|operator|viewer [--groups G1,G2] "
	    "[--expires DAYS]",
	    "Create an API token; prints it once.",
	    CLI_MUTATES | CLI_AUDITS_SELF },
	{ "token", "list", cmd_token_list, "[--json]", "List the API tokens.", 0 },
	{ "token", "revoke", cmd_token_revoke, "ID|NAME",
	    "Revoke an API token.",
	    CLI_MUTATES | CLI_AUDITS_SELF },
	{ "audit", "list", cmd_audit_list, "[--limit N] [--json]",
	    "Show the newest audit log entries.", 0 },
	{ "audit", "verify", cmd_audit_verify, "",
	    "Check the audit log's hash chain; exit 1 if it was altered.", 0 },
	{ "events", "list", cmd_events_list,
	    "[--kind KIND] [--state pending|claimed|done|failed] [--limit N] "
	    "[--json]",
	    "List the outbox events.", 0 },
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

void
cli_actor(char *buf, size_t size)
{
	struct passwd *pw;

	if ((pw = getpwuid(geteuid())) != NULL)
		snprintf(buf, size, "cli:%s", pw->pw_name);
	else
		snprintf(buf, size, "cli:%lu", (unsigned long)geteuid());
}

/* 1 if arg is opt or a prefix getopt_long would take for it. */
static int
is_option(const char *arg, const char *opt)
{
	size_t n = strlen(arg);

	return n > 3 && n <= strlen(opt) && strncmp(arg, opt, n) == 0;
}

/* Whether this run of cmd changes anything, by its flags and words. */
static int
mutating(const struct cli_cmd *cmd, int argc, char **argv)
{
	int i, set = 0, dry = 0;

	if (!(cmd->mutates & CLI_MUTATES))
		return 0;
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		set |= strcmp(argv[i], "set") == 0;
		dry |= is_option(argv[i], "--dry-run");
	}
	if ((cmd->mutates & CLI_IF_SET) && !set)
		return 0;
	if ((cmd->mutates & CLI_UNLESS_DRY) && dry)
		return 0;
	return 1;
}

/*
 * The words after the command joined by spaces. Secrets never reach
 * argv (commands read them from files), but an option that names one
 * outright is blanked all the same.
 */
static void
audit_target(char *buf, size_t size, int argc, char **argv)
{
	size_t len = 0;
	int i, n, secret, hide = 0;
	const char *w;

	buf[0] = '\0';
	for (i = 1; i < argc && len < size; i++) {
		secret = strncmp(argv[i], "--", 2) == 0 &&
		    (strstr(argv[i], "password") != NULL ||
		    strstr(argv[i], "secret") != NULL) &&
		    strstr(argv[i], "-file") == NULL;
		/* "--secret VALUE" hides VALUE, "--secret=VALUE" itself. */
		w = hide || (secret && strchr(argv[i], '=') != NULL) ? "***" :
		    argv[i];
		hide = secret && strchr(argv[i], '=') == NULL;
		n = snprintf(buf + len, size - len, "%s%s", len ? " " : "", w);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

/*
 * Append the audit entry of a mutating command that ran: actor
 * "cli:LOGIN", action "group.name", the words as target, and the result.
 * A directory without a store (init failed, or never ran) has no log to
 * write to. The command's own message is kept for finish().
 */
static int
audit(struct cli_ctx *ctx, const struct cli_cmd *cmd, int mutates,
    const char *target, int rc)
{
	struct config *cfg = NULL;
	struct store *own = NULL, *st = ctx->st;
	char actor[128], action[64], why[512];
	char *saved = NULL, *result = NULL;
	int arc;

	if (rc == CLI_HELP || !mutates ||
	    (rc == 0 && (cmd->mutates & CLI_AUDITS_SELF)))
		return rc;
	if (rc != 0 && (saved = strdup(*err_msg() ? err_msg() :
	    err_str(rc))) == NULL)
		return rc;
	if (st == NULL) {
		if (config_load(&cfg, ctx->dir) != 0 ||
		    cfg->store_path == NULL || !file_exists(cfg->store_path) ||
		    store_open(&own, cfg) != 0)
			goto out;
		st = own;
	}
	cli_actor(actor, sizeof(actor));
	snprintf(action, sizeof(action), "%s%s%s", cmd->group ? cmd->group :
	    "", cmd->group ? "." : "", cmd->name);
	if (rc != 0 && asprintf(&result, "error: %s", saved) < 0) {
		result = NULL;
		goto out;
	}
	if ((arc = auditlog_append(st, timefmt_now(), actor, action, target,
	    result)) != 0 && rc == 0) {
		/* The change is made, but the log must not lose it silently. */
		snprintf(why, sizeof(why), "%s", err_msg());
		rc = err_set(arc, "%s done, but its audit entry was not "
		    "written: %s", action, why);
	}
out:
	store_close(own);
	config_free(cfg);
	free(result);
	if (saved != NULL)
		err_set(rc, "%s", saved);
	free(saved);
	return rc;
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
	char target[TARGET_MAX] = "", **cargv;
	int i, used = 0, cargc, mutates, rc;

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
	cargc = argc - i - used + 1;
	cargv = argv + i + used - 1;
	/* Before getopt_long() permutes the words. */
	if ((mutates = mutating(cmd, cargc, cargv)))
		audit_target(target, sizeof(target), cargc, cargv);
	rc = cmd->run(&ctx, cargc, cargv);
	rc = audit(&ctx, cmd, mutates, target, rc);
	cli_close(&ctx);
	return finish(rc);
}
