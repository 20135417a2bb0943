/*
 * test-eligible.c: every reason a user is not eligible, alone and
 * together, the policy group, duplicate addresses, and domain states at
 * different times. Records are built by hand: eligibility is pure logic
 * over what the store returns.
 */
#include "helpers.h"
#include "eligible.h"
#include "store-dir.h"

#define AT	1790000000	/* 2026-09-21 */

struct world {
	struct store_group	 g[4];
	struct store_group	*gp[4];
	struct store_domain	 d[4];
	struct store_domain	*dp[4];
	struct store_user	 u[16];
	struct store_user	*up[16];
	int64_t			 gids[16][4];
	size_t			 nusers;
};

static void
group(struct world *w, size_t i, int64_t id, const char *source,
    const char *name, int autoreq)
{
	w->g[i].id = id;
	w->g[i].source = (char *)source;
	w->g[i].name = (char *)name;
	w->g[i].present = 1;
	w->g[i].auto_request = autoreq;
	w->g[i].usage = (char *)"both";
	w->gp[i] = &w->g[i];
}

static void
domain(struct world *w, size_t i, const char *name, int method,
    int64_t until)
{
	w->d[i].name = (char *)name;
	w->d[i].method = method;
	w->d[i].valid_until = until;
	w->dp[i] = &w->d[i];
}

/*
 * Groups: hr/staff (10, auto), hr/admins (11, auto), hr/guests (12, not
 * auto), other/staff (13, auto). Domains: example.org verified for 100
 * days, expiring.org for 10, lapsed.org ran out, unverified.org never.
 */
static void
world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	group(w, 0, 10, "hr", "staff", 1);
	group(w, 1, 11, "hr", "admins", 1);
	group(w, 2, 12, "hr", "guests", 0);
	group(w, 3, 13, "other", "staff", 1);
	domain(w, 0, "example.org", STORE_DOMAIN_DNS, AT + 100 * DAY);
	domain(w, 1, "expiring.org", STORE_DOMAIN_ASSERT, AT + 10 * DAY);
	domain(w, 2, "lapsed.org", STORE_DOMAIN_DNS, AT - 1);
	domain(w, 3, "unverified.org", STORE_DOMAIN_NONE, 0);
}

/* A present user in source src with up to three groups (0 ends). */
static struct store_user *
user(struct world *w, int64_t id, const char *src, const char *email,
    const char *given, const char *sur, int64_t g1, int64_t g2)
{
	struct store_user *u = &w->u[w->nusers];

	u->id = id;
	u->source = (char *)src;
	u->ext_id = (char *)"x";
	u->email = (char *)email;
	u->given_name = (char *)given;
	u->surname = (char *)sur;
	u->present = 1;
	u->group_ids = w->gids[w->nusers];
	if (g1 != 0)
		u->group_ids[u->ngroups++] = g1;
	if (g2 != 0)
		u->group_ids[u->ngroups++] = g2;
	w->up[w->nusers] = u;
	w->nusers++;
	return u;
}

static struct elig_ctx *
ctx_at(struct world *w, int64_t at)
{
	struct elig_ctx *c = NULL;

	ok(elig_ctx_new(&c, w->gp, 4, w->dp, 4, w->up, w->nusers, at));
	return c;
}

static void
want_reasons(struct elig_ctx *c, const struct store_user *u, unsigned want,
    const char *text)
{
	char *s = NULL;
	unsigned got = elig_check(c, u, NULL, NULL);

	if (got != want)
		fail_msg("user %lld: reasons 0x%x, want 0x%x", (long long)u->id,
		    got, want);
	ok(elig_reasons_format(&s, got, u));
	if (text != NULL && strcmp(s, text) != 0)
		fail_msg("user %lld: \"%s\", want \"%s\"", (long long)u->id, s,
		    text);
	free(s);
}

