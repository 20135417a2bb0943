/*
 * test-export.c: certificate, chain and CRL encodings, and PKCS#12
 * bundles. Every output is decoded with OpenSSL; for PKCS#12 the
 * algorithm identifiers of both bags and the MAC are read back, since a
 * wrong choice there still parses but is refused by mail clients.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "crl.h"
#include "export.h"
#include "helpers.h"

#define PASS	"correct horse battery"
#define ALL	(EXPORT_ALLOW(EXPORT_PEM) | EXPORT_ALLOW(EXPORT_DER) | \
		    EXPORT_ALLOW(EXPORT_P7B) | EXPORT_ALLOW(EXPORT_SST))

struct fixture {
	struct tenv	*e;
	X509		*leaf;		/* an issued mailbox certificate */
	EVP_PKEY	*key;		/* its private key */
	STACK_OF(X509)	*chain;		/* export_chain_certs() */
};

static int
setup(void **state)
{
	struct fixture *fx;
	struct ca_request r = req_for("alice@example.com", KEY_ECP256);
	struct ca_issued *iss;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(1);
	if (ca_issue(&iss, fx->e->st, fx->e->ca, fx->e->kek, fx->e->cfg, &r,
	    timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60) != 0 ||
	    export_chain_certs(&fx->chain, fx->e->st,
	    timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60) != 0)
		return -1;
	fx->leaf = iss->cert;
	fx->key = iss->key;
	iss->cert = NULL;
	iss->key = NULL;
	ca_issued_free(iss);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	sk_X509_pop_free(fx->chain, X509_free);
	X509_free(fx->leaf);
	EVP_PKEY_free(fx->key);
	tenv_free(fx->e);
	free(fx);
	return 0;
}

static void
test_export__format_parse(void **state)
{
	static const char *const names[EXPORT__MAX] = { "pem", "der", "p7b",
	    "sst" };
	enum export_format f;
	int i;

	(void)state;
	for (i = 0; i < EXPORT__MAX; i++) {
		ok(export_format_parse(&f, names[i], ALL));
		assert_int_equal(f, i);
	}
	want_msg(export_format_parse(&f, "PEM", ALL), ERR_INVALID,
	    "unknown format \"PEM\" (use pem, der, p7b, sst)");
	/* Only what the caller allows is accepted, and listed. */
	want_msg(export_format_parse(&f, "p7b", EXPORT_ALLOW(EXPORT_PEM) |
	    EXPORT_ALLOW(EXPORT_DER)), ERR_INVALID, "(use pem, der)");
	want_msg(export_format_parse(&f, "der", EXPORT_ALLOW(EXPORT_PEM)),
	    ERR_INVALID, "\"der\" (use pem)");
	ok(export_format_parse(&f, "p7b", EXPORT_ALLOW(EXPORT_P7B)));
	assert_int_equal(f, EXPORT_P7B);
}

static void
test_export__chain_order(void **state)
{
	struct fixture *fx = *state;

	assert_int_equal(sk_X509_num(fx->chain), 2);
	assert_int_equal(X509_cmp(sk_X509_value(fx->chain, 0),
	    fx->e->ca->cert), 0);
	assert_int_equal(X509_cmp(sk_X509_value(fx->chain, 1),
	    fx->e->root->cert), 0);
}

static void
test_export__pem_chain(void **state)
{
	struct fixture *fx = *state;
	unsigned char *out;
	size_t len;
	BIO *b;
	X509 *x;

	ok(export_certs(&out, &len, fx->chain, EXPORT_PEM));
	assert_true(len > 0);
	assert_memory_equal(out, "-----BEGIN CERTIFICATE-----", 27);
	assert_non_null(b = BIO_new_mem_buf(out, (int)len));
	/* Issuing CA first, then the root, then nothing. */
	assert_non_null(x = PEM_read_bio_X509(b, NULL, NULL, NULL));
	assert_int_equal(X509_cmp(x, fx->e->ca->cert), 0);
	X509_free(x);
	assert_non_null(x = PEM_read_bio_X509(b, NULL, NULL, NULL));
	assert_int_equal(X509_cmp(x, fx->e->root->cert), 0);
	X509_free(x);
	assert_null(PEM_read_bio_X509(b, NULL, NULL, NULL));
	ERR_clear_error();
	BIO_free(b);
	free(out);
}

