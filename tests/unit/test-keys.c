/*
 * test-keys.c: key type names, generation, the profile's key vetting, the
 * key-encryption key file, and sealing private keys under it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "helpers.h"

#define RECORD	"0123456789abcdef0123456789abcdef"

static const char *const names[KEY__MAX] = {
	[KEY_RSA2048] = "rsa-2048",
	[KEY_RSA3072] = "rsa-3072",
	[KEY_RSA4096] = "rsa-4096",
	[KEY_ECP256] = "ec-p256",
	[KEY_ECP384] = "ec-p384",
};

/* A scratch directory for KEK files. */
struct fixture {
	char		 dir[64];
	char		*kek_path;
	struct kek	*kek;
	EVP_PKEY	*ec;		/* a P-256 key to seal */
};

static int
setup(void **state)
{
	struct fixture *fx;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/test-keys.XXXXXX");
	if (mkdtemp(fx->dir) == NULL ||
	    (fx->kek_path = file_join(fx->dir, "kek.bin")) == NULL ||
	    keys_kek_create(fx->kek_path) != 0 ||
	    keys_kek_load(&fx->kek, fx->kek_path) != 0 ||
	    keys_generate(&fx->ec, KEY_ECP256) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	unlink(fx->kek_path);
	rmdir(fx->dir);
	free(fx->kek_path);
	keys_kek_free(fx->kek);
	EVP_PKEY_free(fx->ec);
	free(fx);
	return 0;
}

static void
test_keys__type_parse_and_name(void **state)
{
	enum key_type t;
	int i;

	(void)state;
	for (i = 0; i < KEY__MAX; i++) {
		assert_string_equal(keys_type_name((enum key_type)i), names[i]);
		t = KEY__MAX;
		ok(keys_type_parse(&t, names[i]));
		assert_int_equal(t, i);
		assert_int_equal(keys_type_is_ec((enum key_type)i),
		    i == KEY_ECP256 || i == KEY_ECP384);
	}
	assert_string_equal(keys_type_name(KEY__MAX), "unknown");
	assert_int_equal(keys_type_is_ec(KEY__MAX), 0);
}

static void
test_keys__type_parse_unknown(void **state)
{
	static const char *const bad[] = { "rsa-1024", "RSA-2048", "ec-p521",
	    "ed25519", "", "rsa-2048 " };
	enum key_type t;
	size_t i;
	int j;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		want_msg(keys_type_parse(&t, bad[i]), ERR_INVALID,
		    "unknown key type");
		assert_non_null(strstr(err_msg(), bad[i]));
		/* The message lists every valid name. */
		for (j = 0; j < KEY__MAX; j++)
			assert_non_null(strstr(err_msg(), names[j]));
	}
}

static void
test_keys__generate_each_type(void **state)
{
	EVP_PKEY *pk;
	enum key_type t;
	int i;

	(void)state;
	/* rsa-4096 is generated here and nowhere else: it takes seconds. */
	for (i = 0; i < KEY__MAX; i++) {
		ok(keys_generate(&pk, (enum key_type)i));
		assert_non_null(pk);
		assert_int_equal(EVP_PKEY_is_a(pk,
		    keys_type_is_ec((enum key_type)i) ? "EC" : "RSA"), 1);
		t = KEY__MAX;
		ok(keys_type_of(&t, pk));
		assert_int_equal(t, i);
		EVP_PKEY_free(pk);
	}
	pk = (EVP_PKEY *)1;
	want_msg(keys_generate(&pk, KEY__MAX), ERR_INVALID, "unknown key type");
	assert_null(pk);
}

/* An RSA key of bits with public exponent e. */
static EVP_PKEY *
rsa_key(unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pk = NULL;
	BIGNUM *bn;

	assert_non_null(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL));
	assert_non_null(bn = BN_new());
	assert_int_equal(BN_set_word(bn, e), 1);
	assert_int_equal(EVP_PKEY_keygen_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn), 1);
	assert_int_equal(EVP_PKEY_keygen(ctx, &pk), 1);
	BN_free(bn);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

