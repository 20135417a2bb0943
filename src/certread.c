/*
 * certread.c: X.509 certificates (RFC 5280) from files users hand us.
 *
 * PEM bundles are read the way OpenSSL's own tools read them (RFC 7468
 * section 2: text outside the blocks is ignored), so `openssl x509 -text`
 * output and chains with private keys mixed in both work; only CERTIFICATE
 * blocks count. A file without a PEM block must be exactly one DER
 * certificate.
 *
 * Trust bundles (certread_bundle) may also be certs-only PKCS#7 (RFC 2315
 * section 9.1; RFC 5652 section 5), PKCS#12 (RFC 7292) or a Microsoft
 * serialized store (sst.c). The format is told by content, not by the
 * file name: Windows hands out all of them as .p7b, .pfx, .sst or .cer.
 *
 * CRLs (RFC 5280 section 5) are read the same way, from X509 CRL blocks
 * or one DER CRL, with one PEM block loop (walk_pem) for both.
 */
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "certread.h"
#include "err.h"
#include "sst.h"

enum block {
	BLOCK_OTHER,		/* not a certificate: skipped */
	BLOCK_CERT,		/* CERTIFICATE or X509 CERTIFICATE */
	BLOCK_TRUSTED,		/* OpenSSL's certificate plus trust settings */
	BLOCK_PKCS7,		/* PKCS7: its certificates (bundles only) */
};

static const char *const format_names[CERTREAD_FORMAT__MAX] = {
	[CERTREAD_FORMAT_PEM] = "PEM",
	[CERTREAD_FORMAT_DER] = "DER certificate",
	[CERTREAD_FORMAT_PKCS7] = "PKCS#7 (DER)",
	[CERTREAD_FORMAT_PKCS7_PEM] = "PKCS#7 (PEM)",
	[CERTREAD_FORMAT_PKCS12] = "PKCS#12",
	[CERTREAD_FORMAT_SST] = "SST (Microsoft serialized store)",
};

const char *
certread_format_name(enum certread_format f)
{
	return (unsigned)f < CERTREAD_FORMAT__MAX ? format_names[f] : "?";
}

static enum block
block_kind(const char *label, int pkcs7)
{
	if (strcmp(label, PEM_STRING_X509) == 0 ||
	    strcmp(label, PEM_STRING_X509_OLD) == 0)
		return BLOCK_CERT;
	if (strcmp(label, PEM_STRING_X509_TRUSTED) == 0)
		return BLOCK_TRUSTED;
	if (pkcs7 && (strcmp(label, PEM_STRING_PKCS7) == 0 ||
	    strcmp(label, PEM_STRING_PKCS7_SIGNED) == 0))
		return BLOCK_PKCS7;
	return BLOCK_OTHER;
}

/*
 * Append the certificates of a certs-only SignedData to sk (references,
 * not copies). Other content types carry no certificates to trust.
 */
static int
push_pkcs7(STACK_OF(X509) *sk, PKCS7 *p7, const char *name)
{
	STACK_OF(X509) *certs;
	X509 *x;
	int i;

	/* The content is OPTIONAL: a signedData type may come without. */
	if (!PKCS7_type_is_signed(p7) || p7->d.sign == NULL)
		return err_set(ERR_INVALID, "\"%s\": the PKCS#7 is no "
		    "SignedData and holds no certificates", name);
	certs = p7->d.sign->cert;
	for (i = 0; i < sk_X509_num(certs); i++) {
		if (sk_X509_num(sk) >= CERTREAD_MAX_CERTS)
			return err_set(ERR_INVALID, "\"%s\" holds more than "
			    "%d certificates", name, CERTREAD_MAX_CERTS);
		x = sk_X509_value(certs, i);
		if (!sk_X509_push(sk, x))
			return err_set(ERR_NOMEM, "out of memory");
		X509_up_ref(x);
	}
	return 0;
}

/*
 * One pass over the PEM blocks of a file, shared by the certificate and
 * the CRL reader: the loop is here, what a label means is up to block(),
 * which also keeps n so that messages can say where the file went wrong.
 */
