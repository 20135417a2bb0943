/*
 * ocsp-responder.c: the delegated OCSP responder certificate of each
 * issuing CA (RFC 6960 section 4.2.2.2): an EC P-256 key escrowed like
 * every other key, and a certificate from the CA with extKeyUsage
 * id-kp-OCSPSigning and id-pkix-ocsp-nocheck (section 4.2.2.2.1), so
 * clients need no revocation status for the responder itself; that is
 * why it lives only [ocsp] responder_days and is renewed early.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "config.h"
#include "err.h"
#include "keys.h"
#include "ocsp-int.h"
#include "profile.h"
#include "store-web.h"
#include "store.h"
#include "util/timefmt.h"

#define DAY		86400
#define CN_MAX_BYTES	512

void
ocsp_responder_free(struct ocsp_responder *r)
{
	if (r == NULL)
		return;
	X509_free(r->cert);
	EVP_PKEY_free(r->key);	/* OpenSSL clears key material on free */
	free(r);
}

/* A second handle on prev (shared certificate and key). */
static int
dup_responder(struct ocsp_responder **out, const struct ocsp_responder *prev)
{
	struct ocsp_responder *r;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	*r = *prev;
	if (!X509_up_ref(r->cert)) {
		free(r);
		return err_ossl(ERR_CRYPTO, "cannot share the responder");
	}
	if (!EVP_PKEY_up_ref(r->key)) {
		X509_free(r->cert);
		free(r);
		return err_ossl(ERR_CRYPTO, "cannot share the responder");
	}
	*out = r;
	return 0;
}

/* Unseal the key of stored responder rec and decode its certificate. */
static int
load_stored(struct ocsp_responder **out, struct store *st,
    const struct kek *kek, const struct store_responder *rec)
{
	struct ocsp_responder *r = NULL;
	struct store_key *k = NULL;
	const unsigned char *p = rec->der;
	int rc;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	r->id = rec->id;
	r->not_before = rec->not_before;
	r->not_after = rec->not_after;
	if ((r->cert = d2i_X509(NULL, &p, (long)rec->der_len)) == NULL) {
		rc = err_ossl(ERR_STORE, "stored OCSP responder %s does not "
		    "decode", rec->serial);
		goto out;
	}
	if ((rc = store_key_get(&k, st, rec->key_id)) != 0 ||
	    (rc = keys_unseal(&r->key, kek, k->id, k->sealed,
	    k->sealed_len)) != 0)
		goto out;
	*out = r;
	r = NULL; /* transferred */
out:
	store_key_free(k);
	ocsp_responder_free(r);
	return rc;
}

/* Add an extension in OpenSSL's config syntax. */
static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext;
	int ok;

	if ((ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value)) == NULL)
		return err_ossl(ERR_CRYPTO, "cannot build %s", OBJ_nid2sn(nid));
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : err_ossl(ERR_CRYPTO, "cannot add %s", OBJ_nid2sn(nid));
}

/* Subject: the CA's C and O, CN "<CA CN> OCSP Responder". */
static int
make_subject(X509_NAME **out, const X509 *cacert)
{
	const X509_NAME *cn = X509_get_subject_name(cacert);
	X509_NAME *n = NULL;
	X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	char buf[CN_MAX_BYTES];
	int i, len, nid, rc = ERR_CRYPTO;

	*out = NULL;
	if ((n = X509_NAME_new()) == NULL)
		return err_set(ERR_NOMEM, "out of memory");
	for (i = 0; i < X509_NAME_entry_count(cn); i++) {
		e = X509_NAME_get_entry(cn, i);
		nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(e));
		if ((nid == NID_countryName || nid == NID_organizationName) &&
		    !X509_NAME_add_entry(n, e, -1, 0))
			goto fail;
	}
	if ((i = X509_NAME_get_index_by_NID(cn, NID_commonName, -1)) < 0 ||
	    (len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
	    X509_NAME_get_entry(cn, i)))) < 0)
		goto fail;
	snprintf(buf, sizeof(buf), "%.*s OCSP Responder", len, utf8);
	if (!X509_NAME_add_entry_by_NID(n, NID_commonName, MBSTRING_UTF8,
	    (const unsigned char *)buf, -1, -1, 0))
		goto fail;
	*out = n;
	n = NULL; /* transferred */
	rc = 0;
	goto out;
fail:
	rc = err_ossl(ERR_CRYPTO, "cannot build the responder's subject");
out:
	OPENSSL_free(utf8);
	X509_NAME_free(n);
	return rc;
}