static void
test_keys__type_of_rejects(void **state)
{
	EVP_PKEY *pk;
	enum key_type t = KEY__MAX;

	(void)state;
	pk = rsa_key(1024, 65537);
	want_msg(keys_type_of(&t, pk), ERR_INVALID, "RSA key of 1024 bits");
	EVP_PKEY_free(pk);

	pk = rsa_key(2048, 3);
	want_msg(keys_type_of(&t, pk), ERR_INVALID, "must be 65537");
	EVP_PKEY_free(pk);

	assert_non_null(pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	want_msg(keys_type_of(&t, pk), ERR_INVALID, "\"ED25519\" is not "
	    "allowed");
	EVP_PKEY_free(pk);

	assert_non_null(pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"));
	want_msg(keys_type_of(&t, pk), ERR_INVALID, "EC curve \"secp521r1\"");
	EVP_PKEY_free(pk);
	assert_int_equal(t, KEY__MAX);
}

static void
test_keys__new_id(void **state)
{
	char a[KEYS_ID_LEN], b[KEYS_ID_LEN];

	(void)state;
	ok(keys_new_id(a));
	ok(keys_new_id(b));
	assert_int_equal(strlen(a), KEYS_ID_LEN - 1);
	assert_int_equal(strspn(a, "0123456789abcdef"), KEYS_ID_LEN - 1);
	assert_string_not_equal(a, b);
}

/* priv signs a message that pub verifies: priv holds pub's private key. */
static void
signs_for(EVP_PKEY *priv, EVP_PKEY *pub)
{
	static const unsigned char msg[] = "sealed and opened";
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md;

	assert_non_null(md = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL,
	    priv), 1);
	assert_int_equal(EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)),
	    1);
	EVP_MD_CTX_free(md);
	assert_non_null(md = EVP_MD_CTX_new());
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL,
	    pub), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)),
	    1);
	EVP_MD_CTX_free(md);
}

static void
test_keys__seal_unseal_round_trip(void **state)
{
	struct fixture *fx = *state;
	unsigned char *blob;
	size_t len;
	EVP_PKEY *back, *rsa;

	ok(keys_seal(&blob, &len, fx->kek, RECORD, fx->ec));
	assert_int_equal(blob[0], 1);
	ok(keys_unseal(&back, fx->kek, RECORD, blob, len));
	assert_int_equal(EVP_PKEY_eq(back, fx->ec), 1);
	/* The private half came back too: it signs for the public one. */
	signs_for(back, fx->ec);
	EVP_PKEY_free(back);
	free(blob);

	ok(keys_generate(&rsa, KEY_RSA2048));
	ok(keys_seal(&blob, &len, fx->kek, RECORD, rsa));
	ok(keys_unseal(&back, fx->kek, RECORD, blob, len));
	assert_int_equal(EVP_PKEY_eq(back, rsa), 1);
	signs_for(back, rsa);
	EVP_PKEY_free(back);
	EVP_PKEY_free(rsa);
	free(blob);
}

static void
test_keys__seal_is_randomised(void **state)
{
	struct fixture *fx = *state;
	unsigned char *a, *b;
	size_t alen, blen;

	ok(keys_seal(&a, &alen, fx->kek, RECORD, fx->ec));
	ok(keys_seal(&b, &blen, fx->kek, RECORD, fx->ec));
	assert_int_equal(alen, blen);
	/* Fresh nonces, so the same key never seals to the same bytes. */
	assert_memory_not_equal(a + 1, b + 1, 12);
	assert_memory_not_equal(a, b, alen);
	free(a);
	free(b);
}

static void
test_keys__unseal_other_record(void **state)
{
	struct fixture *fx = *state;
	unsigned char *blob;
	size_t len;
	EVP_PKEY *back = (EVP_PKEY *)1;

	ok(keys_seal(&blob, &len, fx->kek, RECORD, fx->ec));
	want_msg(keys_unseal(&back, fx->kek,
	    "ffffffffffffffffffffffffffffffff", blob, len), ERR_CRYPTO,
	    "does not authenticate");
	assert_null(back);
	free(blob);
}

