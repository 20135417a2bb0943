/*
 * ca.c: mailcert's certification authorities. A root (20 years) signs an
 * issuing CA (10 years, pathLen 0), which signs mailbox certificates. Every
 * certificate is linted against the profile before it is signed.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ca.h"
#include "config.h"
#include "csr.h"
#include "err.h"
#include "keys.h"
#include "mailbox.h"
#include "profile.h"
#include "store.h"
#include "util/timefmt.h"

#define DAY		86400
#define ROOT_DAYS	7305	/* 20 years */
#define ISSUING_DAYS	3653	/* 10 years */
#define NAME_MAX_BYTES	256

int
ca_serial_new(ASN1_INTEGER **out)
{
	unsigned char r[20];
	BIGNUM *bn = NULL;
	int rc = 0;

	*out = NULL;
	do {
		if (RAND_bytes(r, sizeof(r)) != 1)
			return err_ossl(ERR_CRYPTO, "no random bytes");
		r[0] &= 0x7f;	/* below 2^159, so positive in 20 octets */
		if ((bn = BN_bin2bn(r, sizeof(r), bn)) == NULL)
			return err_ossl(ERR_NOMEM, "out of memory");
	} while (BN_num_bits(bn) < 64);
	if ((*out = BN_to_ASN1_INTEGER(bn, NULL)) == NULL)
		rc = err_ossl(ERR_NOMEM, "out of memory");
	BN_free(bn);
	return rc;
}

