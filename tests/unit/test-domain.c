/*
 * test-domain.c: domain add/assert/verify and the state rules, on a real
 * store. Lookups here only ever fail (a loopback UDP socket that never
 * answers); successful DNS verification runs against dnsmasq in
 * tests/integration/domain.sh.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "helpers.h"
#include "domain.h"

#define NOW	"2026-03-01T12:00:00Z"

struct fixture {
	struct tenv	*e;
	int64_t		 now;
	int		 mute;		/* bound UDP socket that never answers */
};

static int
setup(void **state)
{
	struct fixture *fx;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char buf[32];

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	fx->e = tenv_new(0);
	if (timefmt_parse(&fx->now, NOW) != 0 ||
	    (fx->mute = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fx->mute, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fx->mute, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "127.0.0.1:%d", ntohs(sin.sin_port));
	if ((fx->e->cfg->dns_servers = strdup(buf)) == NULL)
		return -1;
	fx->e->cfg->dns_timeout_ms = 100;
	fx->e->cfg->dns_tries = 1;
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	close(fx->mute);
	tenv_free(fx->e);
	free(fx);
	return 0;
}

static struct store_domain *
get(struct fixture *fx, const char *name)
{
	struct store_domain *d = NULL;

	ok(store_domain_get(&d, fx->e->st, name));
	return d;
}

static void
test_domain__add(void **state)
{
	struct fixture *fx = *state;
	struct store_domain *d = NULL, *again = (struct store_domain *)&d;
	char *rec = NULL, want[128];

	ok(domain_add(&d, fx->e->st, "Example.ORG"));
	assert_string_equal(d->name, "example.org");
	assert_int_equal(strlen(d->token), 32);
	assert_int_equal(strspn(d->token, "0123456789abcdef"), 32);
	assert_int_equal(d->method, STORE_DOMAIN_NONE);
	assert_int_equal(domain_state(d, fx->now), DOMAIN_STATE_UNVERIFIED);
	assert_int_equal(domain_days_left(d, fx->now), 0);
	ok(domain_record(&rec, d));
	snprintf(want, sizeof(want), "_mailcert.example.org. TXT "
	    "\"mailcert-verify=%s\"", d->token);
	assert_string_equal(rec, want);
	free(rec);
	want_msg(domain_add(&again, fx->e->st, "example.org"), ERR_EXISTS,
	    "domain \"example.org\" exists already");
	assert_null(again);
	want_msg(domain_add(&again, fx->e->st, "EXAMPLE.org"), ERR_EXISTS,
	    "exists already");
	/* the first token stands */
	again = get(fx, "example.org");
	assert_string_equal(again->token, d->token);
	store_domain_free(again);
	store_domain_free(d);
}

static void
test_domain__tokens_differ(void **state)
{
	struct fixture *fx = *state;
	struct store_domain *a = NULL, *b = NULL;

	ok(domain_add(&a, fx->e->st, "a.example"));
	ok(domain_add(&b, fx->e->st, "b.example"));
	assert_string_not_equal(a->token, b->token);
	store_domain_free(a);
	store_domain_free(b);
}

static void
test_domain__bad_names(void **state)
{
	struct fixture *fx = *state;
	struct store_domain *d = NULL, **v = NULL;
	char longname[260];
	size_t n = 9;

	want_msg(domain_add(&d, fx->e->st, ""), ERR_INVALID, "empty");
	want_msg(domain_add(&d, fx->e->st, "localhost"), ERR_INVALID,
	    "at least two labels");
	want_msg(domain_add(&d, fx->e->st, "exa mple.org"), ERR_INVALID,
	    "character ' ' (0x20) is not allowed");
	want_msg(domain_add(&d, fx->e->st, "-a.example.org"), ERR_INVALID,
	    "starts with a hyphen");
	want_msg(domain_add(&d, fx->e->st, "a..org"), ERR_INVALID,
	    "consecutive dots");
	want_msg(domain_add(&d, fx->e->st, "example.org."), ERR_INVALID,
	    "ends with a dot");
	want_msg(domain_add(&d, fx->e->st, "b\xc3\xbc" "cher.example"),
	    ERR_INVALID, "xn--bcher-kva.example");
	want_msg(domain_add(&d, fx->e->st, "a@example.org"), ERR_INVALID,
	    "'@'");
	/* 4 x 60 + 3 dots + ".org" = 247: fine for mail, not with _mailcert */
	memset(longname, 'a', sizeof(longname));
	longname[60] = longname[121] = longname[182] = '.';
	snprintf(longname + 243, sizeof(longname) - 243, ".org");
	want_msg(domain_add(&d, fx->e->st, longname), ERR_INVALID,
	    "too long for its _mailcert. record");
	want_msg(domain_assert(&d, fx->e->st, "localhost", fx->now),
	    ERR_INVALID, "at least two labels");
	assert_null(d);
	ok(store_domain_list(&v, &n, fx->e->st));
	assert_int_equal(n, 0);
	store_domain_list_free(v, n);
}

static void
test_domain__assert(void **state)
{
	struct fixture *fx = *state;
	struct store_domain *d = NULL, *a = NULL;
	int64_t later = fx->now + 200 * DAY;

	ok(domain_add(&d, fx->e->st, "example.org"));
	ok(domain_assert(&a, fx->e->st, "EXAMPLE.org", fx->now));
	assert_string_equal(a->token, d->token);
	assert_int_equal(a->method, STORE_DOMAIN_ASSERT);
	assert_int_equal(a->verified_at, fx->now);
	assert_int_equal(a->valid_until, fx->now + 365 * DAY);
	assert_int_equal(domain_days_left(a, fx->now), 365);
	assert_int_equal(domain_state(a, fx->now), DOMAIN_STATE_VERIFIED);
	store_domain_free(a);
	/* asserting again a year on extends; a new domain is added */
	ok(domain_assert(&a, fx->e->st, "example.org", later));
	assert_int_equal(a->valid_until, later + 365 * DAY);
	store_domain_free(a);
	ok(domain_assert(&a, fx->e->st, "new.example", fx->now));
	assert_int_equal(strlen(a->token), 32);
	store_domain_free(a);
	a = get(fx, "new.example");
	assert_int_equal(a->method, STORE_DOMAIN_ASSERT);
	store_domain_free(a);
	store_domain_free(d);
}

static void
test_domain__states(void **state)
{
	struct fixture *fx = *state;
	struct store_domain d;

	(void)fx;
	memset(&d, 0, sizeof(d));
	assert_int_equal(domain_state(&d, 0), DOMAIN_STATE_UNVERIFIED);
	d.method = STORE_DOMAIN_DNS;
	d.verified_at = 1000 * DAY;
	d.valid_until = d.verified_at + 365 * DAY;
	assert_int_equal(domain_state(&d, d.verified_at),
	    DOMAIN_STATE_VERIFIED);
	assert_int_equal(domain_state(&d, d.valid_until - 30 * DAY),
	    DOMAIN_STATE_VERIFIED);
	assert_int_equal(domain_days_left(&d, d.valid_until - 30 * DAY), 30);
	assert_int_equal(domain_state(&d, d.valid_until - 30 * DAY + 1),
	    DOMAIN_STATE_EXPIRING);
	assert_int_equal(domain_days_left(&d, d.valid_until - 30 * DAY + 1),
	    29);
	assert_int_equal(domain_state(&d, d.valid_until - 1),
	    DOMAIN_STATE_EXPIRING);
	assert_int_equal(domain_state(&d, d.valid_until),
	    DOMAIN_STATE_LAPSED);
	assert_int_equal(domain_days_left(&d, d.valid_until + DAY), 0);
	assert_string_equal(domain_state_name(DOMAIN_STATE_EXPIRING),
	    "expiring");
	assert_string_equal(domain_state_name(DOMAIN_STATE__MAX), "unknown");
}

static void
test_domain__verify_fails_keeps_validity(void **state)
{
	struct fixture *fx = *state;
	struct store_domain *d = NULL;
	int64_t later = fx->now + 340 * DAY;

	want_msg(domain_verify(fx->e->st, fx->e->cfg, "nope.example",
	    fx->now), ERR_NOTFOUND, "no domain \"nope.example\"");
	ok(domain_assert(&d, fx->e->st, "example.org", fx->now));
	store_domain_free(d);
	want_msg(domain_verify(fx->e->st, fx->e->cfg, "example.org", later),
	    ERR_IO, "no answer from DNS servers");
	assert_non_null(strstr(err_msg(), "_mailcert.example.org"));
	d = get(fx, "example.org");
	assert_int_equal(d->method, STORE_DOMAIN_ASSERT);
	assert_int_equal(d->valid_until, fx->now + 365 * DAY);
	assert_int_equal(d->last_check_at, later);
	assert_non_null(d->last_error);
	assert_non_null(strstr(d->last_error, "no answer from DNS servers"));
	assert_int_equal(domain_state(d, later), DOMAIN_STATE_EXPIRING);
	store_domain_free(d);
}

static void
test_domain__verify_due(void **state)
{
	struct fixture *fx = *state;
	struct store_domain *d = NULL;
	size_t checked = 9, failed = 9;
	static const struct {
		const char	*name;
		enum store_domain_method method;
		int		 days_left;
	} doms[] = {
		{ "due.example", STORE_DOMAIN_DNS, 10 },
		{ "lapsed.example", STORE_DOMAIN_DNS, -5 },
		{ "fresh.example", STORE_DOMAIN_DNS, 100 },
		{ "asserted.example", STORE_DOMAIN_ASSERT, 10 },
		{ "new.example", STORE_DOMAIN_NONE, 0 },
	};
	size_t i;

	for (i = 0; i < sizeof(doms) / sizeof(doms[0]); i++) {
		ok(domain_add(&d, fx->e->st, doms[i].name));
		if (doms[i].method != STORE_DOMAIN_NONE) {
			d->method = doms[i].method;
			d->valid_until = fx->now + doms[i].days_left * DAY;
			d->verified_at = d->valid_until - 365 * DAY;
			ok(store_domain_update(fx->e->st, d));
		}
		store_domain_free(d);
	}
	ok(domain_verify_due(&checked, &failed, fx->e->st, fx->e->cfg,
	    fx->now));
	assert_int_equal(checked, 2);
	assert_int_equal(failed, 2);
	for (i = 0; i < sizeof(doms) / sizeof(doms[0]); i++) {
		d = get(fx, doms[i].name);
		if (i < 2) {
			assert_non_null(d->last_error);
			assert_int_equal(d->last_check_at, fx->now);
		} else {
			assert_null(d->last_error);
			assert_int_equal(d->last_check_at, 0);
		}
		store_domain_free(d);
	}
}

int
main(void)
{
#define T(name)	cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_domain__add),
		T(test_domain__tokens_differ),
		T(test_domain__bad_names),
		T(test_domain__assert),
		T(test_domain__states),
		T(test_domain__verify_fails_keeps_validity),
		T(test_domain__verify_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
