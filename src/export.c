/*
 * export.c: certificates, chains and CRLs in PEM (RFC 7468), DER,
 * certs-only PKCS#7 (RFC 2315) and Microsoft serialized stores (sst.c),
 * and PKCS#12 key bundles (RFC 7292) in the two flavours mail clients
 * import.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "err.h"
#include "export.h"
#include "sst.h"
#include "store.h"

#define P12_ITER	PKCS12_DEFAULT_ITER
#define P12_SALT_LEN	8	/* as OpenSSL's own PKCS#12 salts */
#define P12_KDF_V	64	/* SHA-1 block size: RFC 7292 B.2 "v" */

static const char *const format_names[EXPORT__MAX] = {
	[EXPORT_PEM] = "pem",
	[EXPORT_DER] = "der",
	[EXPORT_P7B] = "p7b",
	[EXPORT_SST] = "sst",
};

int
export_format_parse(enum export_format *out, const char *s, unsigned allowed)
{
	char list[64] = "";
	int i;

	for (i = 0; i < EXPORT__MAX; i++) {
		if (!(allowed & EXPORT_ALLOW(i)))
			continue;
		if (strcmp(s, format_names[i]) == 0) {
			*out = (enum export_format)i;
			return 0;
		}
		if (list[0] != '\0')
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, format_names[i], sizeof(list) - strlen(list) - 1);
	}
	return err_set(ERR_INVALID, "unknown format \"%s\" (use %s)", s, list);
}

