/*
 * store-int.h: what a store backend implements. store.c checks and
 * normalises the arguments of every public call (serial text, revocation
 * reason, list filter, NULL out parameters) and then dispatches here, so a
 * backend sees only well-formed input: serials are uppercase hex of 1 to
 * STORE_SERIAL_MAX digits, reasons are enum revoke_reason values, filters
 * are in range, domain names are lower-case and domain methods in range.
 * Each operation has the contract of its store.h namesake.
 */
#ifndef MAILCERT_STORE_INT_H
#define MAILCERT_STORE_INT_H

#include "store.h"
#include "store-dir.h"
#include "store-web.h"

/* RFC 5280 4.1.2.2: at most 20 octets, so 40 hex digits. */
#define STORE_SERIAL_MAX	40

struct store_ops {
	const char	*name;		/* config [store] backend value */
	int	(*open)(struct store **out, const struct config *cfg);
	void	(*close)(struct store *st);
	int	(*begin)(struct store *st);
	int	(*commit)(struct store *st);
	void	(*rollback)(struct store *st);
	int	(*schema_version)(int *out, struct store *st);
	int	(*key_put)(struct store *st, const struct store_key *k);
	int	(*key_get)(struct store_key **out, struct store *st,
		    const char *id);
	int	(*ca_put)(struct store *st, struct store_ca *ca);
	int	(*ca_get)(struct store_ca **out, struct store *st,
		    const char *name);
	int	(*ca_get_id)(struct store_ca **out, struct store *st,
		    int64_t id);
	int	(*ca_current)(struct store_ca **out, struct store *st);
	int	(*ca_list)(struct store_ca ***out, size_t *n,
		    struct store *st);
	int	(*cert_put)(struct store *st, struct store_cert *c);
	int	(*cert_get)(struct store_cert **out, struct store *st,
		    const char *serial);
	int	(*cert_list)(struct store_cert ***out, size_t *n,
		    struct store *st, const struct store_cert_filter *f);
	int	(*cert_revoke)(struct store *st, const char *serial,
		    int reason, int64_t at);
	int	(*cert_supersede)(struct store *st, const char *serial,
		    const char *by);
	int	(*cert_release_key)(struct store *st, const char *serial,
		    const char *key_id, int64_t at);
	int	(*ca_set_state)(struct store *st, const char *name,
		    enum store_ca_state state);
	int	(*crl_put)(struct store *st, const struct store_crl *crl);
	int	(*crl_last_number)(int64_t *out, struct store *st,
		    int64_t ca_id);
	int	(*crl_latest)(struct store_crl **out, struct store *st,
		    int64_t ca_id);
	int	(*domain_put)(struct store *st, struct store_domain *d);
	int	(*domain_get)(struct store_domain **out, struct store *st,
		    const char *name);
	int	(*domain_list)(struct store_domain ***out, size_t *n,
		    struct store *st);
	int	(*domain_update)(struct store *st,
		    const struct store_domain *d);
	const struct store_dir_ops *dir;	/* store-dir.h calls */
	const struct store_web_ops *web;	/* store-web.h calls */
};

/*
 * The store-dir.h half. store-dir.c has checked the arguments: names and
 * kinds are in range and non-empty, ids positive, usage is never NULL,
 * the snapshot is finished, filters are in range (and not NULL).
 */
