/*
 * trustaudit.h: auditing a trust bundle, the list of CA certificates a
 * mail service (Exchange Online's SMIMECertificateIssuingCA, an MDM
 * profile) trusts for S/MIME, as Microsoft recommends doing regularly.
 *
 * The rules, per certificate of the bundle (code: severity):
 *
 *   duplicate: warning       the same certificate (same DER) appeared
 *                            earlier; nothing else is reported for the
 *                            repeat
 *   bad-validity: error      notBefore or notAfter does not decode
 *   not-yet-valid: error     at is before notBefore
 *   expired: error           at is after notAfter
 *   expiring: warning        notAfter is within warn_days of at
 *   not-a-ca: error          no basicConstraints cA=TRUE, or a keyUsage
 *                            without keyCertSign: a leaf has no place in a
 *                            trust list (RFC 5280 4.2.1.9, 4.2.1.3)
 *   bad-key: error           the public key does not decode
 *   weak-key: error          RSA or DSA below 2048 bits, EC below 256
 *   sha1-signature: error    a SHA-1 signature on a certificate that is
 *                            not self-signed: clients verify it and
 *                            refuse it
 *   sha1-signature: info     the same on a self-signed root, whose own
 *                            signature no client relies on
 *   weak-signature: error    as sha1-signature, for MD2, MD4 and MD5
 *   weak-signature: info     (on a self-signed root)
 *   missing-issuer: error    a CA certificate that is not self-signed and
 *                            whose issuer (by name, key identifier and
 *                            signature) is not in the bundle
 *   unused-root: warning     a self-signed root that nothing else in the
 *                            bundle chains to
 *
 * With our CAs given (--issued-by-us: the data directory's CAs):
 *
 *   unnecessary-root: warning  a root that none of our CAs chains to
 *                              (replaces unused-root for that root)
 *   missing-ours: error        one of our CAs is not in the bundle, so
 *                              certificates we issue do not chain
 *                              (index -1; subject names our CA)
 */
#ifndef MAILCERT_TRUSTAUDIT_H
#define MAILCERT_TRUSTAUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#define TRUSTAUDIT_WARN_DAYS	60	/* default for warn_days */

enum trustaudit_severity {
	TRUSTAUDIT_ERROR,
	TRUSTAUDIT_WARNING,
	TRUSTAUDIT_INFO,
	TRUSTAUDIT__MAX
};

struct trustaudit_finding {
	enum trustaudit_severity severity;
	const char	*code;		/* static: "expired", "duplicate"... */
	int		 index;		/* 0-based in the bundle; -1: none */
	char		*subject;	/* its subject, RFC 2253 */
	char		*detail;	/* one line saying what is wrong */
};

struct trustaudit_report {
	struct trustaudit_finding *v;	/* in bundle order */
	size_t		 n;		/* number of findings */
	size_t		 count[TRUSTAUDIT__MAX]; /* findings per severity */
};

struct trustaudit_opts {
	int64_t		 at;		/* when to judge validity */
	int		 warn_days;	/* "expiring" horizon, >= 0 */
	STACK_OF(X509)	*ours;		/* our CAs; NULL: not issued-by-us */
};

/*
 * Audit bundle (borrowed, not modified) under o. A clean bundle gives a
 * report with n == 0. *out is the caller's (trustaudit_report_free()).
 * ERR_NOMEM only: what is wrong with the bundle is a finding, not a
 * failure.
 */
int	trustaudit_run(struct trustaudit_report **out, STACK_OF(X509) *bundle,
	    const struct trustaudit_opts *o);

/* Release r and its findings; NULL is a no-op. */
void	trustaudit_report_free(struct trustaudit_report *r);

/* "error", "warning", "info". Static. */
const char *trustaudit_severity_name(enum trustaudit_severity s);

#endif
