/*
 * crl.c: X.509 v2 CRLs (RFC 5280 section 5) for every CA that still signs,
 * with an authorityKeyIdentifier and a monotonically increasing cRLNumber.
 * Reason codes are non-critical and "unspecified" is never written (BR
 * 7.2.2): store.h has no such reason, and crl_build() omits the reasonCode
 * of any entry that carries it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ca.h"
#include "config.h"
#include "crl.h"
#include "err.h"
#include "profile.h"
#include "store.h"

#define DAY	86400

static int
add_entry(X509_CRL *crl, const struct store_cert *c)
{
	X509_REVOKED *rev = NULL;
	ASN1_INTEGER *serial = NULL;
	ASN1_TIME *t = NULL;
	ASN1_ENUMERATED *reason = NULL;
	BIGNUM *bn = NULL;
	int rc = ERR_CRYPTO;

	if (BN_hex2bn(&bn, c->serial) == 0 ||
	    (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
	    (rev = X509_REVOKED_new()) == NULL ||
	    !X509_REVOKED_set_serialNumber(rev, serial) ||
	    (t = ASN1_TIME_set(NULL, (time_t)c->revoked_at)) == NULL ||
	    !X509_REVOKED_set_revocationDate(rev, t) ||
	    /* "unspecified" is never written: the entry goes without. */
	    (c->reason != CRL_REASON_UNSPECIFIED &&
	    ((reason = ASN1_ENUMERATED_new()) == NULL ||
	    !ASN1_ENUMERATED_set(reason, c->reason) ||
	    !X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, reason, 0, 0))) ||
	    !X509_CRL_add0_revoked(crl, rev)) {
		rc = err_ossl(ERR_CRYPTO, "cannot add serial %s to the CRL",
		    c->serial);
		goto out;
	}
	rev = NULL; /* transferred */
	rc = 0;
out:
	X509_REVOKED_free(rev);
	ASN1_INTEGER_free(serial);
	ASN1_TIME_free(t);
	ASN1_ENUMERATED_free(reason);
	BN_free(bn);
	return rc;
}

int
crl_build(X509_CRL **out, const struct ca *ca,
    struct store_cert *const *revoked, size_t n, int64_t number,
    int64_t this_update, int64_t next_update)
{
	X509_CRL *crl = NULL;
	ASN1_TIME *t = NULL;
	ASN1_INTEGER *num = NULL;
	AUTHORITY_KEYID *aki = NULL;
	const ASN1_OCTET_STRING *ski;
	size_t i;
	int rc = ERR_CRYPTO;

	*out = NULL;
	if ((ski = X509_get0_subject_key_id(ca->cert)) == NULL)
		return err_set(ERR_INTERNAL, "CA \"%s\" has no "
		    "subjectKeyIdentifier", ca->name);
	if ((crl = X509_CRL_new()) == NULL ||
	    !X509_CRL_set_version(crl, X509_CRL_VERSION_2) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)))
		goto fail;
	if ((t = ASN1_TIME_set(NULL, (time_t)this_update)) == NULL ||
	    !X509_CRL_set1_lastUpdate(crl, t))
		goto fail;
	ASN1_TIME_free(t);
	if ((t = ASN1_TIME_set(NULL, (time_t)next_update)) == NULL ||
	    !X509_CRL_set1_nextUpdate(crl, t))
		goto fail;
	for (i = 0; i < n; i++)
		if ((rc = add_entry(crl, revoked[i])) != 0)
			goto out;
	if ((num = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_int64(num, number) ||
	    !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) ||
	    (aki = AUTHORITY_KEYID_new()) == NULL ||
	    (aki->keyid = ASN1_OCTET_STRING_dup(ski)) == NULL ||
	    !X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, aki, 0,
	    0) ||
	    !X509_CRL_sort(crl) ||
	    X509_CRL_sign(crl, ca->key, profile_digest(ca->key)) <= 0)
		goto fail;
	*out = crl;
	crl = NULL; /* transferred */
	rc = 0;
	goto out;
fail:
	rc = err_ossl(ERR_CRYPTO, "cannot build the CRL of CA \"%s\"",
	    ca->name);
out:
	X509_CRL_free(crl);
	ASN1_TIME_free(t);
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(aki);
	return rc;
}

