/*
 * test-config.c: mailcert.conf parsing, every refusal and its message,
 * loading from a directory, and config_format() round trips.
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

#include "config.h"
#include "err.h"
#include "util/file.h"

#define NAME	"mailcert.conf"
#define TDIR	"/srv/mc"

static struct config *
parse_ok(const char *text)
{
	struct config *cfg = NULL;
	int rc;

	rc = config_parse(&cfg, text, strlen(text), NAME, TDIR);
	if (rc != 0)
		fail_msg("config_parse: %s", err_msg());
	assert_non_null(cfg);
	return cfg;
}

static void
parse_bad(const char *text, const char *msg)
{
	struct config *cfg = (struct config *)&cfg;
	int rc;

	err_clear();
	rc = config_parse(&cfg, text, strlen(text), NAME, TDIR);
	assert_int_equal(rc, ERR_INVALID);
	assert_null(cfg);
	if (strstr(err_msg(), msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", err_msg(), msg);
}

static void
assert_config_equal(const struct config *a, const struct config *b)
{
	assert_string_equal(a->dir, b->dir);
	assert_string_equal(a->org, b->org);
	assert_string_equal(a->country, b->country);
	assert_string_equal(a->base_url, b->base_url);
	assert_int_equal(a->ca_key, b->ca_key);
	assert_int_equal(a->issue_key, b->issue_key);
	assert_int_equal(a->issue_days, b->issue_days);
	assert_int_equal(a->issue_profile, b->issue_profile);
	assert_int_equal(a->crl_subscriber_days, b->crl_subscriber_days);
	assert_int_equal(a->crl_ca_days, b->crl_ca_days);
	assert_string_equal(a->store_backend, b->store_backend);
	assert_string_equal(a->store_path, b->store_path);
	assert_string_equal(a->kek_path, b->kek_path);
	if (a->dns_servers == NULL || b->dns_servers == NULL)
		assert_ptr_equal(a->dns_servers, b->dns_servers);
	else
		assert_string_equal(a->dns_servers, b->dns_servers);
	assert_int_equal(a->dns_timeout_ms, b->dns_timeout_ms);
	assert_int_equal(a->dns_tries, b->dns_tries);
	assert_int_equal(a->sync_renew_days, b->sync_renew_days);
	assert_int_equal(a->sync_on_removal, b->sync_on_removal);
	assert_int_equal(a->sync_max_removal_percent,
	    b->sync_max_removal_percent);
}

/* Format cfg, parse the text again, and expect the same config. */
static void
round_trip(const struct config *cfg)
{
	struct config *back = NULL;
	char *text = NULL;
	int rc;

	rc = config_format(&text, cfg);
	if (rc != 0)
		fail_msg("config_format: %s", err_msg());
	rc = config_parse(&back, text, strlen(text), "formatted", cfg->dir);
	if (rc != 0)
		fail_msg("reparse of\n%s\nfailed: %s", text, err_msg());
	assert_config_equal(cfg, back);
	config_free(back);
	free(text);
}

static void
test_config__defaults(void **state)
{
	struct config *cfg = NULL;

	(void)state;
	assert_int_equal(config_defaults(&cfg, TDIR), 0);
	assert_string_equal(cfg->dir, TDIR);
	assert_string_equal(cfg->org, "mailcert");
	assert_string_equal(cfg->country, "DE");
	assert_string_equal(cfg->base_url, "http://127.0.0.1:8080");
	assert_int_equal(cfg->ca_key, KEY_RSA4096);
	assert_int_equal(cfg->issue_key, KEY_RSA3072);
	assert_int_equal(cfg->issue_days, 365);
	assert_int_equal(cfg->issue_profile, PROFILE_STRICT);
	assert_int_equal(cfg->crl_subscriber_days, 7);
	assert_int_equal(cfg->crl_ca_days, 360);
	assert_string_equal(cfg->store_backend, "sqlite");
	assert_string_equal(cfg->store_path, TDIR "/mailcert.db");
	assert_string_equal(cfg->kek_path, TDIR "/kek.bin");
	assert_int_equal(cfg->sync_renew_days, 14);
	assert_int_equal(cfg->sync_on_removal, CONFIG_REMOVAL_REVOKE);
	assert_int_equal(cfg->sync_max_removal_percent, 10);
	config_free(cfg);
	config_free(NULL);
}