static void
test_keys__unseal_flipped_byte(void **state)
{
	struct fixture *fx = *state;
	unsigned char *blob;
	size_t len, pos[4], i;
	EVP_PKEY *back;

	ok(keys_seal(&blob, &len, fx->kek, RECORD, fx->ec));
	/* The version byte, the nonce, the ciphertext and the tag. */
	pos[0] = 0;
	pos[1] = 5;
	pos[2] = 1 + 12 + 10;
	pos[3] = len - 1;
	for (i = 0; i < 4; i++) {
		blob[pos[i]] ^= 0x01;
		want(keys_unseal(&back, fx->kek, RECORD, blob, len),
		    ERR_CRYPTO);
		assert_null(back);
		assert_non_null(strstr(err_msg(), RECORD));
		blob[pos[i]] ^= 0x01;
	}
	ok(keys_unseal(&back, fx->kek, RECORD, blob, len));
	EVP_PKEY_free(back);
	free(blob);
}

static void
test_keys__unseal_truncated(void **state)
{
	struct fixture *fx = *state;
	unsigned char *blob;
	size_t len;
	EVP_PKEY *back;

	ok(keys_seal(&blob, &len, fx->kek, RECORD, fx->ec));
	want_msg(keys_unseal(&back, fx->kek, RECORD, blob, len - 1),
	    ERR_CRYPTO, "does not authenticate");
	want_msg(keys_unseal(&back, fx->kek, RECORD, blob, 1 + 12 + 16),
	    ERR_CRYPTO, "is malformed");
	want_msg(keys_unseal(&back, fx->kek, RECORD, blob, 0), ERR_CRYPTO,
	    "is malformed");
	assert_null(back);
	free(blob);
}

static void
test_keys__unseal_other_kek(void **state)
{
	struct fixture *fx = *state;
	unsigned char *blob;
	size_t len;
	char *path;
	struct kek *other;
	EVP_PKEY *back;

	assert_non_null(path = file_join(fx->dir, "other.bin"));
	ok(keys_kek_create(path));
	ok(keys_kek_load(&other, path));
	ok(keys_seal(&blob, &len, fx->kek, RECORD, fx->ec));
	want_msg(keys_unseal(&back, other, RECORD, blob, len), ERR_CRYPTO,
	    "wrong key-encryption key");
	assert_null(back);
	keys_kek_free(other);
	unlink(path);
	free(path);
	free(blob);
}

static void
test_keys__kek_create_mode_and_exists(void **state)
{
	struct fixture *fx = *state;
	struct stat sb;
	unsigned char *before, *after;
	size_t blen, alen;

	assert_int_equal(stat(fx->kek_path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_size, 32);
	ok(file_read(&before, &blen, fx->kek_path, 4096));
	want_msg(keys_kek_create(fx->kek_path), ERR_EXISTS, "exists already");
	/* The existing key is untouched. */
	ok(file_read(&after, &alen, fx->kek_path, 4096));
	assert_int_equal(alen, blen);
	assert_memory_equal(before, after, blen);
	free(before);
	free(after);
}

static void
test_keys__kek_load_rejects(void **state)
{
	struct fixture *fx = *state;
	unsigned char buf[33];
	struct kek *k = (struct kek *)1;
	char *path;

	assert_non_null(path = file_join(fx->dir, "short.bin"));
	memset(buf, 0x5a, sizeof(buf));
	ok(file_write(path, buf, 31, 0600, 0));
	want_msg(keys_kek_load(&k, path), ERR_INVALID, "has 31 bytes, "
	    "expected 32");
	assert_null(k);
	ok(file_write(path, buf, 33, 0600, 0));
	want_msg(keys_kek_load(&k, path), ERR_INVALID, "has 33 bytes");
	unlink(path);
	want(keys_kek_load(&k, path), ERR_IO);
	assert_null(k);
	free(path);
	keys_kek_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys__type_parse_and_name),
		cmocka_unit_test(test_keys__type_parse_unknown),
		cmocka_unit_test(test_keys__generate_each_type),
		cmocka_unit_test(test_keys__type_of_rejects),
		cmocka_unit_test(test_keys__new_id),
		cmocka_unit_test(test_keys__seal_unseal_round_trip),
		cmocka_unit_test(test_keys__seal_is_randomised),
		cmocka_unit_test(test_keys__unseal_other_record),
		cmocka_unit_test(test_keys__unseal_flipped_byte),
		cmocka_unit_test(test_keys__unseal_truncated),
		cmocka_unit_test(test_keys__unseal_other_kek),
		cmocka_unit_test(test_keys__kek_create_mode_and_exists),
		cmocka_unit_test(test_keys__kek_load_rejects),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
