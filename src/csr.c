/*
 * csr.c: reading and vetting PKCS#10 certificate requests (RFC 2986)
 * that users bring along with a key of their own.
 *
 * Parsing is strict about framing: exactly one request, PEM or DER, and
 * nothing after it but whitespace, so a file that is not what its owner
 * thinks (a bundle, a private key, a truncated upload) is refused instead
 * of half-read.
 *
 * Vetting only ever refuses. mailcert takes nothing from a request but its
 * public key, and builds every field from the profile, so a request asking
 * for more (another name, serverAuth, a CA bit) would otherwise be quietly
 * ignored; the user deserves to be told. The extension rules are those of
 * the S/MIME BR section 7.1.2.3 as mailcert's profile applies them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "csr.h"
#include "err.h"
#include "keys.h"
#include "profile.h"

#define SHOW_MAX	200

/* keyUsage bits by number (RFC 5280 section 4.2.1.3). */
static const char *const ku_names[] = {
	"digitalSignature", "nonRepudiation", "keyEncipherment",
	"dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
	"encipherOnly", "decipherOnly",
};
#define BIT_DIGITAL_SIGNATURE	(1u << 0)
#define BIT_KEY_ENCIPHERMENT	(1u << 2)
#define BIT_DATA_ENCIPHERMENT	(1u << 3)
#define BIT_KEY_AGREEMENT	(1u << 4)

/* GeneralName CHOICE tags (RFC 5280 section 4.2.1.6). */
static const char *const gen_names[] = {
	[GEN_OTHERNAME] = "otherName",
	[GEN_EMAIL] = "rfc822Name",
	[GEN_DNS] = "dNSName",
	[GEN_X400] = "x400Address",
	[GEN_DIRNAME] = "directoryName",
	[GEN_EDIPARTY] = "ediPartyName",
	[GEN_URI] = "uniformResourceIdentifier",
	[GEN_IPADD] = "iPAddress",
	[GEN_RID] = "registeredID",
};

/*
 * Copy s[0..n) into buf for a message: printable ASCII stays, everything
 * else (and the quote and backslash that delimit it) becomes \xNN, so no
 * byte from a request can reach a terminal raw.
 */
static const char *
show(char buf[SHOW_MAX], const unsigned char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (o + 8 >= SHOW_MAX) {
			memcpy(buf + o, "...", 4);
			return buf;
		}
		if (s[i] < 0x20 || s[i] > 0x7e || s[i] == '"' || s[i] == '\\')
			o += (size_t)snprintf(buf + o, SHOW_MAX - o, "\\x%02x",
			    s[i]);
		else
			buf[o++] = (char)s[i];
	}
	buf[o] = '\0';
	return buf;
}

/* An object's short name, or its dotted OID if OpenSSL has none. */
static const char *
objname(char buf[80], const ASN1_OBJECT *obj)
{
	int nid = OBJ_obj2nid(obj);

	if (nid != NID_undef && OBJ_nid2sn(nid) != NULL)
		snprintf(buf, 80, "%s", OBJ_nid2sn(nid));
	else if (OBJ_obj2txt(buf, 80, obj, 1) <= 0)
		snprintf(buf, 80, "(unreadable OID)");
	return buf;
}

static int __attribute__((format(printf, 1, 2)))
reject(const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ERR_clear_error();
	return err_set(ERR_INVALID, "certificate request: %s", buf);
}

/* As reject(), with OpenSSL's reason appended. */
static int __attribute__((format(printf, 1, 2)))
reject_ossl(const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return err_ossl(ERR_INVALID, "certificate request: %s", buf);
}

static int
is_csr_label(const char *label)
{
	return strcmp(label, PEM_STRING_X509_REQ) == 0 ||
	    strcmp(label, PEM_STRING_X509_REQ_OLD) == 0;
}

