/*
 * test-mailbox.c: RFC 5321 Mailbox syntax as mailbox_normalize() accepts
 * it, and the message for every way an address can be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "err.h"
#include "mailbox.h"

/* Normalise addr and expect want. */
static void
ok(const char *addr, const char *want)
{
	char *out = NULL;
	int rc;

	rc = mailbox_normalize(&out, addr);
	if (rc != 0)
		fail_msg("\"%s\": %s", addr, err_msg());
	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

/* Expect addr to be refused with a message containing msg. */
static void
bad(const char *addr, const char *msg)
{
	char *out = (char *)"sentinel";
	int rc;

	err_clear();
	rc = mailbox_normalize(&out, addr);
	assert_int_equal(rc, ERR_INVALID);
	assert_null(out);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", addr, err_msg(),
		    msg);
}

static void
test_mailbox__plain(void **state)
{
	(void)state;
	ok("alice@example.com", "alice@example.com");
	ok("a@b.co", "a@b.co");
	ok("first.last@sub.example.org", "first.last@sub.example.org");
	ok("x@xn--bcher-kva.de", "x@xn--bcher-kva.de");
	ok("a1-b2@a-b.c-d.example", "a1-b2@a-b.c-d.example");
	ok("user@123.example.com", "user@123.example.com");
}

static void
test_mailbox__atext(void **state)
{
	(void)state;
	ok("!#$%&'*+-/=?^_`{|}~@example.com",
	    "!#$%&'*+-/=?^_`{|}~@example.com");
}

static void
test_mailbox__case(void **state)
{
	(void)state;
	ok("Alice.Smith@Example.COM", "Alice.Smith@example.com");
}

static void
test_mailbox__lengths_ok(void **state)
{
	char addr[300];

	(void)state;
	/* 64-octet local part */
	memset(addr, 'a', 64);
	memcpy(addr + 64, "@example.com", sizeof("@example.com"));
	ok(addr, addr);
	/* 63-octet label */
	memcpy(addr, "a@", 2);
	memset(addr + 2, 'b', 63);
	memcpy(addr + 65, ".de", sizeof(".de"));
	ok(addr, addr);
}

static void
test_mailbox__empty(void **state)
{
	(void)state;
	bad("", "empty");
}

static void
test_mailbox__no_at(void **state)
{
	(void)state;
	bad("alice", "has no domain (no \"@\")");
	bad("alice.example.com", "no \"@\"");
}

static void
test_mailbox__empty_parts(void **state)
{
	(void)state;
	bad("@example.com", "empty local part");
	bad("alice@", "empty domain");
}

static void
test_mailbox__local_too_long(void **state)
{
	char addr[100];

	(void)state;
	memset(addr, 'a', 65);
	memcpy(addr + 65, "@example.com", sizeof("@example.com"));
	bad(addr, "longer than 64 octets (65)");
}

static void
test_mailbox__domain_too_long(void **state)
{
	char addr[300];
	size_t i;

	(void)state;
	memcpy(addr, "a@", 2);
	for (i = 0; i < 256; i++)
		addr[2 + i] = (i % 10 == 9) ? '.' : 'd';
	addr[2 + 256 - 1] = 'z';
	addr[2 + 256] = '\0';
	bad(addr, "longer than 255 octets (256)");
}

static void
test_mailbox__address_too_long(void **state)
{
	char addr[300];
	size_t i;

	(void)state;
	/* 60 + 1 + 194 = 255 octets, each part within its own limit */
	memset(addr, 'a', 60);
	addr[60] = '@';
	for (i = 0; i < 194; i++)
		addr[61 + i] = (i % 10 == 9) ? '.' : 'd';
	addr[61 + 193] = 'z';
	addr[61 + 194] = '\0';
	bad(addr, "longer than 254 octets (255)");
	addr[61 + 193] = '\0';
	addr[61 + 192] = 'z';
	ok(addr, addr);
}

static void
test_mailbox__bad_local_char(void **state)
{
	(void)state;
	bad("a b@example.com",
	    "character ' ' (0x20) is not allowed in a local part");
	bad("a,b@example.com", "character ',' (0x2c)");
	bad("a(b)@example.com", "character '(' (0x28)");
	bad("a\tb@example.com", "character 0x09 is not allowed");
	bad("a@b@example.com", "character '@' (0x40)");
	bad("a\\b@example.com", "character '\\' (0x5c)");
	bad("a\"b@example.com", "character '\"' (0x22)");
}

static void
test_mailbox__control_char_escaped(void **state)
{
	(void)state;
	/* the address is quoted in the message without the raw byte */
	bad("a\nb@example.com", "\"a\\x0ab@example.com\"");
}

static void
test_mailbox__local_dots(void **state)
{
	(void)state;
	bad(".alice@example.com", "starts with a dot");
	bad("alice.@example.com", "ends with a dot");
	bad("al..ice@example.com", "consecutive dots");
}

