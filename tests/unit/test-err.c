/*
 * test-err.c: error codes, their texts, and the per-thread message buffer.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "err.h"

static const int all_codes[] = {
	ERR_OK, ERR_INTERNAL, ERR_NOMEM, ERR_INVALID, ERR_NOTFOUND,
	ERR_EXISTS, ERR_IO, ERR_CRYPTO, ERR_STORE, ERR_PROFILE, ERR_UNINIT,
	ERR_GUARD,
};
#define NCODES	(sizeof(all_codes) / sizeof(all_codes[0]))

/* Make OpenSSL queue a decoding error, as a failed parse would. */
static void
provoke_openssl_error(void)
{
	static const unsigned char junk[] = { 0x30, 0x82, 0x01 };
	const unsigned char *p = junk;

	ERR_clear_error();
	assert_null(d2i_X509(NULL, &p, (long)sizeof(junk)));
	assert_int_not_equal(ERR_peek_error(), 0);
}

static void
test_err__set_returns_rc_and_message(void **state)
{
	(void)state;
	err_clear();
	assert_string_equal(err_msg(), "");
	assert_int_equal(err_set(ERR_INVALID, "bad \"%s\" (%d)", "x", 7),
	    ERR_INVALID);
	assert_string_equal(err_msg(), "bad \"x\" (7)");
	assert_int_equal(err_set(ERR_NOTFOUND, "second"), ERR_NOTFOUND);
	assert_string_equal(err_msg(), "second");
	err_clear();
	assert_string_equal(err_msg(), "");
}

static void
test_err__set_truncates_long_message(void **state)
{
	char big[3000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(err_set(ERR_IO, "%s", big), ERR_IO);
	assert_int_equal(strlen(err_msg()), 1023);
	assert_int_equal(err_msg()[0], 'a');
}

static void
test_err__ossl_appends_reason_and_drains(void **state)
{
	const char *reason;
	unsigned long e;

	(void)state;
	provoke_openssl_error();
	/* The innermost (last) entry is the one err_ossl() reports. */
	e = ERR_peek_last_error();
	assert_non_null(reason = ERR_reason_error_string(e));
	assert_int_equal(err_ossl(ERR_CRYPTO, "cannot read %s", "cert.der"),
	    ERR_CRYPTO);
	assert_true(strncmp(err_msg(), "cannot read cert.der: ", 22) == 0);
	assert_string_equal(err_msg() + 22, reason);
	assert_int_equal(ERR_peek_error(), 0);
}

static void
test_err__ossl_empty_queue_adds_nothing(void **state)
{
	(void)state;
	ERR_clear_error();
	assert_int_equal(err_ossl(ERR_INTERNAL, "plain"), ERR_INTERNAL);
	assert_string_equal(err_msg(), "plain");
}

static void
test_err__ossl_stale_entries_do_not_leak(void **state)
{
	(void)state;
	provoke_openssl_error();
	err_ossl(ERR_CRYPTO, "first");
	/* Nothing queued since: the second message must stay bare. */
	err_ossl(ERR_CRYPTO, "second");
	assert_string_equal(err_msg(), "second");
}

static void
test_err__is_user_mapping(void **state)
{
	static const int user[] = { ERR_INVALID, ERR_NOTFOUND, ERR_EXISTS,
	    ERR_IO, ERR_PROFILE, ERR_UNINIT, ERR_GUARD };
	static const int internal[] = { ERR_OK, ERR_INTERNAL, ERR_NOMEM,
	    ERR_CRYPTO, ERR_STORE, -99, 5 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(user) / sizeof(user[0]); i++)
		if (err_is_user(user[i]) != 1)
			fail_msg("err_is_user(%d) != 1", user[i]);
	for (i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		if (err_is_user(internal[i]) != 0)
			fail_msg("err_is_user(%d) != 0", internal[i]);
}

static void
test_err__str_of_every_code(void **state)
{
	static const char *const want[] = {
		"success", "internal error", "out of memory", "invalid input",
		"not found", "already exists", "input/output error",
		"cryptographic failure", "database failure",
		"certificate profile violation",
		"data directory not initialised", "stopped by a safety guard",
	};
	size_t i, j;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), NCODES);
	for (i = 0; i < NCODES; i++) {
		assert_string_equal(err_str(all_codes[i]), want[i]);
		/* Every code has its own text. */
		for (j = 0; j < i; j++)
			assert_string_not_equal(err_str(all_codes[i]),
			    err_str(all_codes[j]));
	}
	assert_string_equal(err_str(-12), "unknown error");
	assert_string_equal(err_str(1), "unknown error");
}

struct thread_arg {
	char	 before[64];	/* the thread's message on entry */
	char	 after[64];	/* its message after its own err_set */
};

static void *
thread_main(void *p)
{
	struct thread_arg *a = p;

	snprintf(a->before, sizeof(a->before), "%s", err_msg());
	err_set(ERR_IO, "from the thread");
	snprintf(a->after, sizeof(a->after), "%s", err_msg());
	return NULL;
}

static void
test_err__message_is_per_thread(void **state)
{
	pthread_t t1, t2;
	struct thread_arg a1, a2;

	(void)state;
	err_set(ERR_INVALID, "from main");
	memset(&a1, 'x', sizeof(a1));
	memset(&a2, 'x', sizeof(a2));
	assert_int_equal(pthread_create(&t1, NULL, thread_main, &a1), 0);
	assert_int_equal(pthread_create(&t2, NULL, thread_main, &a2), 0);
	assert_int_equal(pthread_join(t1, NULL), 0);
	assert_int_equal(pthread_join(t2, NULL), 0);
	assert_string_equal(a1.before, "");
	assert_string_equal(a2.before, "");
	assert_string_equal(a1.after, "from the thread");
	assert_string_equal(a2.after, "from the thread");
	assert_string_equal(err_msg(), "from main");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err__set_returns_rc_and_message),
		cmocka_unit_test(test_err__set_truncates_long_message),
		cmocka_unit_test(test_err__ossl_appends_reason_and_drains),
		cmocka_unit_test(test_err__ossl_empty_queue_adds_nothing),
		cmocka_unit_test(test_err__ossl_stale_entries_do_not_leak),
		cmocka_unit_test(test_err__is_user_mapping),
		cmocka_unit_test(test_err__str_of_every_code),
		cmocka_unit_test(test_err__message_is_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