struct pem_walk {
	const char	*name;		/* the file, for messages */
	const char	*what;		/* what n counts, e.g. "CRL" */
	int		 n;		/* objects kept so far; block() counts */
	int		 blocks;	/* PEM blocks read so far */
	void		*arg;		/* block()'s own */
	/* Called for each block; a nonzero return ends the walk with it. */
	int		(*block)(struct pem_walk *w, const char *label,
			    const unsigned char *der, long derlen);
};

/* Call w->block() on each PEM block of data in turn. */
static int
walk_pem(struct pem_walk *w, const unsigned char *data, size_t len)
{
	BIO *bio = NULL;
	char *label = NULL, *header = NULL;
	unsigned char *der = NULL;
	unsigned long e;
	long derlen;
	int rc;

	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL) {
		rc = err_ossl(ERR_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		OPENSSL_free(label);
		OPENSSL_free(header);
		OPENSSL_free(der);
		label = header = NULL;
		der = NULL;
		if (!PEM_read_bio(bio, &label, &header, &der, &derlen)) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			if (w->n == 0)
				rc = err_ossl(ERR_INVALID, "\"%s\": PEM block "
				    "%d is malformed", w->name, w->blocks + 1);
			else
				rc = err_ossl(ERR_INVALID, "\"%s\": PEM block "
				    "%d (after %s %d) is malformed", w->name,
				    w->blocks + 1, w->what, w->n);
			goto out;
		}
		w->blocks++;
		if ((rc = w->block(w, label, der, derlen)) != 0)
			goto out;
	}
	rc = 0;
out:
	OPENSSL_free(label);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	return rc;
}

/* What cert_block() reads into. */
struct cert_blocks {
	STACK_OF(X509)	*sk;		/* the certificates so far */
	int		 pkcs7;		/* 1: take PKCS7 blocks too (bundles) */
	int		 pkcs7_read;	/* 1: one was taken */
};

static int
cert_block(struct pem_walk *w, const char *label, const unsigned char *der,
    long derlen)
{
	struct cert_blocks *cb = w->arg;
	X509 *x = NULL;
	PKCS7 *p7 = NULL;
	enum block kind;
	const unsigned char *p = der;
	int rc;

	if ((kind = block_kind(label, cb->pkcs7)) == BLOCK_OTHER)
		return 0;
	if (kind == BLOCK_PKCS7) {
		if ((p7 = d2i_PKCS7(NULL, &p, derlen)) == NULL) {
			rc = err_ossl(ERR_INVALID, "\"%s\": PKCS#7 in PEM "
			    "block %d does not decode", w->name, w->blocks);
			goto out;
		}
		if (p != der + derlen) {
			rc = err_set(ERR_INVALID, "\"%s\": PKCS#7 in PEM "
			    "block %d has %ld bytes of trailing data", w->name,
			    w->blocks, (long)(der + derlen - p));
			goto out;
		}
		if ((rc = push_pkcs7(cb->sk, p7, w->name)) != 0)
			goto out;
		w->n = sk_X509_num(cb->sk);
		cb->pkcs7_read = 1;
		goto out;
	}
	if (++w->n > CERTREAD_MAX_CERTS) {
		rc = err_set(ERR_INVALID, "\"%s\" holds more than %d "
		    "certificates", w->name, CERTREAD_MAX_CERTS);
		goto out;
	}
	x = kind == BLOCK_TRUSTED ? d2i_X509_AUX(NULL, &p, derlen) :
	    d2i_X509(NULL, &p, derlen);
	if (x == NULL) {
		rc = err_ossl(ERR_INVALID, "\"%s\": certificate %d does not "
		    "decode", w->name, w->n);
		goto out;
	}
	if (p != der + derlen) {
		rc = err_set(ERR_INVALID, "\"%s\": certificate %d has %ld "
		    "bytes of trailing data", w->name, w->n,
		    (long)(der + derlen - p));
		goto out;
	}
	if (!sk_X509_push(cb->sk, x)) {
		rc = err_ossl(ERR_NOMEM, "out of memory");
		goto out;
	}
	x = NULL; /* transferred */
	rc = 0;
out:
	PKCS7_free(p7);
	X509_free(x);
	return rc;
}

