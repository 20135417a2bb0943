/*
 * certread_fuzz.c: certread_parse() on arbitrary bytes, as a certificate
 * file a user imports.
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

	if (certread_parse(&sk, data, size, "fuzz") == 0)
		sk_X509_pop_free(sk, X509_free);
	return 0;
}