static char *
serial_hex(const ASN1_INTEGER *serial)
{
	BIGNUM *bn;
	char *hex, *copy = NULL;

	if ((bn = ASN1_INTEGER_to_BN(serial, NULL)) == NULL)
		return NULL;
	if ((hex = BN_bn2hex(bn)) != NULL) {
		copy = strdup(hex);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	return copy;
}

static int
der_of(unsigned char **out, size_t *outlen, X509 *x)
{
	unsigned char *der = NULL;
	int n;

	*out = NULL;
	if ((n = i2d_X509(x, &der)) <= 0)
		return err_ossl(ERR_CRYPTO, "cannot encode certificate");
	*out = der;
	*outlen = (size_t)n;
	return 0;
}

/* Sign x with key after the lint accepted it. */
static int
sign(X509 *x, EVP_PKEY *key)
{
	if (X509_sign(x, key, profile_digest(key)) <= 0)
		return err_ossl(ERR_CRYPTO, "signing failed");
	return 0;
}

/* Make one CA: key, certificate, lint, signature, sealed key. */
static int
make_ca(X509 **cert_out, EVP_PKEY **key_out, const struct config *cfg,
    int root, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
    const char *issuer_name, int64_t now)
{
	struct profile_ca p;
	ASN1_INTEGER *serial = NULL;
	EVP_PKEY *key = NULL;
	X509 *x = NULL;
	int rc;

	*cert_out = NULL;
	*key_out = NULL;
	if ((rc = keys_generate(&key, cfg->ca_key)) != 0 ||
	    (rc = ca_serial_new(&serial)) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.root = root;
	p.country = cfg->country;
	p.org = cfg->org;
	p.cn = cn;
	p.pubkey = key;
	p.issuer = issuer;
	p.issuer_name = issuer_name;
	p.base_url = cfg->base_url;
	p.serial = serial;
	p.not_before = now;
	p.not_after = now + (int64_t)(root ? ROOT_DAYS : ISSUING_DAYS) * DAY -
	    1;
	/* An issuing CA never outlives its root (BR 6.3.2). */
	if (issuer != NULL && p.not_after > timefmt_asn1(
	    X509_get0_notAfter(issuer)))
		p.not_after = timefmt_asn1(X509_get0_notAfter(issuer));
	if ((rc = profile_build_ca(&x, &p)) != 0 ||
	    (rc = profile_check_ca(x, issuer)) != 0 ||
	    (rc = sign(x, root ? key : issuer_key)) != 0)
		goto out;
	*cert_out = x;
	*key_out = key;
	x = NULL;
	key = NULL; /* transferred */
out:
	ASN1_INTEGER_free(serial);
	EVP_PKEY_free(key);
	X509_free(x);
	return rc;
}

/* Seal key and store it with CA certificate x; caller holds the txn. */
static int
record_ca(struct store_ca *rec, struct store *st, const struct kek *kek,
    X509 *x, EVP_PKEY *key, enum key_type kt, const char *name,
    enum store_ca_role role, int64_t parent_id)
{
	struct store_key k;
	char kid[KEYS_ID_LEN];
	int rc;

	memset(&k, 0, sizeof(k));
	memset(rec, 0, sizeof(*rec));
	if ((rc = keys_new_id(kid)) != 0 ||
	    (rc = keys_seal(&k.sealed, &k.sealed_len, kek, kid, key)) != 0)
		goto out;
	k.id = kid;
	k.alg = (char *)keys_type_name(kt);
	if ((rc = store_key_put(st, &k)) != 0)
		goto out;
	rec->name = (char *)name;
	rec->role = role;
	rec->parent_id = parent_id;
	rec->state = STORE_CA_ACTIVE;
	rec->key_id = kid;
	if ((rec->serial = serial_hex(X509_get0_serialNumber(x))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = der_of(&rec->der, &rec->der_len, x)) != 0)
		goto out;
	rec->not_before = timefmt_asn1(X509_get0_notBefore(x));
	rec->not_after = timefmt_asn1(X509_get0_notAfter(x));
	rc = store_ca_put(st, rec);
out:
	free(k.sealed);
	free(rec->serial);
	OPENSSL_free(rec->der);
	rec->serial = NULL;
	rec->der = NULL;
	rec->key_id = NULL;
	rec->name = NULL;
	return rc;
}

int
ca_create(struct ca **out, struct store *st, const struct kek *kek,
    const struct config *cfg, const struct ca *parent, const char *name,
    const char *cn, int64_t now)
{
	struct store_ca rec;
	struct ca *ca = NULL;
	X509 *x = NULL;
	EVP_PKEY *key = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (parent != NULL && !parent->root)
		return err_set(ERR_INVALID, "CA \"%s\" is not a root; only a "
		    "root signs issuing CAs", parent->name);
	if ((rc = make_ca(&x, &key, cfg, parent == NULL, cn,
	    parent ? parent->cert : NULL, parent ? parent->key : NULL,
	    parent ? parent->name : NULL, now)) != 0 ||
	    (rc = record_ca(&rec, st, kek, x, key, cfg->ca_key, name,
	    parent ? STORE_CA_ISSUING : STORE_CA_ROOT,
	    parent ? parent->id : 0)) != 0)
		goto out;
	if (out != NULL) {
		if ((ca = calloc(1, sizeof(*ca))) == NULL ||
		    (ca->name = strdup(name)) == NULL) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		ca->id = rec.id;
		ca->root = parent == NULL;
		ca->not_after = rec.not_after;
		ca->cert = x;
		ca->key = key;
		x = NULL;
		key = NULL;
		*out = ca;
		ca = NULL; /* transferred */
	}
out:
	ca_free(ca);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

int
ca_init(struct store *st, const struct kek *kek, const struct config *cfg)
{
	struct store_ca **list = NULL;
	struct ca *root = NULL;
	size_t n = 0;
	char cn_root[NAME_MAX_BYTES + 32], cn_issuing[NAME_MAX_BYTES + 32];
	int64_t now = timefmt_now();
	int rc, txn = 0;

	if ((rc = store_ca_list(&list, &n, st)) != 0)
		return rc;
	store_ca_list_free(list, n);
	if (n > 0)
		return err_set(ERR_EXISTS, "the store holds CAs already");
	snprintf(cn_root, sizeof(cn_root), "%s Root CA 1", cfg->org);
	snprintf(cn_issuing, sizeof(cn_issuing), "%s S/MIME CA 1", cfg->org);
	if ((rc = store_begin(st)) != 0)
		return rc;
	txn = 1;
	if ((rc = ca_create(&root, st, kek, cfg, NULL, "root-1", cn_root,
	    now)) != 0 ||
	    (rc = ca_create(NULL, st, kek, cfg, root, "issuing-1", cn_issuing,
	    now)) != 0)
		goto out;
	rc = store_commit(st);
	txn = 0;
out:
	if (txn)
		store_rollback(st);
	ca_free(root);
	return rc;
}

int
ca_load(struct ca **out, struct store *st, const struct kek *kek,
    const char *name)
{
	struct store_ca *rec = NULL;
	struct store_key *k = NULL;
	struct ca *ca = NULL;
	const unsigned char *p;
	int rc;

	*out = NULL;
	rc = name != NULL ? store_ca_get(&rec, st, name) :
	    store_ca_current(&rec, st);
	if (rc != 0)
		goto out;
	if ((rc = store_key_get(&k, st, rec->key_id)) != 0)
		goto out;
	if ((ca = calloc(1, sizeof(*ca))) == NULL ||
	    (ca->name = strdup(rec->name)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	ca->id = rec->id;
	ca->root = rec->role == STORE_CA_ROOT;
	ca->not_after = rec->not_after;
	p = rec->der;
	if ((ca->cert = d2i_X509(NULL, &p, (long)rec->der_len)) == NULL) {
		rc = err_ossl(ERR_STORE, "stored certificate of CA \"%s\" does "
		    "not decode", rec->name);
		goto out;
	}
	if ((rc = keys_unseal(&ca->key, kek, k->id, k->sealed,
	    k->sealed_len)) != 0)
		goto out;
	*out = ca;
	ca = NULL; /* transferred */
out:
	store_ca_free(rec);
	store_key_free(k);
	ca_free(ca);
	return rc;
}

void
ca_free(struct ca *ca)
{
	if (ca == NULL)
		return;
	free(ca->name);
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);	/* OpenSSL clears key material on free */
	free(ca);
}

/* Names are UTF-8 without control characters, and not absurdly long. */
static int
check_name(const char *what, const char *s)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0')
		return err_set(ERR_INVALID, "%s is missing", what);
	if (strlen(s) > NAME_MAX_BYTES)
		return err_set(ERR_INVALID, "%s is longer than %d bytes", what,
		    NAME_MAX_BYTES);
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(ERR_INVALID, "%s \"%s\" contains a "
			    "control character", what, s);
	/* With no output, OpenSSL only validates the whole UTF-8 string. */
	if (ASN1_mbstring_copy(NULL, (const unsigned char *)s, -1,
	    MBSTRING_UTF8, B_ASN1_UTF8STRING) < 0)
		return err_ossl(ERR_INVALID, "%s \"%s\" is not valid UTF-8",
		    what, s);
	return 0;
}

int
ca_prepare(struct ca_issued **out, const struct ca *ca,
    const struct kek *kek, const struct config *cfg,
    const struct ca_request *req, int64_t now)
{
	struct ca_issued *iss = NULL;
	struct profile_leaf p;
	ASN1_INTEGER *serial = NULL;
	EVP_PKEY *pub;
	int days, rc;

	*out = NULL;
	if (ca->root)
		return err_set(ERR_INVALID, "CA \"%s\" is a root; it signs "
		    "only CAs and CRLs", ca->name);
	if ((iss = calloc(1, sizeof(*iss))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	if ((rc = mailbox_normalize(&iss->email, req->email)) != 0 ||
	    (rc = check_name("given name", req->given_name)) != 0 ||
	    (rc = check_name("surname", req->surname)) != 0)
		goto out;
	days = req->days != 0 ? req->days : cfg->issue_days;
	if (days < 1 || days > PROFILE_MAX_DAYS) {
		rc = err_set(ERR_INVALID, "--days %d is outside 1..%d (S/MIME "
		    "BR 6.3.2)", days, PROFILE_MAX_DAYS);
		goto out;
	}
	if (req->csr != NULL) {
		if ((rc = csr_check(req->csr, iss->email, req->profile)) != 0)
			goto out;
		pub = X509_REQ_get0_pubkey(req->csr);
	} else {
		if ((rc = keys_generate(&iss->key, req->key)) != 0)
			goto out;
		pub = iss->key;
	}
	if ((rc = keys_type_of(&iss->key_type, pub)) != 0 ||
	    (rc = ca_serial_new(&serial)) != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.email = iss->email;
	p.profile = req->profile;
	p.usage = req->usage;
	p.pubkey = pub;
	p.issuer = ca->cert;
	p.issuer_name = ca->name;
	p.base_url = cfg->base_url;
	p.serial = serial;
	p.not_before = now;
	p.not_after = now + (int64_t)days * DAY - 1;
	if (p.not_after > ca->not_after) {
		p.not_after = ca->not_after;
		iss->shortened = 1;
	}
	if (p.not_after <= p.not_before) {
		rc = err_set(ERR_INVALID, "CA \"%s\" has expired", ca->name);
		goto out;
	}
	if ((rc = profile_build_leaf(&iss->cert, &p)) != 0 ||
	    (rc = profile_check_leaf(iss->cert, ca->cert, iss->email,
	    req->profile, req->usage)) != 0 ||
	    (rc = sign(iss->cert, ca->key)) != 0)
		goto out;
	if ((iss->serial = serial_hex(serial)) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (iss->key != NULL && ((rc = keys_new_id(iss->key_id)) != 0 ||
	    (rc = keys_seal(&iss->sealed, &iss->sealed_len, kek, iss->key_id,
	    iss->key)) != 0))
		goto out;
	*out = iss;
	iss = NULL; /* transferred */
out:
	ASN1_INTEGER_free(serial);
	ca_issued_free(iss);
	return rc;
}

int
ca_record(struct store *st, const struct ca *ca, const struct ca_request *req,
    const struct ca_issued *iss)
{
	struct store_key k;
	struct store_cert c;
	int rc;

	memset(&c, 0, sizeof(c));
	if (iss->sealed != NULL) {
		memset(&k, 0, sizeof(k));
		k.id = (char *)iss->key_id;
		k.alg = (char *)keys_type_name(iss->key_type);
		k.sealed = iss->sealed;
		k.sealed_len = iss->sealed_len;
		if ((rc = store_key_put(st, &k)) != 0)
			return rc;
		c.key_id = (char *)iss->key_id;
	}
	c.serial = iss->serial;
	c.ca_id = ca->id;
	c.email = iss->email;
	c.given_name = (char *)req->given_name;
	c.surname = (char *)req->surname;
	c.profile = (char *)profile_name(req->profile);
	c.usage = (char *)profile_usage_name(req->usage);
	c.key_alg = (char *)keys_type_name(iss->key_type);
	c.not_before = timefmt_asn1(X509_get0_notBefore(iss->cert));
	c.not_after = timefmt_asn1(X509_get0_notAfter(iss->cert));
	c.state = CERT_STATE_VALID;
	c.user_id = req->user_id;
	if ((rc = der_of(&c.der, &c.der_len, iss->cert)) != 0)
		return rc;
	rc = store_cert_put(st, &c);
	OPENSSL_free(c.der);
	return rc;
}

int
ca_issue(struct ca_issued **out, struct store *st, const struct ca *ca,
    const struct kek *kek, const struct config *cfg,
    const struct ca_request *req, int64_t now)
{
	struct ca_issued *iss = NULL;
	int rc;

	*out = NULL;
	if ((rc = ca_prepare(&iss, ca, kek, cfg, req, now)) != 0)
		return rc;
	if ((rc = store_begin(st)) != 0)
		goto out;
	if ((rc = ca_record(st, ca, req, iss)) != 0) {
		store_rollback(st);
		goto out;
	}
	if ((rc = store_commit(st)) != 0)
		goto out;
	*out = iss;
	iss = NULL; /* transferred */
out:
	ca_issued_free(iss);
	return rc;
}

int
ca_issue_pair(struct ca_issued **sign_out, struct ca_issued **enc_out,
    struct store *st, const struct ca *ca, const struct kek *kek,
    const struct config *cfg, const struct ca_request *req, int64_t now)
{
	struct ca_request sreq = *req, ereq = *req;
	struct ca_issued *s = NULL, *e = NULL;
	int rc;

	*sign_out = NULL;
	*enc_out = NULL;
	if (req->csr != NULL)
		return err_set(ERR_INVALID, "dual-key mode makes two keys; a "
		    "CSR brings only one");
	sreq.usage = USAGE_SIGN;
	ereq.usage = USAGE_ENCRYPT;
	if ((rc = ca_prepare(&s, ca, kek, cfg, &sreq, now)) != 0 ||
	    (rc = ca_prepare(&e, ca, kek, cfg, &ereq, now)) != 0)
		goto out;
	/* One transaction: a user never holds half a pair. */
	if ((rc = store_begin(st)) != 0)
		goto out;
	if ((rc = ca_record(st, ca, &sreq, s)) != 0 ||
	    (rc = ca_record(st, ca, &ereq, e)) != 0) {
		store_rollback(st);
		goto out;
	}
	if ((rc = store_commit(st)) != 0)
		goto out;
	*sign_out = s;
	*enc_out = e;
	s = NULL;
	e = NULL; /* transferred */
out:
	ca_issued_free(s);
	ca_issued_free(e);
	return rc;
}

void
ca_issued_free(struct ca_issued *iss)
{
	if (iss == NULL)
		return;
	X509_free(iss->cert);
	EVP_PKEY_free(iss->key);
	free(iss->email);
	free(iss->serial);
	if (iss->sealed != NULL)
		OPENSSL_cleanse(iss->sealed, iss->sealed_len);
	free(iss->sealed);
	free(iss);
}
