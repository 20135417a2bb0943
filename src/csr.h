/*
 * csr.h: reading and vetting PKCS#10 certificate requests (RFC 2986) that
 * users bring instead of letting mailcert generate their key.
 */
#ifndef MAILCERT_CSR_H
#define MAILCERT_CSR_H

#include <stddef.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#include "profile.h"

#define CSR_MAX_BYTES	(64 * 1024)

/*
 * Parse one CSR, PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST")
 * or DER, from data; name is used in messages. Trailing garbage after the
 * request is refused. *out is the caller's (X509_REQ_free).
 */
int	csr_parse(X509_REQ **out, const unsigned char *data, size_t len,
	    const char *name);

/*
 * Vet req for a certificate to email under profile p: the self-signature
 * verifies, the key is a type the profile allows, the subject names nothing
 * but email (CN or emailAddress; empty is fine), and requested extensions
 * ask for nothing beyond the profile: a SAN only with rfc822Name email,
 * keyUsage and extKeyUsage within what p permits, no other extensions.
 * ERR_INVALID with a message naming the problem.
 */
int	csr_check(X509_REQ *req, const char *email, enum cert_profile p);

#endif
