/*
 * test-sst.c: Microsoft serialized stores. The writer's bytes are checked
 * field by field against the layout without the reader; stores in the
 * shapes Windows writes (properties before each certificate, CRL and CTL
 * elements) are built here byte by byte and read back; and every way a
 * store can be broken is refused with a message naming the offset.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"
#include "helpers.h"
#include "sst.h"

#define NAME	"chain.sst"

struct fixture {
	EVP_PKEY	*key;
	X509		*cert[3];	/* CN "cert 0" .. "cert 2" */
	unsigned char	*der[3];	/* their DER */
	int		 derlen[3];
};

/* A store under construction, written without any of sst.c. */
struct buf {
	unsigned char	*p;
	size_t		 len;
	size_t		 cap;		/* allocated; grows by doubling */
};

static X509 *
make_cert(EVP_PKEY *pk, const char *cn)
{
	X509 *x;
	X509_NAME *nm;

	if ((x = X509_new()) == NULL)
		return NULL;
	nm = X509_get_subject_name(x);
	if (!X509_set_version(x, X509_VERSION_3) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    !X509_NAME_add_entry_by_NID(nm, NID_commonName, MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_issuer_name(x, nm) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), 0, 0, NULL) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 1, 0, NULL) ||
	    !X509_set_pubkey(x, pk) || !X509_sign(x, pk, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
setup(void **state)
{
	struct fixture *f;
	char cn[16];
	int i;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	*state = f;
	if ((f->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		return -1;
	for (i = 0; i < 3; i++) {
		snprintf(cn, sizeof(cn), "cert %d", i);
		if ((f->cert[i] = make_cert(f->key, cn)) == NULL ||
		    (f->derlen[i] = i2d_X509(f->cert[i], &f->der[i])) <= 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	for (i = 0; i < 3; i++) {
		X509_free(f->cert[i]);
		OPENSSL_free(f->der[i]);
	}
	EVP_PKEY_free(f->key);
	free(f);
	return 0;
}

static void
add_bytes(struct buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = b->len + n > 2 * b->cap ? b->len + n : 2 * b->cap;
		assert_non_null(b->p = realloc(b->p, b->cap));
	}
	if (n > 0)
		memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
add_u32(struct buf *b, uint32_t v)
{
	unsigned char le[4] = { v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
	    (v >> 24) & 0xff };

	add_bytes(b, le, 4);
}

static void
add_header(struct buf *b)
{
	add_bytes(b, "\0\0\0\0CERT", 8);
}

/* An element with an honest length field. */
static void
add_elem(struct buf *b, uint32_t id, const void *val, size_t n)
{
	add_u32(b, id);
	add_u32(b, 1);
	add_u32(b, (uint32_t)n);
	add_bytes(b, val, n);
}

static void
add_cert(struct buf *b, struct fixture *f, int i)
{
	add_elem(b, 0x20, f->der[i], (size_t)f->derlen[i]);
}

static void
add_end(struct buf *b)
{
	add_bytes(b, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
}

/* The properties Windows puts before a certificate, SHA-1 hash last. */
static void
add_windows_props(struct buf *b, struct fixture *f, int i)
{
	/* "cert" in UTF-16LE with the terminating NUL */
	static const unsigned char fname[] = { 'c', 0, 'e', 0, 'r', 0, 't',
	    0, 0, 0 };
	static const unsigned char eku[] = { 0x30, 0x0a, 0x06, 0x08, 0x2b,
	    0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x04 };
	unsigned char sha1[20];
	unsigned int n;

	assert_true(X509_digest(f->cert[i], EVP_sha1(), sha1, &n));
	add_elem(b, 11, fname, sizeof(fname));
	add_elem(b, 9, eku, sizeof(eku));
	add_elem(b, 20, sha1, 20);
	add_elem(b, 3, sha1, n);
}

static STACK_OF(X509) *
read_ok(const struct buf *b, int want_n)
{
	STACK_OF(X509) *sk = NULL;

	if (sst_read(&sk, b->p, b->len, NAME) != 0)
		fail_msg("sst_read: %s", err_msg());
	assert_non_null(sk);
	assert_int_equal(sk_X509_num(sk), want_n);
	return sk;
}

static void
read_bad(const void *data, size_t len, const char *msg)
{
	STACK_OF(X509) *sk = (STACK_OF(X509) *)&sk;

	err_clear();
	assert_int_equal(sst_read(&sk, data, len, NAME), ERR_INVALID);
	assert_null(sk);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), msg);
	if (strstr(err_msg(), "\"" NAME "\"") == NULL)
		fail_msg("message \"%s\" does not name the file", err_msg());
}

static void
buf_bad(struct buf *b, const char *msg)
{
	read_bad(b->p, b->len, msg);
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

static STACK_OF(X509) *
stack_of(struct fixture *f, int n)
{
	STACK_OF(X509) *sk;
	int i;

	assert_non_null(sk = sk_X509_new_null());
	for (i = 0; i < n; i++)
		assert_true(sk_X509_push(sk, f->cert[i]) > 0);
	return sk;
}

static uint32_t
le32_at(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
test_sst__round_trip(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *in = stack_of(f, 3), *out;
	struct buf b = { NULL, 0, 0 };
	int i;

	ok(sst_write(&b.p, &b.len, in));
	assert_true(sst_is(b.p, b.len));
	out = read_ok(&b, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(X509_cmp(sk_X509_value(out, i), f->cert[i]),
		    0);
	sk_X509_pop_free(out, X509_free);
	sk_X509_free(in);
	free(b.p);
}

/* The writer's output, field by field, without sst_read(). */
static void
test_sst__layout(void **state)
{
	struct fixture *f = *state;
	STACK_OF(X509) *in = stack_of(f, 2);
	unsigned char *out = NULL;
	size_t len, off, want;
	int i;

	ok(sst_write(&out, &len, in));
	want = 8 + 12 + (size_t)f->derlen[0] + 12 + (size_t)f->derlen[1] +
	    12;
	assert_int_equal(len, want);
	assert_memory_equal(out, "\x00\x00\x00\x00\x43\x45\x52\x54", 8);
	off = 8;
	for (i = 0; i < 2; i++) {
		assert_int_equal(le32_at(out + off), 0x20);
		assert_int_equal(le32_at(out + off + 4), 1);
		assert_int_equal(le32_at(out + off + 8), f->derlen[i]);
		/* little-endian: the low byte comes first */
		assert_int_equal(out[off + 8], f->derlen[i] & 0xff);
		assert_int_equal(out[off + 9], (f->derlen[i] >> 8) & 0xff);
		assert_memory_equal(out + off + 12, f->der[i],
		    (size_t)f->derlen[i]);
		off += 12 + (size_t)f->derlen[i];
	}
	assert_memory_equal(out + off, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	assert_int_equal(off + 12, len);
	sk_X509_free(in);
	free(out);
}

static void
test_sst__write_empty(void **state)
{
	STACK_OF(X509) *sk;
	unsigned char *out = (unsigned char *)&out;
	size_t len = 1;

	(void)state;
	assert_non_null(sk = sk_X509_new_null());
	err_clear();
	assert_int_equal(sst_write(&out, &len, sk), ERR_INVALID);
	assert_null(out);
	assert_int_equal(len, 0);
	assert_non_null(strstr(err_msg(), "at least one certificate"));
	sk_X509_free(sk);
}

static void
test_sst__properties(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	STACK_OF(X509) *sk;
	int i;

	add_header(&b);
	for (i = 0; i < 3; i++) {
		add_windows_props(&b, f, i);
		add_cert(&b, f, i);
	}
	add_end(&b);
	sk = read_ok(&b, 3);
	for (i = 0; i < 3; i++)
		assert_int_equal(X509_cmp(sk_X509_value(sk, i), f->cert[i]), 0);
	sk_X509_pop_free(sk, X509_free);
	free(b.p);
}

static void
test_sst__crl_ctl_skipped(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	STACK_OF(X509) *sk;

	add_header(&b);
	add_cert(&b, f, 0);
	/* CRL with a property of its own, then a CTL: neither is read. */
	add_elem(&b, 3, "01234567890123456789", 20);
	add_elem(&b, 0x21, "\x30\x03\x02\x01\x01", 5);
	add_elem(&b, 0x22, "\x30\x00", 2);
	add_cert(&b, f, 1);
	add_elem(&b, 0x21, "", 0);
	add_end(&b);
	sk = read_ok(&b, 2);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 0), f->cert[0]), 0);
	assert_int_equal(X509_cmp(sk_X509_value(sk, 1), f->cert[1]), 0);
	sk_X509_pop_free(sk, X509_free);
	free(b.p);
}

static void
test_sst__is(void **state)
{
	(void)state;
	assert_true(sst_is((const unsigned char *)"\0\0\0\0CERT", 8));
	/* a wrong version is still a store, for sst_read() to refuse */
	assert_true(sst_is((const unsigned char *)"\1\0\0\0CERT", 8));
	assert_false(sst_is((const unsigned char *)"\0\0\0\0CER", 7));
	assert_false(sst_is((const unsigned char *)"\0\0\0\0CERX", 8));
	assert_false(sst_is((const unsigned char *)"-----BEGIN CERT", 15));
	assert_false(sst_is((const unsigned char *)"", 0));
}

static void
test_sst__bad_header(void **state)
{
	(void)state;
	read_bad("\0\0\0\0", 4, "bad SST header at offset 0: 4 bytes, 8 "
	    "needed");
	read_bad("\0\0\0\0CERXxxxxxxxxxxxx", 20, "bad SST header at offset "
	    "0: no \"CERT\" magic");
	read_bad("\1\0\0\0CERT\0\0\0\0\0\0\0\0\0\0\0\0", 20, "bad SST header "
	    "at offset 0: version 1, not 0");
}

static void
test_sst__truncated(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	char want[96];

	add_header(&b);
	add_bytes(&b, "\x20\0\0\0\1", 5);
	buf_bad(&b, "truncated SST element header at offset 8 (5 of 12 "
	    "bytes)");

	/* the end marker cut short after one certificate */
	add_header(&b);
	add_cert(&b, f, 0);
	snprintf(want, sizeof(want), "truncated SST element header at offset "
	    "%zu (6 of 12 bytes)", b.len);
	add_bytes(&b, "\0\0\0\0\0\0", 6);
	buf_bad(&b, want);

	/* a certificate element cut inside its value */
	add_header(&b);
	add_cert(&b, f, 0);
	b.len -= 10;
	buf_bad(&b, "SST element at offset 8 has length");
}

static void
test_sst__length_past_end(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	char want[128];

	add_header(&b);
	add_u32(&b, 0x20);
	add_u32(&b, 1);
	add_u32(&b, 1000);
	add_bytes(&b, "0123456789", 10);
	buf_bad(&b, "SST element at offset 8 has length 1000, past the end "
	    "of the data (10 bytes left)");

	/* the largest length must not wrap the offset around */
	add_header(&b);
	add_cert(&b, f, 0);
	add_u32(&b, 3);
	add_u32(&b, 1);
	add_u32(&b, 0xffffffff);
	add_end(&b);
	snprintf(want, sizeof(want), "SST element at offset %zu has length "
	    "4294967295, past the end of the data (12 bytes left)",
	    (size_t)(20 + f->derlen[0]));
	buf_bad(&b, want);

	/* a length one byte over the value that is there */
	add_header(&b);
	add_u32(&b, 0x20);
	add_u32(&b, 1);
	add_u32(&b, (uint32_t)f->derlen[0] + 13);
	add_bytes(&b, f->der[0], (size_t)f->derlen[0]);
	add_end(&b);
	buf_bad(&b, "past the end of the data");
}

static void
test_sst__encoding(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };

	add_header(&b);
	add_u32(&b, 0x20);
	add_u32(&b, 2);
	add_u32(&b, (uint32_t)f->derlen[0]);
	add_bytes(&b, f->der[0], (size_t)f->derlen[0]);
	add_end(&b);
	buf_bad(&b, "SST element at offset 8 has encoding type 2, not 1");

	/* on a property too, after a good certificate */
	add_header(&b);
	add_cert(&b, f, 0);
	add_u32(&b, 11);
	add_u32(&b, 0x10001);
	add_u32(&b, 0);
	add_cert(&b, f, 1);
	add_end(&b);
	buf_bad(&b, "has encoding type 65537, not 1");
}

static void
test_sst__not_a_certificate(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	unsigned char *two;
	size_t n0 = (size_t)f->derlen[0], n1 = (size_t)f->derlen[1];
	char want[96];

	add_header(&b);
	add_elem(&b, 0x20, "\x30\x03\x02\x01\x01", 5);
	add_end(&b);
	buf_bad(&b, "SST certificate element at offset 8 does not decode as "
	    "a DER certificate");

	add_header(&b);
	add_elem(&b, 0x20, "", 0);
	add_end(&b);
	buf_bad(&b, "SST certificate element at offset 8 does not decode");

	/* two certificates in one element are not one certificate */
	assert_non_null(two = malloc(n0 + n1));
	memcpy(two, f->der[0], n0);
	memcpy(two + n0, f->der[1], n1);
	add_header(&b);
	add_elem(&b, 0x20, two, n0 + n1);
	add_end(&b);
	free(two);
	snprintf(want, sizeof(want), "at offset 8 has %zu bytes after the "
	    "certificate", n1);
	buf_bad(&b, want);
}

static void
test_sst__no_end_marker(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	char want[96];

	add_header(&b);
	add_cert(&b, f, 0);
	snprintf(want, sizeof(want), "SST has no end marker (the data ends "
	    "at offset %zu)", b.len);
	buf_bad(&b, want);
	read_bad("\0\0\0\0CERT", 8, "SST has no end marker (the data ends at "
	    "offset 8)");
}

static void
test_sst__trailing(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	char want[96];
	size_t end;

	add_header(&b);
	add_cert(&b, f, 0);
	end = b.len;
	add_end(&b);
	add_bytes(&b, "hello", 5);
	snprintf(want, sizeof(want), "5 bytes of trailing data after the SST "
	    "end marker at offset %zu", end);
	buf_bad(&b, want);

	/* a second end marker is trailing data too */
	add_header(&b);
	add_cert(&b, f, 0);
	add_end(&b);
	add_end(&b);
	buf_bad(&b, "12 bytes of trailing data after the SST end marker");
}

static void
test_sst__properties_without_cert(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	char want[128];
	size_t props;

	add_header(&b);
	add_cert(&b, f, 0);
	props = b.len;
	add_windows_props(&b, f, 1);
	snprintf(want, sizeof(want), "SST property element at offset %zu is "
	    "followed by no certificate (end marker at offset %zu)", props,
	    b.len);
	add_end(&b);
	buf_bad(&b, want);
}

static void
test_sst__id_zero(void **state)
{
	struct buf b = { NULL, 0, 0 };

	(void)state;
	add_header(&b);
	add_elem(&b, 0, "x", 1);
	add_end(&b);
	buf_bad(&b, "SST element at offset 8 has id 0 but is no end marker");
}

static void
test_sst__no_certificate(void **state)
{
	struct buf b = { NULL, 0, 0 };

	(void)state;
	add_header(&b);
	add_end(&b);
	buf_bad(&b, "SST holds no certificate");
	add_header(&b);
	add_elem(&b, 0x21, "\x30\x00", 2);
	add_end(&b);
	buf_bad(&b, "SST holds no certificate");
}

static void
test_sst__too_many_elements(void **state)
{
	struct buf b = { NULL, 0, 0 };
	char want[96];
	int i;

	(void)state;
	add_header(&b);
	for (i = 0; i <= SST_MAX_ELEMENTS; i++)
		add_elem(&b, 11, "", 0);
	add_end(&b);
	snprintf(want, sizeof(want), "SST has more than %d elements (at "
	    "offset %zu)", SST_MAX_ELEMENTS, (size_t)8 + 12 *
	    (size_t)SST_MAX_ELEMENTS);
	buf_bad(&b, want);
}

static void
test_sst__too_many_certs(void **state)
{
	struct fixture *f = *state;
	struct buf b = { NULL, 0, 0 };
	int i;

	add_header(&b);
	for (i = 0; i <= SST_MAX_CERTS; i++)
		add_cert(&b, f, 0);
	add_end(&b);
	buf_bad(&b, "SST holds more than 10000 certificates");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sst__round_trip),
		cmocka_unit_test(test_sst__layout),
		cmocka_unit_test(test_sst__write_empty),
		cmocka_unit_test(test_sst__properties),
		cmocka_unit_test(test_sst__crl_ctl_skipped),
		cmocka_unit_test(test_sst__is),
		cmocka_unit_test(test_sst__bad_header),
		cmocka_unit_test(test_sst__truncated),
		cmocka_unit_test(test_sst__length_past_end),
		cmocka_unit_test(test_sst__encoding),
		cmocka_unit_test(test_sst__not_a_certificate),
		cmocka_unit_test(test_sst__no_end_marker),
		cmocka_unit_test(test_sst__trailing),
		cmocka_unit_test(test_sst__properties_without_cert),
		cmocka_unit_test(test_sst__id_zero),
		cmocka_unit_test(test_sst__no_certificate),
		cmocka_unit_test(test_sst__too_many_elements),
		cmocka_unit_test(test_sst__too_many_certs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