struct store_dir_ops {
	int	(*source_put)(struct store *st, struct store_source *s);
	int	(*source_get)(struct store_source **out, struct store *st,
		    const char *name);
	int	(*source_list)(struct store_source ***out, size_t *n,
		    struct store *st);
	int	(*source_set_status)(struct store *st, int64_t id, int64_t at,
		    const char *error);
	int	(*source_delete)(struct store *st, const char *name);
	int	(*dir_apply)(struct store *st, int64_t source_id,
		    const struct dir_snapshot *snap, int64_t now,
		    size_t *changed);
	int	(*user_list)(struct store_user ***out, size_t *n,
		    struct store *st, const struct store_user_filter *f);
	int	(*user_get)(struct store_user **out, struct store *st,
		    int64_t id);
	int	(*group_list)(struct store_group ***out, size_t *n,
		    struct store *st);
	int	(*group_get)(struct store_group **out, struct store *st,
		    const char *source, const char *name);
	int	(*group_set_policy)(struct store *st,
		    const struct store_group *g);
	int	(*setting_get)(char **out, struct store *st, const char *key);
	int	(*setting_set)(struct store *st, const char *key,
		    const char *value);
	int	(*run_put)(struct store *st, struct store_run *r);
	int	(*run_unfinished)(struct store_run **out, struct store *st);
	int	(*run_latest)(struct store_run **out, struct store *st);
	int	(*run_finish)(struct store *st, int64_t id,
		    int64_t finished_at);
	int	(*action_put)(struct store *st, struct store_action *a);
	int	(*action_list)(struct store_action ***out, size_t *n,
		    struct store *st, int64_t run_id, int state);
	/* DONE with new_serials or FAILED with error; ERR_EXISTS if not
	 * planned. */
	int	(*action_finish)(struct store *st, int64_t id,
		    enum store_action_state state, const char *new_serials,
		    const char *error, int64_t at);
	int	(*event_put)(struct store *st, struct store_event *e);
	int	(*event_list)(struct store_event ***out, size_t *n,
		    struct store *st, const struct store_event_filter *f);
	int	(*event_claim)(struct store_event ***out, size_t *n,
		    struct store *st, const char *worker, size_t max,
		    int64_t now, int64_t lease_s);
	int	(*event_complete)(struct store *st, int64_t id,
		    const char *worker, int64_t now);
	int	(*event_retry)(struct store *st, int64_t id,
		    const char *worker, const char *error, int64_t next_at,
		    int max_attempts);
	int	(*alert_raise)(struct store *st, const char *key, int64_t now,
		    int *raised);
	int	(*alert_clear)(struct store *st, const char *key);
};

/*
 * The store-web.h half. store-web.c has checked the arguments: names,
 * roles and hashes are well-formed, ids positive, audit fields non-NULL
 * (target "" when none) and at set, responder serials uppercase hex,
 * limits and out parameters usable.
 */
struct store_web_ops {
	int	(*token_put)(struct store *st, struct store_token *t);
	int	(*token_by_hash)(struct store_token **out, struct store *st,
		    const char *hash);
	int	(*token_list)(struct store_token ***out, size_t *n,
		    struct store *st);
	int	(*token_revoke)(struct store *st, int64_t id, int64_t at);
	int	(*token_touch)(struct store *st, int64_t id, int64_t at);
	int	(*audit_append)(struct store *st, struct store_audit *e);
	int	(*audit_list)(struct store_audit ***out, size_t *n,
		    struct store *st, int64_t after_id, size_t limit);
	int	(*audit_list_desc)(struct store_audit ***out, size_t *n,
		    struct store *st, int64_t before_id, size_t limit);
	int	(*responder_put)(struct store *st, struct store_responder *r);
	int	(*responder_latest)(struct store_responder **out,
		    struct store *st, int64_t ca_id);
	int	(*stats_get)(struct store_stats *out, struct store *st,
		    int64_t now);
};

/*
 * The head of every backend's handle: a backend embeds it as the first
 * member of its own struct and converts the pointer back in its operations.
 */
struct store {
	const struct store_ops *ops;	/* the backend that opened it */
};

extern const struct store_ops store_sqlite_ops;
extern const struct store_dir_ops store_sqlite_dir_ops;
extern const struct store_web_ops store_sqlite_web_ops;

/*
 * The names the enums are stored under, for every backend alike. The
 * *_name() functions return static text; the *_parse() ones the enum value,
 * or -1 for a name they do not know.
 */
const char	*store_ca_role_name(enum store_ca_role r);
int		 store_ca_role_parse(const char *s);
const char	*store_ca_state_name(enum store_ca_state s);
int		 store_ca_state_parse(const char *s);
int		 store_cert_state_parse(const char *s);
int		 store_domain_method_parse(const char *s);
const char	*store_run_state_name(enum store_run_state s);
int		 store_run_state_parse(const char *s);

#endif