static void
test_eligible__eligible(void **state)
{
	struct world w;
	struct store_user *u;
	struct elig_ctx *c;
	const char *email = NULL;
	const struct store_group *policy = NULL;
	char *s = NULL;

	(void)state;
	world_init(&w);
	u = user(&w, 1, "hr", "Anna.Schmidt@Example.ORG", "Anna", "Schmidt",
	    10, 0);
	c = ctx_at(&w, AT);
	assert_int_equal(elig_check(c, u, &email, &policy), 0);
	assert_string_equal(email, "Anna.Schmidt@example.org");
	assert_ptr_equal(policy, &w.g[0]);
	ok(elig_reasons_format(&s, 0, u));
	assert_string_equal(s, "");
	free(s);
	elig_ctx_free(c);
	elig_ctx_free(NULL);
}

static void
test_eligible__each_reason(void **state)
{
	struct world w;
	struct store_user *absent, *nogroup, *noemail, *empty, *bad, *utf8,
	    *nogiven, *nosur, *unknown, *unver, *lapsed;
	struct elig_ctx *c;
	const char *email = (const char *)&w;
	const struct store_group *policy = (const void *)&w;

	(void)state;
	world_init(&w);
	absent = user(&w, 1, "hr", "a@example.org", "A", "B", 10, 0);
	absent->present = 0;
	nogroup = user(&w, 2, "hr", "b@example.org", "A", "B", 12, 0);
	noemail = user(&w, 3, "hr", NULL, "A", "B", 10, 0);
	empty = user(&w, 4, "hr", "", "A", "B", 10, 0);
	bad = user(&w, 5, "hr", "not-an-address", "A", "B", 10, 0);
	utf8 = user(&w, 6, "hr", "j\xc3\xbcrgen@example.org", "A", "B", 10,
	    0);
	nogiven = user(&w, 7, "hr", "c@example.org", "", "B", 10, 0);
	nosur = user(&w, 8, "hr", "d@example.org", "A", NULL, 10, 0);
	unknown = user(&w, 9, "hr", "e@example.net", "A", "B", 10, 0);
	unver = user(&w, 10, "hr", "f@Unverified.org", "A", "B", 10, 0);
	lapsed = user(&w, 11, "hr", "g@lapsed.org", "A", "B", 10, 0);
	c = ctx_at(&w, AT);

	/* The store drops an absent user's memberships; ours keeps one. */
	want_reasons(c, absent, ELIG_ABSENT, "no longer in the directory");
	want_reasons(c, nogroup, ELIG_NO_GROUP, "in no auto-request group");
	assert_int_equal(elig_check(c, nogroup, &email, &policy),
	    ELIG_NO_GROUP);
	assert_string_equal(email, "b@example.org");
	assert_null(policy);
	want_reasons(c, noemail, ELIG_NO_EMAIL, "no e-mail address");
	assert_int_equal(elig_check(c, noemail, &email, NULL), ELIG_NO_EMAIL);
	assert_null(email);
	want_reasons(c, empty, ELIG_NO_EMAIL, "no e-mail address");
	want_reasons(c, bad, ELIG_BAD_EMAIL, NULL);
	assert_int_equal(elig_check(c, bad, &email, NULL), ELIG_BAD_EMAIL);
	assert_null(email);
	want_reasons(c, utf8, ELIG_BAD_EMAIL, NULL);
	want_reasons(c, nogiven, ELIG_NO_GIVEN_NAME, "no given name");
	want_reasons(c, nosur, ELIG_NO_SURNAME, "no surname");
	want_reasons(c, unknown, ELIG_DOMAIN_UNKNOWN,
	    "domain example.net was never added");
	want_reasons(c, unver, ELIG_DOMAIN_UNVERIFIED,
	    "domain unverified.org is not verified");
	want_reasons(c, lapsed, ELIG_DOMAIN_LAPSED,
	    "the verification of domain lapsed.org lapsed");
	elig_ctx_free(c);
}

