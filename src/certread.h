/*
 * certread.h: reading X.509 objects from files users hand us. Certificates
 * come from a PEM bundle (one or more CERTIFICATE blocks, text between them
 * ignored), a single DER certificate, and for trust bundles also certs-only
 * PKCS#7, PKCS#12 and Microsoft serialized stores (SST); CRLs from a PEM
 * bundle of X509 CRL blocks or a single DER CRL.
 */
#ifndef MAILCERT_CERTREAD_H
#define MAILCERT_CERTREAD_H

#include <stddef.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#define CERTREAD_MAX_BYTES	(16 * 1024 * 1024)
#define CERTREAD_MAX_CERTS	10000
#define CERTREAD_MAX_CRLS	1000

/*
 * Parse every certificate in data; name is used in messages. ERR_INVALID
 * naming the file and the problem if there is none, a PEM block does not
 * decode, or DER has trailing bytes. *out is the caller's
 * (sk_X509_pop_free(sk, X509_free)).
 */
int	certread_parse(STACK_OF(X509) **out, const unsigned char *data,
	    size_t len, const char *name);

enum certread_format {
	CERTREAD_FORMAT_PEM,		/* CERTIFICATE blocks */
	CERTREAD_FORMAT_DER,		/* one DER certificate */
	CERTREAD_FORMAT_PKCS7,		/* DER certs-only PKCS#7 SignedData */
	CERTREAD_FORMAT_PKCS7_PEM,	/* PEM with PKCS7 blocks */
	CERTREAD_FORMAT_PKCS12,		/* DER PKCS#12 (PFX) */
	CERTREAD_FORMAT_SST,		/* Microsoft serialized store */
	CERTREAD_FORMAT__MAX
};

/*
 * Every certificate in a bundle of any format mailcert reads: SST,
 * PKCS#7 (DER, or PKCS7 blocks in PEM), PKCS#12, a PEM bundle or a DER
 * certificate, told apart by content. Certificates come in file order;
 * from a PKCS#12 the one with the key comes first. password opens a
 * PKCS#12 and may be NULL otherwise. ERR_INVALID naming the file, the
 * format and the problem, among them "\"FILE\" is PKCS#12 and needs
 * --password-file" without a password and "wrong password". *out is the
 * caller's (sk_X509_pop_free(sk, X509_free)).
 */
int	certread_bundle(STACK_OF(X509) **out, const unsigned char *data,
	    size_t len, const char *name, const char *password);

/*
 * As certread_bundle(), and *format_out says which format data was in
 * (set on success only).
 */
int	certread_bundle_format(STACK_OF(X509) **certs_out,
	    enum certread_format *format_out, const unsigned char *data,
	    size_t len, const char *name, const char *password);

/* A short name for f, e.g. "PKCS#7 (DER)". Static; never NULL. */
const char *certread_format_name(enum certread_format f);

/*
 * Every CRL in data: a PEM bundle (X509 CRL blocks, text between them
 * ignored) or one DER CRL with no trailing bytes; name (a file or URL) is
 * used in messages. ERR_INVALID naming it and the problem if it is empty,
 * larger than CERTREAD_MAX_BYTES, holds no CRL or more than
 * CERTREAD_MAX_CRLS, a PEM block is malformed or does not decode, or DER
 * has trailing bytes. *out is the caller's
 * (sk_X509_CRL_pop_free(sk, X509_CRL_free)).
 */
int	certread_crls(STACK_OF(X509_CRL) **out, const unsigned char *data,
	    size_t len, const char *name);

#endif
