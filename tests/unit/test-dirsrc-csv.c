/*
 * test-dirsrc-csv.c: the CSV directory source and the snapshot it fills
 * (directory.c). Good files in every shape RFC 4180 and Windows tools
 * produce, every refusal with its line and message, the shipped
 * examples/users.csv, and a generated 100,000-user file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "directory.h"
#include "dirsrc-csv.h"
#include "err.h"
#include "helpers.h"

#define HDR	"id,email,given_name,surname,groups\n"

static struct dir_snapshot *
parse_ok(const char *text)
{
	struct dir_snapshot *s = NULL;

	ok(dirsrc_csv_parse(&s, (const unsigned char *)text, strlen(text),
	    "t.csv"));
	assert_non_null(s);
	return s;
}

/* The input must be refused, with "t.csv:LINE: ..." containing sub. */
static void
parse_bad(const char *text, size_t len, size_t line, const char *sub)
{
	struct dir_snapshot *s = (struct dir_snapshot *)1;
	char want[64];

	want_msg(dirsrc_csv_parse(&s, (const unsigned char *)text, len,
	    "t.csv"), ERR_INVALID, sub);
	assert_null(s);
	snprintf(want, sizeof(want), "t.csv:%zu: ", line);
	if (strncmp(err_msg(), want, strlen(want)) != 0)
		fail_msg("message \"%s\" does not start \"%s\"", err_msg(),
		    want);
}

#define BAD(text, line, sub)	parse_bad(text, sizeof(text) - 1, line, sub)

static const char *
group_of(const struct dir_snapshot *s, const struct dir_user *u, size_t i)
{
	return s->groups[u->groups[i]].name;
}

static void
test_dirsrc_csv__good(void **state)
{
	struct dir_snapshot *s;
	const struct dir_user *u;
	const struct dir_group *g;

	(void)state;
	s = parse_ok("\xef\xbb\xbf" "id,email,given_name,surname,groups\r\n"
	    "u1,j\xc3\xbc" "rgen@example.org,J\xc3\xbcrgen,M\xc3\xbcller,"
	    "staff\r\n"
	    "u2,\"a,b@example.org\",\"Anna \"\"Nan\"\"\",\"Schmidt,\n"
	    "Jr.\",\" staff ; ;finance;;  it \"\r\n"
	    "u3,,,,\r\n"
	    "\"u4\",\"\",\"\",\"\",\"\"\n"
	    "u5,g\xc3\xb6tz@example.org,G\xc3\xb6tz,B\xc3\xb6rner,"
	    "finance;finance; staff\n"
	    "\n");
	assert_string_equal(s->source, "t.csv");
	assert_int_equal(s->nusers, 5);

	u = &s->users[0];
	assert_string_equal(u->id, "u1");
	assert_string_equal(u->email, "j\xc3\xbcrgen@example.org");
	assert_string_equal(u->given_name, "J\xc3\xbcrgen");
	assert_string_equal(u->surname, "M\xc3\xbcller");
	assert_int_equal(u->origin, 2);
	assert_int_equal(u->ngroups, 1);
	assert_string_equal(group_of(s, u, 0), "staff");

	u = &s->users[1];
	assert_string_equal(u->email, "a,b@example.org");
	assert_string_equal(u->given_name, "Anna \"Nan\"");
	assert_string_equal(u->surname, "Schmidt,\nJr.");
	assert_int_equal(u->origin, 3);
	assert_int_equal(u->ngroups, 3);
	assert_string_equal(group_of(s, u, 0), "staff");
	assert_string_equal(group_of(s, u, 1), "finance");
	assert_string_equal(group_of(s, u, 2), "it");

	/* No mail, no names, no groups: kept, decided on later. */
	u = &s->users[2];
	assert_string_equal(u->id, "u3");
	assert_null(u->email);
	assert_null(u->given_name);
	assert_null(u->surname);
	assert_int_equal(u->ngroups, 0);
	assert_int_equal(u->origin, 5);	/* line 4 held a quoted newline */
	u = &s->users[3];
	assert_string_equal(u->id, "u4");
	assert_null(u->email);
	assert_int_equal(u->ngroups, 0);

	/* A group named twice counts once. */
	u = &s->users[4];
	assert_int_equal(u->ngroups, 2);
	assert_string_equal(group_of(s, u, 0), "staff");
	assert_string_equal(group_of(s, u, 1), "finance");

	assert_int_equal(s->ngroups, 3);
	assert_non_null(g = dir_group_find(s, "staff"));
	assert_int_equal(g->nmembers, 3);
	assert_int_equal(g->members[0], 0);
	assert_int_equal(g->members[1], 1);
	assert_int_equal(g->members[2], 4);
	assert_non_null(g = dir_group_find(s, "finance"));
	assert_int_equal(g->nmembers, 2);
	assert_non_null(g = dir_group_find(s, "it"));
	assert_int_equal(g->nmembers, 1);
	assert_null(dir_group_find(s, "Staff"));
	assert_null(dir_group_find(s, ""));

	assert_ptr_equal(dir_user_find(s, "u5"), &s->users[4]);
	assert_ptr_equal(dir_user_find(s, "u1"), &s->users[0]);
	assert_null(dir_user_find(s, "u6"));
	assert_null(dir_user_find(s, "U1"));
	dir_snapshot_free(s);
}

