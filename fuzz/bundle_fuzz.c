/*
 * bundle_fuzz.c: certread_bundle() on arbitrary bytes, as a trust bundle
 * in any format a user may hand over (PEM, DER, PKCS#7, SST, or a PKCS#12,
 * which without a password is refused before any decryption); and
 * certread_crls() on the same bytes, as a --crl file, since it shares the
 * PEM block loop.
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "certread.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *sk = NULL;
	STACK_OF(X509_CRL) *crls = NULL;

	if (certread_bundle(&sk, data, size, "fuzz", NULL) == 0)
		sk_X509_pop_free(sk, X509_free);
	if (certread_crls(&crls, data, size, "fuzz") == 0)
		sk_X509_CRL_pop_free(crls, X509_CRL_free);
	return 0;
}
