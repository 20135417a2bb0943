/*
 * sst_fuzz.c: sst_read() on arbitrary bytes, as a serialized store an
 * administrator hands to `mailcert inspect` or `audit trust`. Whatever
 * the reader accepts must survive a write and a second read, with as
 * many certificates. (Equal bytes are not required: OpenSSL re-encodes
 * some fields it accepted in BER, and that is not ours to judge.)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "sst.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *sk = NULL, *again = NULL;
	unsigned char *out = NULL;
	size_t outlen;

	if (sst_read(&sk, data, size, "fuzz") != 0)
		return 0;
	if (sst_write(&out, &outlen, sk) != 0 ||
	    sst_read(&again, out, outlen, "fuzz") != 0 ||
	    sk_X509_num(again) != sk_X509_num(sk))
		abort();
	sk_X509_pop_free(again, X509_free);
	sk_X509_pop_free(sk, X509_free);
	free(out);
	return 0;
}
