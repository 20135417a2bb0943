/*
 * test-source.c: the source type registry, the generic parameter check
 * against each type's table, and reading a CSV source through
 * source_read(). Type errors are tried on whichever LDAP or Graph option
 * has the type, so the check is tested on the real tables.
 */
#include "helpers.h"
#include "directory.h"
#include "source.h"
#include "store-dir.h"

static json_t *
obj(const char *text)
{
	json_t *j;

	assert_non_null(j = json_loads(text, 0, NULL));
	return j;
}

/* The first option of type ty in the LDAP or Graph table; *t its type. */
static const struct source_opt *
find_typed(enum source_type *t, enum source_opt_type ty)
{
	static const enum source_type types[] = { SOURCE_LDAP, SOURCE_GRAPH };
	const struct source_opt *o;
	size_t i;

	for (i = 0; i < 2; i++)
		for (o = source_opts(types[i]); o->key != NULL; o++)
			if (o->type == ty) {
				*t = types[i];
				return o;
			}
	return NULL;
}

/* "--user-base" for "user_base". */
static void
cli_name(char buf[96], const char *key)
{
	size_t i;

	snprintf(buf, 96, "--%s", key);
	for (i = 2; buf[i] != '\0'; i++)
		if (buf[i] == '_')
			buf[i] = '-';
}

/* params is {key: value}; the check must fail naming the option. */
static void
want_bad(enum source_type t, const char *key, json_t *value, const char *sub)
{
	json_t *p;
	char name[96], msg[160];

	assert_non_null(p = json_object());
	assert_int_equal(json_object_set_new(p, key, value), 0);
	cli_name(name, key);
	snprintf(msg, sizeof(msg), "%s: %s", name, sub);
	want_msg(source_params_check(t, p), ERR_INVALID, msg);
	json_decref(p);
}

/* params is {key: value}; whatever fails, it is not this option. */
static void
want_fine(enum source_type t, const char *key, json_t *value)
{
	json_t *p;
	char name[96];

	assert_non_null(p = json_object());
	assert_int_equal(json_object_set_new(p, key, value), 0);
	cli_name(name, key);
	err_clear();
	(void)source_params_check(t, p);
	if (strncmp(err_msg(), name, strlen(name)) == 0 &&
	    err_msg()[strlen(name)] == ':')
		fail_msg("%s refused: %s", name, err_msg());
	json_decref(p);
}

static void
test_source__types(void **state)
{
	int t;

	(void)state;
	assert_int_equal(source_type_parse("ldap"), SOURCE_LDAP);
	assert_int_equal(source_type_parse("graph"), SOURCE_GRAPH);
	assert_int_equal(source_type_parse("csv"), SOURCE_CSV);
	assert_int_equal(source_type_parse("LDAP"), -1);
	assert_int_equal(source_type_parse(""), -1);
	for (t = 0; t < SOURCE__MAX; t++) {
		assert_int_equal(source_type_parse(source_type_name(t)), t);
		assert_non_null(source_opts(t));
	}
	assert_string_equal(source_opts(SOURCE_CSV)[0].key, "path");
	assert_int_equal(source_opts(SOURCE_CSV)[0].type, SOURCE_OPT_PATH);
	assert_true(source_opts(SOURCE_CSV)[0].required);
	assert_null(source_opts(SOURCE_CSV)[1].key);
}

static void
test_source__check_csv(void **state)
{
	json_t *p;

	(void)state;
	p = obj("{\"path\": \"/nonexistent/later.csv\"}");
	ok(source_params_check(SOURCE_CSV, p));
	json_decref(p);

	p = obj("[]");
	want_msg(source_params_check(SOURCE_CSV, p), ERR_INVALID,
	    "not a JSON object");
	json_decref(p);

	p = obj("{}");
	want_msg(source_params_check(SOURCE_CSV, p), ERR_INVALID,
	    "--path: missing");
	json_decref(p);

	p = obj("{\"path\": \"/x.csv\", \"user_base\": \"dc=x\"}");
	want_msg(source_params_check(SOURCE_CSV, p), ERR_INVALID,
	    "--user-base: unknown option for a csv source");
	json_decref(p);

	want_bad(SOURCE_CSV, "path", json_integer(1), "must be a string");
	want_bad(SOURCE_CSV, "path", json_string(""), "must not be empty");
	want_bad(SOURCE_CSV, "path", json_true(), "must be a string");
	want_bad(SOURCE_CSV, "path", json_stringn("a\0b", 3), "holds a NUL");
}

static void
test_source__check_string(void **state)
{
	enum source_type t;
	const struct source_opt *o;

	(void)state;
	if ((o = find_typed(&t, SOURCE_OPT_STRING)) == NULL)
		skip();
	want_bad(t, o->key, json_integer(3), "must be a string");
	want_bad(t, o->key, json_string(""), "must not be empty");
	want_bad(t, o->key, json_null(), "must be a string");
	want_fine(t, o->key, json_string("x"));
}

static void
test_source__check_int(void **state)
{
	enum source_type t;
	const struct source_opt *o;
	char sub[64];

	(void)state;
	if ((o = find_typed(&t, SOURCE_OPT_INT)) == NULL)
		skip();
	assert_true(o->min <= o->max);
	want_bad(t, o->key, json_string("5"), "must be a whole number");
	want_bad(t, o->key, json_real(5.0), "must be a whole number");
	snprintf(sub, sizeof(sub), "%ld is outside %ld..%ld", o->min - 1,
	    o->min, o->max);
	want_bad(t, o->key, json_integer(o->min - 1), sub);
	snprintf(sub, sizeof(sub), "%ld is outside", o->max + 1);
	want_bad(t, o->key, json_integer(o->max + 1), sub);
	want_fine(t, o->key, json_integer(o->min));
	want_fine(t, o->key, json_integer(o->max));
}