static void
test_export__der(void **state)
{
	struct fixture *fx = *state;
	STACK_OF(X509) *one;
	unsigned char *out = (unsigned char *)1;
	size_t len = 1;
	X509 *x;

	want_msg(export_certs(&out, &len, fx->chain, EXPORT_DER), ERR_INVALID,
	    "DER holds one certificate, not 2");
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(one = sk_X509_new_null());
	assert_true(sk_X509_push(one, fx->leaf) > 0);
	ok(export_certs(&out, &len, one, EXPORT_DER));
	x = x509_from_der(out, len);
	assert_int_equal(X509_cmp(x, fx->leaf), 0);
	X509_free(x);
	free(out);
	sk_X509_free(one);
}

static void
test_export__p7b(void **state)
{
	struct fixture *fx = *state;
	unsigned char *out;
	const unsigned char *p;
	size_t len;
	PKCS7 *p7;
	STACK_OF(X509) *certs;

	ok(export_certs(&out, &len, fx->chain, EXPORT_P7B));
	p = out;
	assert_non_null(p7 = d2i_PKCS7(NULL, &p, (long)len));
	assert_ptr_equal(p, out + len);
	assert_int_equal(OBJ_obj2nid(p7->type), NID_pkcs7_signed);
	certs = p7->d.sign->cert;
	assert_int_equal(sk_X509_num(certs), 2);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 0), fx->e->ca->cert),
	    0);
	assert_int_equal(X509_cmp(sk_X509_value(certs, 1), fx->e->root->cert),
	    0);
	/* Certs-only: nobody signed it. */
	assert_int_equal(sk_PKCS7_SIGNER_INFO_num(p7->d.sign->signer_info), 0);
	PKCS7_free(p7);
	free(out);
}

static void
test_export__crl(void **state)
{
	struct fixture *fx = *state;
	struct store_crl *sc;
	unsigned char *out;
	size_t len;
	BIO *b;
	X509_CRL *crl;
	static const unsigned char junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };

	ok(crl_generate(fx->e->st, fx->e->kek, fx->e->cfg,
	    timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 120));
	ok(store_crl_latest(&sc, fx->e->st, fx->e->ca->id));
	ok(export_crl(&out, &len, sc->der, sc->der_len, EXPORT_DER));
	assert_int_equal(len, sc->der_len);
	assert_memory_equal(out, sc->der, len);
	free(out);
	ok(export_crl(&out, &len, sc->der, sc->der_len, EXPORT_PEM));
	assert_non_null(b = BIO_new_mem_buf(out, (int)len));
	assert_non_null(crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL));
	assert_int_equal(X509_CRL_verify(crl, X509_get0_pubkey(
	    fx->e->ca->cert)), 1);
	X509_CRL_free(crl);
	BIO_free(b);
	free(out);
	store_crl_free(sc);
	want(export_crl(&out, &len, junk, sizeof(junk), EXPORT_PEM),
	    ERR_STORE);
	assert_null(out);
}

/* The outer algorithm of a PBE, and for PBES2 its cipher and PRF. */
struct pbe {
	int	 alg;		/* NID_pbes2, NID_pbe_WithSHA1And3_... */
	int	 cipher;	/* PBES2 only, else NID_undef */
	int	 prf;		/* PBES2 only, else NID_undef */
};