static void
test_mailbox__quoted(void **state)
{
	(void)state;
	bad("\"alice\"@example.com", "quoted local parts are not supported");
	bad("\"a@b\"@example.com", "quoted local parts are not supported");
}

static void
test_mailbox__literal(void **state)
{
	(void)state;
	bad("alice@[192.0.2.1]", "address literal");
	bad("alice@[IPv6:2001:db8::1]", "address literal");
}

static void
test_mailbox__utf8_local(void **state)
{
	(void)state;
	bad("j\xc3\xb6rg@example.com", "SmtpUTF8Mailbox");
	bad("j\xc3\xb6rg@example.com", "does not issue yet");
}

static void
test_mailbox__utf8_domain(void **state)
{
	(void)state;
	bad("x@b\xc3\xbc" "cher.de", "\"xn--bcher-kva.de\"");
	bad("x@B\xc3\xbc" "cher.example", "A-label, \"xn--bcher-kva.example\"");
	/* RFC 3492 7.1 sample (L): 3<nen>B<gumi><kinpachi><sensei> */
	bad("x@3\xe5\xb9\xb4" "B\xe7\xb5\x84\xe9\x87\x91\xe5\x85\xab"
	    "\xe5\x85\x88\xe7\x94\x9f.jp",
	    "\"xn--3b-ww4c5e180e575a65lsy2b.jp\"");
	bad("x@\xe4\xbe\x8b\xe3\x81\x88.\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88",
	    "\"xn--r8jz45g.xn--zckzah\"");
	bad("x@ex\xff.com",
	    "\"ex\\xff.com\" is neither ASCII nor valid UTF-8");
	bad("x@ex\xc0\xaf.com", "nor valid UTF-8");
}

static void
test_mailbox__bad_domain_char(void **state)
{
	(void)state;
	bad("a@exa_mple.com",
	    "character '_' (0x5f) is not allowed in a domain");
	bad("a@exa mple.com", "character ' ' (0x20)");
}

static void
test_mailbox__domain_dots(void **state)
{
	(void)state;
	bad("a@.example.com", "starts with a dot");
	bad("a@example.com.", "ends with a dot");
	bad("a@example..com", "consecutive dots");
}

static void
test_mailbox__single_label(void **state)
{
	(void)state;
	bad("a@localhost", "domain \"localhost\" must have at least two "
	    "labels");
}

static void
test_mailbox__label_too_long(void **state)
{
	char addr[100];

	(void)state;
	memcpy(addr, "a@", 2);
	memset(addr + 2, 'b', 64);
	memcpy(addr + 66, ".de", sizeof(".de"));
	bad(addr, "longer than 63 octets (64)");
}

static void
test_mailbox__hyphens(void **state)
{
	(void)state;
	bad("a@-example.com", "starts with a hyphen");
	bad("a@example-.com", "ends with a hyphen");
	bad("a@example.com-", "ends with a hyphen");
}

static void
test_mailbox__numeric_tld(void **state)
{
	(void)state;
	bad("a@192.0.2.1", "all-numeric top-level label");
	bad("a@example.123", "all-numeric");
}

static void
test_mailbox__domain_of(void **state)
{
	(void)state;
	assert_string_equal(mailbox_domain("a@example.com"), "example.com");
	assert_string_equal(mailbox_domain("noat"), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mailbox__plain),
		cmocka_unit_test(test_mailbox__atext),
		cmocka_unit_test(test_mailbox__case),
		cmocka_unit_test(test_mailbox__lengths_ok),
		cmocka_unit_test(test_mailbox__empty),
		cmocka_unit_test(test_mailbox__no_at),
		cmocka_unit_test(test_mailbox__empty_parts),
		cmocka_unit_test(test_mailbox__local_too_long),
		cmocka_unit_test(test_mailbox__domain_too_long),
		cmocka_unit_test(test_mailbox__address_too_long),
		cmocka_unit_test(test_mailbox__bad_local_char),
		cmocka_unit_test(test_mailbox__control_char_escaped),
		cmocka_unit_test(test_mailbox__local_dots),
		cmocka_unit_test(test_mailbox__quoted),
		cmocka_unit_test(test_mailbox__literal),
		cmocka_unit_test(test_mailbox__utf8_local),
		cmocka_unit_test(test_mailbox__utf8_domain),
		cmocka_unit_test(test_mailbox__bad_domain_char),
		cmocka_unit_test(test_mailbox__domain_dots),
		cmocka_unit_test(test_mailbox__single_label),
		cmocka_unit_test(test_mailbox__label_too_long),
		cmocka_unit_test(test_mailbox__hyphens),
		cmocka_unit_test(test_mailbox__numeric_tld),
		cmocka_unit_test(test_mailbox__domain_of),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