static void
test_config__empty_is_defaults(void **state)
{
	struct config *cfg, *def = NULL;

	(void)state;
	cfg = parse_ok("");
	assert_int_equal(config_defaults(&def, TDIR), 0);
	assert_config_equal(cfg, def);
	config_free(cfg);
	cfg = parse_ok("# only a comment\n; and another\n\n   \n[ca]\n");
	assert_config_equal(cfg, def);
	config_free(cfg);
	config_free(def);
}

static void
test_config__full(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok(
	    "# mailcert\r\n"
	    "[ca]\r\n"
	    "  org   =   Example GmbH  \r\n"
	    "country=AT\r\n"
	    "base_url = http://pki.example.org:8081/\r\n"
	    "key = ec-p384\r\n"
	    "\r\n"
	    "[ issue ]\r\n"
	    "\tkey\t=\tec-p256\r\n"
	    "days = 730\r\n"
	    "profile = multipurpose\r\n"
	    "; CRLs\r\n"
	    "[crl]\r\n"
	    "subscriber_days = 10\r\n"
	    "ca_days = 365\r\n"
	    "[store]\r\n"
	    "backend = sqlite\r\n"
	    "path = db/certs.db");
	assert_string_equal(cfg->org, "Example GmbH");
	assert_string_equal(cfg->country, "AT");
	assert_string_equal(cfg->base_url, "http://pki.example.org:8081");
	assert_int_equal(cfg->ca_key, KEY_ECP384);
	assert_int_equal(cfg->issue_key, KEY_ECP256);
	assert_int_equal(cfg->issue_days, 730);
	assert_int_equal(cfg->issue_profile, PROFILE_MULTIPURPOSE);
	assert_int_equal(cfg->crl_subscriber_days, 10);
	assert_int_equal(cfg->crl_ca_days, 365);
	assert_string_equal(cfg->store_path, TDIR "/db/certs.db");
	assert_string_equal(cfg->kek_path, TDIR "/kek.bin");
	config_free(cfg);
}

static void
test_config__bom(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("\xef\xbb\xbf[ca]\norg = X\n");
	assert_string_equal(cfg->org, "X");
	config_free(cfg);
}

static void
test_config__quoted(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[ca]\norg = \"  M\xc3\xbcller \\\"&\\\" S\xc3\xb6hne "
	    "#1 = ; \\\\ \"  \n");
	assert_string_equal(cfg->org,
	    "  M\xc3\xbcller \"&\" S\xc3\xb6hne #1 = ; \\ ");
	config_free(cfg);
	/* without quotes a "#" is part of the value: no inline comments */
	cfg = parse_ok("[ca]\norg = A#B ; C\n");
	assert_string_equal(cfg->org, "A#B ; C");
	config_free(cfg);
}

static void
test_config__bad_quotes(void **state)
{
	(void)state;
	parse_bad("[ca]\norg = \"abc\n",
	    NAME ":2: [ca] org: quoted value has no closing quote");
	parse_bad("[ca]\norg = \"a\\nb\"\n", "unknown escape");
	parse_bad("[ca]\norg = \"abc\\\"\n", "no closing quote");
	parse_bad("[ca]\norg = \"abc\" def\n",
	    "unexpected text after the closing quote");
}

static void
test_config__base_url(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[ca]\nbase_url = http://ca.example.com\n");
	assert_string_equal(cfg->base_url, "http://ca.example.com");
	config_free(cfg);
	cfg = parse_ok("[ca]\nbase_url = http://[2001:db8::1]:80/\n");
	assert_string_equal(cfg->base_url, "http://[2001:db8::1]:80");
	config_free(cfg);
	parse_bad("[ca]\nbase_url = https://ca.example.com\n",
	    NAME ":2: [ca] base_url: \"https://ca.example.com\" must use "
	    "http://");
	parse_bad("[ca]\nbase_url = ftp://x.example\n",
	    "must start with http://");
	parse_bad("[ca]\nbase_url = http://x.example/pki\n",
	    "must not have a path");
	parse_bad("[ca]\nbase_url = http://x.example//\n",
	    "must not have a path");
	parse_bad("[ca]\nbase_url = http://\n", "has no host");
	parse_bad("[ca]\nbase_url = http://:80\n", "malformed host");
	parse_bad("[ca]\nbase_url = http://x_y.example\n", "malformed host");
	parse_bad("[ca]\nbase_url = http://x.example:0\n", "bad port");
	parse_bad("[ca]\nbase_url = http://x.example:65536\n", "bad port");
	parse_bad("[ca]\nbase_url = http://x.example:\n", "bad port");
	parse_bad("[ca]\nbase_url = http://x.example:8a\n", "bad port");
	parse_bad("[ca]\nbase_url = http://x.example?a\n", "query");
	parse_bad("[ca]\nbase_url = http://u@x.example\n", "user information");
	parse_bad("[ca]\nbase_url = http://[zz]\n", "malformed IPv6");
	parse_bad("[ca]\nbase_url = http://[::1]x\n", "after the IPv6 host");
}

