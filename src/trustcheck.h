/*
 * trustcheck.h: would a mail client accept this certificate for this
 * address? The checks Exchange Online and Outlook for iOS/Android apply
 * to an S/MIME certificate, each answered pass, fail or skip with a
 * reason, in this order:
 *
 *   chain       the certificate chains to a root of the trust bundle,
 *               with every intermediate present (from the bundle or from
 *               the certificate's own file); structure only, times are
 *               the next check's
 *   validity    every certificate of the chain is within its validity at
 *               the given time
 *   revocation  with CRLs (given, or fetched from the http:// CRL
 *               distribution points): the leaf is covered by a CRL from
 *               its issuer whose signature verifies with the issuer's key
 *               and which is current, and is not listed; each
 *               intermediate is checked the same way when a CRL from its
 *               issuer is at hand, else noted as not checked. When
 *               fetching, a distribution point that cannot be fetched
 *               fails the check: the answer is unknown. Without CRLs
 *               the check is skipped, which is not a failure
 *   address     the address equals an rfc822Name of the subjectAltName or
 *               a subject emailAddress: the local part exactly, the domain
 *               in any case (RFC 5321 2.4)
 *   signing     keyUsage (if present) has digitalSignature (nonRepudiation
 *               alone does not sign mail); extKeyUsage (if present) has
 *               emailProtection or anyExtendedKeyUsage (RFC 8550 4.4.4)
 *   encryption  keyUsage (if present) has keyEncipherment for an RSA key,
 *               keyAgreement for an EC key; extKeyUsage as for signing
 *   key-size    RSA of at least 2048 bits, or EC on P-256, P-384, P-521
 *
 * signing and encryption appear only for the usages asked for.
 */
#ifndef MAILCERT_TRUSTCHECK_H
#define MAILCERT_TRUSTCHECK_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#define TRUSTCHECK_SIGN		0x1u	/* usage bits */
#define TRUSTCHECK_ENCRYPT	0x2u
#define TRUSTCHECK_FETCH_TIMEOUT 20	/* seconds per CRL download */

enum trustcheck_result {
	TRUSTCHECK_PASS,
	TRUSTCHECK_FAIL,
	TRUSTCHECK_SKIP,
	TRUSTCHECK__MAX
};

enum trustcheck_revocation {
	TRUSTCHECK_REV_SKIP,		/* no CRLs: the check is skipped */
	TRUSTCHECK_REV_CRLS,		/* against the CRLs given */
	TRUSTCHECK_REV_FETCH,		/* download each CRL DP's CRL */
};

struct trustcheck_item {
	const char	*name;		/* static: "chain", "validity", ... */
	enum trustcheck_result result;
	char		*reason;	/* one line */
};

struct trustcheck_report {
	struct trustcheck_item *v;	/* in the order of the list above */
	size_t		 n;		/* number of checks */
	size_t		 count[TRUSTCHECK__MAX]; /* checks per result */
};

/* What to check; everything is borrowed. */
struct trustcheck_input {
	X509		*leaf;		/* the certificate in question */
	STACK_OF(X509)	*untrusted;	/* from its file, or NULL */
	STACK_OF(X509)	*trust;		/* the trust bundle: roots (and
					   intermediates for chains) */
	const char	*address;	/* the mailbox it should be for */
	unsigned	 usage;		/* TRUSTCHECK_SIGN, _ENCRYPT or both */
	int64_t		 at;		/* when to judge it */
	enum trustcheck_revocation revocation;
	STACK_OF(X509_CRL) *crls;	/* for TRUSTCHECK_REV_CRLS */
	/* For TRUSTCHECK_REV_FETCH: NULL for fetch_http(); tests stand in. */
	int		(*fetch)(unsigned char **out, size_t *outlen,
			    const char *url, size_t max, long timeout_s);
};

/*
 * Run every check on in. *out is the caller's (trustcheck_report_free());
 * the verdicts are in it, a failed check is not an error. ERR_NOMEM or
 * ERR_CRYPTO when the checks themselves cannot run.
 */
int	trustcheck_run(struct trustcheck_report **out,
	    const struct trustcheck_input *in);

/* Release r; NULL is a no-op. */
void	trustcheck_report_free(struct trustcheck_report *r);

/* "PASS", "FAIL", "SKIP". Static. */
const char *trustcheck_result_name(enum trustcheck_result r);

#endif
