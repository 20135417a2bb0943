/*
 * sst.c: Microsoft serialized certificate stores ([MS-OSHARED] 2.3.9.1
 * and 2.3.2.5; ../shared/spec/sst-format.md in the project notes).
 *
 * A store is an 8-byte header (version 0, "CERT"), then elements of three
 * little-endian 32-bit words (id, encoding type, length) and a value, and
 * a 12-byte all-zero end marker. Windows puts a certificate's properties
 * (friendly name, hashes, key usage) before its certificate element. We
 * read the certificates and skip everything else; we write bare
 * certificate elements only, the form Windows and Wine both read.
 *
 * Every length comes from the file, so each is checked against the bytes
 * left before it is used, and all offsets are size_t.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "err.h"
#include "sst.h"

#define HEADER_LEN	8
#define ELEMENT_LEN	12	/* id, encoding type, length */
#define ID_END		0	/* with encoding and length 0: end marker */
#define ID_CERT		0x20
#define ID_CRL		0x21
#define ID_CTL		0x22
#define ENCODING_X509	1	/* X509_ASN_ENCODING: DER */

static const unsigned char magic[4] = { 'C', 'E', 'R', 'T' };

static uint32_t
get_le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

int
sst_is(const unsigned char *data, size_t len)
{
	return len >= HEADER_LEN && memcmp(data + 4, magic, 4) == 0;
}

static int
check_header(const unsigned char *data, size_t len, const char *name)
{
	if (len < HEADER_LEN)
		return err_set(ERR_INVALID, "\"%s\": bad SST header at offset "
		    "0: %zu bytes, 8 needed", name, len);
	if (memcmp(data + 4, magic, 4) != 0)
		return err_set(ERR_INVALID, "\"%s\": bad SST header at offset "
		    "0: no \"CERT\" magic", name);
	if (get_le32(data) != 0)
		return err_set(ERR_INVALID, "\"%s\": bad SST header at offset "
		    "0: version %u, not 0", name, (unsigned)get_le32(data));
	return 0;
}

/* One certificate element's value: exactly one DER certificate. */
static int
read_cert(X509 **out, const unsigned char *val, uint32_t cb, size_t off,
    const char *name)
{
	const unsigned char *p = val;

	/* cb fits in a long wherever long is 64 bits; elsewhere a huge cb
	 * turns negative and fails to decode, which is also the answer. */
	if ((*out = d2i_X509(NULL, &p, (long)cb)) == NULL)
		return err_ossl(ERR_INVALID, "\"%s\": SST certificate element "
		    "at offset %zu does not decode as a DER certificate", name,
		    off);
	if (p != val + cb) {
		X509_free(*out);
		*out = NULL;
		return err_set(ERR_INVALID, "\"%s\": SST certificate element "
		    "at offset %zu has %zu bytes after the certificate", name,
		    off, (size_t)(val + cb - p));
	}
	return 0;
}

