/*
 * sst.h: Microsoft serialized certificate stores (.sst), the form in which
 * Exchange Online takes the CA certificates it trusts for S/MIME.
 */
#ifndef MAILCERT_SST_H
#define MAILCERT_SST_H

#include <stddef.h>

#include <openssl/types.h>
#include <openssl/x509.h>

#define SST_MAX_CERTS		10000
/* Windows writes about ten elements per certificate. */
#define SST_MAX_ELEMENTS	(10 * SST_MAX_CERTS)

/*
 * 1 if data starts like a serialized store (the "CERT" magic after the
 * version word), else 0. A yes means sst_read() gives the verdict,
 * including on a wrong version.
 */
int	sst_is(const unsigned char *data, size_t len);

/*
 * Every certificate in the store in data, in file order; name is used in
 * messages. Property elements, CRLs and CTLs are skipped. ERR_INVALID
 * naming the file, the byte offset and the problem for a bad header, a
 * truncated or overlong element, an encoding type other than 1, a
 * certificate element that is not exactly one DER certificate, properties
 * that no certificate follows, a missing end marker, bytes after it, too
 * many elements, or no certificate at all. *out is the caller's
 * (sk_X509_pop_free(sk, X509_free)).
 */
int	sst_read(STACK_OF(X509) **out, const unsigned char *data, size_t len,
	    const char *name);

/*
 * The minimal store Windows and Wine both read: header, one bare
 * certificate element per certificate in the order given, end marker.
 * ERR_INVALID if certs is empty. *out is the caller's (free()).
 */
int	sst_write(unsigned char **out, size_t *outlen, STACK_OF(X509) *certs);

#endif