/* A PEM block in a request file that is not the request. */
static int
wrong_block(const char *name, const char *label)
{
	char sl[SHOW_MAX];

	show(sl, (const unsigned char *)label, strlen(label));
	ERR_clear_error();
	if (is_csr_label(label))
		return err_set(ERR_INVALID, "\"%s\" holds more than one "
		    "certificate request", name);
	if (strstr(label, "PRIVATE KEY") != NULL)
		return err_set(ERR_INVALID, "\"%s\" holds a private key (PEM "
		    "\"%s\"): give only the certificate request", name, sl);
	return err_set(ERR_INVALID, "\"%s\" holds a PEM \"%s\" block, not a "
	    "certificate request", name, sl);
}

static int
parse_pem(X509_REQ **out, const unsigned char *data, size_t len,
    const char *name)
{
	BIO *bio = NULL;
	X509_REQ *req = NULL;
	char *label = NULL, *header = NULL, *rest;
	unsigned char *der = NULL;
	const unsigned char *p;
	long derlen, restlen, i;
	int rc;

	if ((bio = BIO_new_mem_buf(data, (int)len)) == NULL)
		return err_ossl(ERR_NOMEM, "out of memory");
	if (!PEM_read_bio(bio, &label, &header, &der, &derlen)) {
		rc = err_ossl(ERR_INVALID, "\"%s\": malformed PEM", name);
		goto out;
	}
	if (!is_csr_label(label)) {
		rc = wrong_block(name, label);
		goto out;
	}
	if (header[0] != '\0') {
		rc = err_set(ERR_INVALID, "\"%s\": the PEM block has headers "
		    "(is it encrypted?), which a certificate request never "
		    "has", name);
		goto out;
	}
	p = der;
	if ((req = d2i_X509_REQ(NULL, &p, derlen)) == NULL) {
		rc = err_ossl(ERR_INVALID, "\"%s\": the certificate request "
		    "does not decode", name);
		goto out;
	}
	if (p != der + derlen) {
		rc = err_set(ERR_INVALID, "\"%s\": %ld bytes of trailing data "
		    "inside the PEM block", name, (long)(der + derlen - p));
		goto out;
	}
	restlen = BIO_get_mem_data(bio, &rest);
	for (i = 0; i < restlen && strchr(" \t\r\n", rest[i]) != NULL &&
	    rest[i] != '\0'; i++)
		;
	if (i < restlen) {
		OPENSSL_free(label);
		OPENSSL_free(header);
		OPENSSL_free(der);
		label = header = NULL;
		der = NULL;
		/* Name a second block; anything else is just trailing data. */
		if (PEM_read_bio(bio, &label, &header, &der, &derlen))
			rc = wrong_block(name, label);
		else {
			ERR_clear_error();
			rc = err_set(ERR_INVALID, "\"%s\" has trailing data "
			    "after the certificate request", name);
		}
		goto out;
	}
	*out = req;
	req = NULL; /* transferred */
	rc = 0;
out:
	X509_REQ_free(req);
	OPENSSL_free(label);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	return rc;
}

int
csr_parse(X509_REQ **out, const unsigned char *data, size_t len,
    const char *name)
{
	X509_REQ *req = NULL;
	const unsigned char *p;
	size_t i;

	*out = NULL;
	if (len == 0)
		return err_set(ERR_INVALID, "\"%s\" is empty", name);
	if (len > CSR_MAX_BYTES)
		return err_set(ERR_INVALID, "\"%s\" is larger than %d bytes",
		    name, CSR_MAX_BYTES);
	for (i = 0; i < len && strchr(" \t\r\n", data[i]) != NULL &&
	    data[i] != '\0'; i++)
		;
	if (len - i >= 10 && memcmp(data + i, "-----BEGIN", 10) == 0)
		return parse_pem(out, data, len, name);
	p = data;
	if ((req = d2i_X509_REQ(NULL, &p, (long)len)) == NULL) {
		if (memmem(data, len, "-----BEGIN", 10) != NULL) {
			ERR_clear_error();
			return err_set(ERR_INVALID, "\"%s\" has text before "
			    "its PEM block: give only the PEM", name);
		}
		return err_ossl(ERR_INVALID, "\"%s\" is not a certificate "
		    "request (neither PEM nor DER)", name);
	}
	if (p != data + len) {
		X509_REQ_free(req);
		return err_set(ERR_INVALID, "\"%s\" has %zu bytes of trailing "
		    "data after the certificate request", name,
		    (size_t)(data + len - p));
	}
	*out = req;
	return 0;
}

