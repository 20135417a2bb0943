/*
 * util/x509text.c: X.509 names as one line of text.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#include "util/x509text.h"

char *
x509text_name(const X509_NAME *n)
{
	BIO *b;
	char *p, *s = NULL;
	long len;

	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return NULL;
	/* ESC_MSB off: "Müller" stays readable; control bytes are escaped. */
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 &
	    ~ASN1_STRFLGS_ESC_MSB) >= 0 && (len = BIO_get_mem_data(b, &p)) >= 0)
		s = strndup(p, (size_t)len);
	BIO_free(b);
	return s;
}
