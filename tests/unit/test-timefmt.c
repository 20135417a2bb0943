/*
 * test-timefmt.c: RFC 3339 UTC text, ASN.1 times, and the MAILCERT_NOW
 * override that tests and the integration suite rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <openssl/asn1.h>

#include "err.h"
#include "util/timefmt.h"

/* 2026-03-01T12:34:56Z, worked out by hand: 20513 days plus the hours. */
#define T_2026	((int64_t)20513 * 86400 + 12 * 3600 + 34 * 60 + 56)

static void
test_timefmt__format_known_value(void **state)
{
	char buf[TIMEFMT_LEN];

	(void)state;
	assert_string_equal(timefmt_utc(buf, T_2026), "2026-03-01T12:34:56Z");
	assert_string_equal(timefmt_utc(buf, 0), "1970-01-01T00:00:00Z");
	assert_int_equal(strlen(buf), TIMEFMT_LEN - 1);
}

static void
test_timefmt__round_trip(void **state)
{
	static const int64_t ts[] = { 0, 1, 951782400 /* 2000-02-29 */,
	    T_2026, 2147483647, 2147483648LL, 4102444799LL /* 2099 end */ };
	char buf[TIMEFMT_LEN];
	int64_t back;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		timefmt_utc(buf, ts[i]);
		if (timefmt_parse(&back, buf) != 0)
			fail_msg("%s: %s", buf, err_msg());
		assert_int_equal(back, ts[i]);
	}
}

static void
test_timefmt__parse_date_only(void **state)
{
	int64_t t;

	(void)state;
	assert_int_equal(timefmt_parse(&t, "2026-03-01"), 0);
	assert_int_equal(t, T_2026 - (12 * 3600 + 34 * 60 + 56));
	assert_int_equal(timefmt_parse(&t, "2024-02-29"), 0);
	assert_int_equal(t % 86400, 0);
}

static void
test_timefmt__parse_rejects_bad_strings(void **state)
{
	static const char *const bad[] = {
		"", "yesterday", "2026", "20260301", "2026-13-01",
		"2026-03-01T12:00:00", "2026-03-01T12:00Z",
		"2026-03-01 12:00:00Z", "2026-03-01T12:00:00z",
		"2026-03-01t12:00:00Z", "2026-03-01T12:00:00+01:00",
		"2026-03-01T24:00:00Z", "2026-03-01T12:00:00Z ",
		"2026-03-01T12:00:00Zjunk", "2026-03-01x", "+2026-03-01",
	};
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 42;
		err_clear();
		if (timefmt_parse(&t, bad[i]) != ERR_INVALID)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_int_equal(t, 0);
		assert_non_null(strstr(err_msg(), "is not a date"));
		/* The message quotes the text it refused. */
		if (bad[i][0] != '\0')
			assert_non_null(strstr(err_msg(), bad[i]));
	}
}

static void
test_timefmt__now_honours_env(void **state)
{
	int64_t real, t;

	(void)state;
	assert_int_equal(setenv("MAILCERT_NOW", "2026-03-01T12:34:56Z", 1), 0);
	assert_int_equal(timefmt_now(), T_2026);
	assert_int_equal(setenv("MAILCERT_NOW", "2030-01-01", 1), 0);
	assert_int_equal(timefmt_parse(&t, "2030-01-01"), 0);
	assert_int_equal(timefmt_now(), t);

	/* Unset, empty or unparsable: the real clock. */
	assert_int_equal(unsetenv("MAILCERT_NOW"), 0);
	real = (int64_t)time(NULL);
	t = timefmt_now();
	assert_true(t >= real && t - real < 5);
	assert_int_equal(setenv("MAILCERT_NOW", "", 1), 0);
	t = timefmt_now();
	assert_true(t >= real && t - real < 5);
	assert_int_equal(setenv("MAILCERT_NOW", "not a time", 1), 0);
	t = timefmt_now();
	assert_true(t >= real && t - real < 5);
	assert_int_equal(unsetenv("MAILCERT_NOW"), 0);
}

static void
test_timefmt__asn1(void **state)
{
	/* UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
	static const int64_t ts[] = { T_2026, 2524608000LL /* 2050 */,
	    4102444799LL };
	ASN1_TIME *a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		assert_non_null(a = ASN1_TIME_set(NULL, (time_t)ts[i]));
		assert_int_equal(timefmt_asn1(a), ts[i]);
		ASN1_TIME_free(a);
	}
	assert_non_null(a = ASN1_TIME_new());
	assert_int_equal(ASN1_TIME_set_string(a, "20260301123456Z"), 1);
	assert_int_equal(timefmt_asn1(a), T_2026);
	/* Bytes that are not a time decode to 0, as do NULL times. */
	assert_int_equal(ASN1_STRING_set(a, "garbage", 7), 1);
	assert_int_equal(timefmt_asn1(a), 0);
	ASN1_TIME_free(a);
	assert_int_equal(timefmt_asn1(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timefmt__format_known_value),
		cmocka_unit_test(test_timefmt__round_trip),
		cmocka_unit_test(test_timefmt__parse_date_only),
		cmocka_unit_test(test_timefmt__parse_rejects_bad_strings),
		cmocka_unit_test(test_timefmt__now_honours_env),
		cmocka_unit_test(test_timefmt__asn1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
