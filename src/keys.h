/*
 * keys.h: key types, key generation, and the escrow of private keys.
 *
 * Private keys at rest are sealed with AES-256-GCM under the data
 * directory's 256-bit key-encryption key (KEK), with the key record's id as
 * associated data so a sealed blob cannot be moved to another record.
 * Blob layout: version (1 byte, 1) | nonce (12) | ciphertext | tag (16);
 * the plaintext is the key's PKCS#8 DER, wiped after use.
 */
#ifndef MAILCERT_KEYS_H
#define MAILCERT_KEYS_H

#include <stddef.h>

#include <openssl/types.h>

enum key_type {
	KEY_RSA2048,
	KEY_RSA3072,
	KEY_RSA4096,
	KEY_ECP256,
	KEY_ECP384,
	KEY__MAX
};

#define KEYS_ID_LEN	33	/* 32 hex digits of a random 128-bit id + NUL */

struct kek;	/* opaque: the 32-byte key-encryption key, wiped on free */

/* "rsa-3072" -> KEY_RSA3072; ERR_INVALID naming s and the valid names. */
int		 keys_type_parse(enum key_type *out, const char *s);
/* KEY_RSA3072 -> "rsa-3072". Borrowed, static. */
const char	*keys_type_name(enum key_type t);
/* 1 for the EC types. */
int		 keys_type_is_ec(enum key_type t);

/* Generate a fresh key of type t. *out is the caller's (EVP_PKEY_free). */
int		 keys_generate(EVP_PKEY **out, enum key_type t);

/*
 * The type of an existing (public) key: ERR_INVALID naming the algorithm or
 * size if it is not one the profile allows (RSA 2048/3072/4096 with
 * e = 65537, ECDSA P-256/P-384).
 */
int		 keys_type_of(enum key_type *out, const EVP_PKEY *pk);

/* A new random record id as 32 lowercase hex digits. */
int		 keys_new_id(char out[KEYS_ID_LEN]);

/*
 * Create a new KEK file at path, mode 0600. ERR_EXISTS if it exists.
 */
int		 keys_kek_create(const char *path);
/* Load the KEK at path; ERR_IO/ERR_INVALID if missing or malformed. */
int		 keys_kek_load(struct kek **out, const char *path);
void		 keys_kek_free(struct kek *kek);	/* NULL is a no-op */

/*
 * Seal pk's private key for record id. *out is the caller's (free()).
 */
int		 keys_seal(unsigned char **out, size_t *outlen,
		    const struct kek *kek, const char *id, const EVP_PKEY *pk);
/*
 * Open a sealed blob of record id. ERR_CRYPTO if it fails authentication
 * (wrong KEK, wrong id, tampered). *out is the caller's.
 */
int		 keys_unseal(EVP_PKEY **out, const struct kek *kek,
		    const char *id, const unsigned char *blob, size_t len);

#endif