static void
test_config__org(void **state)
{
	char text[128];
	struct config *cfg;

	(void)state;
	memcpy(text, "[ca]\norg = ", 11);
	memset(text + 11, 'o', 64);
	text[75] = '\0';
	cfg = parse_ok(text);
	assert_int_equal(strlen(cfg->org), 64);
	config_free(cfg);
	text[75] = 'o';
	text[76] = '\0';
	parse_bad(text, "longer than 64 characters");
	parse_bad("[ca]\norg =\n", "[ca] org: must not be empty");
	parse_bad("[ca]\norg = \"\"\n", "must not be empty");
	parse_bad("[ca]\norg = M\xfcller\n", "not valid UTF-8");
}

static void
test_config__country(void **state)
{
	(void)state;
	parse_bad("[ca]\ncountry = de\n",
	    "[ca] country: \"de\" must be two upper-case letters");
	parse_bad("[ca]\ncountry = DEU\n", "two upper-case letters");
	parse_bad("[ca]\ncountry =\n", "two upper-case letters");
}

static void
test_config__ca_key(void **state)
{
	(void)state;
	parse_bad("[ca]\nkey = rsa-2048\n", NAME ":2: [ca] key: \"rsa-2048\" "
	    "is not allowed: the mailcert CA profile takes only rsa-4096 or "
	    "ec-p384");
	parse_bad("[ca]\nkey = ec-p256\n", "rsa-4096 or ec-p384");
	parse_bad("[ca]\nkey = dsa\n", NAME ":2: [ca] key: ");
	parse_bad("[ca]\nkey = dsa\n", "\"dsa\"");
}

static void
test_config__issue(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[issue]\ndays = 1\n");
	assert_int_equal(cfg->issue_days, 1);
	config_free(cfg);
	cfg = parse_ok("[issue]\ndays = 825\nkey = rsa-2048\n");
	assert_int_equal(cfg->issue_days, 825);
	assert_int_equal(cfg->issue_key, KEY_RSA2048);
	config_free(cfg);
	parse_bad("[issue]\ndays = 0\n",
	    NAME ":2: [issue] days: 0 is out of range (1..825)");
	parse_bad("[issue]\ndays = 826\n", "826 is out of range (1..825)");
	parse_bad("[issue]\ndays = 99999999999999999999\n", "out of range");
	parse_bad("[issue]\ndays = -1\n", "\"-1\" is not a whole number");
	parse_bad("[issue]\ndays = +5\n", "not a whole number");
	parse_bad("[issue]\ndays = 1 year\n", "not a whole number");
	parse_bad("[issue]\ndays =\n", "not a whole number");
	parse_bad("[issue]\nkey = rsa-1024\n", "[issue] key: ");
	parse_bad("[issue]\nprofile = legacy\n", "[issue] profile: ");
	parse_bad("[issue]\nprofile = legacy\n", "\"legacy\"");
}

static void
test_config__crl(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("[crl]\nsubscriber_days = 1\nca_days = 1\n");
	assert_int_equal(cfg->crl_subscriber_days, 1);
	assert_int_equal(cfg->crl_ca_days, 1);
	config_free(cfg);
	parse_bad("[crl]\nsubscriber_days = 11\n",
	    "[crl] subscriber_days: 11 is out of range (1..10)");
	parse_bad("[crl]\nca_days = 366\n",
	    "[crl] ca_days: 366 is out of range (1..365)");
	parse_bad("[crl]\nca_days = 0\n", "out of range");
}

