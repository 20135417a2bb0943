/*
 * bundle_fuzz.c: certread_bundle() on arbitrary bytes, as a trust bundle
 * in any format a user may hand over (PEM, DER, PKCS#7, SST, or a PKCS#12,
 * which without a password is refused before any decryption).
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

	if (certread_bundle(&sk, data, size, "fuzz", NULL) == 0)
		sk_X509_pop_free(sk, X509_free);
	return 0;
}