static void
test_eligible__bad_email_says_why(void **state)
{
	struct world w;
	struct store_user *bad, *utf8;
	char *s = NULL;

	(void)state;
	world_init(&w);
	bad = user(&w, 1, "hr", "not-an-address", "A", "B", 10, 0);
	utf8 = user(&w, 2, "hr", "j\xc3\xbcrgen@example.org", "A", "B", 10,
	    0);
	ok(elig_reasons_format(&s, ELIG_BAD_EMAIL, bad));
	assert_non_null(strstr(s, "unusable address: "));
	assert_non_null(strstr(s, "not-an-address"));
	free(s);
	ok(elig_reasons_format(&s, ELIG_BAD_EMAIL, utf8));
	assert_non_null(strstr(s, "unusable address: "));
	assert_non_null(strstr(s, "j\xc3\xbcrgen"));
	free(s);
}

static void
test_eligible__combined(void **state)
{
	struct world w;
	struct store_user *u, *v;
	struct elig_ctx *c;

	(void)state;
	world_init(&w);
	u = user(&w, 1, "hr", "x@unverified.org", NULL, "B", 12, 0);
	v = user(&w, 2, "hr", NULL, NULL, NULL, 0, 0);
	v->present = 0;
	c = ctx_at(&w, AT);
	want_reasons(c, u, ELIG_NO_GROUP | ELIG_NO_GIVEN_NAME |
	    ELIG_DOMAIN_UNVERIFIED, "in no auto-request group; no given name; "
	    "domain unverified.org is not verified");
	want_reasons(c, v, ELIG_ABSENT | ELIG_NO_GROUP | ELIG_NO_EMAIL |
	    ELIG_NO_GIVEN_NAME | ELIG_NO_SURNAME, "no longer in the directory; "
	    "in no auto-request group; no e-mail address; no given name; "
	    "no surname");
	assert_true((ELIG_ABSENT | ELIG_NO_GROUP) == ELIG_LEFT);
	elig_ctx_free(c);
}

static void
test_eligible__policy(void **state)
{
	struct world w;
	struct store_user *both, *rev, *guest;
	struct elig_ctx *c;
	const struct store_group *policy = NULL;

	(void)state;
	world_init(&w);
	/* admins < staff by name, whatever the ids or the order given. */
	both = user(&w, 1, "hr", "a@example.org", "A", "B", 10, 11);
	rev = user(&w, 2, "hr", "b@example.org", "A", "B", 11, 10);
	guest = user(&w, 3, "hr", "c@example.org", "A", "B", 12, 10);
	c = ctx_at(&w, AT);
	assert_int_equal(elig_check(c, both, NULL, &policy), 0);
	assert_string_equal(policy->name, "admins");
	assert_int_equal(elig_check(c, rev, NULL, &policy), 0);
	assert_string_equal(policy->name, "admins");
	/* a group without auto-request never gives the policy */
	assert_int_equal(elig_check(c, guest, NULL, &policy), 0);
	assert_string_equal(policy->name, "staff");
	elig_ctx_free(c);

	/* Turning auto-request off moves the policy to the next group. */
	w.g[1].auto_request = 0;
	c = ctx_at(&w, AT);
	assert_int_equal(elig_check(c, both, NULL, &policy), 0);
	assert_ptr_equal(policy, &w.g[0]);
	elig_ctx_free(c);

	/* The source orders first: other/staff loses to hr/staff. */
	world_init(&w);
	w.nusers = 0;
	both = user(&w, 1, "hr", "a@example.org", "A", "B", 13, 10);
	c = ctx_at(&w, AT);
	assert_int_equal(elig_check(c, both, NULL, &policy), 0);
	assert_ptr_equal(policy, &w.g[0]);
	elig_ctx_free(c);
}

