/*
 * helpers.h: what several unit tests share, header-only because meson
 * builds each test program from a single .c: result checks that show the
 * module's message, a throwaway data directory with a KEK, a store and
 * (optionally) CAs, and independent verification with OpenSSL.
 */
#ifndef MAILCERT_TEST_HELPERS_H
#define MAILCERT_TEST_HELPERS_H

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "config.h"
#include "err.h"
#include "keys.h"
#include "store.h"
#include "util/file.h"
#include "util/timefmt.h"

#define DAY	86400

/* Fail unless expr returns rc; show the module's message if it did not. */
#define want(expr, rc) do {						\
	int rc_ = (expr);						\
	if (rc_ != (rc))						\
		fail_msg("%s = %d (%s), want %d", #expr, rc_,		\
		    err_msg(), (rc));					\
} while (0)
#define ok(expr)	want(expr, 0)

/* As want(), and the message must contain sub. */
#define want_msg(expr, rc, sub) do {					\
	int rc2_;							\
	err_clear();							\
	rc2_ = (expr);							\
	if (rc2_ != (rc))						\
		fail_msg("%s = %d (%s), want %d", #expr, rc2_,		\
		    err_msg(), (rc));					\
	if (strstr(err_msg(), (sub)) == NULL)				\
		fail_msg("%s: message \"%s\" lacks \"%s\"", #expr,	\
		    err_msg(), (sub));					\
} while (0)

/* A data directory with config, KEK, open store and maybe CAs. */
struct tenv {
	char		 dir[64];	/* mkdtemp() directory */
	struct config	*cfg;		/* defaults, ca_key = ec-p384 */
	struct kek	*kek;		/* loaded from cfg->kek_path */
	struct store	*st;		/* open on cfg */
	struct ca	*ca;		/* issuing-1, when made with CAs */
	struct ca	*root;		/* root-1, when made with CAs */
};

static inline struct tenv *
tenv_new(int with_ca)
{
	struct tenv *e;

	assert_non_null(e = calloc(1, sizeof(*e)));
	snprintf(e->dir, sizeof(e->dir), "/tmp/mailcert-ut.XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	ok(config_defaults(&e->cfg, e->dir));
	/* P-384 is a profile CA key and is made in milliseconds. */
	e->cfg->ca_key = KEY_ECP384;
	ok(keys_kek_create(e->cfg->kek_path));
	ok(keys_kek_load(&e->kek, e->cfg->kek_path));
	ok(store_open(&e->st, e->cfg));
	if (with_ca) {
		ok(ca_init(e->st, e->kek, e->cfg));
		ok(ca_load(&e->ca, e->st, e->kek, NULL));
		ok(ca_load(&e->root, e->st, e->kek, "root-1"));
	}
	return e;
}

static inline void
tenv_free(struct tenv *e)
{
	DIR *d;
	struct dirent *de;
	char *p;

	if (e == NULL)
		return;
	ca_free(e->ca);
	ca_free(e->root);
	store_close(e->st);
	keys_kek_free(e->kek);
	if ((d = opendir(e->dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			if ((p = file_join(e->dir, de->d_name)) != NULL)
				unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(e->dir);
	config_free(e->cfg);
	free(e);
}

/*
 * Verify leaf up to the trust anchor root through untrusted CA issuing, at
 * time at, for S/MIME signing, with OpenSSL's strict RFC 5280 checks; when
 * root_crl and ca_crl are given, also check revocation of the whole chain.
 * Returns the X509_V_* result (X509_V_OK when it verifies).
 */
static inline int
verify_smime_crl(X509 *leaf, X509 *issuing, X509 *root, X509_CRL *root_crl,
    X509_CRL *ca_crl, int64_t at)
{
	X509_STORE *store;
	X509_STORE_CTX *ctx;
	STACK_OF(X509) *untrusted;
	unsigned long flags = X509_V_FLAG_X509_STRICT;
	int ret, err;

	assert_non_null(store = X509_STORE_new());
	assert_non_null(ctx = X509_STORE_CTX_new());
	assert_non_null(untrusted = sk_X509_new_null());
	assert_int_equal(X509_STORE_add_cert(store, root), 1);
	if (root_crl != NULL && ca_crl != NULL) {
		assert_int_equal(X509_STORE_add_crl(store, root_crl), 1);
		assert_int_equal(X509_STORE_add_crl(store, ca_crl), 1);
		flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
	}
	if (issuing != NULL)
		assert_true(sk_X509_push(untrusted, issuing) > 0);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, leaf, untrusted), 1);
	assert_int_equal(X509_STORE_CTX_set_purpose(ctx,
	    X509_PURPOSE_SMIME_SIGN), 1);
	X509_STORE_CTX_set_flags(ctx, flags);
	X509_STORE_CTX_set_time(ctx, 0, (time_t)at);
	ret = X509_verify_cert(ctx);
	err = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted);
	if (ret == 1 && err != X509_V_OK)
		fail_msg("verified with error %d", err);
	return ret == 1 ? X509_V_OK : (err != X509_V_OK ? err : -1);
}

/* verify_smime_crl() without revocation checking. */
static inline int
verify_smime(X509 *leaf, X509 *issuing, X509 *root, int64_t at)
{
	return verify_smime_crl(leaf, issuing, root, NULL, NULL, at);
}

/* Decode DER that must be a certificate. Caller frees. */
static inline X509 *
x509_from_der(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	X509 *x;

	assert_non_null(x = d2i_X509(NULL, &p, (long)len));
	assert_ptr_equal(p, der + len);
	return x;
}

/* notAfter - notBefore + 1 second: the validity period as BR 6.3.2 counts. */
static inline int64_t
validity_secs(const X509 *x)
{
	return timefmt_asn1(X509_get0_notAfter(x)) -
	    timefmt_asn1(X509_get0_notBefore(x)) + 1;
}

/* A request for email with a server-generated key of type kt. */
static inline struct ca_request
req_for(const char *email, enum key_type kt)
{
	struct ca_request r;

	memset(&r, 0, sizeof(r));
	r.email = email;
	r.given_name = "Alice";
	r.surname = "Example";
	r.key = kt;
	r.profile = PROFILE_STRICT;
	return r;
}

#endif