static struct pbe
pbe_of(const X509_ALGOR *a)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;
	PBE2PARAM *p2;
	PBKDF2PARAM *kdf;
	struct pbe r = { NID_undef, NID_undef, NID_undef };

	X509_ALGOR_get0(&obj, &ptype, &pval, a);
	r.alg = OBJ_obj2nid(obj);
	if (r.alg != NID_pbes2)
		return r;
	assert_int_equal(ptype, V_ASN1_SEQUENCE);
	assert_non_null(p2 = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBE2PARAM)));
	r.cipher = OBJ_obj2nid(p2->encryption->algorithm);
	X509_ALGOR_get0(&obj, &ptype, &pval, p2->keyfunc);
	assert_int_equal(OBJ_obj2nid(obj), NID_id_pbkdf2);
	assert_int_equal(ptype, V_ASN1_SEQUENCE);
	assert_non_null(kdf = ASN1_item_unpack(pval,
	    ASN1_ITEM_rptr(PBKDF2PARAM)));
	/* An absent PRF means the default, hmacWithSHA1 (RFC 8018). */
	r.prf = kdf->prf != NULL ? OBJ_obj2nid(kdf->prf->algorithm) :
	    NID_hmacWithSHA1;
	PBKDF2PARAM_free(kdf);
	PBE2PARAM_free(p2);
	return r;
}

struct p12_algs {
	int		 mac_md;	/* digest of the MAC */
	struct pbe	 key;		/* the shrouded key bag */
	struct pbe	 certs;		/* the encrypted certificate safe */
	int		 nkeys;		/* shrouded key bags seen */
	int		 ncerts;	/* certificate bags seen */
	char		*friendly;	/* the key bag's friendlyName */
};

static void
p12_inspect(struct p12_algs *out, PKCS12 *p12, const char *pass)
{
	const ASN1_OCTET_STRING *mac;
	const X509_ALGOR *macalg, *alg;
	const ASN1_OBJECT *obj;
	STACK_OF(PKCS7) *safes;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	PKCS12_SAFEBAG *bag;
	PKCS7 *p7;
	int i, j;

	memset(out, 0, sizeof(*out));
	PKCS12_get0_mac(&mac, &macalg, NULL, NULL, p12);
	assert_non_null(mac);
	X509_ALGOR_get0(&obj, NULL, NULL, macalg);
	out->mac_md = OBJ_obj2nid(obj);
	assert_non_null(safes = PKCS12_unpack_authsafes(p12));
	for (i = 0; i < sk_PKCS7_num(safes); i++) {
		p7 = sk_PKCS7_value(safes, i);
		if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted) {
			out->certs = pbe_of(p7->d.encrypted->enc_data->
			    algorithm);
			assert_non_null(bags = PKCS12_unpack_p7encdata(p7,
			    pass, -1));
		} else {
			assert_int_equal(OBJ_obj2nid(p7->type),
			    NID_pkcs7_data);
			assert_non_null(bags = PKCS12_unpack_p7data(p7));
		}
		for (j = 0; j < sk_PKCS12_SAFEBAG_num(bags); j++) {
			bag = sk_PKCS12_SAFEBAG_value(bags, j);
			switch (PKCS12_SAFEBAG_get_nid(bag)) {
			case NID_pkcs8ShroudedKeyBag:
				X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(bag),
				    &alg, NULL);
				out->key = pbe_of(alg);
				/* The last key bag's, when there are several. */
				OPENSSL_free(out->friendly);
				out->friendly = PKCS12_get_friendlyname(bag);
				out->nkeys++;
				break;
			case NID_certBag:
				out->ncerts++;
				break;
			default:
				fail_msg("unexpected bag %d",
				    PKCS12_SAFEBAG_get_nid(bag));
			}
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
}

/* Make a bundle and check that it opens with PASS and only with it. */
static PKCS12 *
p12_make(struct fixture *fx, int legacy)
{
	unsigned char *out;
	const unsigned char *p;
	size_t len;
	PKCS12 *p12;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	STACK_OF(X509) *ca = NULL;

	ok(export_p12(&out, &len, fx->leaf, fx->key, fx->chain, PASS,
	    "Alice's key", legacy));
	p = out;
	assert_non_null(p12 = d2i_PKCS12(NULL, &p, (long)len));
	assert_ptr_equal(p, out + len);
	free(out);
	assert_int_equal(PKCS12_verify_mac(p12, PASS, -1), 1);
	assert_int_equal(PKCS12_verify_mac(p12, "wrong", -1), 0);
	assert_int_equal(PKCS12_parse(p12, "wrong", &key, &cert, &ca), 0);
	assert_null(key);
	ERR_clear_error();
	assert_int_equal(PKCS12_parse(p12, PASS, &key, &cert, &ca), 1);
	assert_int_equal(X509_cmp(cert, fx->leaf), 0);
	assert_int_equal(X509_check_private_key(cert, key), 1);
	assert_int_equal(EVP_PKEY_eq(key, fx->key), 1);
	assert_int_equal(sk_X509_num(ca), 2);
	EVP_PKEY_free(key);
	X509_free(cert);
	sk_X509_pop_free(ca, X509_free);
	return p12;
}