/* Move a memory BIO's content into a malloc'd buffer. */
static int
bio_take(unsigned char **out, size_t *outlen, BIO *b)
{
	char *p;
	long n;

	n = BIO_get_mem_data(b, &p);
	if (n < 0 || (*out = malloc(n > 0 ? (size_t)n : 1)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(*out, p, (size_t)n);
	*outlen = (size_t)n;
	return 0;
}

int
export_chain_certs(STACK_OF(X509) **out, struct store *st, int64_t now)
{
	struct store_ca **cas = NULL;
	STACK_OF(X509) *sk = NULL;
	X509 *x;
	const unsigned char *p;
	size_t n = 0, i;
	int pass, rc;

	*out = NULL;
	if ((rc = store_ca_list(&cas, &n, st)) != 0)
		return rc;
	if ((sk = sk_X509_new_null()) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	/* Issuing CAs newest first, then the roots: leaf-to-anchor order. */
	for (pass = 0; pass < 2; pass++) {
		for (i = n; i-- > 0;) {
			if (cas[i]->not_after < now ||
			    (cas[i]->role == STORE_CA_ROOT) != pass)
				continue;
			p = cas[i]->der;
			if ((x = d2i_X509(NULL, &p, (long)cas[i]->der_len)) ==
			    NULL || !sk_X509_push(sk, x)) {
				X509_free(x);
				rc = err_ossl(ERR_STORE, "stored certificate of "
				    "CA \"%s\" does not decode", cas[i]->name);
				goto out;
			}
		}
	}
	if (n == 0) {
		rc = err_set(ERR_UNINIT, "the store holds no CA");
		goto out;
	}
	if (sk_X509_num(sk) == 0) {
		rc = err_set(ERR_EXISTS, "every CA in the store has expired");
		goto out;
	}
	*out = sk;
	sk = NULL; /* transferred */
out:
	sk_X509_pop_free(sk, X509_free);
	store_ca_list_free(cas, n);
	return rc;
}

static int
certs_p7b(unsigned char **out, size_t *outlen, STACK_OF(X509) *certs)
{
	PKCS7 *p7 = NULL;
	unsigned char *der = NULL;
	int i, len, rc = ERR_CRYPTO;

	if ((p7 = PKCS7_new()) == NULL ||
	    !PKCS7_set_type(p7, NID_pkcs7_signed))
		goto out;
	/* Certs-only: no signers, and a data content type with no content. */
	p7->d.sign->contents->type = OBJ_nid2obj(NID_pkcs7_data);
	for (i = 0; i < sk_X509_num(certs); i++)
		if (!PKCS7_add_certificate(p7, sk_X509_value(certs, i)))
			goto out;
	if ((len = i2d_PKCS7(p7, &der)) <= 0)
		goto out;
	if ((*out = malloc((size_t)len)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, der, (size_t)len);
	*outlen = (size_t)len;
	rc = 0;
out:
	if (rc == ERR_CRYPTO)
		err_ossl(rc, "cannot build PKCS#7");
	OPENSSL_free(der);
	PKCS7_free(p7);
	return rc;
}

int
export_certs(unsigned char **out, size_t *outlen, STACK_OF(X509) *certs,
    enum export_format f)
{
	BIO *b = NULL;
	int i, rc = 0, n = sk_X509_num(certs);

	*out = NULL;
	*outlen = 0;
	if (f == EXPORT_P7B)
		return certs_p7b(out, outlen, certs);
	if (f == EXPORT_SST)
		return sst_write(out, outlen, certs);
	if (f == EXPORT_DER && n != 1)
		return err_set(ERR_INVALID, "DER holds one certificate, not %d; "
		    "use pem or p7b, or name one CA", n);
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		if ((f == EXPORT_PEM &&
		    !PEM_write_bio_X509(b, sk_X509_value(certs, i))) ||
		    (f == EXPORT_DER &&
		    i2d_X509_bio(b, sk_X509_value(certs, i)) != 1)) {
			rc = err_ossl(ERR_CRYPTO, "cannot encode certificate");
			goto out;
		}
	}
	rc = bio_take(out, outlen, b);
out:
	BIO_free(b);
	return rc;
}

int
export_crl(unsigned char **out, size_t *outlen, const unsigned char *der,
    size_t der_len, enum export_format f)
{
	X509_CRL *crl = NULL;
	BIO *b = NULL;
	const unsigned char *p = der;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (f == EXPORT_DER) {
		if ((*out = malloc(der_len)) == NULL)
			return err_set(ERR_NOMEM, "out of memory");
		memcpy(*out, der, der_len);
		*outlen = der_len;
		return 0;
	}
	if ((crl = d2i_X509_CRL(NULL, &p, (long)der_len)) == NULL) {
		rc = err_ossl(ERR_STORE, "stored CRL does not decode");
		goto out;
	}
	if ((b = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_X509_CRL(b, crl)) {
		rc = err_ossl(ERR_CRYPTO, "cannot encode CRL");
		goto out;
	}
	rc = bio_take(out, outlen, b);
out:
	X509_CRL_free(crl);
	BIO_free(b);
	return rc;
}

/* 1 if x is one of the first n certificates of items or of chain. */
static int
p12_has_cert(X509 *x, const struct export_p12_item *items, size_t nitems,
    STACK_OF(X509) *chain, int nchain)
{
	size_t i;
	int j;

	for (i = 0; i < nitems; i++)
		if (X509_cmp(x, items[i].cert) == 0)
			return 1;
	for (j = 0; j < nchain; j++)
		if (X509_cmp(x, sk_X509_value(chain, j)) == 0)
			return 1;
	return 0;
}

/* The attributes that pair a key bag with its certificate bag. */
static int
p12_bag_attrs(PKCS12_SAFEBAG *bag, const char *friendly,
    const unsigned char *id, unsigned int idlen)
{
	if (friendly != NULL &&
	    !PKCS12_add_friendlyname_utf8(bag, friendly, -1))
		return 0;
	return PKCS12_add_localkeyid(bag, (unsigned char *)id, (int)idlen);
}

/*
 * Add (I_j + B + 1) mod 2^512 to one 64-byte block of the RFC 7292 B.2
 * KDF input in place; 1 if the result starts with a zero byte.
 */
static int
p12_kdf_step_zero(unsigned char *blk, const unsigned char *b)
{
	unsigned int sum, carry = 1;
	int i;

	for (i = P12_KDF_V - 1; i >= 0; i--) {
		sum = blk[i] + b[i] + carry;
		blk[i] = sum & 0xff;
		carry = sum >> 8;
	}
	return blk[0] == 0;
}

/*
 * A pbeWithSHAAnd3-KeyTripleDES-CBC salt that GnuPG 2.2 can use with
 * pass. Its PKCS#12 reader (gpgsm, minip12.c) writes each updated block
 * of the B.2 KDF without its leading zero bytes, so whenever a block
 * starts with 0x00 in the second round, which a 24-byte 3DES key needs,
 * it derives a wrong key and reports a bad passphrase: for about one salt
 * in 128. Other readers are unaffected; drawing salts until none is hit
 * costs nothing. out is P12_SALT_LEN bytes.
 */
static int
p12_legacy_salt(unsigned char *out, const char *pass)
{
	unsigned char a[SHA_DIGEST_LENGTH], b[P12_KDF_V], blk[P12_KDF_V];
	size_t plen = strlen(pass), ilen, i, j;
	int bad;

	/* The password part of I: BMPString and its NUL, repeated. */
	ilen = ((2 * plen + 2 + P12_KDF_V - 1) / P12_KDF_V) * P12_KDF_V;
	do {
		if (RAND_bytes(out, P12_SALT_LEN) != 1)
			return err_ossl(ERR_CRYPTO, "no random bytes");
		/* A_1: the first 20 bytes of the key are the first round. */
		if (!PKCS12_key_gen_utf8(pass, -1, out, P12_SALT_LEN,
		    PKCS12_KEY_ID, P12_ITER, sizeof(a), a, EVP_sha1()))
			return err_ossl(ERR_CRYPTO, "cannot derive a key");
		for (i = 0; i < P12_KDF_V; i++)
			b[i] = a[i % sizeof(a)];
		/*
		 * The salt block, then the password blocks with pass's bytes
		 * as GnuPG reads them (for ASCII, the BMPString).
		 */
		for (i = 0; i < P12_KDF_V; i++)
			blk[i] = out[i % P12_SALT_LEN];
		bad = p12_kdf_step_zero(blk, b);
		for (j = 0; !bad && j < ilen; j += P12_KDF_V) {
			for (i = 0; i < P12_KDF_V; i++) {
				size_t k = (j + i) % (2 * plen + 2);

				blk[i] = (k % 2 == 0 || k / 2 >= plen) ? 0 :
				    (unsigned char)pass[k / 2];
			}
			bad = p12_kdf_step_zero(blk, b);
		}
	} while (bad);
	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(b, sizeof(b));
	OPENSSL_cleanse(blk, sizeof(blk));
	return 0;
}

/* A shrouded key bag for key; salt NULL means a random one. */
static PKCS12_SAFEBAG *
p12_key_bag(EVP_PKEY *key, int nid, const char *pass, unsigned char *salt)
{
	PKCS8_PRIV_KEY_INFO *p8;
	PKCS12_SAFEBAG *bag;

	if ((p8 = EVP_PKEY2PKCS8(key)) == NULL)
		return NULL;
	bag = PKCS12_SAFEBAG_create_pkcs8_encrypt(nid, pass, -1, salt,
	    salt != NULL ? P12_SALT_LEN : 0, P12_ITER, p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return bag;
}

int
export_p12_multi(unsigned char **out, size_t *outlen,
    const struct export_p12_item *items, size_t n, STACK_OF(X509) *chain,
    const char *pass, int legacy)
{
	STACK_OF(PKCS12_SAFEBAG) *certbags = NULL, *keybags = NULL;
	STACK_OF(PKCS7) *safes = NULL;
	PKCS12_SAFEBAG *bag;
	PKCS12 *p12 = NULL;
	PKCS7 *p7 = NULL;
	X509 *x;
	unsigned char id[EVP_MAX_MD_SIZE], salt[P12_SALT_LEN], *der = NULL;
	unsigned int idlen;
	/* With a cipher NID, OpenSSL 3 writes PBES2 with PBKDF2-HMAC-SHA256. */
	int nid = legacy ? NID_pbe_WithSHA1And3_Key_TripleDES_CBC :
	    NID_aes_256_cbc;
	int j, len, rc = ERR_CRYPTO;
	size_t i;

	*out = NULL;
	*outlen = 0;
	if (n == 0)
		return err_set(ERR_INVALID, "a PKCS#12 needs at least one key");
	if ((certbags = sk_PKCS12_SAFEBAG_new_null()) == NULL ||
	    (keybags = sk_PKCS12_SAFEBAG_new_null()) == NULL ||
	    (safes = sk_PKCS7_new_null()) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (X509_check_private_key(items[i].cert, items[i].key) != 1) {
			rc = err_ossl(ERR_INVALID, "key %zu of the PKCS#12 "
			    "does not belong to its certificate", i + 1);
			goto out;
		}
		if (legacy && (rc = p12_legacy_salt(salt, pass)) != 0)
			goto out;
		rc = ERR_CRYPTO;
		/*
		 * The SHA-1 of the certificate is the localKeyID OpenSSL's
		 * PKCS12_create() and Windows write; importers pair each key
		 * with its certificate by it when a file holds several.
		 */
		if (!X509_digest(items[i].cert, EVP_sha1(), id, &idlen) ||
		    (bag = PKCS12_add_cert(&certbags, items[i].cert)) == NULL ||
		    !p12_bag_attrs(bag, items[i].friendly, id, idlen))
			goto out;
		if ((bag = p12_key_bag(items[i].key, nid, pass,
		    legacy ? salt : NULL)) == NULL)
			goto out;
		if (!sk_PKCS12_SAFEBAG_push(keybags, bag)) {
			PKCS12_SAFEBAG_free(bag);
			goto out;
		}
		if (!p12_bag_attrs(bag, items[i].friendly, id, idlen))
			goto out;
	}
	/* Several certificates may share CAs: each goes in once. */
	for (j = 0; j < sk_X509_num(chain); j++) {
		x = sk_X509_value(chain, j);
		if (!p12_has_cert(x, items, n, chain, j) &&
		    PKCS12_add_cert(&certbags, x) == NULL)
			goto out;
	}
	if (legacy && (rc = p12_legacy_salt(salt, pass)) != 0)
		goto out;
	rc = ERR_CRYPTO;
	if ((p7 = PKCS12_pack_p7encdata(nid, pass, -1, legacy ? salt : NULL,
	    legacy ? P12_SALT_LEN : 0, P12_ITER, certbags)) == NULL ||
	    !sk_PKCS7_push(safes, p7))
		goto out;
	p7 = NULL; /* transferred */
	/* The MAC is added separately so its digest is ours, not a default. */
	if (!PKCS12_add_safe(&safes, keybags, -1, 0, NULL) ||
	    (p12 = PKCS12_add_safes(safes, 0)) == NULL ||
	    !PKCS12_set_mac(p12, pass, -1, NULL, 0, P12_ITER,
	    legacy ? EVP_sha1() : EVP_sha256()) ||
	    (len = i2d_PKCS12(p12, &der)) <= 0)
		goto out;
	if ((*out = malloc((size_t)len)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(*out, der, (size_t)len);
	*outlen = (size_t)len;
	rc = 0;
out:
	if (rc == ERR_CRYPTO)
		err_ossl(rc, "cannot build PKCS#12");
	OPENSSL_free(der);
	PKCS12_free(p12);
	PKCS7_free(p7);
	sk_PKCS7_pop_free(safes, PKCS7_free);
	sk_PKCS12_SAFEBAG_pop_free(keybags, PKCS12_SAFEBAG_free);
	sk_PKCS12_SAFEBAG_pop_free(certbags, PKCS12_SAFEBAG_free);
	return rc;
}

int
export_p12(unsigned char **out, size_t *outlen, X509 *cert, EVP_PKEY *key,
    STACK_OF(X509) *chain, const char *pass, const char *friendly,
    int legacy)
{
	struct export_p12_item item;

	item.cert = cert;
	item.key = key;
	item.friendly = friendly;
	return export_p12_multi(out, outlen, &item, 1, chain, pass, legacy);
}

int
export_password_new(char out[25])
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	unsigned char r[24];
	size_t i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return err_ossl(ERR_CRYPTO, "no random bytes");
	for (i = 0; i < sizeof(r); i++)
		out[i] = alphabet[r[i] & 63];
	out[24] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	return 0;
}