static void
test_source__check_bool(void **state)
{
	enum source_type t;
	const struct source_opt *o;

	(void)state;
	if ((o = find_typed(&t, SOURCE_OPT_BOOL)) == NULL)
		skip();
	/* false is never stored: an absent flag keeps the reader's default */
	want_bad(t, o->key, json_false(), "a flag is stored as true");
	want_bad(t, o->key, json_integer(1), "a flag");
	want_bad(t, o->key, json_string("true"), "a flag");
	want_fine(t, o->key, json_true());
}

static void
test_source__check_list(void **state)
{
	enum source_type t;
	const struct source_opt *o;

	(void)state;
	if ((o = find_typed(&t, SOURCE_OPT_LIST)) == NULL)
		skip();
	want_bad(t, o->key, json_string("a,b"), "must be a non-empty list");
	want_bad(t, o->key, json_array(), "must be a non-empty list");
	want_bad(t, o->key, json_pack("[s, s]", "a", ""),
	    "entry 2 is not a non-empty text");
	want_bad(t, o->key, json_pack("[i]", 1),
	    "entry 1 is not a non-empty text");
	want_fine(t, o->key, json_pack("[s]", "a"));
	want_fine(t, o->key, json_pack("[s, s]", "a", "b"));
}

static void
test_source__check_required(void **state)
{
	static const enum source_type types[] = { SOURCE_LDAP, SOURCE_GRAPH,
	    SOURCE_CSV };
	const struct source_opt *o;
	json_t *p;
	char name[96], msg[128];
	size_t i;

	(void)state;
	/* An empty object names the first required option of each type. */
	for (i = 0; i < 3; i++) {
		for (o = source_opts(types[i]); o->key != NULL; o++)
			if (o->required)
				break;
		if (o->key == NULL)
			continue;
		cli_name(name, o->key);
		snprintf(msg, sizeof(msg), "%s: missing", name);
		p = obj("{}");
		want_msg(source_params_check(types[i], p), ERR_INVALID, msg);
		json_decref(p);
		p = obj("{\"no_such_option\": 1}");
		want_msg(source_params_check(types[i], p), ERR_INVALID,
		    "--no-such-option: unknown option");
		json_decref(p);
	}
}

struct csvfix {
	char	 dir[64];
	char	 path[96];
};

static int
setup(void **state)
{
	struct csvfix *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/mailcert-src.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/users.csv", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct csvfix *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
write_csv(const char *path, const char *text)
{
	ok(file_write(path, text, strlen(text), 0600, 0));
}

static void
test_source__read_csv(void **state)
{
	struct csvfix *f = *state;
	struct store_source src;
	struct dir_snapshot *snap = NULL;
	char params[160];

	memset(&src, 0, sizeof(src));
	src.name = (char *)"hr";
	src.type = (char *)"csv";
	snprintf(params, sizeof(params), "{\"path\":\"%s\"}", f->path);
	src.params = params;
	write_csv(f->path, "id,email,given_name,surname,groups\n"
	    "u1,a@example.org,Anna,Schmidt,staff;it\n"
	    "u2,,Bob,,staff\n");
	ok(source_read(&snap, &src, NULL));
	assert_string_equal(snap->source, "hr");
	assert_int_equal(snap->nusers, 2);
	assert_int_equal(snap->ngroups, 2);
	assert_true(snap->finished);
	assert_non_null(dir_user_find(snap, "u2"));
	dir_snapshot_free(snap);

	/* A malformed line: all or nothing, naming source, file and line. */
	snap = (struct dir_snapshot *)&src;
	write_csv(f->path, "id,email,given_name,surname,groups\n"
	    "u1,a@example.org,Anna,Schmidt,staff\n"
	    "u2,b@example.org,Bob\n");
	want_msg(source_read(&snap, &src, NULL), ERR_INVALID, "source hr: ");
	assert_null(snap);
	assert_non_null(strstr(err_msg(), "users.csv:3: "));
	assert_ptr_equal(strstr(err_msg(), "source hr: "), err_msg());

	unlink(f->path);
	want_msg(source_read(&snap, &src, NULL), ERR_IO, "source hr: ");
	assert_ptr_equal(strstr(err_msg(), "source hr: "), err_msg());
	assert_null(snap);
}

static void
test_source__read_bad_record(void **state)
{
	struct store_source src;
	struct dir_snapshot *snap = NULL;

	(void)state;
	memset(&src, 0, sizeof(src));
	src.name = (char *)"hr";
	src.type = (char *)"csv";
	src.params = (char *)"{\"path\":";
	want_msg(source_read(&snap, &src, NULL), ERR_INVALID,
	    "source hr: stored parameters are not JSON");
	src.params = (char *)"{\"path\":\"\"}";
	want_msg(source_read(&snap, &src, NULL), ERR_INVALID,
	    "source hr: --path: must not be empty");
	src.params = (char *)"{\"path\":\"/a\",\"bind_dn\":\"x\"}";
	want_msg(source_read(&snap, &src, NULL), ERR_INVALID,
	    "source hr: --bind-dn: unknown option");
	src.type = (char *)"nis";
	want_msg(source_read(&snap, &src, NULL), ERR_INVALID,
	    "source hr: unknown type \"nis\"");
	assert_null(snap);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source__types),
		cmocka_unit_test(test_source__check_csv),
		cmocka_unit_test(test_source__check_string),
		cmocka_unit_test(test_source__check_int),
		cmocka_unit_test(test_source__check_bool),
		cmocka_unit_test(test_source__check_list),
		cmocka_unit_test(test_source__check_required),
		cmocka_unit_test_setup_teardown(test_source__read_csv, setup,
		    teardown),
		cmocka_unit_test(test_source__read_bad_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