static void
test_config__store(void **state)
{
	static const char rel[] = "[store]\npath = x.db\n";
	struct config *cfg = NULL;

	(void)state;
	cfg = parse_ok("[store]\npath = /var/lib/mc.db\n");
	assert_string_equal(cfg->store_path, "/var/lib/mc.db");
	config_free(cfg);
	assert_int_equal(config_parse(&cfg, rel, strlen(rel), NAME,
	    "rel/dir/"), 0);
	assert_string_equal(cfg->store_path, "rel/dir/x.db");
	assert_string_equal(cfg->kek_path, "rel/dir/kek.bin");
	config_free(cfg);
	parse_bad("[store]\nbackend = pg\n",
	    "[store] backend: \"pg\" is not supported (only \"sqlite\")");
	parse_bad("[store]\npath =\n", "[store] path: must not be empty");
}

static void
test_config__unknown(void **state)
{
	(void)state;
	parse_bad("[ca]\n[cert]\n", NAME ":2: unknown section \"[cert]\" "
	    "(expected [ca], [issue], [crl], [store], [dns] or [sync])");
	parse_bad("[ca]\norgg = x\n",
	    NAME ":2: unknown key \"orgg\" in [ca] (expected one of: org, "
	    "country, base_url, key)");
	parse_bad("[issue]\norg = x\n", "unknown key \"org\" in [issue]");
	parse_bad("[ca]\nOrg = x\n", "unknown key \"Org\"");
	parse_bad("org = x\n",
	    NAME ":1: key \"org\" comes before any [section]");
}

static void
test_config__duplicate(void **state)
{
	(void)state;
	parse_bad("[ca]\norg = a\n\n[issue]\n[ca]\norg = b\n",
	    NAME ":6: duplicate key \"org\" in [ca] (first set on line 2)");
	parse_bad("[issue]\ndays = 1\ndays = 1\n", "duplicate key \"days\"");
}

static void
test_config__malformed(void **state)
{
	(void)state;
	parse_bad("[ca]\norg\n", NAME ":2: expected \"key = value\"");
	parse_bad("[ca\n", NAME ":1: malformed section header");
	parse_bad("[ca]\n = x\n", NAME ":2: no key before \"=\"");
	parse_bad("[ca]\norg = a\x01" "b\n", ":2: control character 0x01");
	parse_bad("\n\n\x7f\n", ":3: control character 0x7f");
}

static void
test_config__nul_byte(void **state)
{
	struct config *cfg = (struct config *)&cfg;
	static const char text[] = "[ca]\norg = a\0b\n";

	(void)state;
	assert_int_equal(config_parse(&cfg, text, sizeof(text) - 1, NAME,
	    TDIR), ERR_INVALID);
	assert_null(cfg);
	assert_non_null(strstr(err_msg(), NAME ":2: control character 0x00"));
}

static void
test_config__too_large(void **state)
{
	struct config *cfg = (struct config *)&cfg;
	char *text;

	(void)state;
	assert_non_null(text = malloc(CONFIG_MAX_BYTES + 1));
	memset(text, '\n', CONFIG_MAX_BYTES + 1);
	assert_int_equal(config_parse(&cfg, text, CONFIG_MAX_BYTES, NAME,
	    TDIR), 0);
	config_free(cfg);
	assert_int_equal(config_parse(&cfg, text, CONFIG_MAX_BYTES + 1, NAME,
	    TDIR), ERR_INVALID);
	assert_null(cfg);
	assert_non_null(strstr(err_msg(), "\"" NAME "\" is larger than 65536"));
	free(text);
}

static void
test_config__format_defaults(void **state)
{
	struct config *cfg = NULL;

	(void)state;
	assert_int_equal(config_defaults(&cfg, TDIR), 0);
	round_trip(cfg);
	config_free(cfg);
	assert_int_equal(config_defaults(&cfg, "data"), 0);
	round_trip(cfg);
	config_free(cfg);
	assert_int_equal(config_defaults(&cfg, "data/"), 0);
	round_trip(cfg);
	config_free(cfg);
}

static void
test_config__format_special(void **state)
{
	static const char *orgs[] = {
		"M\xc3\xbcller & S\xc3\xb6hne",
		"#1 = \"best\" ; CA",
		"back\\slash\\",
		"\"",
		"  leading and trailing  ",
		"[ca]",
		"tab\tinside",
	};
	struct config *cfg = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(orgs) / sizeof(orgs[0]); i++) {
		cfg = parse_ok("[ca]\nkey = ec-p384\n[issue]\nkey = ec-p256\n"
		    "days = 90\nprofile = multipurpose\n[crl]\n"
		    "subscriber_days = 3\nca_days = 30\n"
		    "[store]\npath = /abs/path with # and \"q\".db\n");
		free(cfg->org);
		assert_non_null(cfg->org = strdup(orgs[i]));
		round_trip(cfg);
		config_free(cfg);
	}
}