/* The signed responder certificate for key under ca, valid [nb, na]. */
static int
make_cert(X509 **out, const struct ca *ca, EVP_PKEY *key, int64_t nb,
    int64_t na)
{
	X509 *x = NULL;
	X509_NAME *subj = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = NULL;
	X509V3_CTX ctx;
	int rc;

	*out = NULL;
	if ((rc = make_subject(&subj, ca->cert)) != 0 ||
	    (rc = ca_serial_new(&serial)) != 0)
		goto out;
	rc = ERR_CRYPTO;
	if ((x = X509_new()) == NULL ||
	    !X509_set_version(x, X509_VERSION_3) ||
	    !X509_set_serialNumber(x, serial) ||
	    !X509_set_subject_name(x, subj) ||
	    !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    !X509_set_pubkey(x, key) ||
	    (t = ASN1_TIME_set(NULL, (time_t)nb)) == NULL ||
	    !X509_set1_notBefore(x, t) ||
	    ASN1_TIME_set(t, (time_t)na) == NULL ||
	    !X509_set1_notAfter(x, t)) {
		rc = err_ossl(ERR_CRYPTO, "cannot build the responder "
		    "certificate");
		goto out;
	}
	X509V3_set_ctx(&ctx, ca->cert, x, NULL, NULL, 0);
	if ((rc = add_ext(x, &ctx, NID_basic_constraints,
	    "critical,CA:FALSE")) != 0 ||
	    (rc = add_ext(x, &ctx, NID_key_usage,
	    "critical,digitalSignature")) != 0 ||
	    (rc = add_ext(x, &ctx, NID_ext_key_usage, "OCSPSigning")) != 0 ||
	    /* The value is ignored: the extension is an ASN.1 NULL. */
	    (rc = add_ext(x, &ctx, NID_id_pkix_OCSP_noCheck, "ignored")) != 0 ||
	    (rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash")) != 0 ||
	    (rc = add_ext(x, &ctx, NID_authority_key_identifier,
	    "keyid:always")) != 0)
		goto out;
	if (X509_sign(x, ca->key, profile_digest(ca->key)) <= 0) {
		rc = err_ossl(ERR_CRYPTO, "CA \"%s\" cannot sign the responder",
		    ca->name);
		goto out;
	}
	*out = x;
	x = NULL; /* transferred */
	rc = 0;
out:
	X509_free(x);
	X509_NAME_free(subj);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(t);
	return rc;
}

/* Seal r's key and store it with its certificate, in one transaction. */
static int
record(struct store *st, const struct kek *kek, const struct store_ca *ca,
    struct ocsp_responder *r)
{
	struct store_key k;
	struct store_responder rec;
	char kid[KEYS_ID_LEN];
	BIGNUM *bn = NULL;
	char *hex = NULL;
	unsigned char *der = NULL;
	int len, rc, txn = 0;

	memset(&k, 0, sizeof(k));
	memset(&rec, 0, sizeof(rec));
	if ((rc = keys_new_id(kid)) != 0 ||
	    (rc = keys_seal(&k.sealed, &k.sealed_len, kek, kid, r->key)) != 0)
		goto out;
	if ((bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(r->cert),
	    NULL)) == NULL || (hex = BN_bn2hex(bn)) == NULL ||
	    (len = i2d_X509(r->cert, &der)) <= 0) {
		rc = err_ossl(ERR_CRYPTO, "cannot encode the responder");
		goto out;
	}
	k.id = kid;
	k.alg = (char *)keys_type_name(KEY_ECP256);
	rec.ca_id = ca->id;
	rec.serial = hex;
	rec.key_id = kid;
	rec.der = der;
	rec.der_len = (size_t)len;
	rec.not_before = r->not_before;
	rec.not_after = r->not_after;
	if ((rc = store_begin(st)) != 0)
		goto out;
	txn = 1;
	if ((rc = store_key_put(st, &k)) != 0 ||
	    (rc = store_responder_put(st, &rec)) != 0)
		goto out;
	if ((rc = store_commit(st)) != 0)
		goto out;
	txn = 0;
	r->id = rec.id;
out:
	if (txn)
		store_rollback(st);
	if (k.sealed != NULL)
		OPENSSL_cleanse(k.sealed, k.sealed_len);
	free(k.sealed);
	BN_free(bn);
	OPENSSL_free(hex);
	OPENSSL_free(der);
	return rc;
}

/* A new responder for CA rec, valid until na, signed and stored. */
static int
make_new(struct ocsp_responder **out, struct store *st,
    const struct kek *kek, const struct store_ca *rec, int64_t now,
    int64_t na)
{
	struct ocsp_responder *r = NULL;
	struct ca *ca = NULL;
	int rc;

	*out = NULL;
	if ((rc = ca_load(&ca, st, kek, rec->name)) != 0)
		goto out;
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	r->not_before = now;
	r->not_after = na;
	if ((rc = keys_generate(&r->key, KEY_ECP256)) != 0 ||
	    (rc = make_cert(&r->cert, ca, r->key, now, na)) != 0 ||
	    (rc = record(st, kek, rec, r)) != 0)
		goto out;
	*out = r;
	r = NULL; /* transferred */
out:
	ca_free(ca);
	ocsp_responder_free(r);
	return rc;
}

int
ocsp_responder_get(struct ocsp_responder **out, int *made, struct store *st,
    const struct kek *kek, const struct config *cfg,
    const struct store_ca *ca, const struct ocsp_responder *prev,
    int64_t now)
{
	struct store_responder *rec = NULL;
	int64_t na, life;
	int rc, usable = 0, keep = 0;

	*out = NULL;
	*made = 0;
	rc = store_responder_latest(&rec, st, ca->id);
	if (rc != 0 && rc != ERR_NOTFOUND)
		return rc;
	na = now + (int64_t)cfg->ocsp_responder_days * DAY - 1;
	if (na > ca->not_after)
		na = ca->not_after;	/* never outlives its CA */
	if (rec != NULL) {
		usable = rec->not_before <= now && now < rec->not_after;
		life = rec->not_after - rec->not_before + 1;
		/*
		 * Renew with a third of its life left, unless the CA's end
		 * caps a new one at no later than this one.
		 */
		keep = usable && (now < rec->not_after - life / 3 ||
		    na <= rec->not_after);
	}
	if (!keep) {
		if (na <= now)
			rc = err_set(ERR_NOTFOUND, "CA \"%s\" has expired; it "
			    "gets no OCSP responder", ca->name);
		else
			rc = make_new(out, st, kek, ca, now, na);
		if (rc == 0)
			*made = 1;
		/* Without the CA's key, a current responder still signs. */
		if (rc == 0 || rc != ERR_NOTFOUND || !usable)
			goto out;
	}
	if (prev != NULL && prev->id == rec->id)
		rc = dup_responder(out, prev);
	else
		rc = load_stored(out, st, kek, rec);
out:
	store_responder_free(rec);
	return rc;
}