static void
test_dirsrc_csv__column_order(void **state)
{
	struct dir_snapshot *s;

	(void)state;
	s = parse_ok("groups,surname,given_name,email,id\n"
	    "a;b,Schmidt,Anna,anna@example.org,u1");
	assert_int_equal(s->nusers, 1);
	assert_string_equal(s->users[0].id, "u1");
	assert_string_equal(s->users[0].email, "anna@example.org");
	assert_string_equal(s->users[0].given_name, "Anna");
	assert_string_equal(s->users[0].surname, "Schmidt");
	assert_int_equal(s->users[0].ngroups, 2);
	assert_int_equal(s->ngroups, 2);
	dir_snapshot_free(s);
}

static void
test_dirsrc_csv__header_only(void **state)
{
	struct dir_snapshot *s;

	(void)state;
	s = parse_ok(HDR);
	assert_int_equal(s->nusers, 0);
	assert_int_equal(s->ngroups, 0);
	assert_null(dir_user_find(s, "x"));
	assert_null(dir_group_find(s, "x"));
	dir_snapshot_free(s);
	s = parse_ok("id,email,given_name,surname,groups");
	assert_int_equal(s->nusers, 0);
	dir_snapshot_free(s);
}

static void
test_dirsrc_csv__header_errors(void **state)
{
	(void)state;
	BAD("", 1, "no header line");
	BAD("\xef\xbb\xbf", 1, "no header line");
	BAD("\n" HDR, 1, "empty line");
	BAD("id,email,given_name,surname,groups,dept\n", 1,
	    "unknown column \"dept\"");
	BAD("id,mail,given_name,surname,groups\n", 1,
	    "unknown column \"mail\"");
	BAD("ID,email,given_name,surname,groups\n", 1,
	    "unknown column \"ID\"");
	BAD("id,email,given_name,surname\n", 1, "missing column \"groups\"");
	BAD("id,email\n", 1, "missing columns \"given_name\", \"surname\", "
	    "\"groups\"");
	BAD("id,email,id,given_name,surname,groups\n", 1,
	    "column \"id\" given twice");
}

static void
test_dirsrc_csv__syntax_errors(void **state)
{
	(void)state;
	BAD(HDR "u1,a@example.org,A,B\n", 2, "4 fields, want 5");
	BAD(HDR "u1,a@example.org,A,B,g,x\n", 2, "6 fields, want 5");
	BAD(HDR "u1,a@example.org,A,B,g\nu2\n", 3, "1 field, want 5");
	BAD(HDR "u1,a@example.org,A,B,g\n\nu2,,,,\n", 3, "empty line");
	BAD(HDR "u1,a@exa\"mple.org,A,B,g\n", 2,
	    "quote inside unquoted field at column 9");
	BAD(HDR "u1,\"a@example.org\"x,A,B,g\n", 2,
	    "character after closing quote at column 19");
	BAD(HDR "u1,a@example.org,A,B,\"g\n\n", 2,
	    "quoted field not closed before the end of the file");
	BAD(HDR "u1,a@example.org,A\rB,B,g\n", 2,
	    "carriage return without line feed at column 19");
	/* The line counts the newlines inside earlier quoted fields. */
	BAD(HDR "u1,,\"A\nB\",,\nu2,,x\"y,,\n", 4, "quote inside unquoted");
}