/* s[0..n) names email: the same local part, the domain in any case. */
static int
same_mailbox(const unsigned char *s, size_t n, const char *email)
{
	const char *at = strrchr(email, '@');
	size_t elen = strlen(email), llen;

	if (at == NULL || n != elen || memchr(s, '\0', n) != NULL)
		return 0;
	llen = (size_t)(at - email) + 1;
	return memcmp(s, email, llen) == 0 &&
	    strncasecmp((const char *)s + llen, at + 1, elen - llen) == 0;
}

static int
check_subject(X509_REQ *req, const char *email)
{
	const X509_NAME *nm = X509_REQ_get_subject_name(req);
	const X509_NAME_ENTRY *ne;
	unsigned char *u = NULL;
	char on[80], sv[SHOW_MAX];
	int i, nid, ulen, rc = 0;

	for (i = 0; i < X509_NAME_entry_count(nm) && rc == 0; i++) {
		ne = X509_NAME_get_entry(nm, i);
		nid = OBJ_obj2nid(X509_NAME_ENTRY_get_object(ne));
		objname(on, X509_NAME_ENTRY_get_object(ne));
		if (nid != NID_commonName && nid != NID_pkcs9_emailAddress) {
			rc = reject("subject attribute %s is not allowed: a "
			    "mailbox certificate names only the mailbox, in CN "
			    "or emailAddress", on);
			break;
		}
		if ((ulen = ASN1_STRING_to_UTF8(&u,
		    X509_NAME_ENTRY_get_data(ne))) < 0) {
			rc = reject_ossl("subject %s does not decode", on);
			break;
		}
		if (!same_mailbox(u, (size_t)ulen, email))
			rc = reject("subject %s \"%s\" is not the mailbox "
			    "\"%s\"", on, show(sv, u, (size_t)ulen), email);
		OPENSSL_free(u);
		u = NULL;
	}
	return rc;
}

static int
check_san(X509_EXTENSION *ex, const char *email)
{
	GENERAL_NAMES *gens = NULL;
	const GENERAL_NAME *gen;
	const ASN1_STRING *s;
	void *val;
	char sv[SHOW_MAX], on[80];
	int i, type, seen = 0, rc = 0;

	if ((gens = X509V3_EXT_d2i(ex)) == NULL)
		return reject_ossl("subjectAltName does not decode");
	if (sk_GENERAL_NAME_num(gens) == 0)
		rc = reject("subjectAltName is empty");
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && rc == 0; i++) {
		gen = sk_GENERAL_NAME_value(gens, i);
		val = GENERAL_NAME_get0_value(gen, &type);
		if (type == GEN_EMAIL) {
			s = val;
			if (!same_mailbox(ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s), email))
				rc = reject("subjectAltName rfc822Name \"%s\" "
				    "is not the mailbox \"%s\"",
				    show(sv, ASN1_STRING_get0_data(s),
				    (size_t)ASN1_STRING_length(s)), email);
			else if (seen++)
				rc = reject("subjectAltName names \"%s\" more "
				    "than once", email);
		} else if (type == GEN_DNS || type == GEN_URI) {
			s = val;
			rc = reject("subjectAltName %s \"%s\" is not allowed: "
			    "only the rfc822Name \"%s\" is", gen_names[type],
			    show(sv, ASN1_STRING_get0_data(s),
			    (size_t)ASN1_STRING_length(s)), email);
		} else if (type == GEN_OTHERNAME && OBJ_obj2nid(
		    gen->d.otherName->type_id) == NID_id_on_SmtpUTF8Mailbox) {
			rc = reject("subjectAltName otherName %s is not "
			    "allowed: mailcert does not issue SmtpUTF8Mailbox "
			    "yet", objname(on, gen->d.otherName->type_id));
		} else if (type == GEN_OTHERNAME) {
			rc = reject("subjectAltName otherName %s is not "
			    "allowed: only the rfc822Name \"%s\" is",
			    objname(on, gen->d.otherName->type_id), email);
		} else if (type >= 0 && type <= GEN_RID) {
			rc = reject("subjectAltName %s is not allowed: only "
			    "the rfc822Name \"%s\" is", gen_names[type], email);
		} else
			rc = reject("subjectAltName holds an unknown name "
			    "type %d", type);
	}
	GENERAL_NAMES_free(gens);
	return rc;
}