static void
test_config__dns(void **state)
{
	struct config *cfg;

	(void)state;
	cfg = parse_ok("");
	assert_null(cfg->dns_servers);
	assert_int_equal(cfg->dns_timeout_ms, 3000);
	assert_int_equal(cfg->dns_tries, 2);
	round_trip(cfg);
	config_free(cfg);
	cfg = parse_ok("[dns]\nservers = 127.0.0.1:5353, [::1]:53,192.0.2.1\n"
	    "timeout_ms = 100\ntries = 5\n");
	assert_string_equal(cfg->dns_servers,
	    "127.0.0.1:5353,[::1]:53,192.0.2.1");
	assert_int_equal(cfg->dns_timeout_ms, 100);
	assert_int_equal(cfg->dns_tries, 5);
	round_trip(cfg);
	config_free(cfg);
	parse_bad("[dns]\nservers =\n", "[dns] servers: must not be empty");
	parse_bad("[dns]\nservers = ns1.example.org:53\n",
	    "\"ns1.example.org:53\" is not an IP address");
	parse_bad("[dns]\nservers = ::1\n", "\"::1\" is not an IP address");
	parse_bad("[dns]\nservers = [::1:53\n", "no closing \"]\"");
	parse_bad("[dns]\nservers = 127.0.0.1:0\n", "has a bad port");
	parse_bad("[dns]\nservers = 127.0.0.1:65536\n", "has a bad port");
	parse_bad("[dns]\nservers = [::1]x\n", "has a bad port");
	parse_bad("[dns]\nservers = 127.0.0.1,,127.0.0.2\n", "empty entry");
	parse_bad("[dns]\ntimeout_ms = 99\n",
	    "[dns] timeout_ms: 99 is out of range (100..30000)");
	parse_bad("[dns]\ntimeout_ms = 30001\n", "out of range");
	parse_bad("[dns]\ntries = 0\n", "[dns] tries: 0 is out of range "
	    "(1..5)");
	parse_bad("[dns]\ntries = 6\n", "out of range");
	parse_bad("[dns]\nport = 53\n", "unknown key \"port\" in [dns] "
	    "(expected one of: servers, timeout_ms, tries)");
}

static void
test_config__sync(void **state)
{
	struct config *cfg;
	char *text = NULL;

	(void)state;
	cfg = parse_ok("[sync]\nrenew_days = 1\non_removal = keep\n"
	    "max_removal_percent = 0\n");
	assert_int_equal(cfg->sync_renew_days, 1);
	assert_int_equal(cfg->sync_on_removal, CONFIG_REMOVAL_KEEP);
	assert_int_equal(cfg->sync_max_removal_percent, 0);
	round_trip(cfg);
	assert_int_equal(config_format(&text, cfg), 0);
	assert_non_null(strstr(text, "[sync]\nrenew_days = 1\n"
	    "on_removal = keep\nmax_removal_percent = 0\n"));
	free(text);
	config_free(cfg);
	cfg = parse_ok("[sync]\nrenew_days = 365\non_removal = revoke\n"
	    "max_removal_percent = 100\n");
	assert_int_equal(cfg->sync_renew_days, 365);
	assert_int_equal(cfg->sync_on_removal, CONFIG_REMOVAL_REVOKE);
	assert_int_equal(cfg->sync_max_removal_percent, 100);
	round_trip(cfg);
	config_free(cfg);
	parse_bad("[sync]\nrenew_days = 0\n",
	    NAME ":2: [sync] renew_days: 0 is out of range (1..365)");
	parse_bad("[sync]\nrenew_days = 366\n", "out of range (1..365)");
	parse_bad("[sync]\nmax_removal_percent = 101\n",
	    "[sync] max_removal_percent: 101 is out of range (0..100)");
	parse_bad("[sync]\nmax_removal_percent = 10%\n",
	    "\"10%\" is not a whole number");
	parse_bad("[sync]\non_removal = delete\n",
	    "[sync] on_removal: \"delete\" is neither \"revoke\" nor "
	    "\"keep\"");
	parse_bad("[sync]\non_removal = Revoke\n", "is neither");
	parse_bad("[sync]\nrenew = 5\n", "unknown key \"renew\" in [sync] "
	    "(expected one of: renew_days, on_removal, max_removal_percent)");
}