static void
test_dirsrc_csv__utf8_errors(void **state)
{
	(void)state;
	BAD(HDR "u1,,J\xfcrgen,,\n", 2, "invalid UTF-8 at column 6");
	BAD(HDR "u1,,\xc3\xbc\xc3,,\n", 2, "invalid UTF-8 at column 7");
	BAD(HDR "u1,,\xc0\xaf,,\n", 2, "invalid UTF-8 at column 5");
	BAD(HDR "u1,,\xed\xa0\x80,,\n", 2, "invalid UTF-8 at column 5");
	BAD(HDR "u1,,\xf4\x90\x80\x80,,\n", 2, "invalid UTF-8 at column 5");
	BAD(HDR "u1,,,,\n\"x\n\xff\",,,,\n", 4, "invalid UTF-8 at column 1");
	BAD(HDR "u1,,a\0b,,\n", 2, "NUL byte at column 6");
	/* Cut in the middle of a character at the end of the input. */
	BAD(HDR "u1,,,,\xc3", 2, "invalid UTF-8 at column 7");
	/* A BOM anywhere but the start is just a character: an unknown
	 * column here. */
	BAD("id,\xef\xbb\xbf" "email,given_name,surname,groups\n", 1,
	    "unknown column");
}

static void
test_dirsrc_csv__value_errors(void **state)
{
	char *big;
	size_t n, i;

	(void)state;
	BAD(HDR "u1,,,,\n,a@example.org,,,\n", 3, "empty id");
	BAD(HDR "\"\",,,,\n", 2, "empty id");
	BAD(HDR "u1,a@example.org,,,\nu2,,,,\nu1,b@example.org,,,\n"
	    "u2,,,,\n", 4, "duplicate id \"u1\", first on line 2");
	/* The earliest second occurrence is named, not the first by id. */
	BAD(HDR "b,,,,\na,,,,\na,,,,\nb,,,,\n", 4,
	    "duplicate id \"a\", first on line 3");

	/* Ceilings: an id, a group name, a field, groups per user. */
	n = strlen(HDR) + DIRSRC_CSV_FIELD_MAX * 2 + 64;
	assert_non_null(big = malloc(n));
	snprintf(big, n, HDR "%0*d,,,,\n", DIR_ID_MAX + 1, 7);
	parse_bad(big, strlen(big), 2, "id longer than 256 bytes");
	snprintf(big, n, HDR "u1,,,,a;%0*d\n", DIR_GROUP_NAME_MAX + 1, 7);
	parse_bad(big, strlen(big), 2, "group name longer than 256 bytes");
	snprintf(big, n, HDR "u1,,,,\"%0*d\"\n", DIRSRC_CSV_FIELD_MAX + 1,
	    7);
	parse_bad(big, strlen(big), 2, "field 5 longer than 65536 bytes");
	snprintf(big, n, HDR "u1,,,,");
	for (i = 0; i <= DIR_USER_GROUPS_MAX; i++) {
		size_t l = strlen(big);

		snprintf(big + l, n - l, "g%zu;", i);
	}
	parse_bad(big, strlen(big), 2, "more than 1024 groups for one user");
	free(big);
}

/* The file `make run` enrols, read from the source tree. */
static void
test_dirsrc_csv__examples(void **state)
{
	struct dir_snapshot *s = NULL;
	const struct dir_user *u;
	const struct dir_group *g;
	char path[4096];
	const char *slash;

	(void)state;
	/*
	 * __FILE__ is this file's path as the compiler saw it: absolute, or
	 * relative to the build directory meson runs the test in.
	 */
	slash = strrchr(__FILE__, '/');
	assert_non_null(slash);
	snprintf(path, sizeof(path), "%.*s/../../examples/users.csv",
	    (int)(slash - __FILE__), __FILE__);
	ok(dirsrc_csv_read(&s, path));
	assert_string_equal(s->source, path);
	assert_true(s->nusers >= 10);
	assert_non_null(u = dir_user_find(s, "u002"));
	assert_string_equal(u->given_name, "J\xc3\xbcrgen");
	assert_string_equal(u->surname, "M\xc3\xbcller");
	assert_non_null(u = dir_user_find(s, "u005"));
	assert_string_equal(u->surname, "Y\xc4\xb1lmaz");
	assert_int_equal(u->ngroups, 2);
	assert_non_null(g = dir_group_find(s, "staff"));
	assert_true(g->nmembers >= 8);
	assert_non_null(dir_group_find(s, "finance"));
	assert_non_null(dir_group_find(s, "it"));
	dir_snapshot_free(s);

	want_msg(dirsrc_csv_read(&s, "/nonexistent/users.csv"), ERR_IO,
	    "/nonexistent/users.csv");
	assert_null(s);
}

