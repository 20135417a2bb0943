/*
 * cli.h: what the command files of the `mailcert` binary share: the
 * context of one invocation, the command table entry, and helpers for
 * options, output and JSON.
 */
#ifndef MAILCERT_CLI_H
#define MAILCERT_CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct config;
struct kek;
struct store;

struct cli_ctx {
	const char	*dir;		/* --dir, $MAILCERT_DIR or default */
	int		 json;		/* --json */
	struct config	*cfg;		/* set by cli_open() */
	struct store	*st;		/* set by cli_open() */
	struct kek	*kek;		/* set by cli_open() */
};

struct cli_cmd {
	const char	*group;		/* "cert", or NULL for a lone verb */
	const char	*name;		/* "issue" */
	int		(*run)(struct cli_ctx *ctx, int argc, char **argv);
	const char	*usage;		/* options synopsis */
	const char	*help;		/* one-line summary */
	int		 mutates;	/* CLI_MUTATES... flags; 0 reads only */
};

/*
 * Commands that change the data directory append one audit entry after
 * they ran (auditlog.h), successful or not.
 */
#define CLI_MUTATES	0x01	/* audited by main() */
#define CLI_AUDITS_SELF	0x02	/* audits its success itself, in its own
				 * transaction: main() only its failure */
#define CLI_IF_SET	0x04	/* mutates only with the operand "set" */
#define CLI_UNLESS_DRY	0x08	/* not with --dry-run */

/* Long options every command accepts; put first in its option array. */
#define CLI_OPT_HELP	{ "help", no_argument, NULL, 'h' }
#define CLI_OPT_JSON	{ "json", no_argument, NULL, 'J' }

/* Option parsing result codes besides an ERR_*. */
#define CLI_HELP	1	/* --help was given: usage printed, exit 0 */

/*
 * Run getopt_long over argv with shortopts (e.g. "o:") and opts; options
 * and operands may come in any order. handle(arg, c, optarg) sees every
 * option but --help/--json, which are handled here. On return *rest and
 * *nrest are the operands. CLI_HELP after printing the usage.
 */
int	cli_getopt(struct cli_ctx *ctx, const struct cli_cmd *cmd, int argc,
	    char **argv, const char *shortopts, const struct option *opts,
	    int (*handle)(void *arg, int c, const char *optarg), void *arg,
	    char ***rest, int *nrest);

/* The command being run (for usage messages). */
extern const struct cli_cmd *cli_current;

/* Load the config, open the store and the KEK of ctx->dir. */
int	cli_open(struct cli_ctx *ctx);
void	cli_close(struct cli_ctx *ctx);

/*
 * Write data to path (mode for a new file), or to stdout when path is NULL
 * or "-". Binary data is not written to a terminal.
 */
int	cli_output(const char *path, const void *data, size_t len, int binary,
	    mode_t mode);

/* Parse a decimal int within [min, max]; what names the option. */
int	cli_parse_int(int *out, const char *s, const char *what, int min,
	    int max);

/*
 * The password on the first line of path (file_read_secret()), the error
 * naming the password file. *out is the caller's: release it with
 * cli_password_free(), which wipes it.
 */
int	cli_read_password(char **out, const char *path);
void	cli_password_free(char *pass);		/* NULL is a no-op */

/* Print v as JSON on stdout and release it. */
int	cli_print_json(json_t *v);

/* A JSON string for t, or JSON null when t is 0. New reference. */
json_t	*cli_json_time(int64_t t);

/* Require exactly n operands; ERR_INVALID naming the usage otherwise. */
int	cli_operands(int nrest, int n, const char *what);

/* The audit actor of this invocation: "cli:" and the login name of the
 * effective user (its uid if it has none), into buf. */
void	cli_actor(char *buf, size_t size);

/* Commands, one per file by group. */
int	cmd_init(struct cli_ctx *, int, char **);
int	cmd_ca_list(struct cli_ctx *, int, char **);
int	cmd_ca_show(struct cli_ctx *, int, char **);
int	cmd_ca_status(struct cli_ctx *, int, char **);
int	cmd_ca_rollover(struct cli_ctx *, int, char **);
int	cmd_cert_issue(struct cli_ctx *, int, char **);
int	cmd_cert_list(struct cli_ctx *, int, char **);
int	cmd_cert_show(struct cli_ctx *, int, char **);
int	cmd_cert_revoke(struct cli_ctx *, int, char **);
int	cmd_crl_generate(struct cli_ctx *, int, char **);
int	cmd_export_chain(struct cli_ctx *, int, char **);
int	cmd_export_cert(struct cli_ctx *, int, char **);
int	cmd_export_crl(struct cli_ctx *, int, char **);
int	cmd_export_p12(struct cli_ctx *, int, char **);
int	cmd_inspect(struct cli_ctx *, int, char **);
int	cmd_audit_trust(struct cli_ctx *, int, char **);
int	cmd_check(struct cli_ctx *, int, char **);
int	cmd_domain_add(struct cli_ctx *, int, char **);
int	cmd_domain_verify(struct cli_ctx *, int, char **);
int	cmd_domain_list(struct cli_ctx *, int, char **);
int	cmd_source_add(struct cli_ctx *, int, char **);
int	cmd_source_list(struct cli_ctx *, int, char **);
int	cmd_source_test(struct cli_ctx *, int, char **);
int	cmd_source_remove(struct cli_ctx *, int, char **);
int	cmd_group_list(struct cli_ctx *, int, char **);
int	cmd_group_set(struct cli_ctx *, int, char **);
int	cmd_user_list(struct cli_ctx *, int, char **);
int	cmd_seats(struct cli_ctx *, int, char **);
int	cmd_events_list(struct cli_ctx *, int, char **);
int	cmd_sync(struct cli_ctx *, int, char **);
int	cmd_serve(struct cli_ctx *, int, char **);
int	cmd_config_check(struct cli_ctx *, int, char **);
int	cmd_token_create(struct cli_ctx *, int, char **);
int	cmd_token_list(struct cli_ctx *, int, char **);
int	cmd_token_revoke(struct cli_ctx *, int, char **);
int	cmd_audit_list(struct cli_ctx *, int, char **);
int	cmd_audit_verify(struct cli_ctx *, int, char **);

#endif
