/*
 * test-log.c: the daemon's log (log.h): text and JSON lines on stderr,
 * the level filter, the _r variants, control characters, and lines cut to
 * size that still parse as JSON. stderr is pointed at a file for each
 * test and read back.
 */
#include <fcntl.h>
#include <pthread.h>

#include <jansson.h>

#include "helpers.h"
#include "log.h"

struct fixture {
	char		 path[64];
	int		 saved;		/* the real stderr */
};

static int
setup(void **state)
{
	struct fixture *fx;
	int fd;

	if ((fx = calloc(1, sizeof(*fx))) == NULL)
		return -1;
	snprintf(fx->path, sizeof(fx->path), "/tmp/mailcert-log.XXXXXX");
	if ((fd = mkstemp(fx->path)) == -1 ||
	    (fx->saved = dup(STDERR_FILENO)) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		return -1;
	close(fd);
	log_set_format(LOG_TEXT);
	log_set_level(LOG_INFO);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	dup2(fx->saved, STDERR_FILENO);
	close(fx->saved);
	unlink(fx->path);
	free(fx);
	return 0;
}

/* What was logged so far. Caller frees. */
static char *
logged(struct fixture *fx)
{
	unsigned char *text;
	size_t len;

	ok(file_read(&text, &len, fx->path, 1 << 20));
	return (char *)text;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

static void
test_log__text(void **state)
{
	struct fixture *fx = *state;
	char *s;

	log_info("listening on %s", "127.0.0.1:80");
	log_warn("a \"quoted\" thing, ignoring");
	log_debug("not shown at info level");
	err_set(ERR_INVALID, "line 3: bad key");
	log_error_r(ERR_INVALID, "configuration not reloaded");
	err_clear();
	log_warn_r(ERR_STORE, "store");
	s = logged(fx);
	assert_string_equal(s,
	    "INFO test_log__text: listening on 127.0.0.1:80\n"
	    "WARN test_log__text: a \"quoted\" thing, ignoring\n"
	    "ERROR test_log__text: configuration not reloaded: line 3: bad "
	    "key\n"
	    "WARN test_log__text: store: database failure\n");
	free(s);
}

static void
test_log__levels(void **state)
{
	struct fixture *fx = *state;
	char *s;

	log_set_level(LOG_DEBUG);
	log_debug("one");
	log_set_level(LOG_ERROR);
	log_info("two");
	log_warn("three");
	log_error("four");
	s = logged(fx);
	assert_string_equal(s, "DEBUG test_log__levels: one\n"
	    "ERROR test_log__levels: four\n");
	free(s);
}

static void
test_log__control_chars(void **state)
{
	struct fixture *fx = *state;
	char *s;

	/* A user-controlled string cannot forge a second line. */
	log_info("name \"%s\"", "evil\nERROR fake: injected");
	s = logged(fx);
	assert_int_equal(count_lines(s), 1);
	assert_non_null(strstr(s, "evil?ERROR"));
	free(s);
}

static void
test_log__json(void **state)
{
	struct fixture *fx = *state;
	json_error_t je;
	json_t *j;
	char *s, *line;

	log_set_format(LOG_JSON);
	log_info("quote \" backslash \\ newline \n tab \t bell \a é");
	log_error_r(ERR_NOMEM, "x");
	s = logged(fx);
	assert_int_equal(count_lines(s), 2);
	line = s;
	*strchr(line, '\n') = '\0';
	j = json_loads(line, 0, &je);
	if (j == NULL)
		fail_msg("%s: %s", line, je.text);
	assert_string_equal(json_string_value(json_object_get(j, "level")),
	    "info");
	assert_string_equal(json_string_value(json_object_get(j, "func")),
	    "test_log__json");
	assert_string_equal(json_string_value(json_object_get(j, "msg")),
	    "quote \" backslash \\ newline \n tab \t bell \a é");
	/* "2026-11-23T15:17:12.345Z" */
	assert_int_equal(strlen(json_string_value(json_object_get(j, "ts"))),
	    24);
	json_decref(j);
	free(s);
}

static void
test_log__long_lines(void **state)
{
	struct fixture *fx = *state;
	json_error_t je;
	json_t *j;
	char *big, *s;
	size_t n = 10000;

	assert_non_null(big = malloc(n + 1));
	/* Escapes and multi-byte characters right up to the cut. */
	for (size_t i = 0; i < n; i += 2)
		memcpy(big + i, i % 3 ? "\"\"" : "é", 2);
	big[n] = '\0';
	log_set_format(LOG_JSON);
	log_info("%s", big);
	s = logged(fx);
	assert_int_equal(count_lines(s), 1);
	assert_true(strlen(s) <= 4096);
	j = json_loads(s, 0, &je);
	if (j == NULL)
		fail_msg("cut JSON line does not parse: %s", je.text);
	json_decref(j);
	free(s);

	assert_int_equal(ftruncate(STDERR_FILENO, 0), 0);
	lseek(STDERR_FILENO, 0, SEEK_SET);
	log_set_format(LOG_TEXT);
	log_info("%s", big);
	s = logged(fx);
	assert_int_equal(count_lines(s), 1);
	assert_true(strlen(s) <= 4096);
	assert_non_null(strstr(s, "...\n"));
	free(s);
	free(big);
}

static void *
writer(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 200; i++)
		log_info("%0100d", i);
	return NULL;
}

static void
test_log__threads(void **state)
{
	struct fixture *fx = *state;
	pthread_t t[4];
	char *s, *p, *e;
	size_t i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, writer, NULL), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	s = logged(fx);
	assert_int_equal(count_lines(s), 800);
	/* Every line whole: none interleaved with another. */
	for (p = s; *p != '\0'; p = e + 1) {
		e = strchr(p, '\n');
		assert_int_equal(e - p, strlen("INFO writer: ") + 100);
	}
	free(s);
}

static void
test_log__format_parse(void **state)
{
	enum log_format f;

	(void)state;
	ok(log_format_parse(&f, "json"));
	assert_int_equal(f, LOG_JSON);
	ok(log_format_parse(&f, "text"));
	assert_int_equal(f, LOG_TEXT);
	want_msg(log_format_parse(&f, "xml"), ERR_INVALID, "\"xml\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_log__text, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log__levels, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log__control_chars, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log__json, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log__long_lines, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log__threads, setup,
		    teardown),
		cmocka_unit_test(test_log__format_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