static void
test_export__p12_modern(void **state)
{
	struct fixture *fx = *state;
	PKCS12 *p12 = p12_make(fx, 0);
	struct p12_algs a;

	p12_inspect(&a, p12, PASS);
	assert_int_equal(a.mac_md, NID_sha256);
	assert_int_equal(a.nkeys, 1);
	assert_int_equal(a.ncerts, 3);
	assert_int_equal(a.key.alg, NID_pbes2);
	assert_int_equal(a.key.cipher, NID_aes_256_cbc);
	assert_int_equal(a.key.prf, NID_hmacWithSHA256);
	assert_int_equal(a.certs.alg, NID_pbes2);
	assert_int_equal(a.certs.cipher, NID_aes_256_cbc);
	assert_int_equal(a.certs.prf, NID_hmacWithSHA256);
	assert_non_null(a.friendly);
	assert_string_equal(a.friendly, "Alice's key");
	OPENSSL_free(a.friendly);
	PKCS12_free(p12);
}

static void
test_export__p12_legacy(void **state)
{
	struct fixture *fx = *state;
	PKCS12 *p12 = p12_make(fx, 1);
	struct p12_algs a;

	p12_inspect(&a, p12, PASS);
	assert_int_equal(a.mac_md, NID_sha1);
	assert_int_equal(a.nkeys, 1);
	assert_int_equal(a.ncerts, 3);
	assert_int_equal(a.key.alg, NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
	assert_int_equal(a.certs.alg, NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
	OPENSSL_free(a.friendly);
	PKCS12_free(p12);
}

/* A certificate with a fresh P-256 key from the fixture's CA. */
static void
leaf_new(X509 **x_out, EVP_PKEY **key_out, struct fixture *fx, int64_t at)
{
	struct ca_request r = req_for("alice@example.com", KEY_ECP256);
	struct ca_issued *iss;

	ok(ca_prepare(&iss, fx->e->ca, fx->e->kek, fx->e->cfg, &r, at));
	*x_out = iss->cert;
	*key_out = iss->key;
	iss->cert = NULL;
	iss->key = NULL;
	ca_issued_free(iss);
}

/* What one bag of a PKCS#12 holds, in file order. */
struct bag_seen {
	int		 nid;		/* certBag or key bag */
	X509		*cert;		/* certificate bags */
	EVP_PKEY	*key;		/* key bags, decrypted */
	char		*friendly;	/* NULL if absent */
	unsigned char	 id[EVP_MAX_MD_SIZE]; /* localKeyID */
	int		 idlen;		/* 0 if absent */
};

/* Every bag of p12 (at most max), decrypted with PASS; returns the count. */
static int
p12_bags(struct bag_seen *out, int max, PKCS12 *p12)
{
	STACK_OF(PKCS7) *safes;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	PKCS12_SAFEBAG *bag;
	PKCS8_PRIV_KEY_INFO *p8;
	const ASN1_TYPE *t;
	PKCS7 *p7;
	int i, j, n = 0;

	memset(out, 0, sizeof(*out) * (size_t)max);
	assert_non_null(safes = PKCS12_unpack_authsafes(p12));
	for (i = 0; i < sk_PKCS7_num(safes); i++) {
		p7 = sk_PKCS7_value(safes, i);
		if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted)
			assert_non_null(bags = PKCS12_unpack_p7encdata(p7,
			    PASS, -1));
		else
			assert_non_null(bags = PKCS12_unpack_p7data(p7));
		for (j = 0; j < sk_PKCS12_SAFEBAG_num(bags); j++) {
			assert_true(n < max);
			bag = sk_PKCS12_SAFEBAG_value(bags, j);
			out[n].nid = PKCS12_SAFEBAG_get_nid(bag);
			out[n].friendly = PKCS12_get_friendlyname(bag);
			if ((t = PKCS12_SAFEBAG_get0_attr(bag,
			    NID_localKeyID)) != NULL) {
				assert_int_equal(t->type, V_ASN1_OCTET_STRING);
				out[n].idlen = ASN1_STRING_length(
				    t->value.octet_string);
				assert_true(out[n].idlen <= EVP_MAX_MD_SIZE);
				memcpy(out[n].id, ASN1_STRING_get0_data(
				    t->value.octet_string),
				    (size_t)out[n].idlen);
			}
			if (out[n].nid == NID_certBag)
				assert_non_null(out[n].cert =
				    PKCS12_SAFEBAG_get1_cert(bag));
			else {
				assert_int_equal(out[n].nid,
				    NID_pkcs8ShroudedKeyBag);
				assert_non_null(p8 = PKCS12_decrypt_skey(bag,
				    PASS, -1));
				assert_non_null(out[n].key =
				    EVP_PKCS82PKEY(p8));
				PKCS8_PRIV_KEY_INFO_free(p8);
			}
			n++;
		}
		sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
	}
	sk_PKCS7_pop_free(safes, PKCS7_free);
	return n;
}

static void
bags_free(struct bag_seen *b, int n)
{
	int i;

	for (i = 0; i < n; i++) {
		X509_free(b[i].cert);
		EVP_PKEY_free(b[i].key);
		OPENSSL_free(b[i].friendly);
	}
}

/*
 * Three keys and certificates, chains given twice and with a leaf among
 * them: each key bag pairs with its certificate bag by localKeyID (the
 * certificate's SHA-1) and friendly name, items keep their order, and
 * every certificate is in the file once.
 */
static void
test_export__p12_multi(void **state)
{
	struct fixture *fx = *state;
	struct export_p12_item items[3];
	static const char *const names[3] = {
		"alice@example.com encryption 2026-03-01",
		"alice@example.com encryption 2025-03-01",
		"alice@example.com encryption 2024-03-01",
	};
	struct bag_seen b[16];
	STACK_OF(X509) *chain, *ca = NULL;
	EVP_PKEY *keys[3], *pk = NULL;
	X509 *certs[3], *x = NULL;
	unsigned char *out, md[EVP_MAX_MD_SIZE];
	const unsigned char *p;
	unsigned int mdlen;
	size_t len;
	PKCS12 *p12;
	struct p12_algs a;
	int64_t at = timefmt_asn1(X509_get0_notBefore(fx->e->ca->cert)) + 60;
	int i, n, legacy;

	certs[0] = fx->leaf;
	keys[0] = fx->key;
	leaf_new(&certs[1], &keys[1], fx, at + 1);
	leaf_new(&certs[2], &keys[2], fx, at + 2);
	assert_non_null(chain = sk_X509_new_null());
	for (i = 0; i < 2; i++) {
		assert_true(sk_X509_push(chain, sk_X509_value(fx->chain, 0)));
		assert_true(sk_X509_push(chain, sk_X509_value(fx->chain, 1)));
	}
	assert_true(sk_X509_push(chain, certs[1]));
	for (i = 0; i < 3; i++) {
		items[i].cert = certs[i];
		items[i].key = keys[i];
		items[i].friendly = names[i];
	}
	for (legacy = 0; legacy < 2; legacy++) {
		ok(export_p12_multi(&out, &len, items, 3, chain, PASS,
		    legacy));
		p = out;
		assert_non_null(p12 = d2i_PKCS12(NULL, &p, (long)len));
		free(out);
		assert_int_equal(PKCS12_verify_mac(p12, PASS, -1), 1);
		p12_inspect(&a, p12, PASS);
		OPENSSL_free(a.friendly);
		assert_int_equal(a.nkeys, 3);
		assert_int_equal(a.ncerts, 5);
		assert_int_equal(a.mac_md, legacy ? NID_sha1 : NID_sha256);
		assert_int_equal(a.key.alg, legacy ?
		    NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_pbes2);
		assert_int_equal(a.certs.alg, legacy ?
		    NID_pbe_WithSHA1And3_Key_TripleDES_CBC : NID_pbes2);
		if (!legacy) {
			assert_int_equal(a.key.cipher, NID_aes_256_cbc);
			assert_int_equal(a.key.prf, NID_hmacWithSHA256);
			assert_int_equal(a.certs.cipher, NID_aes_256_cbc);
		}

		/* Certificate bags first (items, then CAs), then keys. */
		n = p12_bags(b, 16, p12);
		assert_int_equal(n, 8);
		for (i = 0; i < 3; i++) {
			assert_int_equal(b[i].nid, NID_certBag);
			assert_int_equal(X509_cmp(b[i].cert, certs[i]), 0);
			assert_int_equal(b[5 + i].nid, NID_pkcs8ShroudedKeyBag);
			assert_int_equal(EVP_PKEY_eq(b[5 + i].key, keys[i]), 1);
			assert_int_equal(X509_digest(certs[i], EVP_sha1(), md,
			    &mdlen), 1);
			assert_int_equal(b[i].idlen, (int)mdlen);
			assert_memory_equal(b[i].id, md, mdlen);
			assert_int_equal(b[5 + i].idlen, (int)mdlen);
			assert_memory_equal(b[5 + i].id, md, mdlen);
			assert_non_null(b[i].friendly);
			assert_string_equal(b[i].friendly, names[i]);
			assert_non_null(b[5 + i].friendly);
			assert_string_equal(b[5 + i].friendly, names[i]);
		}
		assert_int_equal(X509_cmp(b[3].cert, fx->e->ca->cert), 0);
		assert_int_equal(X509_cmp(b[4].cert, fx->e->root->cert), 0);
		assert_null(b[3].friendly);
		assert_int_equal(b[3].idlen, 0);
		bags_free(b, n);

		/* An importer that takes one identity takes the first. */
		assert_int_equal(PKCS12_parse(p12, PASS, &pk, &x, &ca), 1);
		assert_int_equal(EVP_PKEY_eq(pk, keys[0]), 1);
		assert_int_equal(X509_cmp(x, certs[0]), 0);
		EVP_PKEY_free(pk);
		X509_free(x);
		sk_X509_pop_free(ca, X509_free);
		pk = NULL;
		x = NULL;
		ca = NULL;
		PKCS12_free(p12);
	}
	sk_X509_free(chain);
	for (i = 1; i < 3; i++) {
		X509_free(certs[i]);
		EVP_PKEY_free(keys[i]);
	}
}

static void
test_export__p12_multi_refused(void **state)
{
	struct fixture *fx = *state;
	struct export_p12_item items[2];
	unsigned char *out = (unsigned char *)1;
	size_t len = 1;
	EVP_PKEY *other;
	X509 *x2;

	want_msg(export_p12_multi(&out, &len, items, 0, fx->chain, PASS, 0),
	    ERR_INVALID, "needs at least one key");
	assert_null(out);
	assert_int_equal(len, 0);

	/* The second key is not its certificate's. */
	leaf_new(&x2, &other, fx, timefmt_asn1(X509_get0_notBefore(
	    fx->e->ca->cert)) + 60);
	items[0].cert = fx->leaf;
	items[0].key = fx->key;
	items[0].friendly = NULL;
	items[1].cert = x2;
	items[1].key = fx->key;
	items[1].friendly = NULL;
	want_msg(export_p12_multi(&out, &len, items, 2, fx->chain, PASS, 0),
	    ERR_INVALID, "key 2 of the PKCS#12 does not belong");
	assert_null(out);
	ERR_clear_error();

	/* Without a friendly name or chain it still pairs by localKeyID. */
	items[1].key = other;
	ok(export_p12_multi(&out, &len, items, 2, NULL, PASS, 0));
	assert_true(len > 0);
	free(out);
	X509_free(x2);
	EVP_PKEY_free(other);
}

/*
 * 1 if GnuPG 2.2 derives the right 3DES key from pass and salt: in the
 * second round of the RFC 7292 B.2 KDF no block I_j + B + 1 (mod 2^512)
 * may start with a zero byte, which gpgsm's minip12.c would drop.
 * Computed with BIGNUMs, independently of export.c's byte loop.
 */
static int
gnupg_kdf_ok(const char *pass, const unsigned char *salt, int saltlen,
    int iter)
{
	unsigned char a[20], b[64], in[128], blk[64];
	BIGNUM *bb, *ij, *mod;
	BN_CTX *ctx;
	size_t plen = strlen(pass);
	int i, ok = 1;

	assert_true(plen <= 31);	/* I: one salt and one pass block */
	assert_int_equal(PKCS12_key_gen_utf8(pass, -1, (unsigned char *)salt,
	    saltlen, PKCS12_KEY_ID, iter, 20, a, EVP_sha1()), 1);
	for (i = 0; i < 64; i++) {
		b[i] = a[i % 20];
		in[i] = salt[i % saltlen];
	}
	memset(in + 64, 0, 64);
	for (i = 0; i < 64; i++)
		if (i % 2 == 1)
			in[64 + i] = (size_t)(i / 2) % (plen + 1) < plen ?
			    (unsigned char)pass[(i / 2) % (plen + 1)] : 0;
	assert_non_null(ctx = BN_CTX_new());
	assert_non_null(bb = BN_bin2bn(b, 64, NULL));
	assert_non_null(mod = BN_new());
	assert_int_equal(BN_set_bit(mod, 512), 1);
	assert_int_equal(BN_add_word(bb, 1), 1);
	for (i = 0; i < 2; i++) {
		assert_non_null(ij = BN_bin2bn(in + 64 * i, 64, NULL));
		assert_int_equal(BN_mod_add(ij, ij, bb, mod, ctx), 1);
		assert_int_equal(BN_bn2binpad(ij, blk, 64), 64);
		if (blk[0] == 0)
			ok = 0;
		BN_free(ij);
	}
	BN_free(bb);
	BN_free(mod);
	BN_CTX_free(ctx);
	return ok;
}

/* The salt and iteration count of a pbeWithSHAAnd3-KeyTripleDES-CBC. */
static void
pbe_salt(unsigned char salt[8], int *iter, const X509_ALGOR *alg)
{
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;
	PBEPARAM *pbe;

	X509_ALGOR_get0(&obj, &ptype, &pval, alg);
	assert_int_equal(OBJ_obj2nid(obj),
	    NID_pbe_WithSHA1And3_Key_TripleDES_CBC);
	assert_non_null(pbe = ASN1_item_unpack(pval, ASN1_ITEM_rptr(PBEPARAM)));
	assert_int_equal(ASN1_STRING_length(pbe->salt), 8);
	memcpy(salt, ASN1_STRING_get0_data(pbe->salt), 8);
	*iter = (int)ASN1_INTEGER_get(pbe->iter);
	PBEPARAM_free(pbe);
}

/*
 * Legacy files are for GnuPG 2.2 among others, whose PKCS#12 KDF is
 * wrong for about one salt in 128: every salt in them must avoid that.
 * 300 files, 600 salts: without the check some would almost surely hit.
 */
static void
test_export__p12_legacy_gnupg_salts(void **state)
{
	struct fixture *fx = *state;
	STACK_OF(PKCS7) *safes;
	STACK_OF(PKCS12_SAFEBAG) *bags;
	const X509_ALGOR *alg;
	unsigned char *out, salt[8];
	const unsigned char *p;
	PKCS12 *p12;
	PKCS7 *p7;
	size_t len;
	int k, i, iter, nsalts = 0;

	for (k = 0; k < 300; k++) {
		ok(export_p12(&out, &len, fx->leaf, fx->key, NULL, PASS, NULL,
		    1));
		p = out;
		assert_non_null(p12 = d2i_PKCS12(NULL, &p, (long)len));
		free(out);
		assert_non_null(safes = PKCS12_unpack_authsafes(p12));
		for (i = 0; i < sk_PKCS7_num(safes); i++) {
			p7 = sk_PKCS7_value(safes, i);
			if (OBJ_obj2nid(p7->type) == NID_pkcs7_encrypted) {
				pbe_salt(salt, &iter,
				    p7->d.encrypted->enc_data->algorithm);
				assert_true(gnupg_kdf_ok(PASS, salt, 8, iter));
				nsalts++;
				continue;
			}
			assert_non_null(bags = PKCS12_unpack_p7data(p7));
			assert_int_equal(sk_PKCS12_SAFEBAG_num(bags), 1);
			X509_SIG_get0(PKCS12_SAFEBAG_get0_pkcs8(
			    sk_PKCS12_SAFEBAG_value(bags, 0)), &alg, NULL);
			pbe_salt(salt, &iter, alg);
			assert_true(gnupg_kdf_ok(PASS, salt, 8, iter));
			nsalts++;
			sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free);
		}
		sk_PKCS7_pop_free(safes, PKCS7_free);
		PKCS12_free(p12);
	}
	assert_int_equal(nsalts, 600);
}