static void
test_config__format_store_path(void **state)
{
	static const char text_in[] = "[store]\npath = sub/x.db\n";
	struct config *cfg = NULL;
	char *text = NULL;

	(void)state;
	assert_int_equal(config_parse(&cfg, text_in, strlen(text_in), NAME,
	    "data"), 0);
	assert_string_equal(cfg->store_path, "data/sub/x.db");
	assert_int_equal(config_format(&text, cfg), 0);
	/* written relative again, or a relative dir would be prefixed twice */
	assert_non_null(strstr(text, "path = sub/x.db\n"));
	round_trip(cfg);
	free(text);
	config_free(cfg);
}

static void
test_config__format_control(void **state)
{
	struct config *cfg = NULL;
	char *text = (char *)&text;

	(void)state;
	assert_int_equal(config_defaults(&cfg, TDIR), 0);
	free(cfg->org);
	assert_non_null(cfg->org = strdup("a\nb"));
	assert_int_equal(config_format(&text, cfg), ERR_INVALID);
	assert_null(text);
	assert_non_null(strstr(err_msg(), "control character 0x0a"));
	config_free(cfg);
}

static void
test_config__load_missing(void **state)
{
	struct config *cfg = (struct config *)&cfg;
	char dir[] = "/tmp/test-config.XXXXXX";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(config_load(&cfg, dir), ERR_UNINIT);
	assert_null(cfg);
	assert_non_null(strstr(err_msg(), "is not an initialised mailcert "
	    "directory (no mailcert.conf); run mailcert init"));
	assert_non_null(strstr(err_msg(), dir));
	assert_int_equal(config_load(&cfg, "/nonexistent/mailcert"),
	    ERR_UNINIT);
	assert_int_equal(rmdir(dir), 0);
}

static void
test_config__load(void **state)
{
	struct config *cfg = NULL, *def = NULL;
	char dir[] = "/tmp/test-config.XXXXXX", *path, *text = NULL;
	static const char bad[] = "[ca]\ncountry = Deutschland\n";

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(path = file_join(dir, CONFIG_FILE));
	assert_int_equal(config_defaults(&def, dir), 0);
	assert_int_equal(config_format(&text, def), 0);
	assert_int_equal(file_write(path, text, strlen(text), 0600, 0), 0);
	assert_int_equal(config_load(&cfg, dir), 0);
	assert_config_equal(cfg, def);
	config_free(cfg);
	cfg = (struct config *)&cfg;
	assert_int_equal(file_write(path, bad, sizeof(bad) - 1, 0600, 0), 0);
	assert_int_equal(config_load(&cfg, dir), ERR_INVALID);
	assert_null(cfg);
	/* messages name the file that was read, and the line */
	assert_non_null(strstr(err_msg(), path));
	assert_non_null(strstr(err_msg(), "mailcert.conf:2: [ca] country"));
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	free(text);
	free(path);
	config_free(def);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config__defaults),
		cmocka_unit_test(test_config__empty_is_defaults),
		cmocka_unit_test(test_config__full),
		cmocka_unit_test(test_config__bom),
		cmocka_unit_test(test_config__quoted),
		cmocka_unit_test(test_config__bad_quotes),
		cmocka_unit_test(test_config__base_url),
		cmocka_unit_test(test_config__org),
		cmocka_unit_test(test_config__country),
		cmocka_unit_test(test_config__ca_key),
		cmocka_unit_test(test_config__issue),
		cmocka_unit_test(test_config__crl),
		cmocka_unit_test(test_config__store),
		cmocka_unit_test(test_config__unknown),
		cmocka_unit_test(test_config__duplicate),
		cmocka_unit_test(test_config__malformed),
		cmocka_unit_test(test_config__nul_byte),
		cmocka_unit_test(test_config__too_large),
		cmocka_unit_test(test_config__format_defaults),
		cmocka_unit_test(test_config__format_special),
		cmocka_unit_test(test_config__sync),
		cmocka_unit_test(test_config__format_store_path),
		cmocka_unit_test(test_config__dns),
		cmocka_unit_test(test_config__format_control),
		cmocka_unit_test(test_config__load_missing),
		cmocka_unit_test(test_config__load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