/* *pkcs7_out is 1 if PKCS7 blocks were read (only with pkcs7 set). */
static int
parse_pem(STACK_OF(X509) **out, int *pkcs7_out, const unsigned char *data,
    size_t len, const char *name, int pkcs7)
{
	struct cert_blocks cb = { .pkcs7 = pkcs7 };
	struct pem_walk w = { .name = name, .what = "certificate",
	    .arg = &cb, .block = cert_block };
	int rc;

	*pkcs7_out = 0;
	if ((cb.sk = sk_X509_new_null()) == NULL) {
		rc = err_ossl(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = walk_pem(&w, data, len)) != 0)
		goto out;
	if (w.n == 0) {
		rc = err_set(ERR_INVALID, "\"%s\" holds no certificate (%d "
		    "other PEM block%s)", name, w.blocks,
		    w.blocks == 1 ? "" : "s");
		goto out;
	}
	*out = cb.sk;
	cb.sk = NULL; /* transferred */
	*pkcs7_out = cb.pkcs7_read;
out:
	sk_X509_pop_free(cb.sk, X509_free);
	return rc;
}

static int
parse_der(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name)
{
	STACK_OF(X509) *sk = NULL;
	X509 *x = NULL;
	const unsigned char *p = data;
	int rc;

	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		rc = err_ossl(ERR_INVALID, "\"%s\" is neither PEM nor a DER "
		    "certificate", name);
		goto out;
	}
	if (p != data + len) {
		rc = err_set(ERR_INVALID, "\"%s\" has %zu bytes of trailing "
		    "data after the DER certificate", name,
		    (size_t)(data + len - p));
		goto out;
	}
	if ((sk = sk_X509_new_null()) == NULL || !sk_X509_push(sk, x)) {
		rc = err_ossl(ERR_NOMEM, "out of memory");
		goto out;
	}
	x = NULL; /* transferred */
	*out = sk;
	sk = NULL; /* transferred */
	rc = 0;
out:
	X509_free(x);
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

static int
check_size(size_t len, const char *name)
{
	if (len == 0)
		return err_set(ERR_INVALID, "\"%s\" is empty", name);
	if (len > CERTREAD_MAX_BYTES)
		return err_set(ERR_INVALID, "\"%s\" is larger than %d bytes",
		    name, CERTREAD_MAX_BYTES);
	return 0;
}

/* PEM or one DER certificate; bundle adds PKCS7 blocks. */
static int
parse_pem_der(STACK_OF(X509) **out, enum certread_format *format_out,
    const unsigned char *data, size_t len, const char *name, int bundle)
{
	int rc = 0, pkcs7;

	/*
	 * A DER certificate always starts with a SEQUENCE tag, but so does
	 * text starting with "0"; and DER can hold "-----BEGIN" in a name.
	 * Whichever reads the whole input wins, DER first.
	 */
	if (data[0] == 0x30 && (rc = parse_der(out, data, len, name)) == 0) {
		*format_out = CERTREAD_FORMAT_DER;
		return 0;
	}
	if (memmem(data, len, "-----BEGIN", 10) != NULL) {
		if ((rc = parse_pem(out, &pkcs7, data, len, name, bundle)) == 0)
			*format_out = pkcs7 ? CERTREAD_FORMAT_PKCS7_PEM :
			    CERTREAD_FORMAT_PEM;
		return rc;
	}
	if (rc != 0)
		return rc;
	return err_set(ERR_INVALID, bundle ? "\"%s\" holds no certificate "
	    "(not PEM, DER, PKCS#7, PKCS#12 or SST)" : "\"%s\" holds no "
	    "certificate (neither PEM nor DER)", name);
}

int
certread_parse(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name)
{
	enum certread_format f;
	int rc;

	*out = NULL;
	if ((rc = check_size(len, name)) != 0)
		return rc;
	return parse_pem_der(out, &f, data, len, name, 0);
}

