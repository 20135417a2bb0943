/*
 * test-dirsrc-graph.c: the Microsoft Graph source's page parser (the
 * primary address, nulls, id case, every refusal naming its entry) and the
 * parameter rules of `source add graph`. The HTTP side (token, paging,
 * throttling) runs against a stand-in in tests/integration/graph.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "directory.h"
#include "dirsrc-graph.h"
#include "err.h"
#include "helpers.h"

#define ID1	"a0000000-0000-4000-8000-000000000001"
#define ID2	"a0000000-0000-4000-8000-000000000002"
#define GRP	"11111111-1111-4111-8111-111111111111"

static struct dirsrc_graph_page *
page_ok(const char *text)
{
	struct dirsrc_graph_page *pg = NULL;

	ok(dirsrc_graph_parse_page(&pg, text, strlen(text)));
	assert_non_null(pg);
	return pg;
}

static void
page_bad(const char *text, const char *sub)
{
	struct dirsrc_graph_page *pg = (struct dirsrc_graph_page *)1;

	want_msg(dirsrc_graph_parse_page(&pg, text, strlen(text)),
	    ERR_INVALID, sub);
	assert_null(pg);
}

static void
test_dirsrc_graph__page(void **state)
{
	struct dirsrc_graph_page *pg;

	(void)state;
	pg = page_ok("{\"@odata.count\":2,\"value\":["
	    "{\"id\":\"" ID1 "\",\"mail\":\"anna@example.org\","
	    "\"givenName\":\"Anna\",\"surname\":\"Schmidt\","
	    "\"userPrincipalName\":\"anna@t.example\",\"proxyAddresses\":"
	    "[\"smtp:alias@example.org\",\"SMTP:anna.schmidt@example.org\","
	    "\"SMTP:second@example.org\"]},"
	    "{\"id\":\"A0000000-0000-4000-8000-00000000000F\",\"mail\":null,"
	    "\"givenName\":\"\",\"userPrincipalName\":\"b@t.example\","
	    "\"proxyAddresses\":[\"smtp:only.alias@example.org\",\"SMTP:\"]}"
	    "],\"@odata.nextLink\":\"https://graph.example/next\"}");
	assert_int_equal(pg->nusers, 2);
	assert_string_equal(pg->users[0].id, ID1);
	assert_string_equal(pg->users[0].email, "anna.schmidt@example.org");
	assert_string_equal(pg->users[0].given_name, "Anna");
	assert_string_equal(pg->users[0].surname, "Schmidt");
	/* One spelling of a GUID, so a user is one key across groups. */
	assert_string_equal(pg->users[1].id,
	    "a0000000-0000-4000-8000-00000000000f");
	assert_null(pg->users[1].email);
	assert_null(pg->users[1].given_name);
	assert_null(pg->users[1].surname);
	assert_string_equal(pg->next, "https://graph.example/next");
	dirsrc_graph_page_free(pg);

	pg = page_ok("{\"value\":[{\"id\":\"" ID2 "\",\"mail\":\"m@example.org"
	    "\",\"userPrincipalName\":\"u\",\"proxyAddresses\":null}],"
	    "\"@odata.nextLink\":null}");
	assert_string_equal(pg->users[0].email, "m@example.org");
	assert_null(pg->next);
	dirsrc_graph_page_free(pg);

	pg = page_ok("{\"value\":[]}");
	assert_int_equal(pg->nusers, 0);
	dirsrc_graph_page_free(pg);
}