static void
test_export__password_new(void **state)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char a[25], b[25], seen[256];
	int i, n, distinct = 0;

	(void)state;
	assert_int_equal(strlen(alphabet), 64);
	memset(seen, 0, sizeof(seen));
	for (n = 0; n < 100; n++) {
		memset(a, 0x7f, sizeof(a));
		ok(export_password_new(a));
		assert_int_equal(strlen(a), 24);
		assert_int_equal(strspn(a, alphabet), 24);
		for (i = 0; i < 24; i++)
			seen[(unsigned char)a[i]] = 1;
	}
	/*
	 * 2400 uniform draws miss one of 64 symbols with probability below
	 * 10^-14, so every symbol shows up: the whole alphabet is used.
	 */
	for (i = 0; i < 256; i++)
		distinct += seen[i];
	assert_int_equal(distinct, 64);
	ok(export_password_new(b));
	assert_string_not_equal(a, b);
}

static void
test_export__chain_empty_store(void **state)
{
	struct tenv *e = tenv_new(0);
	STACK_OF(X509) *sk = (STACK_OF(X509) *)1;

	(void)state;
	want_msg(export_chain_certs(&sk, e->st, 0), ERR_UNINIT, "holds no CA");
	assert_null(sk);
	tenv_free(e);
}

/* A CA that has expired leaves the bundle; one with life left stays. */
static void
test_export__chain_drops_expired(void **state)
{
	struct fixture *fx = *state;
	STACK_OF(X509) *sk = NULL;
	int64_t ca_end = timefmt_asn1(X509_get0_notAfter(fx->e->ca->cert));
	int64_t root_end = timefmt_asn1(X509_get0_notAfter(fx->e->root->cert));

	ok(export_chain_certs(&sk, fx->e->st, ca_end));
	assert_int_equal(sk_X509_num(sk), 2);
	sk_X509_pop_free(sk, X509_free);
	ok(export_chain_certs(&sk, fx->e->st, ca_end + 1));
	assert_int_equal(sk_X509_num(sk), 1);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), fx->e->root->cert), 0);
	sk_X509_pop_free(sk, X509_free);
	want_msg(export_chain_certs(&sk, fx->e->st, root_end + 1), ERR_EXISTS,
	    "every CA in the store has expired");
	assert_null(sk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_export__format_parse),
		cmocka_unit_test(test_export__chain_order),
		cmocka_unit_test(test_export__pem_chain),
		cmocka_unit_test(test_export__der),
		cmocka_unit_test(test_export__p7b),
		cmocka_unit_test(test_export__crl),
		cmocka_unit_test(test_export__p12_modern),
		cmocka_unit_test(test_export__p12_legacy),
		cmocka_unit_test(test_export__p12_multi),
		cmocka_unit_test(test_export__p12_multi_refused),
		cmocka_unit_test(test_export__p12_legacy_gnupg_salts),
		cmocka_unit_test(test_export__password_new),
		cmocka_unit_test(test_export__chain_empty_store),
		cmocka_unit_test(test_export__chain_drops_expired),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