static void
test_eligible__duplicates(void **state)
{
	struct world w;
	struct store_user *b1, *a5, *a3, *gone, *late, *bad1, *bad2, *other;
	struct elig_ctx *c;
	const char *email = NULL;

	(void)state;
	world_init(&w);
	/* The same address three times, domain in different case. */
	b1 = user(&w, 1, "b", "same@example.org", "A", "B", 10, 0);
	a5 = user(&w, 5, "a", "same@EXAMPLE.org", "A", "B", 10, 0);
	a3 = user(&w, 3, "a", "same@example.ORG", "A", "B", 0, 0);
	/* An absent user holds no address. */
	gone = user(&w, 2, "a", "free@example.org", "A", "B", 10, 0);
	gone->present = 0;
	late = user(&w, 9, "z", "free@example.org", "A", "B", 10, 0);
	/* Invalid addresses are never duplicates of each other. */
	bad1 = user(&w, 6, "a", "nope", "A", "B", 10, 0);
	bad2 = user(&w, 7, "a", "nope", "A", "B", 10, 0);
	/* The local part is case-sensitive (RFC 5321 2.4). */
	other = user(&w, 8, "a", "Same@example.org", "A", "B", 10, 0);
	c = ctx_at(&w, AT);
	/* a/3 keeps it though it is in no auto-request group */
	want_reasons(c, a3, ELIG_NO_GROUP, NULL);
	want_reasons(c, a5, ELIG_DUPLICATE_EMAIL,
	    "address same@example.org belongs to an earlier user");
	want_reasons(c, b1, ELIG_DUPLICATE_EMAIL, NULL);
	assert_int_equal(elig_check(c, b1, &email, NULL),
	    ELIG_DUPLICATE_EMAIL);
	assert_string_equal(email, "same@example.org");
	want_reasons(c, gone, ELIG_ABSENT, NULL);
	want_reasons(c, late, 0, NULL);
	want_reasons(c, bad1, ELIG_BAD_EMAIL, NULL);
	want_reasons(c, bad2, ELIG_BAD_EMAIL, NULL);
	want_reasons(c, other, 0, NULL);
	elig_ctx_free(c);
}

static void
test_eligible__domain_time(void **state)
{
	struct world w;
	struct store_user *ok_, *exp, *unv;
	struct elig_ctx *c;

	(void)state;
	world_init(&w);
	ok_ = user(&w, 1, "hr", "a@example.org", "A", "B", 10, 0);
	exp = user(&w, 2, "hr", "b@expiring.org", "A", "B", 10, 0);
	unv = user(&w, 3, "hr", "c@unverified.org", "A", "B", 10, 0);

	/* expiring (fewer than 30 days left) is still fine */
	c = ctx_at(&w, AT);
	want_reasons(c, ok_, 0, NULL);
	want_reasons(c, exp, 0, NULL);
	want_reasons(c, unv, ELIG_DOMAIN_UNVERIFIED, NULL);
	elig_ctx_free(c);

	/* the last second of validity, then lapsed */
	c = ctx_at(&w, AT + 10 * DAY - 1);
	want_reasons(c, exp, 0, NULL);
	elig_ctx_free(c);
	c = ctx_at(&w, AT + 10 * DAY);
	want_reasons(c, exp, ELIG_DOMAIN_LAPSED, NULL);
	want_reasons(c, ok_, 0, NULL);
	want_reasons(c, unv, ELIG_DOMAIN_UNVERIFIED, NULL);
	elig_ctx_free(c);

	c = ctx_at(&w, AT + 200 * DAY);
	want_reasons(c, ok_, ELIG_DOMAIN_LAPSED,
	    "the verification of domain example.org lapsed");
	elig_ctx_free(c);
}

static void
test_eligible__empty(void **state)
{
	struct elig_ctx *c = NULL;

	(void)state;
	ok(elig_ctx_new(&c, NULL, 0, NULL, 0, NULL, 0, AT));
	assert_non_null(c);
	elig_ctx_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eligible__eligible),
		cmocka_unit_test(test_eligible__each_reason),
		cmocka_unit_test(test_eligible__bad_email_says_why),
		cmocka_unit_test(test_eligible__combined),
		cmocka_unit_test(test_eligible__policy),
		cmocka_unit_test(test_eligible__duplicates),
		cmocka_unit_test(test_eligible__domain_time),
		cmocka_unit_test(test_eligible__empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