int
crl_sign_next(struct store *st, const struct kek *kek,
    const struct store_ca *rec, int64_t now, int64_t next_update)
{
	struct store_cert_filter f;
	struct store_cert **revoked = NULL;
	struct store_crl sc;
	struct ca *ca = NULL;
	X509_CRL *crl = NULL;
	unsigned char *der = NULL;
	size_t n = 0;
	int64_t last;
	int len, rc;

	memset(&f, 0, sizeof(f));
	f.ca_id = rec->id;
	f.state = CERT_STATE_REVOKED;
	f.expired = -1;
	f.now = now;
	if ((rc = ca_load(&ca, st, kek, rec->name)) != 0 ||
	    (rc = store_cert_list(&revoked, &n, st, &f)) != 0 ||
	    (rc = store_crl_last_number(&last, st, rec->id)) != 0)
		goto out;
	memset(&sc, 0, sizeof(sc));
	sc.ca_id = rec->id;
	sc.number = last + 1;
	sc.this_update = now;
	sc.next_update = next_update;
	if ((rc = crl_build(&crl, ca, revoked, n, sc.number, sc.this_update,
	    sc.next_update)) != 0)
		goto out;
	if ((len = i2d_X509_CRL(crl, &der)) <= 0) {
		rc = err_ossl(ERR_CRYPTO, "cannot encode the CRL of CA \"%s\"",
		    rec->name);
		goto out;
	}
	sc.der = der;
	sc.der_len = (size_t)len;
	rc = store_crl_put(st, &sc);
out:
	OPENSSL_free(der);
	X509_CRL_free(crl);
	store_cert_list_free(revoked, n);
	ca_free(ca);
	return rc;
}

/* The next CRL of one CA per the profile's cadence, in its own txn. */
static int
generate_one(struct store *st, const struct kek *kek,
    const struct config *cfg, const struct store_ca *rec, int64_t now)
{
	int rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = crl_sign_next(st, kek, rec, now, now +
	    (int64_t)(rec->role == STORE_CA_ROOT ? cfg->crl_ca_days :
	    cfg->crl_subscriber_days) * DAY)) != 0) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

int
crl_generate(struct store *st, const struct kek *kek,
    const struct config *cfg, int64_t now)
{
	struct store_ca **cas = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = store_ca_list(&cas, &n, st)) != 0)
		return rc;
	if (n == 0)
		rc = err_set(ERR_UNINIT, "the store holds no CA");
	for (i = 0; rc == 0 && i < n; i++)
		if (cas[i]->state != STORE_CA_RETIRED)
			rc = generate_one(st, kek, cfg, cas[i], now);
	store_ca_list_free(cas, n);
	return rc;
}

/*
 * Whether rec needs a new CRL at now (crl_refresh()). Revocations are
 * never undone and every CRL lists all of the CA's revoked certificates,
 * expired ones included, so a count that differs means one is missing;
 * unlike comparing revocation times with thisUpdate this also catches a
 * revocation recorded at an earlier clock (a sync run with --at).
 */
static int
needs_crl(int *due, struct store *st, const struct store_ca *rec, int64_t now)
{
	struct store_cert_filter f;
	struct store_cert **revoked = NULL;
	struct store_crl *latest = NULL;
	X509_CRL *crl = NULL;
	const STACK_OF(X509_REVOKED) *entries;
	const unsigned char *p;
	size_t n = 0;
	int rc;

	*due = 1;
	if ((rc = store_crl_latest(&latest, st, rec->id)) == ERR_NOTFOUND) {
		err_clear();
		return 0;
	}
	if (rc != 0)
		return rc;
	if (now - latest->this_update >
	    (latest->next_update - latest->this_update) / 2)
		goto out;
	p = latest->der;
	if ((crl = d2i_X509_CRL(NULL, &p, (long)latest->der_len)) == NULL) {
		rc = err_ossl(ERR_CRYPTO, "the stored CRL %lld of CA \"%s\" "
		    "does not decode", (long long)latest->number, rec->name);
		goto out;
	}
	memset(&f, 0, sizeof(f));
	f.ca_id = rec->id;
	f.state = CERT_STATE_REVOKED;
	f.expired = -1;
	f.now = now;
	if ((rc = store_cert_list(&revoked, &n, st, &f)) != 0)
		goto out;
	entries = X509_CRL_get_REVOKED(crl);
	*due = n != (size_t)(entries != NULL ? sk_X509_REVOKED_num(entries) :
	    0);
out:
	store_cert_list_free(revoked, n);
	X509_CRL_free(crl);
	store_crl_free(latest);
	return rc;
}

int
crl_refresh(size_t *nsigned, struct store *st, const struct kek *kek,
    const struct config *cfg, int64_t now)
{
	struct store_ca **cas = NULL;
	size_t n = 0, i, count = 0;
	int due, rc;

	if (nsigned != NULL)
		*nsigned = 0;
	if ((rc = store_ca_list(&cas, &n, st)) != 0)
		return rc;
	for (i = 0; rc == 0 && i < n; i++) {
		if (cas[i]->state == STORE_CA_RETIRED)
			continue;
		if ((rc = needs_crl(&due, st, cas[i], now)) == 0 && due &&
		    (rc = generate_one(st, kek, cfg, cas[i], now)) == 0)
			count++;
	}
	store_ca_list_free(cas, n);
	if (nsigned != NULL)
		*nsigned = count;
	return rc;
}