/* Snapshots built directly, as the LDAP and Graph sources will. */
static void
test_directory__build(void **state)
{
	struct dir_snapshot *s;
	const struct dir_group *g;
	size_t dup[2];

	(void)state;
	assert_non_null(s = dir_snapshot_new("ldap"));
	ok(dir_snapshot_add_user(s, "b", "b@example.org", "", NULL, 1));
	ok(dir_snapshot_add_member(s, "z"));
	ok(dir_snapshot_add_member(s, "y"));
	ok(dir_snapshot_add_member(s, "z"));
	ok(dir_snapshot_add_user(s, "a", NULL, "A", "Z", 2));
	ok(dir_snapshot_add_member(s, "y"));
	want_msg(dir_snapshot_add_member(s, ""), ERR_INVALID, "empty group");
	want_msg(dir_snapshot_add_user(s, "", NULL, NULL, NULL, 3),
	    ERR_INVALID, "empty id");
	ok(dir_snapshot_finish(s, dup));
	assert_int_equal(s->nusers, 2);
	assert_null(s->users[0].given_name);
	/* "z" came first, so it is groups[0]; y's members ascend. */
	assert_string_equal(s->groups[0].name, "z");
	assert_int_equal(s->users[0].ngroups, 2);
	assert_int_equal(s->users[0].groups[0], 0);
	assert_int_equal(s->users[0].groups[1], 1);
	assert_non_null(g = dir_group_find(s, "y"));
	assert_int_equal(g->nmembers, 2);
	assert_int_equal(g->members[0], 0);
	assert_int_equal(g->members[1], 1);
	assert_ptr_equal(dir_user_find(s, "a"), &s->users[1]);
	dir_snapshot_free(s);
	dir_snapshot_free(NULL);

	assert_non_null(s = dir_snapshot_new("graph"));
	ok(dir_snapshot_add_user(s, "x", NULL, NULL, NULL, 0));
	ok(dir_snapshot_add_user(s, "y", NULL, NULL, NULL, 0));
	ok(dir_snapshot_add_user(s, "x", NULL, NULL, NULL, 0));
	want(dir_snapshot_finish(s, dup), ERR_EXISTS);
	assert_int_equal(dup[0], 0);
	assert_int_equal(dup[1], 2);
	dir_snapshot_free(s);
}

/*
 * 100,000 users in 1,000 groups of three kinds: parsing must complete and
 * count right; the time is printed, not judged.
 */
static void
test_dirsrc_csv__large(void **state)
{
	struct dir_snapshot *s = NULL;
	const struct dir_group *g;
	struct timespec t0, t1;
	char *buf;
	size_t cap = 100000 * 128 + 64, len, i, total;
	int n;

	(void)state;
	assert_non_null(buf = malloc(cap));
	len = (size_t)snprintf(buf, cap, HDR);
	for (i = 0; i < 100000; i++) {
		n = snprintf(buf + len, cap - len, "user-%06zu,u%zu@example.org,"
		    "J\xc3\xbcrgen,\"M\xc3\xbcller, %zu\",all;dept-%zu; "
		    "team-%zu\r\n", i, i, i, i % 100, i % 1000);
		assert_true(n > 0 && (size_t)n < cap - len);
		len += (size_t)n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ok(dirsrc_csv_parse(&s, (unsigned char *)buf, len, "big.csv"));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("# 100000 users, %zu bytes: %.3f s\n", len,
	    (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	assert_int_equal(s->nusers, 100000);
	assert_int_equal(s->ngroups, 1 + 100 + 1000);
	assert_non_null(g = dir_group_find(s, "all"));
	assert_int_equal(g->nmembers, 100000);
	assert_non_null(g = dir_group_find(s, "dept-7"));
	assert_int_equal(g->nmembers, 1000);
	assert_non_null(g = dir_group_find(s, "team-999"));
	assert_int_equal(g->nmembers, 100);
	assert_int_equal(g->members[0], 999);
	for (i = 0, total = 0; i < s->ngroups; i++)
		total += s->groups[i].nmembers;
	assert_int_equal(total, 300000);
	assert_ptr_equal(dir_user_find(s, "user-054321"), &s->users[54321]);
	assert_string_equal(s->users[54321].surname, "M\xc3\xbcller, 54321");
	dir_snapshot_free(s);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirsrc_csv__good),
		cmocka_unit_test(test_dirsrc_csv__column_order),
		cmocka_unit_test(test_dirsrc_csv__header_only),
		cmocka_unit_test(test_dirsrc_csv__header_errors),
		cmocka_unit_test(test_dirsrc_csv__syntax_errors),
		cmocka_unit_test(test_dirsrc_csv__utf8_errors),
		cmocka_unit_test(test_dirsrc_csv__value_errors),
		cmocka_unit_test(test_dirsrc_csv__examples),
		cmocka_unit_test(test_directory__build),
		cmocka_unit_test(test_dirsrc_csv__large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
