/*
 * keys.c: key types, key generation, and sealing private keys under the
 * key-encryption key (AES-256-GCM, NIST SP 800-38D) for escrow at rest.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "err.h"
#include "keys.h"
#include "util/file.h"

#define KEK_LEN		32
#define SEAL_VERSION	1
#define SEAL_NONCE	12
#define SEAL_TAG	16

struct kek {
	unsigned char	 k[KEK_LEN];	/* AES-256 key */
};

static const struct {
	const char	*name;
	int		 ec;
	int		 bits;		/* RSA modulus size */
	const char	*curve;		/* EC group name */
} types[KEY__MAX] = {
	[KEY_RSA2048] = { "rsa-2048", 0, 2048, NULL },
	[KEY_RSA3072] = { "rsa-3072", 0, 3072, NULL },
	[KEY_RSA4096] = { "rsa-4096", 0, 4096, NULL },
	[KEY_ECP256] = { "ec-p256", 1, 0, "P-256" },
	[KEY_ECP384] = { "ec-p384", 1, 0, "P-384" },
};

int
keys_type_parse(enum key_type *out, const char *s)
{
	int i;

	for (i = 0; i < KEY__MAX; i++) {
		if (strcmp(s, types[i].name) == 0) {
			*out = (enum key_type)i;
			return 0;
		}
	}
	return err_set(ERR_INVALID, "unknown key type \"%s\" (use rsa-2048, "
	    "rsa-3072, rsa-4096, ec-p256 or ec-p384)", s);
}

const char *
keys_type_name(enum key_type t)
{
	return (unsigned)t < KEY__MAX ? types[t].name : "unknown";
}

int
keys_type_is_ec(enum key_type t)
{
	return (unsigned)t < KEY__MAX && types[t].ec;
}

int
keys_generate(EVP_PKEY **out, enum key_type t)
{
	*out = NULL;
	if ((unsigned)t >= KEY__MAX)
		return err_set(ERR_INVALID, "unknown key type %d", (int)t);
	if (types[t].ec)
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", types[t].curve);
	else
		*out = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)types[t].bits);
	if (*out == NULL)
		return err_ossl(ERR_CRYPTO, "cannot generate %s key",
		    types[t].name);
	return 0;
}

int
keys_type_of(enum key_type *out, const EVP_PKEY *pk)
{
	char group[64];
	BIGNUM *e = NULL;
	int bits, i, rc;

	if (EVP_PKEY_is_a(pk, "RSA")) {
		bits = EVP_PKEY_get_bits(pk);
		if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e))
			return err_ossl(ERR_INVALID, "RSA key without exponent");
		rc = BN_is_word(e, 65537);
		BN_free(e);
		if (!rc)
			return err_set(ERR_INVALID, "RSA public exponent must "
			    "be 65537 (S/MIME BR 6.1.6)");
		for (i = 0; i < KEY__MAX; i++) {
			if (!types[i].ec && types[i].bits == bits) {
				*out = (enum key_type)i;
				return 0;
			}
		}
		return err_set(ERR_INVALID, "RSA key of %d bits is not allowed "
		    "(2048, 3072 or 4096)", bits);
	}
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(pk,
		    OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group), NULL))
			return err_ossl(ERR_INVALID, "EC key without a named "
			    "curve");
		for (i = 0; i < KEY__MAX; i++) {
			if (types[i].ec && (strcasecmp(group, types[i].curve)
			    == 0 || (strcmp(types[i].curve, "P-256") == 0 &&
			    strcmp(group, "prime256v1") == 0) ||
			    (strcmp(types[i].curve, "P-384") == 0 &&
			    strcmp(group, "secp384r1") == 0))) {
				*out = (enum key_type)i;
				return 0;
			}
		}
		return err_set(ERR_INVALID, "EC curve \"%s\" is not allowed "
		    "(P-256 or P-384)", group);
	}
	return err_set(ERR_INVALID, "key algorithm \"%s\" is not allowed "
	    "(RSA or ECDSA)", EVP_PKEY_get0_type_name(pk) ?
	    EVP_PKEY_get0_type_name(pk) : "unknown");
}

