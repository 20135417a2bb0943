/*
 * certread.h: reading X.509 certificates from files users hand us: a PEM
 * bundle (one or more CERTIFICATE blocks, text between them ignored) or a
 * single DER certificate.
 */
#ifndef MAILCERT_CERTREAD_H
#define MAILCERT_CERTREAD_H

#include <stddef.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#define CERTREAD_MAX_BYTES	(16 * 1024 * 1024)
#define CERTREAD_MAX_CERTS	10000

/*
 * Parse every certificate in data; name is used in messages. ERR_INVALID
 * naming the file and the problem if there is none, a PEM block does not
 * decode, or DER has trailing bytes. *out is the caller's
 * (sk_X509_pop_free(sk, X509_free)).
 */
int	certread_parse(STACK_OF(X509) **out, const unsigned char *data,
	    size_t len, const char *name);

/*
 * Every certificate in a bundle of any format mailcert reads: PEM, DER,
 * and (as the formats are added) Microsoft SST, PKCS#7 and PKCS#12.
 * password opens a PKCS#12 and may be NULL otherwise. ERR_INVALID naming
 * the file, the format and the problem. *out is the caller's.
 */
int	certread_bundle(STACK_OF(X509) **out, const unsigned char *data,
	    size_t len, const char *name, const char *password);

#endif