int
sst_read(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	size_t off, left, props_off = 0;
	uint32_t id, enc, cb;
	int nelem = 0, ncert = 0, rc;

	*out = NULL;
	if ((rc = check_header(data, len, name)) != 0)
		return rc;
	if ((sk = sk_X509_new_null()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (off = HEADER_LEN;; off += ELEMENT_LEN + (size_t)cb) {
		left = len - off;
		if (left == 0) {
			rc = err_set(ERR_INVALID, "\"%s\": SST has no end "
			    "marker (the data ends at offset %zu)", name, off);
			goto out;
		}
		if (left < ELEMENT_LEN) {
			rc = err_set(ERR_INVALID, "\"%s\": truncated SST "
			    "element header at offset %zu (%zu of 12 bytes)",
			    name, off, left);
			goto out;
		}
		id = get_le32(data + off);
		enc = get_le32(data + off + 4);
		cb = get_le32(data + off + 8);
		if (id == ID_END && enc == 0 && cb == 0)
			break;
		if (++nelem > SST_MAX_ELEMENTS) {
			rc = err_set(ERR_INVALID, "\"%s\": SST has more than %d "
			    "elements (at offset %zu)", name, SST_MAX_ELEMENTS,
			    off);
			goto out;
		}
		if (id == ID_END) {
			rc = err_set(ERR_INVALID, "\"%s\": SST element at "
			    "offset %zu has id 0 but is no end marker", name,
			    off);
			goto out;
		}
		if (enc != ENCODING_X509) {
			rc = err_set(ERR_INVALID, "\"%s\": SST element at "
			    "offset %zu has encoding type %u, not 1", name, off,
			    (unsigned)enc);
			goto out;
		}
		if (cb > left - ELEMENT_LEN) {
			rc = err_set(ERR_INVALID, "\"%s\": SST element at "
			    "offset %zu has length %u, past the end of the data "
			    "(%zu bytes left)", name, off, (unsigned)cb,
			    left - ELEMENT_LEN);
			goto out;
		}
		switch (id) {
		case ID_CERT:
			if (++ncert > SST_MAX_CERTS) {
				rc = err_set(ERR_INVALID, "\"%s\": SST holds "
				    "more than %d certificates (at offset %zu)",
				    name, SST_MAX_CERTS, off);
				goto out;
			}
			if ((rc = read_cert(&x, data + off + ELEMENT_LEN, cb,
			    off, name)) != 0)
				goto out;
			if (!sk_X509_push(sk, x)) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
			x = NULL; /* transferred */
			props_off = 0;
			break;
		case ID_CRL:
		case ID_CTL:
			/* Properties before a CRL or CTL are that one's. */
			props_off = 0;
			break;
		default:
			if (props_off == 0)
				props_off = off;
			break;
		}
	}
	if (props_off != 0) {
		rc = err_set(ERR_INVALID, "\"%s\": SST property element at "
		    "offset %zu is followed by no certificate (end marker at "
		    "offset %zu)", name, props_off, off);
		goto out;
	}
	if (len - off > ELEMENT_LEN) {
		rc = err_set(ERR_INVALID, "\"%s\": %zu bytes of trailing data "
		    "after the SST end marker at offset %zu", name,
		    len - off - ELEMENT_LEN, off);
		goto out;
	}
	if (ncert == 0) {
		rc = err_set(ERR_INVALID, "\"%s\": SST holds no certificate",
		    name);
		goto out;
	}
	*out = sk;
	sk = NULL; /* transferred */
	rc = 0;
out:
	X509_free(x);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

/* Append a 12-byte element header and cb value bytes to *buf. */
static int
append(unsigned char **buf, size_t *buflen, uint32_t id, uint32_t enc,
    const unsigned char *val, uint32_t cb)
{
	unsigned char *nb;

	if (cb > SIZE_MAX - ELEMENT_LEN - *buflen)
		return err_set(ERR_INVALID, "an SST of more than %zu bytes is "
		    "too large", *buflen);
	if ((nb = realloc(*buf, *buflen + ELEMENT_LEN + cb)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	*buf = nb;
	nb += *buflen;
	put_le32(nb, id);
	put_le32(nb + 4, enc);
	put_le32(nb + 8, cb);
	if (cb > 0)
		memcpy(nb + ELEMENT_LEN, val, cb);
	*buflen += ELEMENT_LEN + cb;
	return 0;
}

int
sst_write(unsigned char **out, size_t *outlen, STACK_OF(X509) *certs)
{
	unsigned char *buf = NULL, *der = NULL;
	size_t len = HEADER_LEN;
	int i, n, dlen, rc;

	*out = NULL;
	*outlen = 0;
	if ((n = sk_X509_num(certs)) <= 0)
		return err_set(ERR_INVALID, "an SST needs at least one "
		    "certificate");
	if ((buf = malloc(HEADER_LEN)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	put_le32(buf, 0);
	memcpy(buf + 4, magic, 4);
	for (i = 0; i < n; i++) {
		if ((dlen = i2d_X509(sk_X509_value(certs, i), &der)) <= 0) {
			rc = err_ossl(ERR_CRYPTO, "cannot encode certificate %d "
			    "for the SST", i + 1);
			goto out;
		}
		if ((rc = append(&buf, &len, ID_CERT, ENCODING_X509, der,
		    (uint32_t)dlen)) != 0)
			goto out;
		OPENSSL_free(der);
		der = NULL;
	}
	if ((rc = append(&buf, &len, ID_END, 0, NULL, 0)) != 0)
		goto out;
	*out = buf;
	*outlen = len;
	buf = NULL; /* transferred */
out:
	OPENSSL_free(der);
	free(buf);
	return rc;
}