static int
check_ku(X509_EXTENSION *ex, enum cert_profile p, enum key_type kt)
{
	ASN1_BIT_STRING *ku = NULL;
	char allowed[128];
	const char *kind;
	unsigned int ok;
	int bit, nbits, any = 0, rc = 0;

	if (keys_type_is_ec(kt)) {
		kind = "ECDSA";
		ok = BIT_DIGITAL_SIGNATURE | BIT_KEY_AGREEMENT;
	} else {
		kind = "RSA";
		ok = BIT_DIGITAL_SIGNATURE | BIT_KEY_ENCIPHERMENT;
		if (p == PROFILE_MULTIPURPOSE)
			ok |= BIT_DATA_ENCIPHERMENT;
	}
	allowed[0] = '\0';
	for (bit = 0; bit < (int)(sizeof(ku_names) / sizeof(ku_names[0]));
	    bit++)
		if (ok & (1u << bit))
			snprintf(allowed + strlen(allowed), sizeof(allowed) -
			    strlen(allowed), "%s%s", allowed[0] ? ", " : "",
			    ku_names[bit]);
	if ((ku = X509V3_EXT_d2i(ex)) == NULL)
		return reject_ossl("keyUsage does not decode");
	nbits = ASN1_STRING_length(ku) * 8;
	for (bit = 0; bit < nbits && rc == 0; bit++) {
		if (!ASN1_BIT_STRING_get_bit(ku, bit))
			continue;
		any = 1;
		if (bit >= (int)(sizeof(ku_names) / sizeof(ku_names[0])))
			rc = reject("keyUsage bit %d is not defined", bit);
		else if (!(ok & (1u << bit)))
			rc = reject("keyUsage %s is not allowed for a %s %s "
			    "mailbox certificate (only %s)", ku_names[bit],
			    profile_name(p), kind, allowed);
	}
	if (rc == 0 && !any)
		rc = reject("keyUsage asserts no usage");
	ASN1_BIT_STRING_free(ku);
	return rc;
}

static int
check_eku(X509_EXTENSION *ex, enum cert_profile p)
{
	EXTENDED_KEY_USAGE *eku = NULL;
	const ASN1_OBJECT *obj;
	char on[80];
	int i, nid, rc = 0;

	if ((eku = X509V3_EXT_d2i(ex)) == NULL)
		return reject_ossl("extKeyUsage does not decode");
	if (sk_ASN1_OBJECT_num(eku) == 0)
		rc = reject("extKeyUsage is empty");
	for (i = 0; i < sk_ASN1_OBJECT_num(eku) && rc == 0; i++) {
		obj = sk_ASN1_OBJECT_value(eku, i);
		nid = OBJ_obj2nid(obj);
		if (nid == NID_email_protect ||
		    (nid == NID_client_auth && p == PROFILE_MULTIPURPOSE))
			continue;
		rc = reject("extKeyUsage %s is not allowed for a %s mailbox "
		    "certificate (only emailProtection%s)", objname(on, obj),
		    profile_name(p), p == PROFILE_MULTIPURPOSE ?
		    ", clientAuth" : "");
	}
	EXTENDED_KEY_USAGE_free(eku);
	return rc;
}

