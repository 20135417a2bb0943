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
};

/*
 * The head of every backend's handle: a backend embeds it as the first
 * member of its own struct and converts the pointer back in its operations.
 */
struct store {
	const struct store_ops *ops;	/* the backend that opened it */
};

extern const struct store_ops store_sqlite_ops;

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

#endif
