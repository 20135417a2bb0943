/*
 * test-dirsrc-ldap.c: what the LDAP source decides without a server: the
 * parameter rules of dirsrc_ldap_check(), and the refusals of
 * dirsrc_ldap_read() that come before or instead of an answer (bad
 * parameters, an empty password file, a closed port). Reading a real
 * directory is tests/integration/ldap.sh, against slapd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "directory.h"
#include "dirsrc-ldap.h"
#include "err.h"
#include "helpers.h"

/* The parameters of a good source plus the flat JSON object extra. */
static json_t *
params(const char *extra)
{
	json_t *p, *x;
	json_error_t je;

	assert_non_null(p = json_pack("{s:s, s:s}", "url",
	    "ldap://127.0.0.1:389", "user_base",
	    "ou=people,dc=example,dc=org"));
	if (extra != NULL) {
		if ((x = json_loads(extra, 0, &je)) == NULL)
			fail_msg("bad test JSON %s: %s", extra, je.text);
		assert_int_equal(json_object_update(p, x), 0);
		json_decref(x);
	}
	return p;
}

static void
check_ok(const char *extra)
{
	json_t *p = params(extra);

	ok(dirsrc_ldap_check(p));
	json_decref(p);
}

static void
check_bad(const char *extra, const char *sub)
{
	json_t *p = params(extra);

	want_msg(dirsrc_ldap_check(p), ERR_INVALID, sub);
	json_decref(p);
}

static void
test_dirsrc_ldap__check_url(void **state)
{
	(void)state;
	check_ok(NULL);
	check_ok("{\"url\": \"ldaps://dc1.example.org\"}");
	check_ok("{\"url\": \"ldap://[::1]:3890\", \"starttls\": true}");
	check_ok("{\"url\": \"LDAPS://dc1.example.org:636\"}");
	check_bad("{\"url\": \"http://dc1.example.org\"}",
	    "--url: \"http://dc1.example.org\": the scheme must be ldap:// "
	    "or ldaps://");
	check_bad("{\"url\": \"ldapi://%2Frun%2Fslapd\"}",
	    "the scheme must be ldap:// or ldaps://");
	check_bad("{\"url\": \"dc1.example.org\"}",
	    "the scheme must be ldap:// or ldaps://");
	check_bad("{\"url\": \"ldap://h:x\"}", "is not an LDAP URL");
	check_bad("{\"url\": \"ldap:///\"}", "names no host");
	check_bad("{\"url\": \"ldap://h:70000\"}",
	    "port 70000 is out of range");
	check_bad("{\"url\": \"ldap://h/dc=example,dc=org\"}",
	    "give only scheme, host and port");
	check_bad("{\"url\": \"ldap://h/??sub?(cn=x)\"}",
	    "give only scheme, host and port");
	check_bad("{\"url\": \"ldaps://h\", \"starttls\": true}",
	    "--starttls: \"ldaps://h\" is ldaps:// already");
}

static void
test_dirsrc_ldap__check_rules(void **state)
{
	(void)state;
	check_ok("{\"flavor\": \"ad\", \"nested\": true}");
	check_ok("{\"user_filter\": \"(&(objectClass=user)(cn=a\\\\29b))\"}");
	check_bad("{\"flavor\": \"AD\"}", "--flavor: \"AD\" is neither "
	    "openldap nor ad");
	check_bad("{\"nested\": true}", "--nested: only with --flavor ad");
	check_bad("{\"user_filter\": \"objectClass=user\"}",
	    "--user-filter: \"objectClass=user\" does not start with '('");
	check_bad("{\"group_filter\": \"(&(cn=a)(cn=b)\"}",
	    "--group-filter: \"(&(cn=a)(cn=b)\" has unbalanced parentheses");
	check_bad("{\"user_filter\": \"(cn=a)(cn=b)\"}",
	    "has text after the closing ')' at column 7");
	check_bad("{\"user_filter\": \"(cn=a))\"}",
	    "has text after the closing ')' at column 7");
	check_bad("{\"bind_dn\": \"cn=r,dc=example,dc=org\"}",
	    "--password-file: required with --bind-dn");
	check_bad("{\"password_file\": \"/etc/hostname\"}",
	    "--bind-dn: required with --password-file");
	check_bad("{\"bind_dn\": \"cn=r\", \"password_file\": "
	    "\"/nonexistent/pw\"}", "--password-file: cannot read "
	    "\"/nonexistent/pw\"");
	check_bad("{\"ca_file\": \"/nonexistent/ca.pem\"}",
	    "--ca-file: cannot read");
}

/* A read that must fail with rc and a message containing sub. */
static void
read_bad(json_t *p, int rc, const char *sub)
{
	struct dir_snapshot *s = (struct dir_snapshot *)1;

	want_msg(dirsrc_ldap_read(&s, p, "corp"), rc, sub);
	assert_null(s);
	if (strncmp(err_msg(), "source corp: ", 13) != 0)
		fail_msg("message \"%s\" does not name the source", err_msg());
	json_decref(p);
}

static void
test_dirsrc_ldap__read_refusals(void **state)
{
	char path[] = "/tmp/mailcert-ut-pw.XXXXXX", extra[256];
	FILE *f;
	int fd;

	(void)state;
	read_bad(params("{\"flavor\": \"novell\"}"), ERR_INVALID,
	    "source corp: --flavor");
	/* Port 1 on loopback: nothing listens, the connection is refused. */
	read_bad(params("{\"url\": \"ldap://127.0.0.1:1\", \"timeout\": 2}"),
	    ERR_IO, "source corp: ldap://127.0.0.1:1: anonymous bind failed: "
	    "Can't contact LDAP server (-1)");
	/* The password is read before any packet is sent. */
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("\nnot the first line\n", f);
	fclose(f);
	snprintf(extra, sizeof(extra), "{\"url\": \"ldap://127.0.0.1:1\", "
	    "\"bind_dn\": \"cn=r,dc=example,dc=org\", \"password_file\": "
	    "\"%s\"}", path);
	read_bad(params(extra), ERR_INVALID, "the first line is empty");
	assert_true((f = fopen(path, "w")) != NULL);
	fputs("secret\n", f);
	fclose(f);
	read_bad(params(extra), ERR_IO, "bind as cn=r,dc=example,dc=org "
	    "failed: Can't contact LDAP server (-1)");
	unlink(path);
}

static void
test_dirsrc_ldap__opts(void **state)
{
	const struct source_opt *o;
	size_t n = 0;
	int url = 0, base = 0;

	(void)state;
	for (o = dirsrc_ldap_opts; o->key != NULL; o++, n++) {
		if (strcmp(o->key, "url") == 0)
			url = o->required;
		if (strcmp(o->key, "user_base") == 0)
			base = o->required;
		if (strcmp(o->key, "page_size") == 0) {
			assert_int_equal(o->min, 1);
			assert_int_equal(o->max, 5000);
		}
		assert_non_null(o->help);
	}
	assert_int_equal(n, 19);
	assert_true(url && base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirsrc_ldap__check_url),
		cmocka_unit_test(test_dirsrc_ldap__check_rules),
		cmocka_unit_test(test_dirsrc_ldap__read_refusals),
		cmocka_unit_test(test_dirsrc_ldap__opts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
