/*
 * util/x509text.h: X.509 names as one line of text for people: RFC 2253
 * order and escaping, with UTF-8 kept as UTF-8 rather than hex-escaped.
 */
#ifndef MAILCERT_UTIL_X509TEXT_H
#define MAILCERT_UTIL_X509TEXT_H

#include <openssl/types.h>

/* The name as text; NULL on no memory. The caller frees it (free()). */
char	*x509text_name(const X509_NAME *n);

#endif
