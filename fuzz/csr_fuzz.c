/*
 * csr_fuzz.c: csr_parse() and csr_check() on arbitrary bytes, the path a
 * certificate request a user uploads takes.
 */
#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "csr.h"
#include "profile.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	X509_REQ *req = NULL;

	if (csr_parse(&req, data, size, "fuzz") != 0)
		return 0;
	(void)csr_check(req, "alice@example.com", PROFILE_STRICT);
	(void)csr_check(req, "alice@example.com", PROFILE_MULTIPURPOSE);
	X509_REQ_free(req);
	return 0;
}