static void
test_dirsrc_graph__page_errors(void **state)
{
	char *big;

	(void)state;
	page_bad("{\"value\":[", "not JSON (line 1");
	page_bad("[]", "not a JSON object");
	page_bad("{\"error\":{\"code\":\"x\"}}", "no \"value\" array");
	page_bad("{\"value\":{}}", "no \"value\" array");
	page_bad("{\"value\":[],\"value\":[]}", "not JSON");
	page_bad("{\"value\":[1]}", "entry 1 is not an object");
	page_bad("{\"value\":[{\"id\":\"" ID1 "\",\"userPrincipalName\":\"u\"},"
	    "{\"id\":\"42\",\"userPrincipalName\":\"u\"}]}",
	    "entry 2: \"id\" is not a Graph object id");
	page_bad("{\"value\":[{\"id\":\"" ID1 "\","
	    "\"userPrincipalName\":null}]}",
	    "entry 1 (id " ID1 "): no userPrincipalName; does the app have "
	    "the User.Read.All");
	page_bad("{\"value\":[{\"id\":\"" ID1 "\",\"userPrincipalName\":\"u\","
	    "\"mail\":7}]}", "entry 1 (id " ID1 "): \"mail\" is not a string");
	page_bad("{\"value\":[{\"id\":\"" ID1 "\",\"userPrincipalName\":\"u\","
	    "\"proxyAddresses\":\"SMTP:a@b\"}]}",
	    "\"proxyAddresses\" is not an array");
	page_bad("{\"value\":[{\"id\":\"" ID1 "\",\"userPrincipalName\":\"u\","
	    "\"proxyAddresses\":[1]}]}", "proxyAddresses entry 1 is not a "
	    "string");
	page_bad("{\"value\":[],\"@odata.nextLink\":\"\"}",
	    "\"@odata.nextLink\" is not a URL");
	page_bad("{\"value\":[],\"@odata.nextLink\":5}",
	    "\"@odata.nextLink\" is not a URL");

	/* The ceilings of directory.h, named before a snapshot is built. */
	assert_non_null(big = malloc(DIR_VALUE_MAX + 200));
	snprintf(big, DIR_VALUE_MAX + 200, "{\"value\":[{\"id\":\"" ID1
	    "\",\"userPrincipalName\":\"u\",\"surname\":\"%0*d\"}]}",
	    DIR_VALUE_MAX + 1, 0);
	page_bad(big, "\"surname\" is longer than 1024 bytes");
	free(big);
}

/* params of a good source with key set to value (JSON), or removed. */
static json_t *
params_with(const char *secret, const char *key, const char *value)
{
	json_t *p;
	json_error_t e;

	p = json_pack("{s:s, s:s, s:s, s:[s], s:s, s:s}", "tenant",
	    "contoso.onmicrosoft.com", "client_id", "c", "secret_file",
	    secret, "groups", GRP, "base_url", "https://graph.microsoft.us/"
	    "v1.0", "login_url", "http://127.0.0.1:1");
	assert_non_null(p);
	if (value == NULL)
		json_object_del(p, key);
	else
		assert_int_equal(json_object_set_new(p, key,
		    json_loads(value, JSON_DECODE_ANY, &e)), 0);
	return p;
}

static void
check_bad(const char *secret, const char *key, const char *value,
    const char *sub)
{
	json_t *p = params_with(secret, key, value);

	want_msg(dirsrc_graph_check(p), ERR_INVALID, sub);
	json_decref(p);
}

static void
test_dirsrc_graph__check(void **state)
{
	char dir[] = "/tmp/test-graph.XXXXXX", secret[64], empty[64];
	json_t *p;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(secret, sizeof(secret), "%s/secret", dir);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	ok(file_write(secret, "s3cret\n", 7, 0600, 1));
	ok(file_write(empty, "\nsecret on line 2\n", 18, 0600, 1));

	p = params_with(secret, "timeout", "30");
	ok(dirsrc_graph_check(p));
	json_decref(p);
	p = params_with(secret, "base_url", "\"http://[::1]:8080/v1.0\"");
	ok(dirsrc_graph_check(p));
	json_decref(p);

	check_bad(secret, "base_url", "\"http://graph.microsoft.com/v1.0\"",
	    "--base-url: \"http://graph.microsoft.com/v1.0\": only https://");
	check_bad(secret, "login_url", "\"ftp://127.0.0.1/\"",
	    "--login-url: \"ftp://127.0.0.1/\": only https://");
	check_bad(secret, "base_url", "\"graph.microsoft.com/v1.0\"",
	    "is not an absolute URL");
	check_bad(secret, "base_url",
	    "\"https://graph.microsoft.com/v1.0?x=1\"",
	    "has a query or fragment");
	check_bad(secret, "tenant", "\"a/b\"", "--tenant: \"a/b\"");
	check_bad(secret, "tenant", NULL, "--tenant: missing");
	check_bad(secret, "groups", "[\"" GRP "\", \"staff\"]",
	    "--groups: entry 2 is not a group object id");
	check_bad(secret, "groups", "[\"" GRP "\", \"11111111-1111-4111-8111-"
	    "111111111111\"]", "given twice");
	check_bad(secret, "groups", "[]", "--groups: must be a non-empty");
	check_bad(secret, "max_retries", "11", "--max-retries: must be a whole "
	    "number in 0..10");
	check_bad(empty, "timeout", "30", "first line is empty");
	p = params_with("/nonexistent/secret", "timeout", "30");
	want_msg(dirsrc_graph_check(p), ERR_IO, "--secret-file: ");
	json_decref(p);

	unlink(secret);
	unlink(empty);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dirsrc_graph__page),
		cmocka_unit_test(test_dirsrc_graph__page_errors),
		cmocka_unit_test(test_dirsrc_graph__check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