static int
crl_block(struct pem_walk *w, const char *label, const unsigned char *der,
    long derlen)
{
	STACK_OF(X509_CRL) *sk = w->arg;
	X509_CRL *crl = NULL;
	const unsigned char *p = der;
	int rc;

	if (strcmp(label, PEM_STRING_X509_CRL) != 0)
		return 0;
	if (w->n >= CERTREAD_MAX_CRLS)
		return err_set(ERR_INVALID, "\"%s\" holds more than %d CRLs",
		    w->name, CERTREAD_MAX_CRLS);
	if ((crl = d2i_X509_CRL(NULL, &p, derlen)) == NULL)
		return err_ossl(ERR_INVALID, "\"%s\": CRL %d does not decode",
		    w->name, w->n + 1);
	if (p != der + derlen) {
		rc = err_set(ERR_INVALID, "\"%s\": CRL %d has %ld bytes of "
		    "trailing data", w->name, w->n + 1,
		    (long)(der + derlen - p));
		goto out;
	}
	if (!sk_X509_CRL_push(sk, crl)) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	crl = NULL; /* transferred */
	w->n++;
	rc = 0;
out:
	X509_CRL_free(crl);
	return rc;
}

int
certread_crls(STACK_OF(X509_CRL) **out, const unsigned char *data,
    size_t len, const char *name)
{
	STACK_OF(X509_CRL) *sk = NULL;
	X509_CRL *crl = NULL;
	struct pem_walk w = { .name = name, .what = "CRL",
	    .block = crl_block };
	const unsigned char *p = data;
	int rc;

	*out = NULL;
	if ((rc = check_size(len, name)) != 0)
		return rc;
	if ((sk = sk_X509_CRL_new_null()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	/* DER first: a DER CRL may hold "-----BEGIN" inside a name. */
	if (data[0] == 0x30) {
		ERR_set_mark();
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		ERR_pop_to_mark();
	}
	if (crl != NULL) {
		if (p != data + len) {
			rc = err_set(ERR_INVALID, "\"%s\" has %zu bytes of "
			    "trailing data after the DER CRL", name,
			    (size_t)(data + len - p));
			goto out;
		}
		if (!sk_X509_CRL_push(sk, crl)) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		crl = NULL; /* transferred */
	} else if (memmem(data, len, "-----BEGIN", 10) == NULL) {
		rc = err_set(ERR_INVALID, "\"%s\" holds no CRL (neither PEM "
		    "nor a DER CRL)", name);
		goto out;
	} else {
		w.arg = sk;
		if ((rc = walk_pem(&w, data, len)) != 0)
			goto out;
		if (w.n == 0) {
			rc = err_set(ERR_INVALID, "\"%s\" holds no CRL (%d "
			    "other PEM block%s)", name, w.blocks,
			    w.blocks == 1 ? "" : "s");
			goto out;
		}
	}
	*out = sk;
	sk = NULL; /* transferred */
	rc = 0;
out:
	X509_CRL_free(crl);
	sk_X509_CRL_pop_free(sk, X509_CRL_free);
	return rc;
}

/*
 * The tag of the first element inside a DER or BER SEQUENCE, or -1. It
 * tells the SEQUENCEs apart: a certificate starts with another SEQUENCE
 * (tbsCertificate), a PKCS#7 ContentInfo with an OBJECT IDENTIFIER, a
 * PKCS#12 PFX with its version INTEGER.
 */
static int
inner_tag(const unsigned char *data, size_t len)
{
	size_t hdr = 2;

	if (len < 2 || data[0] != 0x30)
		return -1;
	/* 0x80 is BER's indefinite length, used by some PKCS#7 writers. */
	if (data[1] > 0x80)
		hdr += data[1] & 0x7f;
	return hdr < len ? data[hdr] : -1;
}

static int
decode_pkcs7(PKCS7 **out, const unsigned char *data, size_t len,
    const char *name)
{
	const unsigned char *p = data;

	if ((*out = d2i_PKCS7(NULL, &p, (long)len)) == NULL)
		return err_ossl(ERR_INVALID, "\"%s\": DER PKCS#7 does not "
		    "decode", name);
	if (p != data + len) {
		PKCS7_free(*out);
		*out = NULL;
		return err_set(ERR_INVALID, "\"%s\" has %zu bytes of trailing "
		    "data after the PKCS#7", name, (size_t)(data + len - p));
	}
	return 0;
}

static int
decode_pkcs12(PKCS12 **out, const unsigned char *data, size_t len,
    const char *name)
{
	const unsigned char *p = data;

	if ((*out = d2i_PKCS12(NULL, &p, (long)len)) == NULL)
		return err_ossl(ERR_INVALID, "\"%s\": PKCS#12 does not decode",
		    name);
	if (p != data + len) {
		PKCS12_free(*out);
		*out = NULL;
		return err_set(ERR_INVALID, "\"%s\" has %zu bytes of trailing "
		    "data after the PKCS#12", name, (size_t)(data + len - p));
	}
	return 0;
}

static int
read_pkcs7(STACK_OF(X509) **out, PKCS7 *p7, const char *name)
{
	STACK_OF(X509) *sk = NULL;
	int rc;

	if ((sk = sk_X509_new_null()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if ((rc = push_pkcs7(sk, p7, name)) != 0)
		goto out;
	if (sk_X509_num(sk) == 0) {
		rc = err_set(ERR_INVALID, "\"%s\": the PKCS#7 holds no "
		    "certificate", name);
		goto out;
	}
	*out = sk;
	sk = NULL; /* transferred */
out:
	sk_X509_pop_free(sk, X509_free);
	return rc;
}

/*
 * Push a copy of x decoded afresh in the current default library context,
 * so it keeps no reference into the one x was made in.
 */
static int
push_copy(STACK_OF(X509) *sk, X509 *x, const char *name)
{
	unsigned char *der = NULL;
	const unsigned char *p;
	X509 *copy = NULL;
	int len, rc = 0;

	if (sk_X509_num(sk) >= CERTREAD_MAX_CERTS)
		return err_set(ERR_INVALID, "\"%s\" holds more than %d "
		    "certificates", name, CERTREAD_MAX_CERTS);
	if ((len = i2d_X509(x, &der)) <= 0) {
		rc = err_ossl(ERR_CRYPTO, "\"%s\": cannot re-encode a "
		    "certificate of the PKCS#12", name);
		goto out;
	}
	p = der;
	if ((copy = d2i_X509(NULL, &p, len)) == NULL) {
		rc = err_ossl(ERR_CRYPTO, "\"%s\": cannot decode a "
		    "certificate of the PKCS#12 again", name);
		goto out;
	}
	if (!sk_X509_push(sk, copy)) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	copy = NULL; /* transferred */
out:
	X509_free(copy);
	OPENSSL_free(der);
	return rc;
}

/*
 * PKCS#12 files from older Windows and OpenSSL encrypt the certificates
 * with RC2-40, which OpenSSL 3 keeps in its legacy provider. That is
 * loaded into a library context of our own, made this thread's default
 * for the parse only, so nothing else in the process can use RC2, RC4 or
 * MD4. What is decoded meanwhile holds references into that context, so
 * the certificates are copied out before it goes.
 */
static int
read_pkcs12(STACK_OF(X509) **out, PKCS12 *p12, const char *name,
    const char *password)
{
	OSSL_LIB_CTX *lctx = NULL, *prev = NULL;
	OSSL_PROVIDER *dflt = NULL, *legacy = NULL;
	STACK_OF(X509) *sk = NULL, *ca = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	int switched = 0, i, rc;

	if (password == NULL)
		return err_set(ERR_INVALID, "\"%s\" is PKCS#12 and needs "
		    "--password-file", name);
	if ((lctx = OSSL_LIB_CTX_new()) == NULL ||
	    (dflt = OSSL_PROVIDER_load(lctx, "default")) == NULL) {
		rc = err_ossl(ERR_CRYPTO, "cannot set up OpenSSL to read "
		    "\"%s\"", name);
		goto out;
	}
	/* Without the legacy module only the old ciphers are missing. */
	ERR_set_mark();
	legacy = OSSL_PROVIDER_load(lctx, "legacy");
	ERR_pop_to_mark();
	prev = OSSL_LIB_CTX_set0_default(lctx);
	switched = 1;
	/* A failed check that leaves no error is a MAC mismatch. */
	ERR_clear_error();
	if (PKCS12_mac_present(p12) && !PKCS12_verify_mac(p12, password, -1)) {
		if (ERR_peek_error() == 0)
			rc = err_set(ERR_INVALID, "\"%s\": wrong password for "
			    "the PKCS#12", name);
		else
			rc = err_ossl(ERR_INVALID, "\"%s\": cannot check the "
			    "PKCS#12 MAC", name);
		goto out;
	}
	if (!PKCS12_parse(p12, password, &key, &cert, &ca)) {
		rc = err_ossl(ERR_INVALID, "\"%s\": the PKCS#12 cannot be "
		    "decrypted", name);
		goto out;
	}
	OSSL_LIB_CTX_set0_default(prev);
	switched = 0;
	if ((sk = sk_X509_new_null()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (cert != NULL && (rc = push_copy(sk, cert, name)) != 0)
		goto out;
	for (i = 0; i < sk_X509_num(ca); i++)
		if ((rc = push_copy(sk, sk_X509_value(ca, i), name)) != 0)
			goto out;
	if (sk_X509_num(sk) == 0) {
		rc = err_set(ERR_INVALID, "\"%s\": the PKCS#12 holds no "
		    "certificate", name);
		goto out;
	}
	*out = sk;
	sk = NULL; /* transferred */
	rc = 0;
out:
	if (switched)
		OSSL_LIB_CTX_set0_default(prev);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	sk_X509_pop_free(sk, X509_free);
	if (legacy != NULL)
		OSSL_PROVIDER_unload(legacy);
	if (dflt != NULL)
		OSSL_PROVIDER_unload(dflt);
	OSSL_LIB_CTX_free(lctx);
	return rc;
}

int
certread_bundle_format(STACK_OF(X509) **certs_out,
    enum certread_format *format_out, const unsigned char *data, size_t len,
    const char *name, const char *password)
{
	PKCS7 *p7 = NULL;
	PKCS12 *p12 = NULL;
	int pem, tag, rc;

	*certs_out = NULL;
	if ((rc = check_size(len, name)) != 0)
		return rc;
	if (sst_is(data, len)) {
		if ((rc = sst_read(certs_out, data, len, name)) == 0)
			*format_out = CERTREAD_FORMAT_SST;
		return rc;
	}
	/*
	 * PKCS#7 and PKCS#12 are DER; if one does not decode but the data
	 * holds a PEM block, it was text that happened to look like one.
	 */
	pem = memmem(data, len, "-----BEGIN", 10) != NULL;
	tag = inner_tag(data, len);
	if (tag == V_ASN1_OBJECT) {
		if ((rc = decode_pkcs7(&p7, data, len, name)) == 0) {
			if ((rc = read_pkcs7(certs_out, p7, name)) == 0)
				*format_out = CERTREAD_FORMAT_PKCS7;
			goto out;
		}
		if (!pem)
			goto out;
	} else if (tag == V_ASN1_INTEGER) {
		if ((rc = decode_pkcs12(&p12, data, len, name)) == 0) {
			if ((rc = read_pkcs12(certs_out, p12, name,
			    password)) == 0)
				*format_out = CERTREAD_FORMAT_PKCS12;
			goto out;
		}
		if (!pem)
			goto out;
	}
	rc = parse_pem_der(certs_out, format_out, data, len, name, 1);
out:
	PKCS7_free(p7);
	PKCS12_free(p12);
	return rc;
}

int
certread_bundle(STACK_OF(X509) **out, const unsigned char *data, size_t len,
    const char *name, const char *password)
{
	enum certread_format f;

	return certread_bundle_format(out, &f, data, len, name, password);
}