int
keys_new_id(char out[KEYS_ID_LEN])
{
	unsigned char r[16];
	size_t i;

	if (RAND_bytes(r, sizeof(r)) != 1)
		return err_ossl(ERR_CRYPTO, "no random bytes");
	for (i = 0; i < sizeof(r); i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
	return 0;
}

int
keys_kek_create(const char *path)
{
	unsigned char k[KEK_LEN];
	int rc;

	if (RAND_priv_bytes(k, sizeof(k)) != 1)
		return err_ossl(ERR_CRYPTO, "no random bytes for the KEK");
	rc = file_write(path, k, sizeof(k), 0600, 1);
	OPENSSL_cleanse(k, sizeof(k));
	return rc;
}

int
keys_kek_load(struct kek **out, const char *path)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	struct kek *kek = NULL;
	int rc;

	*out = NULL;
	if ((rc = file_read(&buf, &len, path, 4096)) != 0)
		goto out;
	if (len != KEK_LEN) {
		rc = err_set(ERR_INVALID, "key-encryption key \"%s\" has %zu "
		    "bytes, expected %d", path, len, KEK_LEN);
		goto out;
	}
	if ((kek = calloc(1, sizeof(*kek))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(kek->k, buf, KEK_LEN);
	*out = kek;
	kek = NULL; /* transferred */
	rc = 0;
out:
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	keys_kek_free(kek);
	return rc;
}

void
keys_kek_free(struct kek *kek)
{
	if (kek == NULL)
		return;
	OPENSSL_cleanse(kek, sizeof(*kek));
	free(kek);
}

/* One AES-256-GCM pass; enc selects direction. tag is read or written. */
static int
gcm(unsigned char *dst, const unsigned char *src, int len,
    const struct kek *kek, const unsigned char *nonce, const char *aad,
    unsigned char *tag, int enc)
{
	EVP_CIPHER_CTX *ctx = NULL;
	int n, fin, rc = ERR_CRYPTO;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, kek->k, nonce,
	    enc) != 1 ||
	    EVP_CipherUpdate(ctx, NULL, &n, (const unsigned char *)aad,
	    (int)strlen(aad)) != 1 ||
	    EVP_CipherUpdate(ctx, dst, &n, src, len) != 1) {
		err_ossl(ERR_CRYPTO, "AES-GCM failed");
		goto out;
	}
	if (!enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
	    tag) != 1) {
		err_ossl(ERR_CRYPTO, "AES-GCM failed");
		goto out;
	}
	if (EVP_CipherFinal_ex(ctx, dst + n, &fin) != 1) {
		err_set(ERR_CRYPTO, "sealed key \"%s\" does not authenticate "
		    "(wrong key-encryption key or tampered record)", aad);
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
	    tag) != 1) {
		err_ossl(ERR_CRYPTO, "AES-GCM failed");
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
keys_seal(unsigned char **out, size_t *outlen, const struct kek *kek,
    const char *id, const EVP_PKEY *pk)
{
	unsigned char *der = NULL, *blob = NULL;
	int derlen, rc;
	size_t blen;

	*out = NULL;
	*outlen = 0;
	if ((derlen = i2d_PrivateKey(pk, &der)) <= 0)
		return err_ossl(ERR_CRYPTO, "cannot encode private key");
	blen = 1 + SEAL_NONCE + (size_t)derlen + SEAL_TAG;
	if ((blob = malloc(blen)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	blob[0] = SEAL_VERSION;
	/* Random 96-bit nonces: fine far beyond 2^32 seals per KEK. */
	if (RAND_bytes(blob + 1, SEAL_NONCE) != 1) {
		rc = err_ossl(ERR_CRYPTO, "no random bytes");
		goto out;
	}
	if ((rc = gcm(blob + 1 + SEAL_NONCE, der, derlen, kek, blob + 1, id,
	    blob + 1 + SEAL_NONCE + derlen, 1)) != 0)
		goto out;
	*out = blob;
	*outlen = blen;
	blob = NULL; /* transferred */
out:
	OPENSSL_clear_free(der, derlen > 0 ? (size_t)derlen : 0);
	free(blob);
	return rc;
}

int
keys_unseal(EVP_PKEY **out, const struct kek *kek, const char *id,
    const unsigned char *blob, size_t len)
{
	unsigned char *der = NULL, tag[SEAL_TAG];
	const unsigned char *p;
	size_t derlen;
	int rc;

	*out = NULL;
	if (len < 1 + SEAL_NONCE + SEAL_TAG + 1 || blob[0] != SEAL_VERSION)
		return err_set(ERR_CRYPTO, "sealed key \"%s\" is malformed", id);
	derlen = len - 1 - SEAL_NONCE - SEAL_TAG;
	if ((der = OPENSSL_malloc(derlen)) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(tag, blob + len - SEAL_TAG, SEAL_TAG);
	if ((rc = gcm(der, blob + 1 + SEAL_NONCE, (int)derlen, kek, blob + 1,
	    id, tag, 0)) != 0)
		goto out;
	p = der;
	if ((*out = d2i_AutoPrivateKey(NULL, &p, (long)derlen)) == NULL)
		rc = err_ossl(ERR_CRYPTO, "sealed key \"%s\" does not decode",
		    id);
out:
	OPENSSL_clear_free(der, derlen);
	return rc;
}