static int
check_bc(X509_EXTENSION *ex)
{
	BASIC_CONSTRAINTS *bc = NULL;
	int rc = 0;

	if ((bc = X509V3_EXT_d2i(ex)) == NULL)
		return reject_ossl("basicConstraints does not decode");
	if (bc->ca)
		rc = reject("basicConstraints asks for a CA certificate "
		    "(cA=TRUE)");
	else if (bc->pathlen != NULL)
		rc = reject("basicConstraints has a pathLenConstraint, which "
		    "only a CA certificate can have");
	BASIC_CONSTRAINTS_free(bc);
	return rc;
}

static int
check_extensions(X509_REQ *req, const char *email, enum cert_profile p,
    enum key_type kt)
{
	STACK_OF(X509_EXTENSION) *exts = NULL;
	X509_EXTENSION *ex;
	X509_ATTRIBUTE *attr;
	const ASN1_OBJECT *obj;
	char on[80];
	int i, j, nid, nreq = 0, rc = 0;

	/*
	 * OpenSSL reads only the first extension request and treats one
	 * without a value as none; refuse both rather than vet a part.
	 */
	for (i = 0; i < X509_REQ_get_attr_count(req); i++) {
		attr = X509_REQ_get_attr(req, i);
		nid = OBJ_obj2nid(X509_ATTRIBUTE_get0_object(attr));
		if (nid != NID_ext_req && nid != NID_ms_ext_req)
			continue;
		if (nreq++ > 0)
			return reject("more than one extension request");
		if (X509_ATTRIBUTE_count(attr) != 1)
			return reject("the extension request holds %d values "
			    "instead of one", X509_ATTRIBUTE_count(attr));
	}
	if ((exts = X509_REQ_get_extensions(req)) == NULL)
		return reject_ossl("the extension request does not decode");
	for (i = 0; i < sk_X509_EXTENSION_num(exts) && rc == 0; i++) {
		ex = sk_X509_EXTENSION_value(exts, i);
		obj = X509_EXTENSION_get_object(ex);
		for (j = 0; j < i; j++)
			if (OBJ_cmp(obj, X509_EXTENSION_get_object(
			    sk_X509_EXTENSION_value(exts, j))) == 0)
				break;
		if (j < i) {
			rc = reject("extension %s appears more than once",
			    objname(on, obj));
			break;
		}
		switch (OBJ_obj2nid(obj)) {
		case NID_subject_alt_name:
			rc = check_san(ex, email);
			break;
		case NID_key_usage:
			rc = check_ku(ex, p, kt);
			break;
		case NID_ext_key_usage:
			rc = check_eku(ex, p);
			break;
		case NID_basic_constraints:
			rc = check_bc(ex);
			break;
		default:
			rc = reject("extension %s is not allowed (only "
			    "subjectAltName, keyUsage, extKeyUsage and "
			    "basicConstraints)", objname(on, obj));
			break;
		}
	}
	sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
	return rc;
}

int
csr_check(X509_REQ *req, const char *email, enum cert_profile p)
{
	EVP_PKEY *pk;
	enum key_type kt;
	char inner[512];
	int rc;

	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1)
		return reject("version field %ld is not 0 (v1)",
		    X509_REQ_get_version(req));
	if ((pk = X509_REQ_get0_pubkey(req)) == NULL)
		return reject_ossl("the public key does not decode");
	if (X509_REQ_verify(req, pk) <= 0)
		return reject_ossl("the self-signature does not verify");
	if ((rc = keys_type_of(&kt, pk)) != 0) {
		snprintf(inner, sizeof(inner), "%s", err_msg());
		reject("%s", inner);
		return rc;
	}
	if ((rc = check_subject(req, email)) != 0)
		return rc;
	return check_extensions(req, email, p, kt);
}
